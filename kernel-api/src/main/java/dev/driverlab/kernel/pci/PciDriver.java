package dev.driverlab.kernel.pci;

import java.util.List;

/**
 * {@code struct pci_driver}: name, id table, probe and remove. Probe and remove run in process context
 * and may sleep; probe returns 0 or a negative errno.
 */
public final class PciDriver {
  @FunctionalInterface
  public interface Probe {
    int probe(PciDev dev, PciDeviceId id);
  }

  @FunctionalInterface
  public interface Remove {
    void remove(PciDev dev);
  }

  public final String name;
  public final List<PciDeviceId> id_table;
  public final Probe probe;
  public final Remove remove;
  Object owner;

  public PciDriver(String name, List<PciDeviceId> idTable, Probe probe, Remove remove) {
    this.name = name;
    this.id_table = idTable;
    this.probe = probe;
    this.remove = remove;
  }

  /** The module that registered this driver (null for core code). */
  public Object owner() {
    return owner;
  }

  /** The first entry of the id table matching {@code d}, or null. */
  public PciDeviceId match(PciDev d) {
    if (id_table == null) {
      return null;
    }
    for (PciDeviceId id : id_table) {
      if (id.isTerminator()) {
        break;
      }
      if (id.matches(d)) {
        return id;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return name;
  }
}
