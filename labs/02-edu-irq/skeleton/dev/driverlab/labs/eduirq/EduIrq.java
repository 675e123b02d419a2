package dev.driverlab.labs.eduirq;

import static dev.driverlab.kernel.base.ErrPtr.IS_ERR;
import static dev.driverlab.kernel.base.ErrPtr.PTR_ERR;
import static dev.driverlab.kernel.fs.Chrdev.alloc_chrdev_region;
import static dev.driverlab.kernel.fs.Chrdev.cdev_add;
import static dev.driverlab.kernel.fs.Chrdev.cdev_del;
import static dev.driverlab.kernel.fs.Chrdev.cdev_init;
import static dev.driverlab.kernel.fs.Chrdev.class_create;
import static dev.driverlab.kernel.fs.Chrdev.class_destroy;
import static dev.driverlab.kernel.fs.Chrdev.device_create;
import static dev.driverlab.kernel.fs.Chrdev.device_destroy;
import static dev.driverlab.kernel.fs.Chrdev.unregister_chrdev_region;
import static dev.driverlab.kernel.io.Io.ioread32;
import static dev.driverlab.kernel.io.Io.iowrite32;
import static dev.driverlab.kernel.irq.Irq.IRQF_SHARED;
import static dev.driverlab.kernel.irq.Irq.IRQ_HANDLED;
import static dev.driverlab.kernel.irq.Irq.IRQ_NONE;
import static dev.driverlab.kernel.irq.Irq.PCI_IRQ_INTX;
import static dev.driverlab.kernel.irq.Irq.PCI_IRQ_MSI;
import static dev.driverlab.kernel.irq.Irq.free_irq;
import static dev.driverlab.kernel.irq.Irq.pci_alloc_irq_vectors;
import static dev.driverlab.kernel.irq.Irq.pci_free_irq_vectors;
import static dev.driverlab.kernel.irq.Irq.pci_irq_vector;
import static dev.driverlab.kernel.irq.Irq.request_irq;
import static dev.driverlab.kernel.mm.Uaccess.copy_from_user;
import static dev.driverlab.kernel.mm.Uaccess.copy_to_user;
import static dev.driverlab.kernel.pci.Pci.PCI_DEVICE;
import static dev.driverlab.kernel.pci.Pci.pci_disable_device;
import static dev.driverlab.kernel.pci.Pci.pci_enable_device;
import static dev.driverlab.kernel.pci.Pci.pci_iomap;
import static dev.driverlab.kernel.pci.Pci.pci_iounmap;
import static dev.driverlab.kernel.pci.Pci.pci_register_driver;
import static dev.driverlab.kernel.pci.Pci.pci_release_regions;
import static dev.driverlab.kernel.pci.Pci.pci_request_regions;
import static dev.driverlab.kernel.pci.Pci.pci_set_master;
import static dev.driverlab.kernel.pci.Pci.pci_unregister_driver;
import static dev.driverlab.kernel.sched.Locks.mutex_lock;
import static dev.driverlab.kernel.sched.Locks.mutex_unlock;
import static dev.driverlab.kernel.sched.Sched.msecs_to_jiffies;
import static dev.driverlab.kernel.sched.Wait.complete;
import static dev.driverlab.kernel.sched.Wait.reinit_completion;
import static dev.driverlab.kernel.sched.Wait.wait_for_completion_timeout;
import static dev.driverlab.kernel.uapi.Errno.EBUSY;
import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.ENODEV;
import static dev.driverlab.kernel.uapi.Errno.ENOSYS;
import static dev.driverlab.kernel.uapi.Errno.ENOTTY;
import static dev.driverlab.kernel.uapi.Errno.ETIMEDOUT;
import static dev.driverlab.kernel.uapi.Ioctl._IOR;
import static dev.driverlab.kernel.uapi.Ioctl._IOWR;

import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.fs.Cdev;
import dev.driverlab.kernel.fs.DeviceClass;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.fs.FileOperations;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.module.ModuleParam;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.PciDeviceId;
import dev.driverlab.kernel.pci.PciDriver;
import dev.driverlab.kernel.sched.Completion;
import dev.driverlab.kernel.sched.Mutex;
import java.util.List;

/**
 * Lab 2: a PCI driver for QEMU's edu card: ident, liveness and factorials finished by the card's
 * interrupt. Read labs/02-edu-irq/README.md first. The char device plumbing (/dev/edu0, the ioctl
 * dispatch) is done; the TODOs are the hardware.
 *
 * <pre>
 *   BAR0   0x00 ident     RO  0x010000ed
 *          0x04 liveness  RW  reads ~(last write)
 *          0x08 factorial RW  write n: starts n!; read: the result once COMPUTING clears
 *          0x20 status    RW  bit 0 COMPUTING (RO), bit 7 IRQFACT: raise cause 0x1 when n! is done
 *          0x24 irq status RO pending causes          0x64 irq ack  WO  clears the causes written
 * </pre>
 *
 * Keep the package, the class name and the public no-argument constructor: the grader loads
 * {@code dev.driverlab.labs.eduirq.EduIrq}.
 */
public final class EduIrq extends KernelModule {
  // ---- the user interface (labs/02-edu-irq/README.md) --------------------------------------------
  public static final int EDU_IOC_IDENT = _IOR('E', 1, 4);
  public static final int EDU_IOC_LIVENESS = _IOWR('E', 2, 4);
  public static final int EDU_IOC_FACTORIAL = _IOWR('E', 3, 4);

  // ---- the card ----------------------------------------------------------------------------------
  static final int EDU_VENDOR = 0x1234, EDU_DEVICE = 0x11e8;
  static final int REG_IDENT = 0x00, REG_LIVENESS = 0x04, REG_FACTORIAL = 0x08, REG_STATUS = 0x20;
  static final int REG_IRQ_STATUS = 0x24, REG_IRQ_ACK = 0x64;
  static final int STATUS_COMPUTING = 0x01, STATUS_IRQFACT = 0x80;
  static final int FACT_IRQ = 0x00000001;
  /** How long a factorial may take before the ioctl gives up (the card needs 5 µs). */
  static final int FACTORIAL_TIMEOUT_MS = 100;

  @ModuleParam(desc = "1 (default): MSI if the card offers it; 0: legacy INTx, level-triggered and shared")
  boolean use_msi = true;

  private final PciDriver pciDriver = new PciDriver("edu_irq", List.of(PCI_DEVICE(EDU_VENDOR, EDU_DEVICE)),
      this::probe, this::remove);
  private final FileOperations fops = FileOperations.builder()
      .owner(this)
      .unlocked_ioctl(this::ioctl)
      .build();

  private int devt;
  private DeviceClass eduClass;

  // One card is enough for this lab: its state lives in the module.
  private PciDev pdev;
  private long bar0;
  private int irq;
  private final Cdev cdev = new Cdev();
  private final Mutex lock = new Mutex("edu_irq");
  private final Completion factDone = new Completion();

  @Override
  public String name() {
    return "edu_irq";
  }

  // ---- module init / exit (done) -----------------------------------------------------------------

  @Override
  protected int init() {
    int[] first = new int[1];
    int rc = alloc_chrdev_region(first, 0, 1, "edu_irq");
    if (rc != 0) {
      return rc;
    }
    devt = first[0];
    eduClass = class_create("edu_irq");
    if (IS_ERR(eduClass)) {
      unregister_chrdev_region(devt, 1);
      return PTR_ERR(eduClass);
    }
    rc = pci_register_driver(pciDriver);
    if (rc != 0) {
      class_destroy(eduClass);
      unregister_chrdev_region(devt, 1);
    }
    return rc;
  }

  @Override
  protected void exit() {
    pci_unregister_driver(pciDriver);
    class_destroy(eduClass);
    unregister_chrdev_region(devt, 1);
  }

  // ---- probe / remove ----------------------------------------------------------------------------

  private int probe(PciDev dev, PciDeviceId id) {
    if (pdev != null) {
      return -EBUSY;                     // this lab drives one card
    }
    int rc;
    // TODO 1: bring the card up, undoing what succeeded if a later step fails:
    //   pci_enable_device → pci_request_regions(dev, "edu_irq") → bar0 = pci_iomap(dev, 0, 0)
    //   → pci_set_master (an MSI is a memory write: without bus mastering it is lost)
    //   → pci_alloc_irq_vectors(dev, 1, 1, use_msi ? PCI_IRQ_MSI | PCI_IRQ_INTX : PCI_IRQ_INTX)
    //   → irq = pci_irq_vector(dev, 0) → ack stale causes (write irq status to irq ack)
    //   → request_irq(irq, this::interrupt, dev.msi_enabled ? 0 : IRQF_SHARED, "edu_irq", this)
    //   → write STATUS_IRQFACT to the status register
    cdev_init(cdev, fops);
    rc = cdev_add(cdev, devt, 1);
    if (rc != 0) {
      return rc;                         // TODO 1 (cont.): undo the hardware steps too
    }
    Device node = device_create(eduClass, dev.dev, devt, null, "edu0");
    if (IS_ERR(node)) {
      cdev_del(cdev);
      return PTR_ERR(node);              // TODO 1 (cont.): undo the hardware steps too
    }
    pdev = dev;
    return 0;
  }

  private void remove(PciDev dev) {
    device_destroy(eduClass, devt);
    cdev_del(cdev);
    // TODO 2: undo probe in reverse order: stop factorial interrupts (status 0), free_irq,
    //         pci_free_irq_vectors, pci_iounmap, pci_release_regions, pci_disable_device.
    pdev = null;
  }

  // ---- the interrupt -----------------------------------------------------------------------------

  /** Hard-IRQ context: never sleep here. */
  private int interrupt(int irqNo, Object devId) {
    // TODO 3: read the causes (irq status); 0 means "not my card" on a shared line: IRQ_NONE.
    //         Ack exactly those causes (irq ack), complete(factDone) for FACT_IRQ, return IRQ_HANDLED.
    return IRQ_NONE;
  }

  // ---- the three operations ----------------------------------------------------------------------

  private int ident() {
    return 0;                            // TODO 4: the ident register
  }

  private int liveness(int v) {
    return 0;                            // TODO 5: write v to liveness, return what it reads back
  }

  /** Puts n! mod 2^32 in result[0] and returns 0, or returns -ETIMEDOUT if the interrupt never came. */
  private int factorial(int n, int[] result) {
    // TODO 6: reinit_completion(factDone); write n to the factorial register; then
    //         wait_for_completion_timeout(factDone, msecs_to_jiffies(FACTORIAL_TIMEOUT_MS)):
    //         0 means timed out → return -ETIMEDOUT; otherwise result[0] = the factorial register.
    //         Do not spin on the status register: the point is the interrupt.
    return -ENOSYS;
  }

  // ---- ioctl (done) ------------------------------------------------------------------------------

  private long ioctl(File file, int cmd, long arg) {
    if (cmd != EDU_IOC_IDENT && cmd != EDU_IOC_LIVENESS && cmd != EDU_IOC_FACTORIAL) {
      return -ENOTTY;
    }
    if (pdev == null) {
      return -ENODEV;
    }
    byte[] buf = new byte[4];
    if (cmd != EDU_IOC_IDENT && copy_from_user(buf, arg, 4) != 0) {
      return -EFAULT;
    }
    int in = getLe32(buf);
    int out;
    mutex_lock(lock);                    // one factorial at a time: the card has one engine
    try {
      if (cmd == EDU_IOC_IDENT) {
        out = ident();
      } else if (cmd == EDU_IOC_LIVENESS) {
        out = liveness(in);
      } else {
        int[] result = new int[1];
        int rc = factorial(in, result);
        if (rc != 0) {
          return rc;
        }
        out = result[0];
      }
    } finally {
      mutex_unlock(lock);
    }
    putLe32(buf, out);
    return copy_to_user(arg, buf, 4) != 0 ? -EFAULT : 0;
  }

  private static void putLe32(byte[] b, int v) {
    for (int i = 0; i < 4; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
  }

  private static int getLe32(byte[] b) {
    return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
  }
}
