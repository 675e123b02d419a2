package dev.driverlab.userland.lspci;

/**
 * Turns IDs into the text lspci prints, in its three modes: names ({@code lspci}), numbers
 * ({@code -n}) and both ({@code -nn}). The fallbacks for unknown IDs follow pciutils'
 * {@code pci_lookup_name} (lib/names.c): {@code Device 1234:11e8}, {@code Intel Corporation
 * Device 1234}, {@code Class 00ff}, {@code Unknown vendor 1af4}.
 */
final class NameFormatter {
  private final PciIds ids;
  private final int numeric;

  NameFormatter(PciIds ids, int numeric) {
    this.ids = ids;
    this.numeric = numeric;
  }

  private boolean mixed() {
    return numeric >= 2;
  }

  private boolean numbersOnly() {
    return numeric == 1;
  }

  /** "Class name", with {@code bufSize} lspci's buffer size (names are cut to fit it). */
  String deviceClass(int cls, int bufSize) {
    String num = String.format("%04x", cls);
    String name = numbersOnly() ? null : ids.subclassName(cls >> 8, cls & 0xff).orElse(null);
    boolean forceMixed = false;
    if (name == null && !numbersOnly()) {
      name = ids.className(cls >> 8).orElse(null);
      forceMixed = name != null; // a base class name alone carries the full number
    }
    return single(name, num, "Class", mixed() || forceMixed, bufSize);
  }

  /** "Vendor Device" for a function's own IDs. */
  String vendorDevice(int vendor, int device, int bufSize) {
    String num = String.format("%04x:%04x", vendor, device);
    if (numbersOnly()) {
      return fit(num, bufSize);
    }
    String v = ids.vendorName(vendor).orElse(null);
    String d = ids.deviceName(vendor, device).orElse(null);
    return pair(v, d, num, bufSize);
  }

  /** "Vendor Subsystem" for a subsystem of device {@code vendor:device}. */
  String subsystem(int vendor, int device, int subVendor, int subDevice, int bufSize) {
    String num = String.format("%04x:%04x", subVendor, subDevice);
    if (numbersOnly()) {
      return fit(num, bufSize);
    }
    String v = ids.vendorName(subVendor).orElse(null);
    String d = ids.subsystemName(vendor, device, subVendor, subDevice).orElse(null);
    return pair(v, d, num, bufSize);
  }

  /** The prog-if name, or null when unknown (lspci then prints the number alone). */
  String progIf(int cls, int progIf, int bufSize) {
    String name = ids.progIfName(cls >> 8, cls & 0xff, progIf).orElse(null);
    if (name == null && cls == 0x0101 && (progIf & 0x70) == 0) {
      // IDE controllers: decode the bits when the database has no name (lib/names.c)
      StringBuilder sb = new StringBuilder();
      if ((progIf & 0x80) != 0) {
        sb.append(" Master");
      }
      if ((progIf & 0x08) != 0) {
        sb.append(" SecP");
      }
      if ((progIf & 0x04) != 0) {
        sb.append(" SecO");
      }
      if ((progIf & 0x02) != 0) {
        sb.append(" PriP");
      }
      if ((progIf & 0x01) != 0) {
        sb.append(" PriO");
      }
      name = sb.length() > 0 ? sb.substring(1) : "";
    }
    return name == null ? null : fit(name, bufSize);
  }

  private String single(String name, String num, String unknown, boolean mixed, int bufSize) {
    String s;
    if (numbersOnly()) {
      s = num;
    } else if (name == null) {
      s = mixed ? unknown + " [" + num + "]" : unknown + " " + num;
    } else {
      s = mixed ? name + " [" + num + "]" : name;
    }
    return fit(s, bufSize);
  }

  private String pair(String v, String d, String num, int bufSize) {
    String s;
    if (mixed()) {
      if (v != null && d != null) {
        s = v + " " + d + " [" + num + "]";
      } else if (v == null) {
        s = "Device [" + num + "]";
      } else {
        s = v + " Device [" + num + "]";
      }
    } else if (v != null && d != null) {
      s = v + " " + d;
    } else if (v == null) {
      s = "Device " + num;
    } else {
      s = v + " Device " + num.substring(5);
    }
    return fit(s, bufSize);
  }

  /** C snprintf into a buffer of {@code size}, with lspci's "..." marking a cut. */
  static String fit(String s, int size) {
    if (s.length() < size) {
      return s;
    }
    return s.substring(0, size - 4) + "...";
  }
}
