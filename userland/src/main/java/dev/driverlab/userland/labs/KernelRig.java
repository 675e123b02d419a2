package dev.driverlab.userland.labs;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.printk.Dmesg;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.kernel.uapi.Errno;
import java.util.ArrayList;
import java.util.List;

/**
 * One graded item's machine: the default machine with the lab's cards plugged in, a booted kernel, one
 * user process ("grader") for the system calls, and the student's module once {@link #load} ran. It
 * remembers where the bug reports and dmesg stood at boot, so {@link #failure} can tell the student
 * which checks fired and which errors the kernel logged during this item.
 *
 * <p>Create and close it on one thread: booting binds the kernel to the calling thread.
 */
final class KernelRig implements AutoCloseable {
  final Machine machine;
  final Kernel kernel;
  final Process proc;
  final List<Slot> slots = new ArrayList<>();
  private KernelModule module;

  private KernelRig(PciDeviceModel... cards) {
    machine = Machine.createDefault();
    for (PciDeviceModel c : cards) {
      slots.add(machine.plug(c));
    }
    kernel = Kernel.boot(machine, "lab");
    proc = kernel.createProcess("grader");
  }

  /** Boots a fresh machine with {@code cards} plugged in (switch slots first). */
  static KernelRig boot(PciDeviceModel... cards) {
    return new KernelRig(cards);
  }

  // ---- the student's module ----------------------------------------------------------------------

  /** Instantiates {@code className} and insmods it with {@code params}; fails with insmod's error. */
  KernelModule load(StudentClasses student, String className, String... params) throws ItemFailed {
    KernelModule m = student.newModule(className);
    int r = kernel.modules().insmod(m, params);
    if (r != 0) {
      throw failure("insmod " + className + (params.length == 0 ? "" : " " + String.join(" ", params))
          + " returned " + errno(r));
    }
    module = m;
    return m;
  }

  KernelModule module() {
    return module;
  }

  /** rmmod of the loaded module: 0 or -errno. */
  int unload() {
    return kernel.modules().rmmod(module.name());
  }

  // ---- user memory -------------------------------------------------------------------------------

  /** A zeroed user buffer of at least {@code bytes} bytes in the grader's process. */
  long userBuffer(long bytes) throws ItemFailed {
    long a = proc.mmapAnonymous(Math.max(4096, bytes));
    if (a < 0) {
      throw new ItemFailed("grader: mmap of " + bytes + " bytes failed: " + errno(a));
    }
    return a;
  }

  void poke(long uaddr, byte[] data) throws ItemFailed {
    if (proc.mm().write(uaddr, data, 0, data.length) != 0) {
      throw new ItemFailed("grader: cannot write its own user buffer at " + hex(uaddr));
    }
  }

  byte[] peek(long uaddr, int n) throws ItemFailed {
    byte[] b = new byte[n];
    if (proc.mm().read(uaddr, b, 0, n) != 0) {
      throw new ItemFailed("grader: cannot read its own user buffer at " + hex(uaddr));
    }
    return b;
  }

  void pokeInt(long uaddr, int v) throws ItemFailed {
    poke(uaddr, new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
  }

  int peekInt(long uaddr) throws ItemFailed {
    byte[] b = peek(uaddr, 4);
    return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
  }

  /** open() that must succeed: the fd. */
  int open(String path) throws ItemFailed {
    int fd = proc.open(path, File.O_RDWR);
    if (fd < 0) {
      throw failure("open(\"" + path + "\", O_RDWR) returned " + errno(fd));
    }
    return fd;
  }

  // ---- the hardware, seen from outside the driver -------------------------------------------------

  /** The PCI function with these ids, as the kernel enumerated it. */
  PciDev pci(int vendor, int device) throws ItemFailed {
    for (PciDev d : kernel.pci().devices()) {
      if (d.vendor == vendor && d.device == device) {
        return d;
      }
    }
    throw new ItemFailed(String.format("grader: no %04x:%04x card on the machine", vendor, device));
  }

  /** The Linux IRQ number the driver's handler should be on: its first vector, else the INTx line. */
  static int irqOf(PciDev d) {
    return d.irqVectors().isEmpty() ? d.irq : d.irqVectors().get(0);
  }

  /** Interrupts the kernel delivered on {@code irq} so far (/proc/interrupts). */
  long interrupts(int irq) {
    return kernel.irq().count(irq);
  }

  /** A load from BAR {@code bar} of {@code d} straight through the fabric, as a bus analyzer would. */
  long barRead(PciDev d, int bar, long offset, int size) {
    return machine.read(d.resource[bar].start + offset, size);
  }

  /** The link a plugged card sits on (for {@link TlpRecorder}). */
  String linkOf(int card) {
    return slots.get(card).link().name();
  }

  // ---- what the checks saw -----------------------------------------------------------------------

  List<BugReport> bugs() {
    return kernel.bugs().reports();
  }

  List<BugReport> bugs(Check... checks) {
    List<Check> wanted = List.of(checks);
    return bugs().stream().filter(r -> wanted.contains(r.check())).toList();
  }

  /** dmesg lines at KERN_ERR or worse (fabric errors, oopses, crashed handlers). */
  List<String> dmesgErrors() {
    return kernel.dmesg().lines().stream().filter(l -> l.level() <= 3).map(Dmesg.Line::text).toList();
  }

  /**
   * An {@link ItemFailed} saying {@code what}, followed by the checks that fired and the kernel's error
   * lines so far (at most three of each; the rest are counted).
   */
  ItemFailed failure(String what) {
    StringBuilder sb = new StringBuilder(what);
    appendBugs(sb, bugs());
    List<String> errors = dmesgErrors();
    if (!errors.isEmpty()) {
      sb.append("; dmesg: ");
      appendList(sb, errors);
    }
    return new ItemFailed(sb.toString());
  }

  static void appendBugs(StringBuilder sb, List<BugReport> reports) {
    if (reports.isEmpty()) {
      return;
    }
    sb.append("; checks fired: ");
    appendList(sb, reports.stream().map(BugReport::toString).toList());
  }

  private static void appendList(StringBuilder sb, List<String> items) {
    for (int i = 0; i < items.size() && i < 3; i++) {
      sb.append(i == 0 ? "" : " | ").append(items.get(i));
    }
    if (items.size() > 3) {
      sb.append(" | (").append(items.size() - 3).append(" more)");
    }
  }

  /** Fails with {@link #failure} unless {@code condition} holds. */
  void expect(boolean condition, String what) throws ItemFailed {
    if (!condition) {
      throw failure(what);
    }
  }

  /** Fails unless no report of {@code checks} (any check if none given) arrived. */
  void expectNoBugs(String during, Check... checks) throws ItemFailed {
    List<BugReport> r = checks.length == 0 ? bugs() : bugs(checks);
    if (!r.isEmpty()) {
      StringBuilder sb = new StringBuilder("the kernel caught " + r.size() + " driver bug(s) " + during);
      appendBugs(sb, r);
      throw new ItemFailed(sb.toString());
    }
  }

  // ---- formatting --------------------------------------------------------------------------------

  /** "0" or "-ENOTTY" or "1234": a system call's result as a C programmer reads it. */
  static String errno(long r) {
    return r < 0 && r >= -4095 ? "-" + Errno.name((int) r) : Long.toString(r);
  }

  static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  @Override
  public void close() {
    kernel.shutdown();
  }
}
