package dev.driverlab.drivers.simpledma;

import static dev.driverlab.drivers.simpledma.SimpleDmaRegs.*;
import static dev.driverlab.kernel.base.ErrPtr.IS_ERR;
import static dev.driverlab.kernel.base.ErrPtr.PTR_ERR;
import static dev.driverlab.kernel.dma.Dma.DMA_BIT_MASK;
import static dev.driverlab.kernel.dma.Dma.dma_alloc_coherent;
import static dev.driverlab.kernel.dma.Dma.dma_free_coherent;
import static dev.driverlab.kernel.dma.Dma.dma_set_coherent_mask;
import static dev.driverlab.kernel.dma.Dma.dma_set_mask_and_coherent;
import static dev.driverlab.kernel.fs.Chrdev.MAJOR;
import static dev.driverlab.kernel.fs.Chrdev.MKDEV;
import static dev.driverlab.kernel.fs.Chrdev.alloc_chrdev_region;
import static dev.driverlab.kernel.fs.Chrdev.cdev_add;
import static dev.driverlab.kernel.fs.Chrdev.cdev_del;
import static dev.driverlab.kernel.fs.Chrdev.cdev_init;
import static dev.driverlab.kernel.fs.Chrdev.class_create;
import static dev.driverlab.kernel.fs.Chrdev.class_destroy;
import static dev.driverlab.kernel.fs.Chrdev.device_create;
import static dev.driverlab.kernel.fs.Chrdev.device_destroy;
import static dev.driverlab.kernel.fs.Chrdev.iminor;
import static dev.driverlab.kernel.fs.Chrdev.unregister_chrdev_region;
import static dev.driverlab.kernel.io.Io.readl;
import static dev.driverlab.kernel.io.Io.writel;
import static dev.driverlab.kernel.irq.Irq.IRQF_SHARED;
import static dev.driverlab.kernel.irq.Irq.PCI_IRQ_INTX;
import static dev.driverlab.kernel.irq.Irq.PCI_IRQ_MSI;
import static dev.driverlab.kernel.irq.Irq.free_irq;
import static dev.driverlab.kernel.irq.Irq.pci_alloc_irq_vectors;
import static dev.driverlab.kernel.irq.Irq.pci_free_irq_vectors;
import static dev.driverlab.kernel.irq.Irq.pci_irq_vector;
import static dev.driverlab.kernel.irq.Irq.request_irq;
import static dev.driverlab.kernel.mm.Mm.GFP_KERNEL;
import static dev.driverlab.kernel.pci.Pci.PCI_DEVICE;
import static dev.driverlab.kernel.pci.Pci.pci_clear_master;
import static dev.driverlab.kernel.pci.Pci.pci_disable_device;
import static dev.driverlab.kernel.pci.Pci.pci_enable_device;
import static dev.driverlab.kernel.pci.Pci.pci_get_drvdata;
import static dev.driverlab.kernel.pci.Pci.pci_iomap;
import static dev.driverlab.kernel.pci.Pci.pci_iounmap;
import static dev.driverlab.kernel.pci.Pci.pci_register_driver;
import static dev.driverlab.kernel.pci.Pci.pci_release_regions;
import static dev.driverlab.kernel.pci.Pci.pci_request_regions;
import static dev.driverlab.kernel.pci.Pci.pci_resource_len;
import static dev.driverlab.kernel.pci.Pci.pci_set_drvdata;
import static dev.driverlab.kernel.pci.Pci.pci_set_master;
import static dev.driverlab.kernel.pci.Pci.pci_unregister_driver;
import static dev.driverlab.kernel.pci.Pci.pcie_set_readrq;
import static dev.driverlab.kernel.printk.Printk.dev_err;
import static dev.driverlab.kernel.printk.Printk.dev_info;
import static dev.driverlab.kernel.printk.Printk.dev_warn;
import static dev.driverlab.kernel.printk.Printk.pr_err;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static dev.driverlab.kernel.uapi.Errno.ENODEV;
import static dev.driverlab.kernel.uapi.Errno.ENOMEM;
import static dev.driverlab.kernel.uapi.Errno.ENOSPC;

import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.fs.DeviceClass;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.fs.FileOperations;
import dev.driverlab.kernel.fs.Inode;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.module.ModuleParam;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.PciDeviceId;
import dev.driverlab.kernel.pci.PciDriver;
import java.util.List;

/**
 * The driver for the tutorial's simple DMA engine (shared/reference/seed-examples.md §2; register map in
 * {@link SimpleDmaRegs}), module {@code simple_dma}. It binds to d1ab:0001 and gives each card a char
 * device, /dev/simple-dma for the first and /dev/simple-dma1 … after it, whose ioctls
 * ({@link SimpleDmaUapi}) move a user buffer to or from device RAM by DMA and read or write device RAM
 * directly through BAR1, so a program can check what arrived.
 *
 * <p>Probe, each step undone in reverse order when a later one fails and again in remove:
 * <pre>
 *   pci_enable_device → pci_request_regions → pci_iomap BAR0 (registers) and BAR1 (RAM)
 *   → check ID and RAM_SIZE → dma_set_mask_and_coherent(64 bits) → pci_set_master
 *   → dma_alloc_coherent (one buffer as large as device RAM) → pci_alloc_irq_vectors (MSI, else INTx)
 *   → request_irq (IRQF_SHARED on INTx) → INT_ENABLE = DONE | ERROR → cdev_add → device_create
 * </pre>
 *
 * <p>Module parameters, for teaching: {@code use_msi=0} takes the shared INTx line instead of MSI;
 * {@code bus_master=0} skips pci_set_master, so the engine refuses every DMA (ERROR_CAUSE
 * BUS_MASTER_DISABLED) and cannot send its MSI either; {@code readrq=N} sets the Max Read Request Size
 * (128 … 4096) to watch host → device transfers split differently.
 *
 * <p>Why a bounce buffer: copying the user's bytes into one coherent buffer keeps the transfer a single
 * contiguous bus range, exactly the tutorial's single source address. The tutorial's buffer sat at bus
 * address 0x001FF000; DriverLab's page allocator hands out memory above 16 MiB, so the address differs,
 * and SDMA_IOC_INFO and SDMA_IOC_TRANSFER report the one really used.
 */
public final class SimpleDmaDriver extends KernelModule {
  public static final String DRV_NAME = "simple_dma";
  /** The char-device region, class and /dev name prefix. */
  public static final String CHRDEV_NAME = "simple-dma";
  /** Cards one module instance serves (minors 0 .. 7). */
  public static final int SDMA_MAX_CARDS = 8;

  @ModuleParam(desc = "use MSI if the card offers it (0: the shared INTx line)")
  boolean use_msi = true;

  @ModuleParam(desc = "enable bus mastering in probe (0, for teaching: every DMA fails BUS_MASTER_DISABLED)")
  boolean bus_master = true;

  @ModuleParam(desc = "Max Read Request Size in bytes, 128..4096 (0: leave as firmware set it)")
  int readrq;

  private final SimpleDmaCard[] cards = new SimpleDmaCard[SDMA_MAX_CARDS];
  private final int[] devBase = new int[1];
  private DeviceClass cls;

  private final FileOperations fops = FileOperations.builder()
      .owner(this)
      .open(this::sdmaOpen)
      .unlocked_ioctl(this::sdmaIoctl)
      .build();

  private final PciDriver pciDriver = new PciDriver(DRV_NAME,
      List.of(PCI_DEVICE(VENDOR_ID, DEVICE_ID)),
      this::probe, this::remove);

  @Override
  public String name() {
    return DRV_NAME;
  }

  @Override
  public String description() {
    return "simple DMA engine: one transfer between a user buffer and device RAM per ioctl";
  }

  // ---- module -----------------------------------------------------------------------------------

  @Override
  protected int init() {
    if (readrq != 0 && (readrq < 128 || readrq > 4096 || Integer.bitCount(readrq) != 1)) {
      pr_err("%s: readrq=%d: the Max Read Request Size is a power of two from 128 to 4096 bytes\n", DRV_NAME,
          readrq);
      return -EINVAL;
    }
    int rc = alloc_chrdev_region(devBase, 0, SDMA_MAX_CARDS, CHRDEV_NAME);
    if (rc != 0) {
      return rc;
    }
    cls = class_create(CHRDEV_NAME);
    if (IS_ERR(cls)) {
      rc = PTR_ERR(cls);
      unregister_chrdev_region(devBase[0], SDMA_MAX_CARDS);
      return rc;
    }
    rc = pci_register_driver(pciDriver);
    if (rc != 0) {
      class_destroy(cls);
      unregister_chrdev_region(devBase[0], SDMA_MAX_CARDS);
      return rc;
    }
    return 0;
  }

  @Override
  protected void exit() {
    pci_unregister_driver(pciDriver);
    class_destroy(cls);
    unregister_chrdev_region(devBase[0], SDMA_MAX_CARDS);
  }

  // ---- file operations --------------------------------------------------------------------------

  private int sdmaOpen(Inode inode, File file) {
    int minor = iminor(inode);
    SimpleDmaCard card = minor < SDMA_MAX_CARDS ? cards[minor] : null;
    if (card == null) {
      return -ENODEV;
    }
    file.private_data = card;
    return 0;
  }

  private long sdmaIoctl(File file, int cmd, long arg) {
    return ((SimpleDmaCard) file.private_data).ioctl(cmd, arg);
  }

  // ---- PCI --------------------------------------------------------------------------------------

  private int freeMinor() {
    for (int i = 0; i < SDMA_MAX_CARDS; i++) {
      if (cards[i] == null) {
        return i;
      }
    }
    return -1;
  }

  private int probe(PciDev pdev, PciDeviceId id) {
    int minor = freeMinor();
    if (minor < 0) {
      dev_err(pdev.dev, "all %d minors of /dev/%s are taken\n", SDMA_MAX_CARDS, CHRDEV_NAME);
      return -ENOSPC;
    }
    SimpleDmaCard card = new SimpleDmaCard(pdev, minor);
    int rc = pci_enable_device(pdev);
    if (rc != 0) {
      return rc;
    }
    rc = pci_request_regions(pdev, DRV_NAME);
    if (rc != 0) {
      pci_disable_device(pdev);
      return rc;
    }
    rc = mapBars(card);
    if (rc == 0) {
      rc = setUpDma(card);
      if (rc == 0) {
        rc = setUpIrq(card);
        if (rc == 0) {
          rc = addChrdev(card);
          if (rc == 0) {
            cards[minor] = card;
            pci_set_drvdata(pdev, card);
            dev_info(pdev.dev, "/dev/%s: %d KiB device RAM, DMA buffer of %d bytes at bus %#llx, %s IRQ %d\n",
                card.node.name(), card.ramSize >> 10, card.bufSize, card.bufBus, card.msi ? "MSI" : "INTx",
                card.irq);
            return 0;
          }
          tearDownIrq(card);
        }
        tearDownDma(card);
      }
      unmapBars(card);
    }
    pci_release_regions(pdev);
    pci_disable_device(pdev);
    return rc;
  }

  private void remove(PciDev pdev) {
    SimpleDmaCard card = pci_get_drvdata(pdev);
    card.markGone();
    cards[card.minor] = null;
    removeChrdev(card);
    tearDownIrq(card);
    tearDownDma(card);
    unmapBars(card);
    pci_release_regions(pdev);
    pci_disable_device(pdev);
  }

  /** Maps both BARs and checks the engine answers with its ID; 0 or -errno with nothing left mapped. */
  private int mapBars(SimpleDmaCard card) {
    PciDev pdev = card.pdev;
    card.regs = pci_iomap(pdev, BAR_REGS, 0);
    if (card.regs == 0) {
      dev_err(pdev.dev, "cannot map BAR%d (registers)\n", BAR_REGS);
      return -ENOMEM;
    }
    card.ram = pci_iomap(pdev, BAR_RAM, 0);
    if (card.ram == 0) {
      dev_err(pdev.dev, "cannot map BAR%d (device RAM)\n", BAR_RAM);
      pci_iounmap(pdev, card.regs);
      return -ENOMEM;
    }
    card.id = readl(card.regs + REG_ID);
    card.ramSize = readl(card.regs + REG_RAM_SIZE);
    if ((card.id & 0xffff) != ID_MAGIC || card.ramSize <= 0 || card.ramSize > RAM_SIZE_MAX
        || card.ramSize > pci_resource_len(pdev, BAR_RAM)) {
      dev_err(pdev.dev, "not a simple DMA engine: ID %#x, RAM_SIZE %#x, BAR%d %d bytes\n", card.id, card.ramSize,
          BAR_RAM, pci_resource_len(pdev, BAR_RAM));
      unmapBars(card);
      return -ENODEV;
    }
    return 0;
  }

  private void unmapBars(SimpleDmaCard card) {
    pci_iounmap(card.pdev, card.ram);
    pci_iounmap(card.pdev, card.regs);
  }

  /** DMA mask, bus mastering, MRRS and the coherent buffer; 0 or -errno with nothing left behind. */
  private int setUpDma(SimpleDmaCard card) {
    PciDev pdev = card.pdev;
    int rc = dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(64));
    if (rc != 0) {
      dev_err(pdev.dev, "no usable DMA mask\n");
      return rc;
    }
    // WORKAROUND (kernel-api): PageAllocator.alloc compares its limit as a signed long, so the coherent
    // mask DMA_BIT_MASK(64) (= -1) finds no memory at all. 63 bits reach every physical address a
    // DriverLab machine has; go back to the line above alone once the allocator compares unsigned.
    dma_set_coherent_mask(pdev.dev, DMA_BIT_MASK(63));
    if (bus_master) {
      pci_set_master(pdev);
      card.busMaster = true;
    } else {
      dev_warn(pdev.dev, "bus_master=0: Bus Master Enable stays clear, every DMA will fail\n");
    }
    if (readrq != 0) {
      pcie_set_readrq(pdev, readrq);
    }
    long[] handle = new long[1];
    card.bufSize = card.ramSize;
    card.buf = dma_alloc_coherent(pdev.dev, card.bufSize, handle, GFP_KERNEL);
    if (card.buf == 0) {
      dev_err(pdev.dev, "cannot allocate a %d-byte DMA buffer\n", card.bufSize);
      if (card.busMaster) {
        pci_clear_master(pdev);
      }
      return -ENOMEM;
    }
    card.bufBus = handle[0];
    return 0;
  }

  /** Stops the card mastering before its buffer goes back to the allocator. */
  private void tearDownDma(SimpleDmaCard card) {
    if (card.busMaster && !card.pdev.isRemoved()) {
      pci_clear_master(card.pdev);
    }
    dma_free_coherent(card.pdev.dev, card.bufSize, card.buf, card.bufBus);
  }

  /** One vector (MSI, else INTx), its handler, then INT_ENABLE; 0 or -errno with nothing left behind. */
  private int setUpIrq(SimpleDmaCard card) {
    PciDev pdev = card.pdev;
    int n = pci_alloc_irq_vectors(pdev, 1, 1, use_msi ? PCI_IRQ_MSI | PCI_IRQ_INTX : PCI_IRQ_INTX);
    if (n < 0) {
      dev_err(pdev.dev, "no interrupt: pci_alloc_irq_vectors returned %d\n", n);
      return n;
    }
    card.msi = pdev.msi_enabled;
    card.irq = pci_irq_vector(pdev, 0);
    int rc = request_irq(card.irq, card::irqHandler, card.msi ? 0 : IRQF_SHARED, DRV_NAME, card);
    if (rc != 0) {
      dev_err(pdev.dev, "request_irq(%d) failed: %d\n", card.irq, rc);
      pci_free_irq_vectors(pdev);
      return rc;
    }
    writel(INT_ALL, card.regs + REG_INT_ENABLE);
    return 0;
  }

  private void tearDownIrq(SimpleDmaCard card) {
    if (!card.pdev.isRemoved()) {
      writel(0, card.regs + REG_INT_ENABLE);
    }
    free_irq(card.irq, card);
    pci_free_irq_vectors(card.pdev);
  }

  /** cdev for this card's minor and its /dev node; 0 or -errno with neither left behind. */
  private int addChrdev(SimpleDmaCard card) {
    int devt = MKDEV(MAJOR(devBase[0]), card.minor);
    cdev_init(card.cdev, fops);
    int rc = cdev_add(card.cdev, devt, 1);
    if (rc != 0) {
      dev_err(card.pdev.dev, "cdev_add failed: %d\n", rc);
      return rc;
    }
    Device node = device_create(cls, card.pdev.dev, devt, card, "%s", SimpleDmaUapi.deviceName(card.minor));
    if (IS_ERR(node)) {
      rc = PTR_ERR(node);
      dev_err(card.pdev.dev, "device_create /dev/%s failed: %d\n", SimpleDmaUapi.deviceName(card.minor), rc);
      cdev_del(card.cdev);
      return rc;
    }
    card.node = node;
    return 0;
  }

  private void removeChrdev(SimpleDmaCard card) {
    device_destroy(cls, MKDEV(MAJOR(devBase[0]), card.minor));
    cdev_del(card.cdev);
  }
}
