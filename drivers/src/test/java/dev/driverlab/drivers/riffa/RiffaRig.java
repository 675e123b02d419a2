package dev.driverlab.drivers.riffa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.check.KernelChecks;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.proc.Process;
import java.util.List;

/**
 * A machine with device models plugged in (switch slots first), the kernel booted with its cross-room
 * checks installed, the RIFFA driver loaded and a process "riffa-user" with /dev/riffa open. Talks to the driver through its ABI only:
 * {@code fpga_chnl_io} written into user memory, then ioctl, as RIFFA's C library does.
 */
final class RiffaRig implements AutoCloseable {
  static final long MS = 1_000_000L;

  final Machine m;
  final Kernel k;
  final RiffaDriver drv = new RiffaDriver();
  final Process p;
  final int fd;
  final List<PciDeviceModel> devices;
  /** One page of user memory per ioctl argument slot (threads use different slots). */
  private final long args;

  RiffaRig(Machine machine, String params, PciDeviceModel... devices) {
    this.m = machine;
    this.devices = List.of(devices);
    for (PciDeviceModel d : devices) {
      m.plug(d);
    }
    k = Kernel.boot(m);
    KernelChecks.install(k); // device DMA joined with the driver's live mappings (DMA-TLP), usercopy sizes
    int r = params == null ? k.modules().insmod(drv) : k.modules().insmod(drv, params);
    assertEquals(0, r, "insmod riffa");
    p = k.createProcess("riffa-user");
    fd = p.open(RiffaUapi.DEVICE_PATH, File.O_RDWR);
    assertTrue(fd >= 0, "open /dev/riffa: " + fd);
    args = p.mmapAnonymous(64 * 4096);
  }

  RiffaRig(PciDeviceModel... devices) {
    this(Machine.createDefault(), null, devices);
  }

  @Override
  public void close() {
    k.shutdown();
  }

  // ---- user memory -------------------------------------------------------------------------------

  long alloc(long bytes) {
    long a = p.mmapAnonymous(bytes);
    assertTrue(a > 0, "mmap " + bytes + ": " + a);
    return a;
  }

  void putWords(long at, int[] words) {
    byte[] b = new byte[4 * words.length];
    for (int i = 0; i < words.length; i++) {
      b[4 * i] = (byte) words[i];
      b[4 * i + 1] = (byte) (words[i] >>> 8);
      b[4 * i + 2] = (byte) (words[i] >>> 16);
      b[4 * i + 3] = (byte) (words[i] >>> 24);
    }
    assertEquals(0, p.mm().write(at, b, 0, b.length));
  }

  int[] getWords(long at, int n) {
    byte[] b = new byte[4 * n];
    assertEquals(0, p.mm().read(at, b, 0, b.length));
    int[] w = new int[n];
    for (int i = 0; i < n; i++) {
      w[i] = FpgaChnlIo.le32(b, 4 * i);
    }
    return w;
  }

  /** 1, 2, ..., n: what every RIFFA sample program sends. */
  static int[] counting(int n) {
    int[] w = new int[n];
    for (int i = 0; i < n; i++) {
      w[i] = i + 1;
    }
    return w;
  }

  // ---- the ioctl ABI -----------------------------------------------------------------------------

  /** Writes a {@code struct fpga_chnl_io} at argument slot {@code slot} and returns its address. */
  long chnlIo(int slot, int id, int chnl, int len, int offset, int last, long timeoutMs, long data) {
    byte[] b = new byte[FpgaChnlIo.SIZE];
    put32(b, FpgaChnlIo.OFF_ID, id);
    put32(b, FpgaChnlIo.OFF_CHNL, chnl);
    put32(b, FpgaChnlIo.OFF_LEN, len);
    put32(b, FpgaChnlIo.OFF_OFFSET, offset);
    put32(b, FpgaChnlIo.OFF_LAST, last);
    put64(b, FpgaChnlIo.OFF_TIMEOUT, timeoutMs);
    put64(b, FpgaChnlIo.OFF_DATA, data);
    long at = args + 4096L * slot;
    assertEquals(0, p.mm().write(at, b, 0, b.length));
    return at;
  }

  /** IOCTL_SEND as the syscall returns it (a long: zero-extended 32-bit result, or -errno). */
  long send(int id, int chnl, long data, int len, int offset, int last, long timeoutMs) {
    return sendAt(0, id, chnl, data, len, offset, last, timeoutMs);
  }

  long sendAt(int slot, int id, int chnl, long data, int len, int offset, int last, long timeoutMs) {
    return p.ioctl(fd, RiffaUapi.IOCTL_SEND, chnlIo(slot, id, chnl, len, offset, last, timeoutMs, data));
  }

  long recv(int id, int chnl, long data, int len, long timeoutMs) {
    return recvAt(1, id, chnl, data, len, timeoutMs);
  }

  long recvAt(int slot, int id, int chnl, long data, int len, long timeoutMs) {
    return p.ioctl(fd, RiffaUapi.IOCTL_RECV, chnlIo(slot, id, chnl, len, 0, 0, timeoutMs, data));
  }

  /** What the C library's {@code int} result is: the low 32 bits, signed. */
  static int asInt(long syscallResult) {
    return (int) syscallResult;
  }

  static void put32(byte[] b, int at, int v) {
    for (int i = 0; i < 4; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }

  static void put64(byte[] b, int at, long v) {
    for (int i = 0; i < 8; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }

  /** IOCTL_LIST into user memory, decoded. */
  byte[] listRaw() {
    long at = args + 4096L * 63;
    assertEquals(0, p.ioctl(fd, RiffaUapi.IOCTL_LIST, at));
    byte[] b = new byte[FpgaInfoList.SIZE];
    assertEquals(0, p.mm().read(at, b, 0, b.length));
    return b;
  }

  void assertNoBugs() {
    assertTrue(k.bugs().reports().isEmpty(), () -> "bug reports: " + k.bugs().reports() + "\n" + k.dmesg().text());
  }

  /**
   * The reply of chnl_tester (riffa.md §5.4) to a send of 1..n with B words per beat: words 0..B-1 are
   * the last beat received (kB+1 .. n, then zeros), every word i ≥ B is i + 1.
   */
  static int[] chnlTesterReply(int n, int b) {
    int[] w = new int[n];
    int k = (n - 1) / b;
    for (int j = 0; j < b && j < n; j++) {
      int v = k * b + 1 + j;
      w[j] = v <= n ? v : 0;
    }
    for (int i = b; i < n; i++) {
      w[i] = i + 1;
    }
    return w;
  }
}
