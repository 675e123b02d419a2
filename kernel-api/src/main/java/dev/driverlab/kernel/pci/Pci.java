package dev.driverlab.kernel.pci;

import static dev.driverlab.kernel.uapi.Errno.*;

import dev.driverlab.kernel.Kernel;

/**
 * Linux-named PCI entry points (drivers/pci/pci-driver.c, pci.c, access.c, lib/pci_iomap.c); the logic
 * lives in {@link PciCore}. Use with {@code import static dev.driverlab.kernel.pci.Pci.*}.
 */
public final class Pci {
  private Pci() {}

  public static final int PCI_ANY_ID = PciDeviceId.PCI_ANY_ID;
  /** PCIBIOS return codes of the config accessors (not errnos). */
  public static final int PCIBIOS_SUCCESSFUL = 0, PCIBIOS_DEVICE_NOT_FOUND = 0x86, PCIBIOS_BAD_REGISTER_NUMBER = 0x87;
  public static final int PCI_CAP_ID_PM = 0x01, PCI_CAP_ID_MSI = 0x05, PCI_CAP_ID_EXP = 0x10, PCI_CAP_ID_MSIX = 0x11;
  public static final int PCI_VENDOR_ID = 0x00, PCI_DEVICE_ID = 0x02, PCI_COMMAND = 0x04, PCI_STATUS = 0x06;
  public static final int PCI_REVISION_ID = 0x08, PCI_CLASS_PROG = 0x09, PCI_CLASS_DEVICE = 0x0a;
  public static final int PCI_HEADER_TYPE = 0x0e, PCI_BASE_ADDRESS_0 = 0x10, PCI_INTERRUPT_LINE = 0x3c;
  public static final int PCI_INTERRUPT_PIN = 0x3d, PCI_COMMAND_MEMORY = 0x2, PCI_COMMAND_MASTER = 0x4;
  public static final int PCI_COMMAND_INTX_DISABLE = 0x400;
  public static final int PCI_EXP_DEVCTL = 8, PCI_EXP_DEVCTL_PAYLOAD = 0x00e0, PCI_EXP_DEVCTL_READRQ = 0x7000;
  public static final int PCI_EXP_LNKSTA = 0x12;

  public static PciDeviceId PCI_DEVICE(int vendor, int device) {
    return PciDeviceId.PCI_DEVICE(vendor, device);
  }

  public static PciDeviceId PCI_DEVICE_CLASS(int cls, int mask) {
    return PciDeviceId.PCI_DEVICE_CLASS(cls, mask);
  }

  private static PciCore core() {
    return Kernel.current().pci();
  }

  /** Registers {@code drv} and probes matching unbound devices. 0, -EINVAL (no name/probe), -EBUSY (name taken). */
  public static int pci_register_driver(PciDriver drv) {
    return core().registerDriver(drv);
  }

  /** Calls remove for every bound device, then forgets the driver. */
  public static void pci_unregister_driver(PciDriver drv) {
    core().unregisterDriver(drv);
  }

  /** Turns on memory (and I/O) decoding for the BARs; reference-counted; may sleep. 0 or -errno. */
  public static int pci_enable_device(PciDev dev) {
    return core().enableDevice(dev, false);
  }

  public static int pci_enable_device_mem(PciDev dev) {
    return core().enableDevice(dev, true);
  }

  /** Drops one enable; at zero clears Bus Master Enable. Warns when already disabled. */
  public static void pci_disable_device(PciDev dev) {
    core().disableDevice(dev);
  }

  public static void pci_set_master(PciDev dev) {
    core().setMaster(dev, true);
  }

  public static void pci_clear_master(PciDev dev) {
    core().setMaster(dev, false);
  }

  public static int pci_request_regions(PciDev dev, String name) {
    return core().requestRegions(dev, name);
  }

  public static void pci_release_regions(PciDev dev) {
    core().releaseRegions(dev);
  }

  public static int pci_request_region(PciDev dev, int bar, String name) {
    return core().requestRegion(dev, bar, name);
  }

  public static void pci_release_region(PciDev dev, int bar) {
    core().releaseRegion(dev, bar);
  }

  public static long pci_resource_start(PciDev dev, int bar) {
    return dev.resource[bar].start;
  }

  public static long pci_resource_end(PciDev dev, int bar) {
    return dev.resource[bar].end;
  }

  public static long pci_resource_len(PciDev dev, int bar) {
    return dev.resource[bar].len();
  }

  public static long pci_resource_flags(PciDev dev, int bar) {
    return dev.resource[bar].flags;
  }

  /** Maps BAR {@code bar} (at most {@code maxlen} bytes, 0 = all); returns the __iomem address or 0. */
  public static long pci_iomap(PciDev dev, int bar, long maxlen) {
    return core().iomap(dev, bar, maxlen);
  }

  public static void pci_iounmap(PciDev pdev, long addr) {
    dev.driverlab.kernel.io.Io.iounmap(addr); // same mapping table as ioremap
  }

  public static void pci_set_drvdata(PciDev dev, Object data) {
    dev.dev.setDrvdata(data);
  }

  @SuppressWarnings("unchecked")
  public static <T> T pci_get_drvdata(PciDev dev) {
    return (T) dev.dev.drvdata();
  }

  public static String pci_name(PciDev dev) {
    return dev.name();
  }

  /** pci_find_capability: the capability's offset, or 0. */
  public static int pci_find_capability(PciDev dev, int cap) {
    return core().findCapability(dev, cap);
  }

  private static int access(PciDev dev, int where, int size) {
    if (dev.isRemoved()) {
      return PCIBIOS_DEVICE_NOT_FOUND;
    }
    if (where < 0 || where + size > 4096 || where % size != 0) {
      return PCIBIOS_BAD_REGISTER_NUMBER;
    }
    return PCIBIOS_SUCCESSFUL;
  }

  private static int readConfig(PciDev dev, int where, int size, int[] val) {
    int r = access(dev, where, size);
    if (r != PCIBIOS_SUCCESSFUL) {
      val[0] = size == 4 ? -1 : (1 << (8 * size)) - 1;
      return r;
    }
    val[0] = core().read(dev, where, size);
    return r;
  }

  /** val[0] receives the byte; returns a PCIBIOS code. */
  public static int pci_read_config_byte(PciDev dev, int where, int[] val) {
    return readConfig(dev, where, 1, val);
  }

  public static int pci_read_config_word(PciDev dev, int where, int[] val) {
    return readConfig(dev, where, 2, val);
  }

  public static int pci_read_config_dword(PciDev dev, int where, int[] val) {
    return readConfig(dev, where, 4, val);
  }

  private static int writeConfig(PciDev dev, int where, int size, int val) {
    int r = access(dev, where, size);
    if (r == PCIBIOS_SUCCESSFUL) {
      core().write(dev, where, size, val);
    }
    return r;
  }

  public static int pci_write_config_byte(PciDev dev, int where, int val) {
    return writeConfig(dev, where, 1, val);
  }

  public static int pci_write_config_word(PciDev dev, int where, int val) {
    return writeConfig(dev, where, 2, val);
  }

  public static int pci_write_config_dword(PciDev dev, int where, int val) {
    return writeConfig(dev, where, 4, val);
  }

  /** pcibios_err_to_errno. */
  public static int pcibios_err_to_errno(int err) {
    if (err <= 0) {
      return err;
    }
    return switch (err) {
      case 0x81 -> -ENOENT;
      case 0x83 -> -ENOTTY;
      case 0x86 -> -ENODEV;
      case 0x87 -> -EFAULT;
      case 0x88 -> -EIO;
      case 0x89 -> -ENOSPC;
      default -> -ERANGE;
    };
  }

  /** Max Read Request Size in bytes, from Device Control. */
  public static int pcie_get_readrq(PciDev dev) {
    if (dev.pcie_cap == 0) {
      return 512;
    }
    return 128 << ((core().read(dev, dev.pcie_cap + PCI_EXP_DEVCTL, 2) & PCI_EXP_DEVCTL_READRQ) >>> 12);
  }

  /** Sets MRRS (128..4096, power of two); 0 or -EINVAL. */
  public static int pcie_set_readrq(PciDev dev, int rq) {
    if (rq < 128 || rq > 4096 || Integer.bitCount(rq) != 1) {
      return -EINVAL;
    }
    if (dev.pcie_cap == 0) {
      return -EINVAL;
    }
    int code = Integer.numberOfTrailingZeros(rq) - 7;
    int ctl = core().read(dev, dev.pcie_cap + PCI_EXP_DEVCTL, 2);
    core().write(dev, dev.pcie_cap + PCI_EXP_DEVCTL, 2, (ctl & ~PCI_EXP_DEVCTL_READRQ) | code << 12);
    return 0;
  }

  /** Max Payload Size in bytes, from Device Control. */
  public static int pcie_get_mps(PciDev dev) {
    if (dev.pcie_cap == 0) {
      return 128;
    }
    return 128 << ((core().read(dev, dev.pcie_cap + PCI_EXP_DEVCTL, 2) & PCI_EXP_DEVCTL_PAYLOAD) >>> 5);
  }

  public static int pcie_set_mps(PciDev dev, int mps) {
    if (mps < 128 || mps > 4096 || Integer.bitCount(mps) != 1 || dev.pcie_cap == 0) {
      return -EINVAL;
    }
    int code = Integer.numberOfTrailingZeros(mps) - 7;
    int supported = core().read(dev, dev.pcie_cap + 4, 4) & 7;
    if (code > supported) {
      return -EINVAL;
    }
    int ctl = core().read(dev, dev.pcie_cap + PCI_EXP_DEVCTL, 2);
    core().write(dev, dev.pcie_cap + PCI_EXP_DEVCTL, 2, (ctl & ~PCI_EXP_DEVCTL_PAYLOAD) | code << 5);
    return 0;
  }

  /** pcie_capability_read_word: reads a register of the PCI Express capability into val[0]. */
  public static int pcie_capability_read_word(PciDev dev, int pos, int[] val) {
    if (dev.pcie_cap == 0) {
      val[0] = 0;
      return PCIBIOS_DEVICE_NOT_FOUND;
    }
    return pci_read_config_word(dev, dev.pcie_cap + pos, val);
  }
}
