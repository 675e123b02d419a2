package dev.driverlab.drivers.edu;

import static dev.driverlab.drivers.edu.EduRegs.*;
import static dev.driverlab.kernel.base.ErrPtr.IS_ERR;
import static dev.driverlab.kernel.base.ErrPtr.PTR_ERR;
import static dev.driverlab.kernel.dma.Dma.DMA_BIT_MASK;
import static dev.driverlab.kernel.dma.Dma.dma_alloc_coherent;
import static dev.driverlab.kernel.dma.Dma.dma_free_coherent;
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
import static dev.driverlab.kernel.fs.Chrdev.unregister_chrdev_region;
import static dev.driverlab.kernel.io.Io.ioread32;
import static dev.driverlab.kernel.io.Io.iowrite32;
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
import static dev.driverlab.kernel.pci.Pci.pci_set_drvdata;
import static dev.driverlab.kernel.pci.Pci.pci_set_master;
import static dev.driverlab.kernel.pci.Pci.pci_unregister_driver;
import static dev.driverlab.kernel.printk.Printk.dev_err;
import static dev.driverlab.kernel.printk.Printk.dev_info;
import static dev.driverlab.kernel.printk.Printk.dev_warn;
import static dev.driverlab.kernel.printk.Printk.pr_err;
import static dev.driverlab.kernel.printk.Printk.pr_info;
import static dev.driverlab.kernel.sched.Locks.mutex_lock;
import static dev.driverlab.kernel.sched.Locks.mutex_unlock;
import static dev.driverlab.kernel.sched.Wait.init_completion;
import static dev.driverlab.kernel.uapi.Errno.ENODEV;
import static dev.driverlab.kernel.uapi.Errno.ENOMEM;
import static dev.driverlab.kernel.uapi.Errno.ENOSPC;

import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.fs.DeviceClass;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.module.ModuleParam;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.PciDeviceId;
import dev.driverlab.kernel.pci.PciDriver;
import java.util.List;

/**
 * The edu PCI driver (module "edu"), written the way Linux edu drivers are (edu-and-linux-api.md §B.1):
 * one char device {@code /dev/eduN} per card (N = the card's minor, in probe order), with the ioctl
 * and read/write interface of {@link EduUapi} and {@code EduFileOps}.
 *
 * <pre>
 *   insmod edu [use_msi=1] [skip_set_master=0] [timeout_ms=1000]
 *
 *   module init  alloc_chrdev_region(8 minors, "edu") → class_create("edu") → pci_register_driver
 *   probe        pci_enable_device → pci_request_regions → pci_iomap(BAR0) → check ident
 *                → dma_set_mask_and_coherent(28 bits) → pci_set_master → dma_alloc_coherent(4 KiB)
 *                → pci_alloc_irq_vectors(MSI | INTx) → ack stale causes → request_irq
 *                → cdev_init/cdev_add(MKDEV(major, N)) → device_create("edu%d", N)
 *   remove       the same steps undone in reverse order, after quiescing the card
 *   module exit  pci_unregister_driver → class_destroy → unregister_chrdev_region
 * </pre>
 *
 * Every failing probe step unwinds the steps before it, in reverse order (the C driver's goto ladder).
 *
 * <p>Interrupts: MSI when {@code use_msi} is set and the card offers it, else INTx, which is
 * level-triggered and may be shared with other devices ({@code IRQF_SHARED}; the handler returns
 * {@code IRQ_NONE} when its card's irq status is 0). Factorial (cause 0x1) and DMA (cause 0x100) both
 * complete through the interrupt: see {@code EduCard}.
 *
 * <p>{@code skip_set_master=1} leaves Bus Master Enable off, the bug of the cirosantilli example
 * (§B.4): every DMA is refused by the fabric, and with MSI even the interrupts are lost (an MSI is a
 * memory write, §A.6), so requests time out and dmesg names the cause. It exists for teaching only.
 */
public final class EduDriver extends KernelModule {
  public static final String DRV_NAME = "edu";
  /** Cards one module instance serves: minors 0 to 7. */
  public static final int EDU_MAX_CARDS = 8;

  @ModuleParam(desc = "use an MSI when the card offers one (default 1); 0 = legacy INTx, shared")
  boolean use_msi = true;

  @ModuleParam(desc = "teaching only: do not call pci_set_master, so DMA and MSI fail (default 0)")
  boolean skip_set_master = false;

  @ModuleParam(desc = "how long factorial and DMA requests wait for their interrupt, in ms (default 1000)")
  int timeout_ms = 1000;

  private final EduCard[] cards = new EduCard[EDU_MAX_CARDS];
  private final EduFileOps fileOps = new EduFileOps(this, this::cardOf);
  private final PciDriver pciDriver =
      new PciDriver(DRV_NAME, List.of(PCI_DEVICE(PCI_VENDOR_ID_QEMU, PCI_DEVICE_ID_EDU)), this::probe, this::remove);
  private int devtBase;
  private DeviceClass eduClass;

  @Override
  public String name() {
    return DRV_NAME;
  }

  @Override
  public String description() {
    return "QEMU edu PCI device: ident, liveness, factorial and DMA through /dev/eduN";
  }

  // ---- module init / exit -----------------------------------------------------------------------

  @Override
  protected int init() {
    int[] devt = new int[1];
    int rc = alloc_chrdev_region(devt, 0, EDU_MAX_CARDS, DRV_NAME);
    if (rc != 0) {
      pr_err("edu: cannot allocate device numbers: %d\n", rc);
      return rc;
    }
    devtBase = devt[0];
    eduClass = class_create(DRV_NAME);
    if (IS_ERR(eduClass)) {
      rc = PTR_ERR(eduClass);
      pr_err("edu: cannot create class: %d\n", rc);
      unregister_chrdev_region(devtBase, EDU_MAX_CARDS);
      return rc;
    }
    rc = pci_register_driver(pciDriver);
    if (rc != 0) {
      pr_err("edu: cannot register PCI driver: %d\n", rc);
      class_destroy(eduClass);
      unregister_chrdev_region(devtBase, EDU_MAX_CARDS);
      return rc;
    }
    pr_info("edu: driver loaded (major %d, %s)\n", MAJOR(devtBase), use_msi ? "MSI" : "INTx");
    return 0;
  }

  @Override
  protected void exit() {
    pci_unregister_driver(pciDriver);
    class_destroy(eduClass);
    unregister_chrdev_region(devtBase, EDU_MAX_CARDS);
    pr_info("edu: driver unloaded\n");
  }

  // ---- probe / remove ---------------------------------------------------------------------------

  private int probe(PciDev pdev, PciDeviceId id) {
    int minor = freeMinor();
    if (minor < 0) {
      dev_err(pdev.dev, "no free minor: this driver serves at most %d cards\n", EDU_MAX_CARDS);
      return -ENOSPC;
    }
    EduCard card = new EduCard(pdev, minor, timeout_ms);
    init_completion(card.factDone);
    init_completion(card.dmaDone);
    cards[minor] = card; // reserves the minor; no file reaches it before cdev_add
    int rc = pci_enable_device(pdev);
    if (rc != 0) {
      dev_err(pdev.dev, "pci_enable_device failed: %d\n", rc);
      cards[minor] = null;
      return rc;
    }
    rc = probeEnabled(card);
    if (rc != 0) {
      pci_disable_device(pdev);
      cards[minor] = null;
    }
    return rc;
  }

  /** Probe from pci_request_regions on; on failure, everything it did is undone. */
  private int probeEnabled(EduCard card) {
    PciDev pdev = card.pdev;
    int rc = pci_request_regions(pdev, DRV_NAME);
    if (rc != 0) {
      dev_err(pdev.dev, "cannot claim BAR0: %d\n", rc);
      return rc;
    }
    card.bar0 = pci_iomap(pdev, 0, 0);
    if (card.bar0 == 0) {
      dev_err(pdev.dev, "cannot map BAR0\n");
      rc = -ENOMEM;
      return undoRegions(card, rc);
    }
    int ident = ioread32(card.bar0 + REG_IDENT);
    if ((ident & 0xff) != IDENT_MAGIC) {
      dev_err(pdev.dev, "ident %#010x does not end in 0xed: not an edu device\n", ident);
      return undoIomap(card, -ENODEV);
    }
    rc = dma_set_mask_and_coherent(pdev.dev, DMA_BIT_MASK(DMA_ADDRESS_BITS));
    if (rc != 0) {
      dev_err(pdev.dev, "no usable %d-bit DMA mask: %d\n", DMA_ADDRESS_BITS, rc);
      return undoIomap(card, rc);
    }
    if (skip_set_master) {
      dev_warn(pdev.dev, "skip_set_master=1: bus mastering left off, DMA and MSI will fail\n");
    } else {
      pci_set_master(pdev);
    }
    card.buf = dma_alloc_coherent(pdev.dev, DMA_BUFFER_SIZE, card.bufDma, GFP_KERNEL);
    if (card.buf == 0) {
      dev_err(pdev.dev, "cannot allocate the %d-byte DMA buffer\n", DMA_BUFFER_SIZE);
      return undoMaster(card, -ENOMEM);
    }
    rc = pci_alloc_irq_vectors(pdev, 1, 1, use_msi ? PCI_IRQ_MSI | PCI_IRQ_INTX : PCI_IRQ_INTX);
    if (rc < 0) {
      dev_err(pdev.dev, "no interrupt: %d\n", rc);
      return undoDmaBuffer(card, rc);
    }
    card.irq = pci_irq_vector(pdev, 0);
    card.msi = pdev.msi_enabled;
    // request_irq enables the line at once, so the card must be quiet first (§C.4): ack stale causes.
    iowrite32(ioread32(card.bar0 + REG_IRQ_STATUS), card.bar0 + REG_IRQ_ACK);
    rc = request_irq(card.irq, card::interrupt, card.msi ? 0 : IRQF_SHARED, DRV_NAME, card);
    if (rc != 0) {
      dev_err(pdev.dev, "request_irq(%d) failed: %d\n", card.irq, rc);
      return undoVectors(card, rc);
    }
    pci_set_drvdata(pdev, card);
    int devt = MKDEV(MAJOR(devtBase), card.minor);
    cdev_init(card.cdev, fileOps.fops);
    card.cdev.owner = this;
    rc = cdev_add(card.cdev, devt, 1);
    if (rc != 0) {
      dev_err(pdev.dev, "cdev_add failed: %d\n", rc);
      return undoIrq(card, rc);
    }
    Device node = device_create(eduClass, pdev.dev, devt, card, "edu%d", card.minor);
    if (IS_ERR(node)) {
      rc = PTR_ERR(node);
      dev_err(pdev.dev, "device_create(%s) failed: %d\n", card.nodeName(), rc);
      cdev_del(card.cdev);
      return undoIrq(card, rc);
    }
    dev_info(pdev.dev, "edu %d.%d, BAR0 %#x, irq %d (%s), /dev/%s\n", ident >>> 24, (ident >>> 16) & 0xff,
        pdev.resource[0].start, card.irq, card.msi ? "MSI" : "INTx", card.nodeName());
    return 0;
  }

  // The goto ladder: each undoX undoes step X and everything before it (back to pci_request_regions).

  private int undoIrq(EduCard card, int rc) {
    pci_set_drvdata(card.pdev, null);
    free_irq(card.irq, card);
    return undoVectors(card, rc);
  }

  private int undoVectors(EduCard card, int rc) {
    pci_free_irq_vectors(card.pdev);
    return undoDmaBuffer(card, rc);
  }

  private int undoDmaBuffer(EduCard card, int rc) {
    dma_free_coherent(card.pdev.dev, DMA_BUFFER_SIZE, card.buf, card.bufDma[0]);
    return undoMaster(card, rc);
  }

  private int undoMaster(EduCard card, int rc) {
    if (!skip_set_master) {
      pci_clear_master(card.pdev);
    }
    return undoIomap(card, rc);
  }

  private int undoIomap(EduCard card, int rc) {
    pci_iounmap(card.pdev, card.bar0);
    return undoRegions(card, rc);
  }

  private int undoRegions(EduCard card, int rc) {
    pci_release_regions(card.pdev);
    return rc;
  }

  private void remove(PciDev pdev) {
    EduCard card = pci_get_drvdata(pdev);
    device_destroy(eduClass, card.cdev.dev());
    cdev_del(card.cdev);
    mutex_lock(card.lock);      // waits for a request in progress; later ones see gone
    card.gone = true;
    mutex_unlock(card.lock);
    card.quiesce();
    undoIrq(card, 0);
    pci_disable_device(pdev);
    cards[card.minor] = null;
    dev_info(pdev.dev, "removed /dev/%s\n", card.nodeName());
  }

  private int freeMinor() {
    for (int i = 0; i < cards.length; i++) {
      if (cards[i] == null) {
        return i;
      }
    }
    return -1;
  }

  /** The card behind minor {@code minor}, or null. */
  EduCard cardOf(int minor) {
    return minor >= 0 && minor < cards.length ? cards[minor] : null;
  }
}
