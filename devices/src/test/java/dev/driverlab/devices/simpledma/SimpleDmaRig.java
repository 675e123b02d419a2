package dev.driverlab.devices.simpledma;

import static dev.driverlab.devices.simpledma.SimpleDmaDevice.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Bridge;
import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.Firmware;
import dev.driverlab.devices.pcie.PciFunction;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.pcie.tlp.AnalyzerText;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.devices.testing.BareMetal;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * One machine with a simple DMA card in the first switch slot, booted by the bare-metal firmware. The
 * test plays the driver with MMIO loads and stores (the road a driver takes) and watches the card's link
 * like a protocol analyzer.
 */
final class SimpleDmaRig {
  /** The tutorial's numbers (seed-examples.md §2). */
  static final long TUTORIAL_BUS_ADDRESS = 0x001F_F000L;
  static final int TUTORIAL_DEVICE_OFFSET = 0x8000;
  static final int TUTORIAL_SIZE = 32;
  /** MSI data the tests program (the vector a kernel would pick). */
  static final int MSI_DATA = 0x41;

  /** A TLP seen on the card's link, when. */
  record Seen(long timeNs, LinkDirection dir, Tlp tlp) {
    @Override
    public String toString() {
      return AnalyzerText.line(timeNs, dir, tlp);
    }
  }

  final Machine m;
  final Slot slot;
  final BareMetal bm;
  final Endpoint ep;
  /** Physical base of BAR0 (registers) and BAR1 (on-board RAM). */
  final long regs;
  final long ram;
  /** Hardware error lines (guest errors, master aborts, IOMMU faults). */
  final List<String> errors = new ArrayList<>();
  /**
   * The engine's traffic on the card's link: its own requests (MRd, MWr, MSI, INTx messages) and the
   * completions coming back to it. The CPU's MMIO requests (requester 00:00.0) and their completions are
   * left out, so a test may read registers while it watches.
   */
  final List<Seen> seen = new ArrayList<>();

  SimpleDmaRig(Machine m) {
    this.m = m;
    slot = m.plug(new SimpleDmaDevice());
    bm = BareMetal.boot(m);
    ep = (Endpoint) slot.functions().get(0);
    regs = BareMetal.barBase(ep, BAR_REGS);
    ram = BareMetal.barBase(ep, BAR_RAM);
    m.fabric().addErrorSink(errors::add);
    String link = slot.link().name();
    PcieId card = ep.id();
    m.fabric().addObserver((t, dir, name, tlp) -> {
      if (name.equals(link) && tlp.requester().equals(card)) {
        seen.add(new Seen(t, dir, tlp));
      }
    });
  }

  SimpleDmaRig() {
    this(Machine.createDefault());
  }

  long reg(int offset) {
    return bm.read(regs + offset, 4);
  }

  void setReg(int offset, long value) {
    bm.write(regs + offset, value, 4);
  }

  /** Programs a descriptor as a driver would: DST, SRC (two halves), SIZE, DIRECTION. */
  void program(int direction, long deviceOffset, long busAddress, long size) {
    setReg(REG_DST_ADDR, deviceOffset);
    setReg(REG_SRC_ADDR_LO, busAddress & 0xffffffffL);
    setReg(REG_SRC_ADDR_HI, busAddress >>> 32);
    setReg(REG_SIZE, size);
    setReg(REG_DIRECTION, direction);
  }

  /** Rings the doorbell and forgets the engine traffic seen so far. */
  void ring() {
    setReg(REG_CONTROL, CONTROL_START);
    seen.clear();
  }

  void interruptsOn() {
    setReg(REG_INT_ENABLE, INT_DONE | INT_ERROR);
  }

  void msiOn() {
    BareMetal.enableMsi(ep, MSI_DATA);
  }

  /** Runs the clock until nothing is pending. */
  void run() {
    bm.runUntilIdle(1_000_000_000L);
  }

  long now() {
    return m.clock().nowNs();
  }

  /** Device RAM as the CPU reads it through BAR1. */
  byte[] deviceRam(int offset, int len) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) bm.read(ram + offset + i, 1);
    }
    return b;
  }

  /** Fills device RAM through BAR1 with 4-byte stores; {@code data.length} a multiple of 4. */
  void fillDeviceRam(int offset, byte[] data) {
    for (int i = 0; i < data.length; i += 4) {
      long v = (data[i] & 0xffL) | (data[i + 1] & 0xffL) << 8 | (data[i + 2] & 0xffL) << 16
          | (data[i + 3] & 0xffL) << 24;
      bm.write(ram + offset + i, v, 4);
    }
  }

  byte[] hostRam(long address, int len) {
    byte[] b = new byte[len];
    m.readRam(address, b, 0, len);
    return b;
  }

  List<Tlp> seenOf(TlpType type) {
    return seen.stream().map(Seen::tlp).filter(t -> t.type() == type).toList();
  }

  /** Memory writes on the link that are not MSIs: the engine's data. */
  List<Tlp> dataWrites() {
    return seenOf(TlpType.MWR).stream().filter(t -> !isMsi(t)).toList();
  }

  static boolean isMsi(Tlp t) {
    return t.type() == TlpType.MWR && t.address() >= Firmware.MSI_BASE
        && t.address() < Firmware.MSI_BASE + Firmware.MSI_SIZE;
  }

  /** Whether any PCI INTx line is up at the interrupt controller (this card is the only source). */
  boolean intx() {
    return IntStream.range(Firmware.FIRST_PCI_GSI, Firmware.FIRST_PCI_GSI + Firmware.PCI_GSI_COUNT)
        .anyMatch(bm::intxLevel);
  }

  /** The root port above the card: it splits the Root Complex's completions at its MPS. */
  Bridge rootPort() {
    return m.rootComplex().rootPorts().stream().filter(p -> p.routesBus(ep.id().bus())).findFirst().orElseThrow();
  }

  /** Programs Max Payload Size on the card and its root port, and Max Read Request Size on the card. */
  void payloadSizes(int mps, int mrrs) {
    devCtl(ep, mps, mrrs);
    devCtl(rootPort(), mps, 512);
  }

  private static void devCtl(PciFunction f, int mps, int mrrs) {
    ConfigSpace cs = f.config();
    int at = cs.findCapability(Capabilities.ID_EXP) + Capabilities.EXP_DEVCTL;
    int v = cs.read16(at) & ~(Capabilities.EXP_DEVCTL_PAYLOAD | Capabilities.EXP_DEVCTL_READRQ);
    cs.write(at, 2, v | sizeCode(mps) << 5 | sizeCode(mrrs) << 12);
  }

  private static int sizeCode(int bytes) {
    return Integer.numberOfTrailingZeros(bytes / 128);
  }

  /** The engine traffic as analyzer lines, for failure messages. */
  String trace() {
    return seen.stream().map(Seen::toString).collect(Collectors.joining("\n"));
  }

  /** 01 02 03 04 repeated. */
  static byte[] tutorialPattern(int len) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (i % 4 + 1);
    }
    return b;
  }

  /** Bytes that differ between neighbouring 256-byte blocks, so a misplaced chunk shows. */
  static byte[] pattern(int len, int seed) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (i * 31 + seed + (i >>> 8));
    }
    return b;
  }

  static boolean crosses4k(long address, int len) {
    return len > 0 && (address >>> 12) != ((address + len - 1) >>> 12);
  }
}
