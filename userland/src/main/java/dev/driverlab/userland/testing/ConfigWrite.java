package dev.driverlab.userland.testing;

import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;

/**
 * A configuration write as software issued it, decoded from a CfgWr0/CfgWr1 TLP: the first enabled
 * byte's offset, how many bytes the byte enables span, and their value (little-endian, as
 * {@code pci_write_config_*} passed it). A {@code pci_write_config_word(dev, 0x04, 0x0406)} becomes
 * {@code ConfigWrite(dev, 0x04, 2, 0x0406)}.
 */
public record ConfigWrite(PcieId target, int offset, int size, int value) {

  /** Decodes a CfgWr0 or CfgWr1; the byte enables give offset and size (PCIe Base Spec §2.2.5). */
  public static ConfigWrite of(Tlp cfgWr) {
    TlpType t = cfgWr.type();
    if (t != TlpType.CFGWR0 && t != TlpType.CFGWR1) {
      throw new IllegalArgumentException("not a configuration write: " + cfgWr);
    }
    int be = cfgWr.firstBe();
    if (be == 0) {
      return new ConfigWrite(cfgWr.target(), cfgWr.register(), 0, 0);
    }
    int lead = Integer.numberOfTrailingZeros(be);
    int size = 32 - Integer.numberOfLeadingZeros(be) - lead;
    return new ConfigWrite(cfgWr.target(), cfgWr.register() + lead, size, (int) cfgWr.payloadLe(lead, size));
  }

  @Override
  public String toString() {
    return String.format("%s cfg[%#05x] %d byte%s = %#0" + (2 + 2 * size) + "x", target, offset, size,
        size == 1 ? "" : "s", value);
  }
}
