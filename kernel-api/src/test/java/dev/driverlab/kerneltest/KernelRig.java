package dev.driverlab.kerneltest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.proc.Process;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One machine and one kernel booted on the calling thread, for one test. Nothing is shared between
 * rigs, so tests stay independent. Close it (try-with-resources or {@code @AfterEach}) to shut the
 * kernel down.
 *
 * <p>Test code that calls Linux-named functions directly plays the part of driver code: it runs on the
 * kernel's first thread, in process context, with no module of its own. Test classes live outside
 * {@code dev.driverlab.kernel} on purpose: the kernel names the first frame outside its own packages
 * as a report's call site, and that must be the test.
 */
public final class KernelRig implements AutoCloseable {
  public final Machine machine;
  public final Kernel kernel;
  private Process process;

  private KernelRig(Machine machine) {
    this.machine = machine;
    this.kernel = Kernel.boot(machine);
  }

  /** The default machine, no cards. */
  public static KernelRig boot() {
    return boot(Machine.createDefault());
  }

  public static KernelRig boot(Machine machine) {
    return new KernelRig(machine);
  }

  /** The default machine with {@code cards} plugged in order (switch slots first), then booted. */
  public static KernelRig bootWith(PciDeviceModel... cards) {
    Machine m = Machine.createDefault();
    for (PciDeviceModel c : cards) {
      m.plug(c);
    }
    return boot(m);
  }

  /** The test's user process ("test"), created on first use. */
  public Process process() {
    if (process == null) {
      process = kernel.createProcess("test");
    }
    return process;
  }

  /** A zeroed anonymous mapping of {@code len} bytes in the test process. */
  public long userBuffer(long len) {
    long a = process().mmapAnonymous(len);
    assertTrue(a > 0, "mmapAnonymous(" + len + ") failed: " + a);
    return a;
  }

  public byte[] userBytes(long uaddr, int len) {
    byte[] b = new byte[len];
    assertEquals(0, process().mm().read(uaddr, b, 0, len), "user memory at " + Long.toHexString(uaddr));
    return b;
  }

  public void putUserBytes(long uaddr, byte[] b) {
    assertEquals(0, process().mm().write(uaddr, b, 0, b.length));
  }

  /** Reads a whole file through open/read/close system calls, as cat would. */
  public String readFile(String path) {
    Process p = process();
    int fd = p.open(path, File.O_RDONLY);
    assertTrue(fd >= 0, "open " + path + ": " + fd);
    long buf = userBuffer(4096);
    StringBuilder sb = new StringBuilder();
    while (true) {
      long n = p.read(fd, buf, 4096);
      assertTrue(n >= 0, "read " + path + ": " + n);
      if (n == 0) {
        break;
      }
      sb.append(new String(userBytes(buf, (int) n), StandardCharsets.UTF_8));
    }
    assertEquals(0, p.close(fd));
    return sb.toString();
  }

  public long nowNs() {
    return machine.clock().nowNs();
  }

  public List<BugReport> reports() {
    return kernel.bugs().reports();
  }

  public List<BugReport> reports(Check check) {
    return kernel.bugs().reports(check);
  }

  /** The single report of {@code check}; fails if there is not exactly one. */
  public BugReport onlyReport(Check check) {
    List<BugReport> r = reports(check);
    assertEquals(1, r.size(), "expected one " + check + " report, got " + reports());
    return r.get(0);
  }

  public void assertNoReports() {
    assertEquals(List.of(), reports(), "unexpected driver-bug reports");
  }

  /** The enumerated function at {@code name} ("0000:03:00.0"). */
  public PciDev pciDev(String name) {
    return kernel.pci().devices().stream().filter(d -> d.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no PCI function " + name + " in " + kernel.pci().devices()));
  }

  @Override
  public void close() {
    kernel.shutdown();
  }
}
