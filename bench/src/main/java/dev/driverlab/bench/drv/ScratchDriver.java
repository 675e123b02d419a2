package dev.driverlab.bench.drv;

import static dev.driverlab.kernel.pci.Pci.PCI_DEVICE;
import static dev.driverlab.kernel.pci.Pci.pci_disable_device;
import static dev.driverlab.kernel.pci.Pci.pci_enable_device;
import static dev.driverlab.kernel.pci.Pci.pci_iomap;
import static dev.driverlab.kernel.pci.Pci.pci_iounmap;
import static dev.driverlab.kernel.pci.Pci.pci_register_driver;
import static dev.driverlab.kernel.pci.Pci.pci_release_regions;
import static dev.driverlab.kernel.pci.Pci.pci_request_regions;
import static dev.driverlab.kernel.pci.Pci.pci_resource_start;
import static dev.driverlab.kernel.pci.Pci.pci_unregister_driver;
import static dev.driverlab.kernel.io.Io.ioread32;
import static dev.driverlab.kernel.uapi.Errno.ENODEV;
import static dev.driverlab.kernel.uapi.Errno.ENOMEM;

import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.PciDeviceId;
import dev.driverlab.kernel.pci.PciDriver;
import java.util.List;

/**
 * The smallest PCI driver that can touch a register: probe enables the bench scratch device, claims
 * and maps BAR0 and checks the ident register; remove undoes it in reverse order. Kernel-api only, so
 * the device's constants are mirrored here (bench/hw/ScratchDevice draws the register map):
 *
 * <pre>
 *   BAR0 0x00 ident (RO, 0x5C7A7C11)   0x04 scratch (RW)
 * </pre>
 */
public final class ScratchDriver extends KernelModule {
  public static final int VENDOR_ID = 0x1234, DEVICE_ID = 0xbe00;
  public static final int REG_IDENT = 0x00, REG_SCRATCH = 0x04;
  public static final int IDENT = 0x5c7a_7c11;
  public static final String NAME = "bench_scratch";

  private final PciDriver driver =
      new PciDriver(NAME, List.of(PCI_DEVICE(VENDOR_ID, DEVICE_ID)), this::probe, this::remove);
  private PciDev pdev;
  private long regs;

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
    long r = pci_iomap(dev, 0, 0);
    if (r == 0) {
      pci_release_regions(dev);
      pci_disable_device(dev);
      return -ENOMEM;
    }
    if (ioread32(r + REG_IDENT) != IDENT) {   // not our device after all: all ones means nothing answered
      pci_iounmap(dev, r);
      pci_release_regions(dev);
      pci_disable_device(dev);
      return -ENODEV;
    }
    pdev = dev;
    regs = r;
    return 0;
  }

  private void remove(PciDev dev) {
    pci_iounmap(dev, regs);
    pci_release_regions(dev);
    pci_disable_device(dev);
    regs = 0;
    pdev = null;
  }

  /** The {@code __iomem} address of BAR0 (0 until a device is bound). */
  public long regs() {
    return regs;
  }

  /** Physical address of BAR0 as enumeration placed it (for the raw-access comparison). */
  public long barPhys() {
    return pci_resource_start(pdev, 0);
  }
}
