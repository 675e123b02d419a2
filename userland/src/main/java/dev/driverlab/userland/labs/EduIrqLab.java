package dev.driverlab.userland.labs;

import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.ENOTTY;
import static dev.driverlab.kernel.uapi.Ioctl._IO;
import static dev.driverlab.kernel.uapi.Ioctl._IOR;
import static dev.driverlab.kernel.uapi.Ioctl._IOWR;
import static dev.driverlab.userland.labs.KernelRig.errno;

import dev.driverlab.devices.edu.EduDevice;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.pci.PciDev;
import java.util.List;

/**
 * Lab 2, edu MMIO and interrupts (shared/reference/edu-and-linux-api.md §A.3–§A.6, §B.1): the
 * student's PCI driver binds the edu card, makes /dev/edu0 and answers three ioctls (magic 'E'):
 *
 * <pre>
 *   EDU_IOC_IDENT      _IOR ('E', 1, __u32)  = 0x80044501   ident register (0x010000ed)
 *   EDU_IOC_LIVENESS   _IOWR('E', 2, __u32)  = 0xc0044502   writes v, returns the read-back ~v
 *   EDU_IOC_FACTORIAL  _IOWR('E', 3, __u32)  = 0xc0044503   n in, n! mod 2^32 out, finished by IRQ 0x1
 * </pre>
 *
 * The grader checks values through the ioctls and the hardware from outside: interrupts counted on the
 * card's vector, the irq-status register read over the fabric after the driver is done.
 */
final class EduIrqLab implements Lab {
  static final String CLASS = "dev.driverlab.labs.eduirq.EduIrq";
  static final String NODE = "/dev/edu0";
  static final int IDENT = _IOR('E', 1, 4), LIVENESS = _IOWR('E', 2, 4), FACTORIAL = _IOWR('E', 3, 4);
  /** n → n! mod 2^32 (§A.5: 12! is the largest exact one; 13!, 20! and 33! wrap). */
  static final int[][] FACTORIALS = {{0, 1}, {5, 120}, {12, 479001600}, {13, 0x7328cc00}, {20, 0x82b40000},
      {33, 0x80000000}};

  @Override
  public int number() {
    return 2;
  }

  @Override
  public String folder() {
    return "02-edu-irq";
  }

  @Override
  public String title() {
    return "edu: MMIO, liveness and factorial with interrupts";
  }

  @Override
  public String studentClass() {
    return CLASS;
  }

  @Override
  public List<GradedItem> items() {
    return List.of(
        new GradedItem("probe", 1, "the driver binds the edu card and makes /dev/edu0", this::probe),
        new GradedItem("ident", 1, "EDU_IOC_IDENT returns the ident register, 0x010000ed", this::ident),
        new GradedItem("liveness", 2, "EDU_IOC_LIVENESS writes v and returns the read-back ~v", this::liveness),
        new GradedItem("factorial", 2, "EDU_IOC_FACTORIAL returns n! mod 2^32 (0, 5, 12, 13, 20, 33)",
            this::factorial),
        new GradedItem("irq", 2, "each factorial ends with an interrupt the handler acknowledges", this::irq),
        new GradedItem("intx", 1, "with use_msi=0 the level-triggered INTx line works and is acked", this::intx),
        new GradedItem("errors", 1, "-ENOTTY for other commands, -EFAULT for an unmapped argument", this::errors),
        new GradedItem("clean", 1, "a whole session trips no kernel check (MMIO, might_sleep, IRQ, ...)",
            this::clean),
        new GradedItem("unload", 2, "rmmod releases everything; insmod again probes again", this::unload));
  }

  /** A machine with one edu card and the student's driver loaded with {@code params}. */
  private static KernelRig loaded(StudentClasses s, String... params) throws ItemFailed {
    KernelRig rig = KernelRig.boot(new EduDevice());
    try {
      rig.load(s, CLASS, params);
      return rig;
    } catch (ItemFailed | RuntimeException e) {
      rig.close();
      throw e;
    }
  }

  private static int openNode(KernelRig rig) throws ItemFailed {
    int fd = rig.proc.open(NODE, File.O_RDWR);
    rig.expect(fd >= 0, "open(" + NODE + ") returned " + errno(fd)
        + ": probe must make the node (cdev_add, then device_create(..., \"edu0\"))");
    return fd;
  }

  /** One ioctl with an int in and out; returns the int, fails on an error. */
  private static int call(KernelRig rig, int fd, String name, int cmd, int in, long buf) throws ItemFailed {
    rig.pokeInt(buf, in);
    long r = rig.proc.ioctl(fd, cmd, buf);
    rig.expect(r == 0, name + "(" + in + ") returned " + errno(r) + ", expected 0");
    return rig.peekInt(buf);
  }

  private void probe(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      PciDev edu = rig.pci(EduDevice.VENDOR_ID, EduDevice.DEVICE_ID);
      rig.expect(edu.driver() != null, "the edu card (" + edu.name() + ") has no driver after insmod: "
          + "register a PciDriver for 1234:11e8 and return 0 from probe");
      rig.proc.close(openNode(rig));
    }
  }

  private void ident(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      int fd = openNode(rig);
      int v = call(rig, fd, "EDU_IOC_IDENT", IDENT, 0, rig.userBuffer(4));
      rig.expect(v == EduDevice.IDENT, String.format("EDU_IOC_IDENT gave %#010x, expected 0x010000ed (BAR0 + 0x00)",
          v));
    }
  }

  private void liveness(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      int fd = openNode(rig);
      long buf = rig.userBuffer(4);
      for (int v : new int[] {0xf0f0f0f0, 0, 0x12345678, -1}) {
        int got = call(rig, fd, "EDU_IOC_LIVENESS", LIVENESS, v, buf);
        rig.expect(got == ~v, String.format("EDU_IOC_LIVENESS(%#010x) gave %#010x, expected %#010x (the card "
            + "answers the complement of the last write, §A.4)", v, got, ~v));
      }
    }
  }

  private void factorial(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      checkFactorials(rig, openNode(rig));
    }
  }

  private static void checkFactorials(KernelRig rig, int fd) throws ItemFailed {
    long buf = rig.userBuffer(4);
    for (int[] nf : FACTORIALS) {
      int got = call(rig, fd, "EDU_IOC_FACTORIAL", FACTORIAL, nf[0], buf);
      rig.expect(got == nf[1], String.format("EDU_IOC_FACTORIAL(%d) gave %#x (%d), expected %#x", nf[0], got,
          Integer.toUnsignedLong(got), nf[1]) + (got == nf[0] ? ": that is the input; read the register only "
          + "after the interrupt (COMPUTING cleared)" : ""));
    }
  }

  /** Factorials must each raise cause 0x1, reach the handler, and leave irq status acked (0). */
  private static void checkInterrupts(KernelRig rig, String mode) throws ItemFailed {
    PciDev edu = rig.pci(EduDevice.VENDOR_ID, EduDevice.DEVICE_ID);
    int fd = openNode(rig);
    int irq = KernelRig.irqOf(edu);
    long before = rig.interrupts(irq);
    checkFactorials(rig, fd);
    long taken = rig.interrupts(irq) - before;
    rig.expect(taken >= FACTORIALS.length, mode + ": " + FACTORIALS.length + " factorials brought " + taken
        + " interrupt(s) on IRQ " + irq + ": set status bit 7 (IRQFACT) and wait for the interrupt, do not poll");
    long status = rig.barRead(edu, 0, EduDevice.REG_IRQ_STATUS, 4);
    rig.expect(status == 0, String.format("%s: irq status reads %#x after the factorials: the handler must "
        + "write the causes it read to irq ack (0x64)", mode, status));
    rig.expectNoBugs("while interrupts were handled (" + mode + ")", Check.IRQ, Check.ATOMIC_SLEEP);
  }

  private void irq(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      checkInterrupts(rig, "default (MSI)");
    }
  }

  private void intx(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s, "use_msi=0")) {
      PciDev edu = rig.pci(EduDevice.VENDOR_ID, EduDevice.DEVICE_ID);
      rig.expect(!edu.msi_enabled, "with use_msi=0 the driver still enabled MSI: ask pci_alloc_irq_vectors "
          + "for PCI_IRQ_INTX only");
      checkInterrupts(rig, "use_msi=0 (INTx)");
    }
  }

  private void errors(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      int fd = openNode(rig);
      long buf = rig.userBuffer(4);
      long r = rig.proc.ioctl(fd, _IO('E', 9), buf);
      rig.expect(r == -ENOTTY, "ioctl(_IO('E', 9)) returned " + errno(r) + ", expected -ENOTTY");
      r = rig.proc.ioctl(fd, LIVENESS, MyIoctlLab.UNMAPPED);
      rig.expect(r == -EFAULT, "EDU_IOC_LIVENESS with unmapped argument 0x1000 returned " + errno(r)
          + ", expected -EFAULT");
      r = rig.proc.ioctl(fd, IDENT, MyIoctlLab.UNMAPPED);
      rig.expect(r == -EFAULT, "EDU_IOC_IDENT with unmapped argument 0x1000 returned " + errno(r)
          + ", expected -EFAULT");
    }
  }

  private void clean(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      int fd = openNode(rig);
      long buf = rig.userBuffer(4);
      int v = call(rig, fd, "EDU_IOC_IDENT", IDENT, 0, buf);
      rig.expect(v == EduDevice.IDENT, String.format("the session needs a working EDU_IOC_IDENT (gave %#x)", v));
      call(rig, fd, "EDU_IOC_LIVENESS", LIVENESS, 0x55aa55aa, buf);
      checkFactorials(rig, fd);
      rig.proc.close(fd);
      rig.expectNoBugs("during ident, liveness and six factorials");
    }
  }

  private void unload(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      PciDev edu = rig.pci(EduDevice.VENDOR_ID, EduDevice.DEVICE_ID);
      int fd = openNode(rig);
      rig.proc.close(fd);
      int r = rig.unload();
      rig.expect(r == 0, "rmmod returned " + errno(r));
      rig.expectNoBugs("when the driver was removed (what it still held)", Check.LEAK, Check.PCI, Check.IRQ,
          Check.MMIO);
      rig.expect(edu.driver() == null, "after rmmod the edu card still has a driver");
      rig.expect(rig.kernel.vfs().lookup(NODE) == null, "after rmmod " + NODE + " still exists (device_destroy)");
      r = rig.kernel.modules().insmod(s.newModule(CLASS));
      rig.expect(r == 0, "insmod after rmmod returned " + errno(r));
      rig.expect(edu.driver() != null, "insmod after rmmod did not bind the card again");
      rig.expectNoBugs("when the driver was loaded a second time", Check.LEAK, Check.PCI, Check.IRQ);
    }
  }
}
