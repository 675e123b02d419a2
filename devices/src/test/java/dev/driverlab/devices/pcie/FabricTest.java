package dev.driverlab.devices.pcie;

import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.BarHandler;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpObserver;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.devices.testing.BareMetal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FabricTest {
  /** A scratch register file: 16 dwords, plus DMA on demand. */
  static final class Scratch extends PciDeviceModel implements BarHandler {
    final long[] regs = new long[16];

    @Override
    protected void declare(FunctionSpec f) {
      f.ids(0x1af4, 0x10f0).classCode(0xff0000).interruptPin(1).msi(1, true, false).pcieEndpoint(1, 3, 4)
          .memoryBar(0, 4096, this);
    }

    @Override
    public long read(long offset, int size) {
      return regs[(int) (offset / 8) & 15] >>> (8 * (offset & 7)) & (size == 8 ? -1L : (1L << (8 * size)) - 1);
    }

    @Override
    public void write(long offset, long value, int size) {
      regs[(int) (offset / 8) & 15] = value;
    }

    DmaResult read(long a, byte[] d) {
      return dmaRead(a, d, 0, d.length);
    }

    DmaResult dmaReadInto(long a, byte[] d, int off, int len) {
      return dmaRead(a, d, off, len);
    }

    DmaResult write(long a, byte[] d) {
      return dmaWrite(a, d, 0, d.length);
    }

    boolean msi() {
      return signalMsi(0);
    }
  }

  /** The default machine with {@code s} in its first free slot (behind the switch), booted by firmware. */
  static Machine booted(FabricTest.Scratch s) {
    Machine m = Machine.createDefault();
    m.plug(s);
    BareMetal.boot(m);
    return m;
  }

  static byte[] pattern(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 13 + seed);
    }
    return b;
  }

  @Test
  void mmioReadThroughSwitchReturnsRegisterValue() {
    Machine m = Machine.createDefault();
    Scratch s = new Scratch();
    Slot slot = m.plug(s);
    assertEquals("switch0/0", slot.name());
    BareMetal bm = BareMetal.boot(m);
    Endpoint ep = (Endpoint) slot.functions().get(0);
    long bar = BareMetal.barBase(ep, 0);
    assertTrue(bar >= Machine.MMIO32_BASE, "BAR placed in the MMIO window: " + Long.toHexString(bar));
    bm.write(bar + 8, 0xdeadbeefL, 4);
    assertEquals(0xdeadbeefL, bm.read(bar + 8, 4));
    assertEquals(0xbeefL, bm.read(bar + 8, 2));
    assertEquals(3, ep.id().bus(), "root port bus 1, switch internal bus 2, slot bus 3");
  }

  @Test
  void readsOfUnclaimedAddressesAndAbsentFunctionsAreAllOnes() {
    Machine m = Machine.createDefault();
    BareMetal.boot(m);
    assertEquals(0xffffffffL, m.read(Machine.MMIO32_BASE + 0x1000_0000L, 4));
    // ECAM: bus 0 device 0 is the host bridge, device 9 is absent.
    assertEquals(0x29c08086L, m.read(Machine.ECAM_BASE, 4));
    assertEquals(0xffffffffL, m.read(Machine.ECAM_BASE + (9 << 15), 4));
    assertEquals(0xffffL, m.read(Machine.ECAM_BASE + (9 << 15), 2));
  }

  @Test
  void dmaReadSplitsAtMrrsAndCompletionsArriveByTag() throws Exception {
    Machine m = Machine.createDefault();
    Scratch s = new Scratch();
    m.plug(s);
    BareMetal.boot(m);
    byte[] pattern = new byte[1024];
    for (int i = 0; i < pattern.length; i++) {
      pattern[i] = (byte) (i * 7);
    }
    m.writeRam(0x10_0000, pattern, 0, pattern.length);
    List<Tlp> up = new ArrayList<>();
    try (AutoCloseable c = m.fabric().addObserver((t, dir, link, tlp) -> {
      if (link.equals("switch0/0")) {
        up.add(tlp);
      }
    })) {
      byte[] got = new byte[1024];
      assertEquals(DmaResult.OK, s.read(0x10_0000, got));
      assertArrayEquals(pattern, got);
    }
    long mrds = up.stream().filter(t -> t.type() == TlpType.MRD).count();
    assertEquals(2, mrds, "1024 bytes at MRRS 512 → two reads");
    assertTrue(up.stream().filter(t -> t.type() == TlpType.CPLD).allMatch(t -> t.payloadLength() <= 128 + 4));
  }

  /** An observer that watches only some kinds of TLP is shown exactly those; one beside it still sees all. */
  @Test
  void observersAreShownOnlyTheKindsTheyWatch() throws Exception {
    Machine m = Machine.createDefault();
    Scratch s = new Scratch();
    Slot slot = m.plug(s);
    BareMetal bm = BareMetal.boot(m);
    long bar = BareMetal.barBase((Endpoint) slot.functions().get(0), 0);
    List<String> all = new ArrayList<>();
    List<String> upRequests = new ArrayList<>();
    TlpObserver requestsGoingUp = new TlpObserver() {
      @Override
      public void onTlp(long timeNs, LinkDirection dir, String link, Tlp tlp) {
        upRequests.add(dir + " " + tlp.type() + " " + link);
      }

      @Override
      public boolean watches(LinkDirection dir, TlpType type) {
        return dir == LinkDirection.UPSTREAM && (type == TlpType.MRD || type == TlpType.MWR);
      }
    };
    try (AutoCloseable a = m.fabric().addObserver((t, dir, link, tlp) -> all.add(dir + " " + tlp.type() + " " + link));
        AutoCloseable b = m.fabric().addObserver(requestsGoingUp)) {
      bm.write(bar + 8, 0x1234, 4); // MWr down
      assertEquals(0x1234, bm.read(bar + 8, 4)); // MRd down, CplD up
      assertEquals(DmaResult.OK, s.write(0x2000, new byte[] {1, 2, 3, 4})); // MWr up
      assertEquals(DmaResult.OK, s.read(0x2000, new byte[4])); // MRd up, CplD down
    }
    assertEquals(List.of("UPSTREAM MWR switch0/0", "UPSTREAM MWR 00:01.0", "UPSTREAM MRD switch0/0",
        "UPSTREAM MRD 00:01.0"),
        upRequests);
    assertEquals(12, all.size(), all::toString); // 6 TLPs, each on two links
    assertEquals(upRequests, all.stream().filter(upRequests::contains).distinct().toList());
  }

  /** Bus Master Enable as any config door leaves it: a config write, the hardware's own init, a loaded image. */
  @Test
  void dmaWithoutBusMasterIsRefusedAndRamUntouched() {
    Machine m = Machine.createDefault();
    Scratch s = new Scratch();
    Slot slot = m.plug(s);
    BareMetal.boot(m);
    List<String> errors = new ArrayList<>();
    m.fabric().addErrorSink(errors::add);
    ConfigSpace cs = ((Endpoint) slot.functions().get(0)).config();
    cs.write(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY);
    assertEquals(DmaResult.BUS_MASTER_DISABLED, s.write(0x2000, new byte[] {1, 2, 3, 4}));
    assertEquals(0, m.read(0x2000, 4));
    assertTrue(errors.get(0).contains("Bus Master Enable is clear"), errors.toString());

    cs.init(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER);
    assertEquals(DmaResult.OK, s.write(0x2004, new byte[] {9, 10, 11, 12}));
    byte[] image = cs.snapshot();
    image[ConfigSpace.COMMAND] &= (byte) ~ConfigSpace.COMMAND_MASTER;
    cs.load(image);
    assertEquals(DmaResult.BUS_MASTER_DISABLED, s.write(0x2000, new byte[] {5, 6, 7, 8}));
    assertEquals(DmaResult.BUS_MASTER_DISABLED, s.read(0x2004, new byte[4]));
    assertEquals(0, m.read(0x2000, 4), "refused writes leave RAM untouched");
    assertEquals(0x0c0b_0a09, m.read(0x2004, 4));
    assertEquals(3, errors.size(), errors.toString());
  }

  @Test
  void dmaOutsideRamIsUnsupportedRequest() {
    Machine m = Machine.createDefault();
    Scratch s = new Scratch();
    m.plug(s);
    BareMetal.boot(m);
    List<String> errors = new ArrayList<>();
    m.fabric().addErrorSink(errors::add);
    assertEquals(DmaResult.UNSUPPORTED_REQUEST, s.read(0x9000_0000_0L, new byte[8]));
    assertTrue(errors.get(0).contains("no RAM there"), errors.toString());
  }

  @Test
  void msiNeedsBusMasterAndReachesTheRootComplex() {
    Machine m = Machine.createDefault();
    Scratch s = new Scratch();
    Slot slot = m.plug(s);
    BareMetal bm = BareMetal.boot(m);
    Endpoint ep = (Endpoint) slot.functions().get(0);
    BareMetal.enableMsi(ep, 0x41);
    assertTrue(s.msi());
    assertEquals(0x41, bm.msis().get(0).data());
    ep.config().write(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY);
    assertFalse(s.msi());
    assertEquals(1, bm.msis().size());
  }

  @Test
  void barSizingReadsBackTheSizeMask() {
    Machine m = Machine.createDefault();
    Slot slot = m.plug(new Scratch());
    Endpoint ep = (Endpoint) slot.functions().get(0);
    ep.config().write(ConfigSpace.BAR0, 4, 0xffffffff);
    assertEquals(0xfffff000, ep.config().read32(ConfigSpace.BAR0));
    ep.config().write(ConfigSpace.VENDOR_ID, 2, 0x1111);
    assertEquals(0x1af4, ep.config().read16(ConfigSpace.VENDOR_ID), "read-only field ignores writes");
  }

  @Test
  void ramCostsNothingUntilTouched() {
    Machine m = Machine.builder().ramBytes(4L << 30).build();
    assertEquals(0, m.ramHeapBytes());
    m.write(Machine.HIGH_RAM_BASE + 123, 0x55, 1);
    assertEquals(0x55, m.read(Machine.HIGH_RAM_BASE + 123, 1));
    assertEquals(64 << 10, m.ramHeapBytes());
  }

  @Test
  void upstreamDirectionIsObserved() throws Exception {
    Machine m = Machine.createDefault();
    Scratch s = new Scratch();
    m.plug(s);
    BareMetal.boot(m);
    List<LinkDirection> dirs = new ArrayList<>();
    try (AutoCloseable c = m.fabric().addObserver((t, dir, link, tlp) -> dirs.add(dir))) {
      s.write(0x3000, new byte[8]);
    }
    assertTrue(dirs.contains(LinkDirection.UPSTREAM));
  }
}
