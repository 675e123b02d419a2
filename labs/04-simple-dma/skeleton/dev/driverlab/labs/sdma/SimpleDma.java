package dev.driverlab.labs.sdma;

import static dev.driverlab.kernel.base.ErrPtr.IS_ERR;
import static dev.driverlab.kernel.base.ErrPtr.PTR_ERR;
import static dev.driverlab.kernel.dma.Dma.DMA_BIT_MASK;
import static dev.driverlab.kernel.dma.Dma.dma_alloc_coherent;
import static dev.driverlab.kernel.dma.Dma.dma_free_coherent;
import static dev.driverlab.kernel.dma.Dma.dma_set_mask_and_coherent;
import static dev.driverlab.kernel.fs.Chrdev.alloc_chrdev_region;
import static dev.driverlab.kernel.fs.Chrdev.cdev_add;
import static dev.driverlab.kernel.fs.Chrdev.cdev_del;
import static dev.driverlab.kernel.fs.Chrdev.cdev_init;
import static dev.driverlab.kernel.fs.Chrdev.class_create;
import static dev.driverlab.kernel.fs.Chrdev.class_destroy;
import static dev.driverlab.kernel.fs.Chrdev.device_create;
import static dev.driverlab.kernel.fs.Chrdev.device_destroy;
import static dev.driverlab.kernel.fs.Chrdev.fixed_size_llseek;
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
import static dev.driverlab.kernel.mm.Mm.GFP_KERNEL;
import static dev.driverlab.kernel.mm.Uaccess.copy_from_user;
import static dev.driverlab.kernel.mm.Uaccess.copy_to_user;
import static dev.driverlab.kernel.pci.Pci.PCI_DEVICE;
import static dev.driverlab.kernel.pci.Pci.pci_clear_master;
import static dev.driverlab.kernel.pci.Pci.pci_disable_device;
import static dev.driverlab.kernel.pci.Pci.pci_enable_device;
import static dev.driverlab.kernel.pci.Pci.pci_iomap;
import static dev.driverlab.kernel.pci.Pci.pci_iounmap;
import static dev.driverlab.kernel.pci.Pci.pci_register_driver;
import static dev.driverlab.kernel.pci.Pci.pci_release_regions;
import static dev.driverlab.kernel.pci.Pci.pci_request_regions;
import static dev.driverlab.kernel.pci.Pci.pci_set_master;
import static dev.driverlab.kernel.pci.Pci.pci_unregister_driver;
import static dev.driverlab.kernel.printk.Printk.dev_err;
import static dev.driverlab.kernel.sched.Locks.mutex_lock;
import static dev.driverlab.kernel.sched.Locks.mutex_unlock;
import static dev.driverlab.kernel.sched.Sched.msecs_to_jiffies;
import static dev.driverlab.kernel.sched.Wait.complete;
import static dev.driverlab.kernel.sched.Wait.reinit_completion;
import static dev.driverlab.kernel.sched.Wait.wait_for_completion_timeout;
import static dev.driverlab.kernel.uapi.Errno.EBUSY;
import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.EIO;
import static dev.driverlab.kernel.uapi.Errno.ENODEV;
import static dev.driverlab.kernel.uapi.Errno.ENOMEM;
import static dev.driverlab.kernel.uapi.Errno.ENOSPC;
import static dev.driverlab.kernel.uapi.Errno.ETIMEDOUT;

import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.fs.Cdev;
import dev.driverlab.kernel.fs.DeviceClass;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.fs.FileOperations;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.PciDeviceId;
import dev.driverlab.kernel.pci.PciDriver;
import dev.driverlab.kernel.sched.Completion;
import dev.driverlab.kernel.sched.Mutex;
import java.util.List;

/**
 * Lab 4: the tutorial's simple DMA engine (shared/reference/seed-examples.md §2)
 * behind {@code /dev/sdma0}: {@code write} DMAs the user's bytes into the card's 64 KiB of RAM at the
 * file position, {@code read} DMAs them back, through one 4 KiB coherent bounce buffer
 * (labs/04-simple-dma/README.md).
 *
 * <pre>
 *   BAR0  0x00 ID          RO   0x0100d1ab (magic 0xd1ab in bits 15:0)
 *         0x08 DST_ADDR    RW   offset in card RAM
 *         0x10 SRC_ADDR    RW   host bus address (8 bytes at 0x10, or two 4-byte halves)
 *         0x18 SIZE        RW   bytes, 1 .. 65536
 *         0x1c DIRECTION   RW   0 host → card, 1 card → host
 *         0x20 CONTROL     WO   bit 0 START: the doorbell
 *         0x24 STATUS      RO   bit 0 BUSY · bit 1 DONE · bit 2 ERROR       0x28 ERROR_CAUSE
 *         0x30 INT_STATUS  RW1C bit 0 DONE · bit 1 ERROR                    0x34 INT_ENABLE (same bits)
 *   BAR1  64 KiB of card RAM (the grader looks there)
 * </pre>
 *
 * Read labs/04-simple-dma/README.md first. The module, the char device and the first probe steps are
 * done; the TODOs are the DMA engine, its interrupt and the two file operations. Keep the package,
 * the class name and the public no-argument constructor: the grader loads
 * {@code dev.driverlab.labs.sdma.SimpleDma}.
 */
public final class SimpleDma extends KernelModule {
  static final int VENDOR = 0xd1ab, DEVICE = 0x0001;
  static final int REG_ID = 0x00, REG_DST_ADDR = 0x08, REG_SRC_ADDR_LO = 0x10, REG_SRC_ADDR_HI = 0x14;
  static final int REG_SIZE = 0x18, REG_DIRECTION = 0x1c, REG_CONTROL = 0x20, REG_STATUS = 0x24;
  static final int REG_ERROR_CAUSE = 0x28, REG_INT_STATUS = 0x30, REG_INT_ENABLE = 0x34;
  static final int ID_MAGIC = 0xd1ab;
  static final int DIR_TO_DEVICE = 0, DIR_FROM_DEVICE = 1;
  static final int CONTROL_START = 1;
  static final int STATUS_ERROR = 1 << 2;
  static final int INT_DONE = 1, INT_ERROR = 2;
  /** Bytes of card RAM: the size of /dev/sdma0. */
  public static final int CARD_RAM_SIZE = 64 * 1024;
  /** The bounce buffer: the most one read or write moves. */
  public static final int BOUNCE_SIZE = 4096;
  static final int DMA_TIMEOUT_MS = 100;

  private final PciDriver pciDriver = new PciDriver("sdma", List.of(PCI_DEVICE(VENDOR, DEVICE)),
      this::probe, this::remove);
  private final FileOperations fops = FileOperations.builder()
      .owner(this)
      .read(this::read)
      .write(this::write)
      .llseek((f, off, whence) -> fixed_size_llseek(f, off, whence, CARD_RAM_SIZE))
      .build();

  private int devt;
  private DeviceClass sdmaClass;

  private PciDev pdev;
  private long regs;
  private int irq;
  private long bounce;
  private final long[] bounceDma = new long[1];
  private final Cdev cdev = new Cdev();
  private final Mutex lock = new Mutex("sdma");
  private final Completion done = new Completion();

  @Override
  public String name() {
    return "sdma";
  }

  // ---- module init / exit ------------------------------------------------------------------------

  @Override
  protected int init() {
    int[] first = new int[1];
    int rc = alloc_chrdev_region(first, 0, 1, "sdma");
    if (rc != 0) {
      return rc;
    }
    devt = first[0];
    sdmaClass = class_create("sdma");
    if (IS_ERR(sdmaClass)) {
      unregister_chrdev_region(devt, 1);
      return PTR_ERR(sdmaClass);
    }
    rc = pci_register_driver(pciDriver);
    if (rc != 0) {
      class_destroy(sdmaClass);
      unregister_chrdev_region(devt, 1);
    }
    return rc;
  }

  @Override
  protected void exit() {
    pci_unregister_driver(pciDriver);
    class_destroy(sdmaClass);
    unregister_chrdev_region(devt, 1);
  }

  // ---- probe / remove ----------------------------------------------------------------------------

  private int probe(PciDev dev, PciDeviceId id) {
    if (pdev != null) {
      return -EBUSY;
    }
    int rc = pci_enable_device(dev);
    if (rc != 0) {
      return rc;
    }
    rc = pci_request_regions(dev, "sdma");
    if (rc != 0) {
      pci_disable_device(dev);
      return rc;
    }
    regs = pci_iomap(dev, 0, 0);
    if (regs == 0) {
      return undoRegions(dev, -ENOMEM);
    }
    if ((ioread32(regs + REG_ID) & 0xffff) != ID_MAGIC) {
      return undoIomap(dev, -ENODEV);
    }
    // TODO 1: DMA: dma_set_mask_and_coherent(dev.dev, DMA_BIT_MASK(64)) (the engine takes 64-bit
    //         addresses); pci_set_master; bounce = dma_alloc_coherent(dev.dev, BOUNCE_SIZE, bounceDma,
    //         GFP_KERNEL) (0 → -ENOMEM).
    // TODO 2: the interrupt: pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_INTX);
    //         irq = pci_irq_vector(dev, 0); clear stale causes (write INT_DONE | INT_ERROR to
    //         INT_STATUS); request_irq(irq, this::interrupt, dev.msi_enabled ? 0 : IRQF_SHARED,
    //         "sdma", this); then let the engine interrupt: INT_DONE | INT_ERROR into INT_ENABLE.
    //         Undo what succeeded when a step fails (undoIrq, undoBounce, undoMaster below).
    cdev_init(cdev, fops);
    rc = cdev_add(cdev, devt, 1);
    if (rc != 0) {
      return undoIrq(dev, rc);
    }
    Device node = device_create(sdmaClass, dev.dev, devt, null, "sdma0");
    if (IS_ERR(node)) {
      cdev_del(cdev);
      return undoIrq(dev, PTR_ERR(node));
    }
    pdev = dev;
    return 0;
  }

  private int undoIrq(PciDev dev, int rc) {
    // TODO 3: silence the engine (INT_ENABLE = 0), free_irq, pci_free_irq_vectors.
    return undoBounce(dev, rc);
  }

  private int undoBounce(PciDev dev, int rc) {
    // TODO 4: dma_free_coherent the bounce buffer.
    return undoMaster(dev, rc);
  }

  private int undoMaster(PciDev dev, int rc) {
    // TODO 5: pci_clear_master.
    return undoIomap(dev, rc);
  }

  private int undoIomap(PciDev dev, int rc) {
    pci_iounmap(dev, regs);
    return undoRegions(dev, rc);
  }

  private int undoRegions(PciDev dev, int rc) {
    pci_release_regions(dev);
    pci_disable_device(dev);
    return rc;
  }

  private void remove(PciDev dev) {
    device_destroy(sdmaClass, devt);
    cdev_del(cdev);
    undoIrq(dev, 0);
    pdev = null;
  }

  // ---- the interrupt -----------------------------------------------------------------------------

  private int interrupt(int irqNo, Object devId) {
    // TODO 6: hard-IRQ context, never sleep. Read INT_STATUS; 0 → IRQ_NONE (a shared line).
    //         Write the same bits back to INT_STATUS (write 1 to clear: the INTx level drops),
    //         complete(done), return IRQ_HANDLED.
    return IRQ_NONE;
  }

  // ---- one transfer ------------------------------------------------------------------------------

  /** Moves {@code len} bytes between the bounce buffer and card RAM at {@code cardOffset}; 0 or -errno. */
  private int transfer(int direction, long cardOffset, int len) {
    // TODO 7: the tutorial's four registers plus a direction: DST_ADDR = cardOffset, SRC_ADDR = the
    //         bounce buffer's bus address (both halves), SIZE = len, DIRECTION; reinit_completion(done);
    //         ring the doorbell (CONTROL_START into CONTROL); wait_for_completion_timeout(done,
    //         msecs_to_jiffies(DMA_TIMEOUT_MS)) (0 → -ETIMEDOUT); STATUS_ERROR set → -EIO (say why
    //         with dev_err and ERROR_CAUSE).
    return -EIO;
  }

  // ---- read / write ------------------------------------------------------------------------------

  private long write(File file, long buf, long count, long[] ppos) {
    long pos = ppos[0];
    if (count == 0) {
      return 0;
    }
    if (pos >= CARD_RAM_SIZE) {
      return -ENOSPC;
    }
    int n = (int) Math.min(Math.min(count, BOUNCE_SIZE), CARD_RAM_SIZE - pos);
    mutex_lock(lock);
    try {
      // TODO 8: copy_from_user(bounce, buf, n) (≠ 0 → -EFAULT), then transfer(DIR_TO_DEVICE, pos, n).
      int rc = -EIO;
      if (rc != 0) {
        return rc;
      }
    } finally {
      mutex_unlock(lock);
    }
    ppos[0] = pos + n;
    return n;
  }

  private long read(File file, long buf, long count, long[] ppos) {
    long pos = ppos[0];
    if (count == 0 || pos >= CARD_RAM_SIZE) {
      return 0;                          // end of the card's RAM: end of file
    }
    int n = (int) Math.min(Math.min(count, BOUNCE_SIZE), CARD_RAM_SIZE - pos);
    mutex_lock(lock);
    try {
      // TODO 9: transfer(DIR_FROM_DEVICE, pos, n), then copy_to_user(buf, bounce, n) (≠ 0 → -EFAULT).
      int rc = -EIO;
      if (rc != 0) {
        return rc;
      }
    } finally {
      mutex_unlock(lock);
    }
    ppos[0] = pos + n;
    return n;
  }
}
