package dev.driverlab.bench.drv;

import static dev.driverlab.kernel.io.Io.ioread32;
import static dev.driverlab.kernel.io.Io.iowrite32;
import static dev.driverlab.kernel.irq.Irq.IRQ_HANDLED;
import static dev.driverlab.kernel.irq.Irq.IRQ_NONE;
import static dev.driverlab.kernel.irq.Irq.IRQF_SHARED;
import static dev.driverlab.kernel.irq.Irq.PCI_IRQ_INTX;
import static dev.driverlab.kernel.irq.Irq.PCI_IRQ_MSI;
import static dev.driverlab.kernel.irq.Irq.free_irq;
import static dev.driverlab.kernel.irq.Irq.pci_alloc_irq_vectors;
import static dev.driverlab.kernel.irq.Irq.pci_free_irq_vectors;
import static dev.driverlab.kernel.irq.Irq.pci_irq_vector;
import static dev.driverlab.kernel.irq.Irq.request_irq;
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
import static dev.driverlab.kernel.uapi.Errno.ENOMEM;

import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.PciDeviceId;
import dev.driverlab.kernel.pci.PciDriver;
import java.util.List;

/**
 * An edu driver cut down to its interrupt path, for the interrupt-latency benchmark. Probe enables
 * the device, turns on bus mastering (an MSI is a memory write), maps BAR0, allocates one vector of the
 * requested kind and installs {@link #handler}, which reads the cause register, acknowledges exactly
 * those causes and counts the interrupt, as QEMU's edu wants (shared/reference/edu-and-linux-api.md
 * §A.6). Constants mirror the device (§A.3):
 *
 * <pre>
 *   BAR0 0x24 irq status (RO)   0x60 irq raise (WO: causes |= value, then MSI or INTA#)
 *        0x64 irq ack (WO: causes &amp;= ~value; INTA# drops at 0)
 * </pre>
 */
public final class EduIrqDriver extends KernelModule {
  public static final int VENDOR_ID = 0x1234, DEVICE_ID = 0x11e8;
  public static final int REG_IRQ_STATUS = 0x24, REG_IRQ_RAISE = 0x60, REG_IRQ_ACK = 0x64;
  public static final String NAME = "bench_edu_irq";

  private final PciDriver driver =
      new PciDriver(NAME, List.of(PCI_DEVICE(VENDOR_ID, DEVICE_ID)), this::probe, this::remove);
  private final int irqType;
  private PciDev pdev;
  private long regs;
  private int irq = -1;
  private long handled;
  private long unhandled;

  /** @param irqType {@code PCI_IRQ_MSI} or {@code PCI_IRQ_INTX} */
  public EduIrqDriver(int irqType) {
    if (irqType != PCI_IRQ_MSI && irqType != PCI_IRQ_INTX) {
      throw new IllegalArgumentException("irqType must be PCI_IRQ_MSI (2) or PCI_IRQ_INTX (1): " + irqType);
    }
    this.irqType = irqType;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected int init() {
    return pci_register_driver(driver);
  }

  @Override
  protected void exit() {
    pci_unregister_driver(driver);
  }

  /** Hard-IRQ context: no sleeping; two MMIO accesses. */
  private int handler(int irqNo, Object devId) {
    int causes = ioread32(regs + REG_IRQ_STATUS);
    if (causes == 0) {
      unhandled++;
      return IRQ_NONE;                       // shared INTx line: not ours
    }
    iowrite32(causes, regs + REG_IRQ_ACK);
    handled++;
    return IRQ_HANDLED;
  }

  private int probe(PciDev dev, PciDeviceId id) {
    int rc = pci_enable_device(dev);
    if (rc != 0) {
      return rc;
    }
    rc = pci_request_regions(dev, NAME);
    if (rc != 0) {
      pci_disable_device(dev);
      return rc;
    }
    pci_set_master(dev);
    long r = pci_iomap(dev, 0, 0);
    if (r == 0) {
      rc = -ENOMEM;
      pci_clear_master(dev);
      pci_release_regions(dev);
      pci_disable_device(dev);
      return rc;
    }
    regs = r;
    rc = pci_alloc_irq_vectors(dev, 1, 1, irqType);
    if (rc < 0) {
      pci_iounmap(dev, r);
      pci_clear_master(dev);
      pci_release_regions(dev);
      pci_disable_device(dev);
      return rc;
    }
    int vec = pci_irq_vector(dev, 0);
    rc = request_irq(vec, this::handler, irqType == PCI_IRQ_INTX ? IRQF_SHARED : 0, NAME, this);
    if (rc != 0) {
      pci_free_irq_vectors(dev);
      pci_iounmap(dev, r);
      pci_clear_master(dev);
      pci_release_regions(dev);
      pci_disable_device(dev);
      return rc;
    }
    irq = vec;
    pdev = dev;
    return 0;
  }

  private void remove(PciDev dev) {
    free_irq(irq, this);
    pci_free_irq_vectors(dev);
    pci_iounmap(dev, regs);
    pci_clear_master(dev);
    pci_release_regions(dev);
    pci_disable_device(dev);
    irq = -1;
    regs = 0;
    pdev = null;
  }

  /** Raises interrupt cause {@code cause} through the device's raise register (an MMIO write). */
  public void raise(int cause) {
    iowrite32(cause, regs + REG_IRQ_RAISE);
  }

  public long regs() {
    return regs;
  }

  /** The Linux IRQ number in use, -1 before probe. */
  public int irq() {
    return irq;
  }

  /** Interrupts the handler acknowledged. */
  public long handled() {
    return handled;
  }

  /** Calls that found no cause pending (IRQ_NONE). */
  public long unhandled() {
    return unhandled;
  }

  public boolean bound() {
    return pdev != null;
  }
}
