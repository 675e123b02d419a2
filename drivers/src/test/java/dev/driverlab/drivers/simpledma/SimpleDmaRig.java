package dev.driverlab.drivers.simpledma;

import static dev.driverlab.drivers.simpledma.SimpleDmaUapi.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.devices.simpledma.SimpleDmaDevice;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.proc.Process;
import java.util.ArrayList;
import java.util.List;

/**
 * A booted machine with simple-dma cards plugged, the driver loaded and one user process, plus the
 * helpers the tests share: ioctl structs in user memory, and a recorder of the TLPs on each card's own
 * link (every TLP to or from a card crosses it exactly once, whatever switches lie above).
 */
final class SimpleDmaRig implements AutoCloseable {
  /** One TLP as it crossed a card's link. */
  record Seen(long timeNs, LinkDirection dir, Tlp tlp) {}

  final Machine machine;
  final List<Slot> slots = new ArrayList<>();
  final Kernel k;
  final Process p;
  final int insmod;
  /** A page of user memory for ioctl structs. */
  final long arg;
  private final List<List<Seen>> seen = new ArrayList<>();
  private boolean recording;

  private SimpleDmaRig(Machine machine, List<String> slotNames, String... params) {
    this.machine = machine;
    for (String name : slotNames) {
      Slot s = machine.slot(name);
      s.plug(new SimpleDmaDevice());
      slots.add(s);
      seen.add(new ArrayList<>());
    }
    int cards = slotNames.size();
    k = Kernel.boot(machine);
    for (int i = 0; i < cards; i++) {
      String link = slots.get(i).link().name();
      List<Seen> mine = seen.get(i);
      machine.fabric().addObserver((t, dir, name, tlp) -> {
        if (recording && name.equals(link)) {
          mine.add(new Seen(t, dir, tlp));
        }
      });
    }
    insmod = k.modules().insmod(new SimpleDmaDriver(), params);
    p = k.createProcess("sdma-test");
    arg = p.mmapAnonymous(4096);
  }

  /** The default machine with {@code cards} cards behind its switch, the driver loaded with {@code params}. */
  static SimpleDmaRig boot(int cards, String... params) {
    return boot(Machine.createDefault(), cards, params);
  }

  static SimpleDmaRig boot(Machine machine, int cards, String... params) {
    return new SimpleDmaRig(machine, machine.slots().stream().limit(cards).map(Slot::name).toList(), params);
  }

  /** Cards in the named slots ("switch0/1", "00:02.0"), card 0 in the first. */
  static SimpleDmaRig bootInSlots(List<String> slotNames, String... params) {
    return new SimpleDmaRig(Machine.createDefault(), slotNames, params);
  }

  @Override
  public void close() {
    k.shutdown();
  }

  // ---- kernel-side views ------------------------------------------------------------------------

  PciDev pdev(int card) {
    return k.pci().devices().stream()
        .filter(d -> d.vendor == SimpleDmaRegs.VENDOR_ID && d.device == SimpleDmaRegs.DEVICE_ID)
        .toList().get(card);
  }

  PcieId id(int card) {
    return pdev(card).id();
  }

  /** The root port above {@code card}: its Max Payload Size splits the completions the card receives. */
  PciDev rootPort(int card) {
    PciDev d = pdev(card);
    while (d.parent() != null) {
      d = d.parent();
    }
    return d;
  }

  /** Device RAM as the CPU sees it through BAR1, read with physical loads (not through the driver). */
  byte[] deviceRam(int card, int offset, int len) {
    long base = pdev(card).resource[SimpleDmaRegs.BAR_RAM].start;
    byte[] b = new byte[len];
    int i = 0;
    while (i < len) {
      long at = base + offset + i;
      int size = (at & 7) == 0 && len - i >= 8 ? 8 : 1;
      long v = machine.read(at, size);
      for (int j = 0; j < size; j++) {
        b[i + j] = (byte) (v >>> (8 * j));
      }
      i += size;
    }
    return b;
  }

  // ---- TLP recording ----------------------------------------------------------------------------

  void record() {
    seen.forEach(List::clear);
    recording = true;
  }

  List<Seen> tlps(int card) {
    return List.copyOf(seen.get(card));
  }

  /** TLPs the card sent or received on its own account: its DMA requests, their completions, its MSI. */
  List<Tlp> deviceInitiated(int card) {
    PcieId me = id(card);
    return seen.get(card).stream().map(Seen::tlp)
        .filter(t -> (t.type() == TlpType.MRD || t.type() == TlpType.MWR || t.type() == TlpType.CPLD)
            && t.requester().equals(me))
        .toList();
  }

  static long count(List<Tlp> tlps, TlpType type) {
    return tlps.stream().filter(t -> t.type() == type).count();
  }

  // ---- user side --------------------------------------------------------------------------------

  int open(int card) {
    int fd = p.open("/dev/" + deviceName(card), File.O_RDWR);
    assertTrue(fd >= 0, "open /dev/" + deviceName(card) + ": " + fd);
    return fd;
  }

  long userBuffer(int len) {
    long a = p.mmapAnonymous(len);
    assertTrue(a > 0, "mmap " + a);
    return a;
  }

  void poke(long uaddr, byte[] b) {
    assertEquals(0, p.mm().write(uaddr, b, 0, b.length));
  }

  byte[] peek(long uaddr, int len) {
    byte[] b = new byte[len];
    assertEquals(0, p.mm().read(uaddr, b, 0, len));
    return b;
  }

  /** SDMA_IOC_INFO into the arg page; returns the struct's bytes. */
  byte[] info(int fd) {
    assertEquals(0, p.ioctl(fd, SDMA_IOC_INFO, arg));
    return peek(arg, SDMA_INFO_SIZE);
  }

  /** SDMA_IOC_TRANSFER with the struct in the arg page; returns the ioctl's result. */
  long transfer(int fd, int dir, int devOffset, long user, int len) {
    poke(arg, SimpleDmaUapi.transfer(dir, devOffset, user, len));
    return p.ioctl(fd, SDMA_IOC_TRANSFER, arg);
  }

  /** The struct sdma_transfer as the last transfer left it (outputs filled in on success). */
  byte[] lastTransfer() {
    return peek(arg, SDMA_TRANSFER_SIZE);
  }

  long readRam(int fd, int devOffset, int len, long user) {
    poke(arg, ramIo(devOffset, len, user));
    return p.ioctl(fd, SDMA_IOC_READ_RAM, arg);
  }

  long writeRam(int fd, int devOffset, int len, long user) {
    poke(arg, ramIo(devOffset, len, user));
    return p.ioctl(fd, SDMA_IOC_WRITE_RAM, arg);
  }

  /** The tutorial's pattern 01 02 03 04 repeated. */
  static byte[] tutorialPattern(int len) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (i % 4 + 1);
    }
    return b;
  }

  /** A pattern where every byte position differs from its neighbours over 64 KiB (catches shifts). */
  static byte[] countingPattern(int len, int seed) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (i * 7 + (i >>> 8) + seed);
    }
    return b;
  }
}
