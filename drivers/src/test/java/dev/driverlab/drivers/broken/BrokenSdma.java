package dev.driverlab.drivers.broken;

import static dev.driverlab.drivers.simpledma.SimpleDmaRegs.*;
import static dev.driverlab.drivers.simpledma.SimpleDmaUapi.*;
import static dev.driverlab.kernel.dma.Dma.*;
import static dev.driverlab.kernel.fs.Chrdev.*;
import static dev.driverlab.kernel.io.Io.*;
import static dev.driverlab.kernel.irq.Irq.*;
import static dev.driverlab.kernel.mm.Mm.*;
import static dev.driverlab.kernel.mm.Uaccess.copy_from_user;
import static dev.driverlab.kernel.mm.Uaccess.copy_to_user;
import static dev.driverlab.kernel.pci.Pci.*;
import static dev.driverlab.kernel.sched.Locks.mutex_lock;
import static dev.driverlab.kernel.sched.Locks.mutex_unlock;
import static dev.driverlab.kernel.printk.Printk.dev_warn;
import static dev.driverlab.kernel.sched.Sched.jiffies;
import static dev.driverlab.kernel.sched.Sched.msecs_to_jiffies;
import static dev.driverlab.kernel.sched.Sched.msleep;
import static dev.driverlab.kernel.sched.Timers.*;
import static dev.driverlab.kernel.sched.Wait.*;
import static dev.driverlab.kernel.uapi.Errno.*;

import dev.driverlab.kernel.dma.Scatterlist;
import dev.driverlab.kernel.fs.Cdev;
import dev.driverlab.kernel.fs.DeviceClass;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.fs.FileOperations;
import dev.driverlab.kernel.fs.Inode;
import dev.driverlab.kernel.mm.Page;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.module.ModuleParam;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.PciDeviceId;
import dev.driverlab.kernel.pci.PciDriver;
import dev.driverlab.kernel.sched.Completion;
import dev.driverlab.kernel.sched.Mutex;
import dev.driverlab.kernel.sched.TimerList;
import java.util.List;

/**
 * A small simple-dma driver with one deliberate bug at a time, for the check catalogue. It speaks the
 * real simple-dma UAPI ({@code SDMA_IOC_TRANSFER}, {@link dev.driverlab.drivers.simpledma.SimpleDmaUapi})
 * and registers, but moves data the streaming way: every transfer kmallocs a bounce buffer and maps
 * it with {@code dma_map_single} for the transfer's direction, which is where most DMA-API bugs live.
 *
 * <pre>
 *   probe     pci_enable_device → request_regions → pci_iomap(BAR0) → 32-bit DMA mask → pci_set_master
 *             → one vector (MSI or INTx, param use_msi) → request_irq → INT_ENABLE → a coherent status
 *             page → a 100 ms watchdog timer → cdev, /dev/bsdma
 *   transfer  copy struct → bounce = kmalloc → (TO_DEVICE: copy_from_user) → dma_map_single
 *             → dma_mapping_error → SRC/DST/SIZE/DIRECTION/START → wait for the interrupt
 *             → dma_unmap_single → (FROM_DEVICE: copy_to_user) → kfree
 *   remove    the same, undone in reverse
 * </pre>
 *
 * With {@link Bug#NONE} it is a correct driver and every check stays quiet (the catalogue's control).
 * Each other {@link Bug} changes one line, marked {@code // BUG} in the code.
 */
public final class BrokenSdma extends KernelModule {
  /** The one mistake this instance makes. */
  public enum Bug {
    NONE,
    // ---- DMA-API (the driver's own calls) ----
    /** Unmaps without having called dma_mapping_error on the handle. */
    NO_MAPPING_ERROR_CHECK,
    /** Unmaps with the bounce buffer's rounded-up size instead of the mapped length. */
    UNMAP_WRONG_SIZE,
    /** Unmaps with DMA_BIDIRECTIONAL what it mapped for one direction. */
    UNMAP_WRONG_DIRECTION,
    /** Unmaps twice. */
    DOUBLE_UNMAP,
    /** Copies a FROM_DEVICE result to the user before unmapping (the CPU reads a buffer the device owns). */
    READ_BEFORE_UNMAP,
    // ---- the device's TLPs against the mappings ----
    /** Maps a FROM_DEVICE transfer DMA_TO_DEVICE: the device writes a buffer it may only read. */
    MAP_WRONG_DIRECTION,
    /** Unmaps right after the doorbell, before the device is done. */
    UNMAP_BEFORE_DONE,
    /** Calls dma_sync_single_for_cpu between mapping and the doorbell. */
    SYNC_FOR_CPU_BEFORE_START,
    /** Programs the buffer's kernel virtual address instead of its DMA handle. */
    PROGRAM_CPU_ADDRESS,
    /** Never calls pci_set_master. */
    NO_SET_MASTER,
    // ---- leaks at remove ----
    LEAK_MAPPING,
    LEAK_IRQ,
    LEAK_VECTORS,
    LEAK_IOMAP,
    LEAK_REGIONS,
    /** Never frees the coherent status page it allocates in probe. */
    LEAK_COHERENT,
    /** Frees the coherent status page twice in remove. */
    DOUBLE_FREE_COHERENT,
    /** Leaves its watchdog timer armed at remove: it fires later and reads registers that are unmapped. */
    TIMER_AFTER_REMOVE,
    /** Pins the user's page and maps it with dma_map_sg (zero copy), then forgets both. */
    LEAK_USER_PAGES,
    // ---- interrupts ----
    /** Sleeps (msleep) in the interrupt handler. */
    IRQ_SLEEPS,
    /** Never clears INT_STATUS: the level-triggered INTx line stays asserted. */
    IRQ_NEVER_ACKS,
    /** Returns IRQ_NONE for its own interrupt (and so never acks it). */
    IRQ_NEVER_HANDLED,
    // ---- MMIO ----
    /** Reads the ID register before pci_enable_device. */
    MMIO_BEFORE_ENABLE,
    /** Maps 8 KiB of the 4 KiB register BAR and reads past its end. */
    MMIO_BEYOND_BAR,
    /** Masks interrupts (INT_ENABLE = 0) after pci_iounmap in remove. */
    MMIO_AFTER_IOUNMAP
  }

  public static final String NAME = "bsdma";
  public static final String DEVICE_PATH = "/dev/bsdma";

  @ModuleParam(desc = "use MSI (1, default) or legacy INTx (0)")
  boolean use_msi = true;

  final Bug bug;
  private final PciDriver pciDriver = new PciDriver(NAME,
      List.of(PCI_DEVICE(VENDOR_ID, DEVICE_ID)), this::probe, this::remove);
  private final FileOperations fops = FileOperations.builder().owner(this).open(this::open)
      .unlocked_ioctl(this::ioctl).build();
  private final Cdev cdev = new Cdev();
  private final Mutex lock = new Mutex("bsdma->lock");
  private final Completion done = new Completion();
  private int devt;
  private DeviceClass cls;
  private PciDev pdev;
  private long regs;
  private int irq;
  /** A coherent page the driver keeps per card (unused by the device: it only has to be freed). */
  private long statusPage;
  private final long[] statusDma = new long[1];
  private final TimerList watchdog = new TimerList();

  public BrokenSdma(Bug bug) {
    this.bug = bug;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected int init() {
    int[] dev = new int[1];
    int rc = alloc_chrdev_region(dev, 0, 1, NAME);
    if (rc != 0) {
      return rc;
    }
    devt = dev[0];
    cls = class_create(NAME);
    rc = pci_register_driver(pciDriver);
    if (rc != 0) {
      class_destroy(cls);
      unregister_chrdev_region(devt, 1);
    }
    return rc;
  }

  @Override
  protected void exit() {
    pci_unregister_driver(pciDriver);
    class_destroy(cls);
    unregister_chrdev_region(devt, 1);
  }

  // ---- probe / remove ---------------------------------------------------------------------------

  private int probe(PciDev d, PciDeviceId id) {
    pdev = d;
    init_completion(done);
    if (bug == Bug.MMIO_BEFORE_ENABLE) {
      long early = pci_iomap(d, BAR_REGS, 0);
      readl(early + REG_ID); // BUG: the device does not decode its BARs yet
      pci_iounmap(d, early);
    }
    int rc = pci_enable_device(d);
    if (rc != 0) {
      return rc;
    }
    rc = pci_request_regions(d, NAME);
    if (rc != 0) {
      pci_disable_device(d);
      return rc;
    }
    regs = pci_iomap(d, BAR_REGS, 0);
    if (bug == Bug.MMIO_BEYOND_BAR) {
      long wide = ioremap(pci_resource_start(d, BAR_REGS), 8192); // BUG: the BAR is 4 KiB
      readl(wide + 4096);
      iounmap(wide);
    }
    dma_set_mask_and_coherent(d.dev, DMA_BIT_MASK(32));
    if (bug != Bug.NO_SET_MASTER) {
      pci_set_master(d);
    }
    rc = pci_alloc_irq_vectors(d, 1, 1, use_msi ? PCI_IRQ_MSI | PCI_IRQ_INTX : PCI_IRQ_INTX);
    if (rc < 0) {
      return unwindIomap(rc);
    }
    irq = pci_irq_vector(d, 0);
    rc = request_irq(irq, this::interrupt, d.msi_enabled ? 0 : IRQF_SHARED, NAME, this);
    if (rc != 0) {
      pci_free_irq_vectors(d);
      return unwindIomap(rc);
    }
    writel(INT_ALL, regs + REG_INT_ENABLE);
    statusPage = dma_alloc_coherent(d.dev, 4096, statusDma, GFP_KERNEL);
    timer_setup(watchdog, this::watchdog, 0);
    mod_timer(watchdog, jiffies() + msecs_to_jiffies(100));
    cdev_init(cdev, fops);
    cdev_add(cdev, devt, 1);
    device_create(cls, d.dev, devt, null, NAME);
    return 0;
  }

  private int unwindIomap(int rc) {
    pci_iounmap(pdev, regs);
    pci_release_regions(pdev);
    pci_disable_device(pdev);
    return rc;
  }

  private void remove(PciDev d) {
    device_destroy(cls, devt);
    cdev_del(cdev);
    if (bug != Bug.TIMER_AFTER_REMOVE) {
      del_timer_sync(watchdog);
    }
    if (bug != Bug.LEAK_COHERENT) {
      dma_free_coherent(d.dev, 4096, statusPage, statusDma[0]);
    }
    if (bug == Bug.DOUBLE_FREE_COHERENT) {
      dma_free_coherent(d.dev, 4096, statusPage, statusDma[0]); // BUG: freed twice
    }
    writel(0, regs + REG_INT_ENABLE);
    if (bug != Bug.LEAK_IRQ) {
      free_irq(irq, this);
    }
    if (bug != Bug.LEAK_VECTORS && bug != Bug.LEAK_IRQ) {
      pci_free_irq_vectors(d);
    }
    if (bug != Bug.LEAK_IOMAP) {
      pci_iounmap(d, regs);
    }
    if (bug == Bug.MMIO_AFTER_IOUNMAP) {
      writel(0, regs + REG_INT_ENABLE); // BUG: regs was just unmapped
    }
    if (bug != Bug.LEAK_REGIONS) {
      pci_release_regions(d);
    }
    pci_disable_device(d);
  }

  /** Every 100 ms: a card whose engine reports an error gets a line in dmesg (timer context). */
  private void watchdog(TimerList t) {
    if ((readl(regs + REG_STATUS) & STATUS_ERROR) != 0) {
      dev_warn(pdev.dev, "engine reports an error\n");
    }
    mod_timer(watchdog, jiffies() + msecs_to_jiffies(100));
  }

  // ---- interrupt (hard-IRQ context) ---------------------------------------------------------------

  private int interrupt(int irqNo, Object devId) {
    int status = readl(regs + REG_INT_STATUS);
    if (status == 0 || status == -1) {
      return IRQ_NONE;
    }
    if (bug == Bug.IRQ_NEVER_HANDLED) {
      return IRQ_NONE; // BUG: it is ours, and nobody acks it
    }
    if (bug != Bug.IRQ_NEVER_ACKS) {
      writel(status, regs + REG_INT_STATUS);
    }
    if (bug == Bug.IRQ_SLEEPS) {
      msleep(1); // BUG: hard-IRQ context must not sleep
    }
    complete(done);
    return IRQ_HANDLED;
  }

  // ---- file operations --------------------------------------------------------------------------

  private int open(Inode inode, File f) {
    return 0;
  }

  private long ioctl(File f, int cmd, long arg) {
    if (cmd != SDMA_IOC_TRANSFER) {
      return -ENOTTY;
    }
    byte[] req = new byte[SDMA_TRANSFER_SIZE];
    if (copy_from_user(req, arg, SDMA_TRANSFER_SIZE) != 0) {
      return -EFAULT;
    }
    int dir = getLe32(req, XFER_DIRECTION);
    int devOffset = getLe32(req, XFER_DEV_OFFSET);
    long user = getLe64(req, XFER_USER_ADDR);
    int len = getLe32(req, XFER_LENGTH);
    if ((dir != SDMA_TO_DEVICE && dir != SDMA_FROM_DEVICE) || len <= 0 || len > 4096) {
      return -EINVAL;
    }
    mutex_lock(lock);
    try {
      return bug == Bug.LEAK_USER_PAGES ? zeroCopy(dir, devOffset, user, len) : transfer(dir, devOffset, user, len);
    } finally {
      mutex_unlock(lock);
    }
  }

  private long transfer(int dir, int devOffset, long user, int len) {
    int dmaDir = dir == SDMA_TO_DEVICE ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
    long buf = kmalloc(4096, GFP_KERNEL);
    if (buf == 0) {
      return -ENOMEM;
    }
    if (dir == SDMA_TO_DEVICE && copy_from_user(buf, user, len) != 0) {
      kfree(buf);
      return -EFAULT;
    }
    int mapDir = bug == Bug.MAP_WRONG_DIRECTION ? DMA_TO_DEVICE : dmaDir; // BUG if MAP_WRONG_DIRECTION
    long handle = dma_map_single(pdev.dev, buf, len, mapDir);
    if (bug != Bug.NO_MAPPING_ERROR_CHECK && dma_mapping_error(pdev.dev, handle) != 0) {
      kfree(buf);
      return -ENOMEM;
    }
    if (bug == Bug.SYNC_FOR_CPU_BEFORE_START) {
      dma_sync_single_for_cpu(pdev.dev, handle, len, mapDir); // BUG: gives the buffer back to the CPU
    }
    reinit_completion(done);
    writel(devOffset, regs + REG_DST_ADDR);
    writeq(bug == Bug.PROGRAM_CPU_ADDRESS ? buf : handle, regs + REG_SRC_ADDR_LO); // BUG if PROGRAM_CPU_ADDRESS
    writel(len, regs + REG_SIZE);
    writel(dir, regs + REG_DIRECTION);
    writel(CONTROL_START, regs + REG_CONTROL);
    if (bug == Bug.UNMAP_BEFORE_DONE) {
      dma_unmap_single(pdev.dev, handle, len, mapDir); // BUG: the device has not even started
    }
    long left = wait_for_completion_timeout(done, msecs_to_jiffies(100));
    int status = readl(regs + REG_STATUS);
    if (bug == Bug.READ_BEFORE_UNMAP && dir == SDMA_FROM_DEVICE) {
      copy_to_user(user, buf, len); // BUG: the device still owns buf
    }
    switch (bug) {
      case UNMAP_BEFORE_DONE, LEAK_MAPPING -> { }
      case UNMAP_WRONG_SIZE -> dma_unmap_single(pdev.dev, handle, 4096, mapDir);
      case UNMAP_WRONG_DIRECTION -> dma_unmap_single(pdev.dev, handle, len, DMA_BIDIRECTIONAL);
      case DOUBLE_UNMAP -> {
        dma_unmap_single(pdev.dev, handle, len, mapDir);
        dma_unmap_single(pdev.dev, handle, len, mapDir);
      }
      default -> dma_unmap_single(pdev.dev, handle, len, mapDir);
    }
    if (left == 0 || (status & STATUS_ERROR) != 0) {
      kfree(buf);
      return left == 0 ? -ETIMEDOUT : -EIO;
    }
    long rc = 0;
    if (dir == SDMA_FROM_DEVICE && bug != Bug.READ_BEFORE_UNMAP && copy_to_user(user, buf, len) != 0) {
      rc = -EFAULT;
    }
    kfree(buf);
    return rc;
  }

  /** LEAK_USER_PAGES: DMA straight to the user's page, which is pinned and mapped and then forgotten. */
  private long zeroCopy(int dir, int devOffset, long user, int len) {
    if ((user & 4095) + len > 4096) {
      return -EINVAL;
    }
    Page[] pages = new Page[1];
    if (pin_user_pages(user, 1, dir == SDMA_FROM_DEVICE ? FOLL_WRITE : 0, pages) != 1) {
      return -EFAULT;
    }
    Scatterlist[] sg = new Scatterlist[1];
    sg_init_table(sg, 1);
    sg_set_page(sg[0], pages[0], len, (int) (user & 4095));
    int dmaDir = dir == SDMA_TO_DEVICE ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
    if (dma_map_sg(pdev.dev, sg, 1, dmaDir) != 1) {
      return -ENOMEM;
    }
    reinit_completion(done);
    writel(devOffset, regs + REG_DST_ADDR);
    writeq(sg_dma_address(sg[0]), regs + REG_SRC_ADDR_LO);
    writel(len, regs + REG_SIZE);
    writel(dir, regs + REG_DIRECTION);
    writel(CONTROL_START, regs + REG_CONTROL);
    long left = wait_for_completion_timeout(done, msecs_to_jiffies(100));
    return left == 0 ? -ETIMEDOUT : 0; // BUG: no dma_unmap_sg, no unpin_user_pages
  }
}
