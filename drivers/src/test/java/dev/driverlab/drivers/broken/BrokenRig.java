package dev.driverlab.drivers.broken;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.drivers.simpledma.SimpleDmaUapi;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.check.KernelChecks;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.proc.Process;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A booted machine for the check catalogue: the cards, a kernel with every check installed, one user
 * process with an argument page and a data page, and the assertions the catalogue makes on reports.
 */
final class BrokenRig implements AutoCloseable {
  final Machine machine;
  final Kernel k;
  final KernelChecks checks;
  final Process p;
  /** A user page for ioctl structures. */
  final long arg;
  /** A user page for data. */
  final long data;

  private BrokenRig(Machine machine) {
    this.machine = machine;
    this.k = Kernel.boot(machine);
    this.checks = KernelChecks.install(k);
    this.p = k.createProcess("catalogue");
    this.arg = p.mmapAnonymous(4096);
    this.data = p.mmapAnonymous(4096);
  }

  /** The default machine with {@code cards} in its first slots (the first is 0000:03:00.0). */
  static BrokenRig with(PciDeviceModel... cards) {
    Machine m = Machine.createDefault();
    for (PciDeviceModel c : cards) {
      m.plug(c);
    }
    return new BrokenRig(m);
  }

  /** Boots {@code machine} as it is (cards already plugged). */
  static BrokenRig on(Machine machine) {
    return new BrokenRig(machine);
  }

  int insmod(KernelModule m, String... params) {
    return k.modules().insmod(m, params);
  }

  int open(String path) {
    int fd = p.open(path, File.O_RDWR);
    assertTrue(fd >= 0, () -> "open " + path + ": " + fd + "\n" + k.dmesg().text());
    return fd;
  }

  void poke(long uaddr, byte[] b) {
    assertEquals(0, p.mm().write(uaddr, b, 0, b.length));
  }

  byte[] peek(long uaddr, int n) {
    byte[] b = new byte[n];
    assertEquals(0, p.mm().read(uaddr, b, 0, n));
    return b;
  }

  /** SDMA_IOC_TRANSFER of {@code len} bytes between {@link #data} and device RAM at {@code devOffset}. */
  long transfer(int fd, int dir, int devOffset, int len) {
    poke(arg, SimpleDmaUapi.transfer(dir, devOffset, data, len));
    return p.ioctl(fd, SimpleDmaUapi.SDMA_IOC_TRANSFER, arg);
  }

  // ---- reports ----------------------------------------------------------------------------------

  List<BugReport> reports() {
    return k.bugs().reports();
  }

  List<BugReport> reports(Check c) {
    return k.bugs().reports(c);
  }

  /** The first report of {@code c}; fails naming every report if there is none. */
  BugReport first(Check c) {
    List<BugReport> r = reports(c);
    assertTrue(!r.isEmpty(), () -> "expected a " + c + " report, got " + reports() + "\n" + k.dmesg().text());
    return r.get(0);
  }

  /** The only report of {@code c}. */
  BugReport only(Check c) {
    List<BugReport> r = reports(c);
    assertEquals(1, r.size(), () -> "expected one " + c + " report, got " + reports() + "\n" + k.dmesg().text());
    return r.get(0);
  }

  /** Every report is of one of {@code checks} (the bug is caught by the check meant, nothing else fires). */
  void assertOnly(Check... checks) {
    List<Check> allowed = List.of(checks);
    List<BugReport> other = reports().stream().filter(r -> !allowed.contains(r.check())).toList();
    assertEquals(List.of(), other, () -> "unexpected reports besides " + allowed + "\n" + k.dmesg().text());
  }

  void assertClean() {
    assertEquals(List.of(), reports(), () -> k.dmesg().text());
  }

  /** The report's messages, one per line, for diagnostics. */
  String describe() {
    return reports().stream().map(BugReport::toString).collect(Collectors.joining("\n"));
  }

  @Override
  public void close() {
    k.shutdown();
  }
}
