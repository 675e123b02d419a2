package dev.driverlab.drivers.edu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.edu.EduDevice;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.proc.Process;
import java.util.List;

/**
 * A booted machine with edu cards, the edu module and one user process, for the driver tests. User
 * memory: {@link #arg} is a page for ioctl arguments, {@link #data} two pages for DMA payloads.
 */
final class EduRig implements AutoCloseable {
  final Machine machine;
  final Kernel k;
  final Process p;
  final EduDriver driver = new EduDriver();
  final long arg;
  final long data;

  private EduRig(Machine machine) {
    this.machine = machine;
    this.k = Kernel.boot(machine);
    this.p = k.createProcess("edu-test");
    this.arg = p.mmapAnonymous(4096);
    this.data = p.mmapAnonymous(8192);
  }

  /** A default machine with {@code cards} edu cards in the first free slots (switch slots first). */
  static EduRig withCards(int cards) {
    Machine m = Machine.createDefault();
    for (int i = 0; i < cards; i++) {
      m.plug(new EduDevice());
    }
    return new EduRig(m);
  }

  /** A default machine with one edu card in each of the named slots. */
  static EduRig inSlots(String... slots) {
    Machine m = Machine.createDefault();
    for (String s : slots) {
      m.slot(s).plug(new EduDevice());
    }
    return new EduRig(m);
  }

  /** Boots and loads the module with {@code params}, asserting insmod succeeds. */
  static EduRig loaded(int cards, String... params) {
    EduRig r = withCards(cards);
    assertEquals(0, r.insmod(params), () -> r.k.dmesg().text());
    return r;
  }

  int insmod(String... params) {
    return k.modules().insmod(driver, params);
  }

  int open(int minor) {
    int fd = p.open(EduUapi.devicePath(minor), File.O_RDWR);
    assertTrue(fd >= 0, () -> "open " + EduUapi.devicePath(minor) + ": " + fd + "\n" + k.dmesg().text());
    return fd;
  }

  List<PciDev> eduDevices() {
    return k.pci().devices().stream().filter(d -> d.vendor == 0x1234 && d.device == 0x11e8).toList();
  }

  // ---- user memory ------------------------------------------------------------------------------

  void putInt(long at, int v) {
    assertEquals(0, p.mm().write(at, new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)}, 0, 4));
  }

  int getInt(long at) {
    byte[] b = new byte[4];
    assertEquals(0, p.mm().read(at, b, 0, 4));
    return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
  }

  void poke(long at, byte[] bytes) {
    assertEquals(0, p.mm().write(at, bytes, 0, bytes.length));
  }

  byte[] peek(long at, int n) {
    byte[] b = new byte[n];
    assertEquals(0, p.mm().read(at, b, 0, n));
    return b;
  }

  /** Fills {@link #arg} with a {@code struct edu_dma_xfer} and returns its address. */
  long xfer(long userAddr, long offset, long len) {
    byte[] x = new byte[EduUapi.EDU_DMA_XFER_SIZE];
    for (int i = 0; i < 8; i++) {
      x[EduUapi.XFER_USER_ADDR + i] = (byte) (userAddr >>> (8 * i));
    }
    for (int i = 0; i < 4; i++) {
      x[EduUapi.XFER_OFFSET + i] = (byte) (offset >>> (8 * i));
      x[EduUapi.XFER_LEN + i] = (byte) (len >>> (8 * i));
    }
    poke(arg, x);
    return arg;
  }

  // ---- operations -------------------------------------------------------------------------------

  /** EDU_IOC_FACTORIAL of {@code n}: the result, after asserting the ioctl returned 0. */
  int factorial(int fd, int n) {
    putInt(arg, n);
    assertEquals(0, p.ioctl(fd, EduUapi.EDU_IOC_FACTORIAL, arg), () -> "factorial(" + n + ")\n" + k.dmesg().text());
    return getInt(arg);
  }

  long toDevice(int fd, byte[] bytes, int offset) {
    poke(data, bytes);
    return p.ioctl(fd, EduUapi.EDU_IOC_DMA_TO_DEVICE, xfer(data, offset, bytes.length));
  }

  long fromDevice(int fd, int offset, int len) {
    return p.ioctl(fd, EduUapi.EDU_IOC_DMA_FROM_DEVICE, xfer(data + 4096, offset, len));
  }

  static byte[] pattern(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 7 + seed + (i >>> 8));
    }
    return b;
  }

  /** n! mod 2^32, computed here, independently of the device. */
  static int factorialMod32(int n) {
    int r = 1;
    for (int i = 2; i <= n; i++) {
      r *= i;
    }
    return r;
  }

  List<BugReport> bugs() {
    return k.bugs().reports();
  }

  void assertNoBugs() {
    assertTrue(bugs().isEmpty(), () -> "bug reports: " + bugs() + "\n" + k.dmesg().text());
  }

  /**
   * The teaching mode skip_set_master=1 is a driver bug on purpose: the DMA-TLP check must catch it
   * (device DMA or MSI refused for lack of Bus Master Enable), and nothing else may be reported.
   */
  void assertOnlyMissingBusMasterReports() {
    var all = bugs();
    assertFalse(all.isEmpty(), "the missing pci_set_master must be reported");
    assertTrue(all.stream().allMatch(b -> b.check() == dev.driverlab.kernel.debug.Check.DMA_TLP
        && b.message().contains("Bus Master Enable is clear")), () -> "bug reports: " + all);
  }

  @Override
  public void close() {
    k.shutdown();
  }
}
