package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.bits;
import static dev.driverlab.userland.lspci.Out.flag;

/**
 * Walks the traditional capability list and prints one {@code Capabilities: [xx] ...} entry per
 * capability (ls-caps.c {@code show_caps}), handing each to the decoder of its family; then, for
 * PCI Express and PCI-X functions, the extended capabilities.
 *
 * <pre>
 *   cap + 0: ID | next pointer | 16 bits of capability-specific flags
 * </pre>
 *
 * <p>Small capabilities (slot ID, bridge subsystem, debug port, advanced features, SATA, VPD,
 * vendor specific) are decoded here; the larger families have their own classes.
 */
final class CapabilityPrinter {
  static final int ID_NULL = 0x00;
  static final int ID_PM = 0x01;
  static final int ID_AGP = 0x02;
  static final int ID_VPD = 0x03;
  static final int ID_SLOTID = 0x04;
  static final int ID_MSI = 0x05;
  static final int ID_CHSWP = 0x06;
  static final int ID_PCIX = 0x07;
  static final int ID_HT = 0x08;
  static final int ID_VNDR = 0x09;
  static final int ID_DBG = 0x0a;
  static final int ID_CCRC = 0x0b;
  static final int ID_HOTPLUG = 0x0c;
  static final int ID_SSVID = 0x0d;
  static final int ID_AGP3 = 0x0e;
  static final int ID_SECURE = 0x0f;
  static final int ID_EXP = 0x10;
  static final int ID_MSIX = 0x11;
  static final int ID_SATA = 0x12;
  static final int ID_AF = 0x13;
  static final int ID_EA = 0x14;

  private CapabilityPrinter() {}

  /** Prints the list whose head pointer is at {@code headPointer}. */
  static void show(DecodeContext c, int headPointer) {
    ConfigView d = c.d;
    Out out = c.out;
    boolean canHaveExtCaps = false;
    int type = -1;
    if ((d.cfgWord(ConfigView.STATUS) & ConfigView.STATUS_CAP_LIST) != 0) {
      boolean[] seen = new boolean[256];
      int where = d.cfgByte(headPointer) & ~3;
      while (where != 0) {
        out.p("\tCapabilities: ");
        if (!c.fetch(where, 4)) {
          out.p("<access denied>\n");
          break;
        }
        int id = c.b(where);
        int next = c.b(where + 1) & ~3;
        int cap = c.w(where + 2);
        out.f("[%02x] ", where);
        if (seen[where]) {
          out.p("<chain looped>\n");
          break;
        }
        seen[where] = true;
        if (id == 0xff) {
          out.p("<chain broken>\n");
          break;
        }
        switch (id) {
          case ID_NULL -> out.p("Null\n");
          case ID_PM -> PowerManagementCap.print(c, where, cap);
          case ID_AGP -> LegacyBusCaps.agp(c, where, cap);
          case ID_VPD -> vpd(c);
          case ID_SLOTID -> slotId(c, cap);
          case ID_MSI -> MsiCaps.msi(c, where, cap);
          case ID_CHSWP -> out.p("CompactPCI hot-swap <?>\n");
          case ID_PCIX -> {
            LegacyBusCaps.pcix(c, where);
            canHaveExtCaps = true;
          }
          case ID_HT -> HyperTransportCap.print(c, where, cap);
          case ID_VNDR -> vendorSpecific(c, where, cap);
          case ID_DBG -> out.f("Debug port: BAR=%d offset=%04x\n", cap >> 13, cap & 0x1fff);
          case ID_CCRC -> out.p("CompactPCI central resource control <?>\n");
          case ID_HOTPLUG -> out.p("Hot-plug capable\n");
          case ID_SSVID -> bridgeSubsystem(c, where);
          case ID_AGP3 -> out.p("AGP3 <?>\n");
          case ID_SECURE -> out.p("Secure device <?>\n");
          case ID_EXP -> {
            type = ExpressCap.print(c, where, cap);
            canHaveExtCaps = true;
          }
          case ID_MSIX -> MsiCaps.msix(c, where, cap);
          case ID_SATA -> sata(c, where, cap);
          case ID_AF -> advancedFeatures(c, where);
          case ID_EA -> EnhancedAllocationCap.print(c, where, cap);
          default -> out.f("Capability ID %s [%04x]\n", Out.altHex(id), cap);
        }
        where = next;
      }
    }
    if (canHaveExtCaps) {
      ExtendedCapabilityPrinter.show(c, type);
    }
  }

  private static void slotId(DecodeContext c, int cap) {
    int esr = cap & 0xff;
    int chassis = cap >> 8;
    c.f("Slot ID: %d slots, First%c, chassis %02x\n", esr & 0x1f, flag(esr, 0x20), chassis);
  }

  /** The subsystem IDs of a PCI bridge, which has no place for them in its header. */
  private static void bridgeSubsystem(DecodeContext c, int where) {
    if (!c.fetch(where, 8)) {
      return;
    }
    int sv = c.w(where + 4);
    int sd = c.w(where + 6);
    c.f("Subsystem: %s\n", c.names.subsystem(c.d.vendorId, c.d.deviceId, sv, sd, 256));
  }

  private static void advancedFeatures(DecodeContext c, int where) {
    c.p("PCI Advanced Features\n");
    if (c.verbose < 2 || !c.fetch(where + 3, 3)) {
      return;
    }
    int afCap = c.b(where + 3);
    c.f("\t\tAFCap: TP%c FLR%c\n", flag(afCap, 0x01), flag(afCap, 0x02));
    c.f("\t\tAFCtrl: FLR%c\n", flag(c.b(where + 4), 0x01));
    c.f("\t\tAFStatus: TP%c\n", flag(c.b(where + 5), 0x01));
  }

  private static void sata(DecodeContext c, int where, int cap) {
    c.f("SATA HBA v%d.%d", bits(cap, 4, 4), bits(cap, 0, 4));
    if (c.verbose < 2 || !c.fetch(where + 4, 4)) {
      c.p("\n");
      return;
    }
    int bars = c.l(where + 4);
    int bar = bits(bars, 0, 4);
    if (bar >= 4 && bar <= 9) {
      c.f(" BAR%d Offset=%08x\n", bar - 4, bits(bars, 4, 20));
    } else if (bar == 15) {
      c.p(" InCfgSpace\n");
    } else {
      c.f(" BAR??%d\n", bar);
    }
  }

  /**
   * Vital Product Data lives behind an address/data register pair that only a live device
   * answers; neither a dump nor our config snapshot can read it, so lspci says "Not readable".
   */
  private static void vpd(DecodeContext c) {
    c.p("Vital Product Data\n");
    if (c.verbose < 2) {
      return;
    }
    c.p("\t\tNot readable\n");
  }

  /** Vendor-specific capability; only virtio's layout is known (ls-caps-vendor.c). */
  private static void vendorSpecific(DecodeContext c, int where, int cap) {
    c.p("Vendor Specific Information: ");
    if (!virtio(c, where, cap)) {
      c.f("Len=%02x <?>\n", bits(cap, 0, 8));
    }
  }

  private static boolean virtio(DecodeContext c, int where, int cap) {
    int vendor = c.w(ConfigView.VENDOR_ID);
    int device = c.w(ConfigView.DEVICE_ID);
    if (vendor != 0x1af4 || device < 0x1000 || device > 0x107f) {
      return false;
    }
    int length = bits(cap, 0, 8);
    int type = bits(cap, 8, 8);
    if (length < 16 || !c.fetch(where, length)) {
      return false;
    }
    String name = switch (type) {
      case 1 -> "CommonCfg";
      case 2 -> "Notify";
      case 3 -> "ISR";
      case 4 -> "DeviceCfg";
      default -> "<unknown>";
    };
    c.f("VirtIO: %s\n", name);
    if (c.verbose < 2) {
      return true;
    }
    c.f("\t\tBAR=%d offset=%08x size=%08x", c.b(where + 4), c.l(where + 8), c.l(where + 12));
    if (type == 2 && length >= 20) {
      c.f(" multiplier=%08x", c.l(where + 16));
    }
    c.p("\n");
    return true;
  }
}
