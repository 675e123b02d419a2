package dev.driverlab.labs.edudma;

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
import static dev.driverlab.kernel.fs.Chrdev.unregister_chrdev_region;
import static dev.driverlab.kernel.io.Io.ioread32;
import static dev.driverlab.kernel.io.Io.iowrite32;
import static dev.driverlab.kernel.io.Io.writeq;
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
import static dev.driverlab.kernel.sched.Locks.mutex_lock;
import static dev.driverlab.kernel.sched.Locks.mutex_unlock;
import static dev.driverlab.kernel.sched.Sched.msecs_to_jiffies;
import static dev.driverlab.kernel.sched.Wait.complete;
import static dev.driverlab.kernel.sched.Wait.reinit_completion;
import static dev.driverlab.kernel.sched.Wait.wait_for_completion_timeout;
import static dev.driverlab.kernel.uapi.Errno.EBUSY;
import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static dev.driverlab.kernel.uapi.Errno.ENODEV;
import static dev.driverlab.kernel.uapi.Errno.ENOMEM;
import static dev.driverlab.kernel.uapi.Errno.ENOTTY;
import static dev.driverlab.kernel.uapi.Errno.ETIMEDOUT;
import static dev.driverlab.kernel.uapi.Ioctl._IOW;

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
 * Lab 3 reference solution: DMA between a user buffer and the edu card's 4 KiB buffer, through one
 * coherent bounce buffer, finished by the card's DMA interrupt (labs/03-edu-dma/README.md; the DMA
 * engine is shared/reference/edu-and-linux-api.md §A.7).
 *
 * <pre>
 *   BAR0  0x80 dma src  0x88 dma dst  0x90 dma count   (4- or 8-byte registers)
 *         0x98 dma cmd  bit 0 RUN · bit 1 direction (0 RAM→card, 1 card→RAM) · bit 2 raise 0x100 when done
 *   card buffer: device addresses 0x40000..0x40fff          DMA mask of the card: 28 bits
 *
 *   TO_DEVICE    user ─copy_from_user─► bounce (coherent) ─MRd/CplD─► card buffer + offset
 *   FROM_DEVICE  card buffer + offset ─MWr─► bounce ─copy_to_user─► user
 * </pre>
 */
public final class EduDma extends KernelModule {
  // ---- the user interface (labs/03-edu-dma/README.md) --------------------------------------------
  /** struct edu_dma_xfer { __u64 user_addr; __u32 offset; __u32 len; }: 16 bytes. */
  public static final int XFER_SIZE = 16;
  public static final int EDU_IOC_DMA_TO_DEVICE = _IOW('E', 4, XFER_SIZE);
  public static final int EDU_IOC_DMA_FROM_DEVICE = _IOW('E', 5, XFER_SIZE);

  // ---- the card ----------------------------------------------------------------------------------
  static final int EDU_VENDOR = 0x1234, EDU_DEVICE = 0x11e8;
  static final int REG_IRQ_STATUS = 0x24, REG_IRQ_ACK = 0x64;
  static final int REG_DMA_SRC = 0x80, REG_DMA_DST = 0x88, REG_DMA_COUNT = 0x90, REG_DMA_CMD = 0x98;
  static final int DMA_CMD_RUN = 0x1, DMA_CMD_TO_RAM = 0x2, DMA_CMD_IRQ = 0x4;
  static final int DMA_IRQ = 0x100;
  static final long CARD_BUFFER = 0x40000;
  static final int CARD_BUFFER_SIZE = 4096;
  static final int DMA_MASK_BITS = 28;
  /** The card needs 100 ms of (simulated) time per transfer. */
  static final int DMA_TIMEOUT_MS = 1000;

  private final PciDriver pciDriver = new PciDriver("edu_dma", List.of(PCI_DEVICE(EDU_VENDOR, EDU_DEVICE)),
      this::probe, this::remove);
  private final FileOperations fops = FileOperations.builder()
      .owner(this)
      .unlocked_ioctl(this::ioctl)
      .build();

  private int devt;
  private DeviceClass eduClass;

  private PciDev pdev;
  private long bar0;
  private int irq;
  private long bounce;
  private final long[] bounceDma = new long[1];
  private final Cdev cdev = new Cdev();
  private final Mutex lock = new Mutex("edu_dma");
  private final Completion dmaDone = new Completion();

  @Override
  public String name() {
    return "edu_dma";
  }

  // ---- module init / exit ------------------------------------------------------------------------

  @Override
  protected int init() {
    int[] first = new int[1];
    int rc = alloc_chrdev_region(first, 0, 1, "edu_dma");
    if (rc != 0) {
      return rc;
    }
    devt = first[0];
    eduClass = class_create("edu_dma");
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
      return -EBUSY;
    }
    int rc = pci_enable_device(dev);
    if (rc != 0) {
      return rc;
    }
    rc = pci_request_regions(dev, "edu_dma");
    if (rc != 0) {
      pci_disable_device(dev);
      return rc;
    }
    bar0 = pci_iomap(dev, 0, 0);
    if (bar0 == 0) {
      return undoRegions(dev, -ENOMEM);
    }
    rc = dma_set_mask_and_coherent(dev.dev, DMA_BIT_MASK(DMA_MASK_BITS));   // the card drops bits 28+
    if (rc != 0) {
      return undoIomap(dev, rc);
    }
    pci_set_master(dev);                 // the card's DMA and its MSI are bus-master writes/reads
    bounce = dma_alloc_coherent(dev.dev, CARD_BUFFER_SIZE, bounceDma, GFP_KERNEL);
    if (bounce == 0) {
      return undoMaster(dev, -ENOMEM);
    }
    rc = pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSI | PCI_IRQ_INTX);
    if (rc < 0) {
      return undoBounce(dev, rc);
    }
    irq = pci_irq_vector(dev, 0);
    iowrite32(ioread32(bar0 + REG_IRQ_STATUS), bar0 + REG_IRQ_ACK);
    rc = request_irq(irq, this::interrupt, dev.msi_enabled ? 0 : IRQF_SHARED, "edu_dma", this);
    if (rc != 0) {
      pci_free_irq_vectors(dev);
      return undoBounce(dev, rc);
    }
    cdev_init(cdev, fops);
    rc = cdev_add(cdev, devt, 1);
    if (rc != 0) {
      return undoIrq(dev, rc);
    }
    Device node = device_create(eduClass, dev.dev, devt, null, "edu0");
    if (IS_ERR(node)) {
      cdev_del(cdev);
      return undoIrq(dev, PTR_ERR(node));
    }
    pdev = dev;
    return 0;
  }

  private int undoIrq(PciDev dev, int rc) {
    free_irq(irq, this);
    pci_free_irq_vectors(dev);
    return undoBounce(dev, rc);
  }

  private int undoBounce(PciDev dev, int rc) {
    dma_free_coherent(dev.dev, CARD_BUFFER_SIZE, bounce, bounceDma[0]);
    return undoMaster(dev, rc);
  }

  private int undoMaster(PciDev dev, int rc) {
    pci_clear_master(dev);
    return undoIomap(dev, rc);
  }

  private int undoIomap(PciDev dev, int rc) {
    pci_iounmap(dev, bar0);
    return undoRegions(dev, rc);
  }

  private int undoRegions(PciDev dev, int rc) {
    pci_release_regions(dev);
    pci_disable_device(dev);
    return rc;
  }

  private void remove(PciDev dev) {
    device_destroy(eduClass, devt);
    cdev_del(cdev);
    undoIrq(dev, 0);
    pdev = null;
  }

  // ---- the interrupt -----------------------------------------------------------------------------

  private int interrupt(int irqNo, Object devId) {
    int causes = ioread32(bar0 + REG_IRQ_STATUS);
    if (causes == 0) {
      return IRQ_NONE;
    }
    iowrite32(causes, bar0 + REG_IRQ_ACK);
    if ((causes & DMA_IRQ) != 0) {
      complete(dmaDone);
    }
    return IRQ_HANDLED;
  }

  // ---- one transfer ------------------------------------------------------------------------------

  /** Runs one DMA between the bounce buffer and the card buffer; 0 or -ETIMEDOUT. */
  private int transfer(boolean toRam, int offset, int len) {
    long card = CARD_BUFFER + offset;
    writeq(toRam ? card : bounceDma[0], bar0 + REG_DMA_SRC);
    writeq(toRam ? bounceDma[0] : card, bar0 + REG_DMA_DST);
    writeq(len, bar0 + REG_DMA_COUNT);
    reinit_completion(dmaDone);
    iowrite32(DMA_CMD_RUN | DMA_CMD_IRQ | (toRam ? DMA_CMD_TO_RAM : 0), bar0 + REG_DMA_CMD);
    if (wait_for_completion_timeout(dmaDone, msecs_to_jiffies(DMA_TIMEOUT_MS)) == 0) {
      return -ETIMEDOUT;
    }
    return 0;
  }

  // ---- ioctl -------------------------------------------------------------------------------------

  private long ioctl(File file, int cmd, long arg) {
    if (cmd != EDU_IOC_DMA_TO_DEVICE && cmd != EDU_IOC_DMA_FROM_DEVICE) {
      return -ENOTTY;
    }
    if (pdev == null) {
      return -ENODEV;
    }
    byte[] x = new byte[XFER_SIZE];
    if (copy_from_user(x, arg, XFER_SIZE) != 0) {
      return -EFAULT;
    }
    long userAddr = getLe64(x, 0);
    long offset = getLe32(x, 8) & 0xffffffffL;
    long len = getLe32(x, 12) & 0xffffffffL;
    if (offset + len > CARD_BUFFER_SIZE) {
      return -EINVAL;                    // checked before the card is touched
    }
    mutex_lock(lock);
    try {
      if (cmd == EDU_IOC_DMA_TO_DEVICE) {
        if (copy_from_user(bounce, userAddr, len) != 0) {
          return -EFAULT;
        }
        return transfer(false, (int) offset, (int) len);
      }
      int rc = transfer(true, (int) offset, (int) len);
      if (rc != 0) {
        return rc;
      }
      return copy_to_user(userAddr, bounce, len) != 0 ? -EFAULT : 0;
    } finally {
      mutex_unlock(lock);
    }
  }

  private static int getLe32(byte[] b, int off) {
    return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
  }

  private static long getLe64(byte[] b, int off) {
    return (getLe32(b, off) & 0xffffffffL) | (long) getLe32(b, off + 4) << 32;
  }
}
