package dev.driverlab.kernel.pci;

import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.kernel.base.Device;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code struct pci_dev}: what the kernel knows about one PCI function, filled in by enumeration from
 * config space. Fields keep their C names so drivers port line by line ({@code pdev->irq} is
 * {@code pdev.irq}).
 */
public final class PciDev {
  public static final int PCI_NUM_RESOURCES = 11; // 6 BARs, ROM, 4 bridge windows (as Linux keeps them)
  public static final int PCI_ROM_RESOURCE = 6, PCI_BRIDGE_RESOURCES = 7;

  public final Device dev;
  public final int bus;
  public final int devfn;
  public int vendor, device, subsystem_vendor, subsystem_device, class_, revision, hdr_type;
  /** The Linux IRQ number for INTx (the GSI), or 0 if the function has no interrupt pin. */
  public int irq;
  public int pin;
  public final Resource[] resource = new Resource[PCI_NUM_RESOURCES];
  public boolean is_busmaster;
  public boolean msi_enabled;
  public boolean msix_enabled;
  public int pcie_cap, msi_cap, msix_cap, pm_cap;

  PciDriver driver;
  int enableCnt;
  final PciDev parent;
  final List<PciDev> children = new ArrayList<>();
  int secondary, subordinate;
  boolean slotImplemented;
  boolean removed;
  Object layout;
  /** Linux IRQ numbers of allocated vectors (pci_alloc_irq_vectors), empty if none. */
  final List<Integer> vectors = new ArrayList<>();
  int vectorType;
  Object vectorsOwner;
  String vectorsSite;

  PciDev(int bus, int devfn, PciDev parent) {
    this.bus = bus;
    this.devfn = devfn;
    this.parent = parent;
    this.dev = new Device(String.format("0000:%02x:%02x.%d", bus, devfn >> 3, devfn & 7),
        parent == null ? null : parent.dev);
    for (int i = 0; i < resource.length; i++) {
      resource[i] = new Resource();
    }
  }

  /** pci_name(): "0000:03:00.0". */
  public String name() {
    return dev.name();
  }

  public PcieId id() {
    return new PcieId(bus, devfn >> 3, devfn & 7);
  }

  public int slot() {
    return devfn >> 3;
  }

  public int func() {
    return devfn & 7;
  }

  public boolean isBridge() {
    return (hdr_type & 0x7f) == 1;
  }

  public PciDriver driver() {
    return driver;
  }

  public int enableCount() {
    return enableCnt;
  }

  public boolean isEnabled() {
    return enableCnt > 0;
  }

  /** The upstream bridge, or null on bus 0. */
  public PciDev parent() {
    return parent;
  }

  public List<PciDev> children() {
    return List.copyOf(children);
  }

  public int secondaryBus() {
    return secondary;
  }

  public int subordinateBus() {
    return subordinate;
  }

  public boolean isRemoved() {
    return removed;
  }

  /** The module that allocated the IRQ vectors (pci_alloc_irq_vectors), or null. */
  public Object vectorsOwner() {
    return vectorsOwner;
  }

  public List<Integer> irqVectors() {
    return List.copyOf(vectors);
  }

  @Override
  public String toString() {
    return name();
  }
}
