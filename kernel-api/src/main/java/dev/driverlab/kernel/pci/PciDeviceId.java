package dev.driverlab.kernel.pci;

/**
 * {@code struct pci_device_id}: one entry of a driver's id table. Build entries with
 * {@link #PCI_DEVICE} or {@link #PCI_DEVICE_CLASS}; {@link #PCI_ANY_ID} matches anything.
 */
public record PciDeviceId(int vendor, int device, int subvendor, int subdevice, int class_, int class_mask,
    long driver_data) {
  public static final int PCI_ANY_ID = ~0;

  public static PciDeviceId PCI_DEVICE(int vendor, int device) {
    return new PciDeviceId(vendor, device, PCI_ANY_ID, PCI_ANY_ID, 0, 0, 0);
  }

  public static PciDeviceId PCI_DEVICE_CLASS(int cls, int mask) {
    return new PciDeviceId(PCI_ANY_ID, PCI_ANY_ID, PCI_ANY_ID, PCI_ANY_ID, cls, mask, 0);
  }

  public static PciDeviceId PCI_DEVICE_SUB(int vendor, int device, int subvendor, int subdevice) {
    return new PciDeviceId(vendor, device, subvendor, subdevice, 0, 0, 0);
  }

  public PciDeviceId withDriverData(long data) {
    return new PciDeviceId(vendor, device, subvendor, subdevice, class_, class_mask, data);
  }

  /** pci_match_one_device. */
  public boolean matches(PciDev d) {
    return (vendor == PCI_ANY_ID || vendor == d.vendor)
        && (device == PCI_ANY_ID || device == d.device)
        && (subvendor == PCI_ANY_ID || subvendor == d.subsystem_vendor)
        && (subdevice == PCI_ANY_ID || subdevice == d.subsystem_device)
        && ((class_ ^ d.class_) & class_mask) == 0;
  }

  /** True for the all-zero terminator C tables end with. */
  public boolean isTerminator() {
    return vendor == 0 && device == 0 && subvendor == 0 && subdevice == 0 && class_ == 0 && class_mask == 0;
  }
}
