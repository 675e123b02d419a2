package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.bits;
import static dev.driverlab.userland.lspci.Out.flag;

/**
 * Capabilities about a function's resources and mailboxes: Resizable BAR (ext. IDs 15 and 24),
 * Transaction Processing Hints (17) and Data Object Exchange (2e)
 * (ls-ecaps.c {@code cap_rebar}, {@code cap_tph}, {@code cap_doe}).
 *
 * <pre>
 *   ReBAR: per BAR +4 supported sizes (bits 4..31 = 1MB..128TB) | +8 control
 *          (index, number of BARs in the first entry, current size, extended sizes)
 *   TPH:   +4 capability (modes, steering table location)
 *   DOE:   +4 capability | +8 control | +12 status
 * </pre>
 */
final class ResourceCaps {
  private ResourceCaps() {}

  /** A power-of-two size where 0 means 1MB (the ReBAR encoding), up to 2^63 bytes. */
  private static String rebarSize(int log2Megabytes) {
    if (log2Megabytes >= 0 && log2Megabytes < 10) {
      return " " + (1 << log2Megabytes) + "MB";
    } else if (log2Megabytes < 20) {
      return " " + (1 << (log2Megabytes - 10)) + "GB";
    } else if (log2Megabytes < 30) {
      return " " + (1 << (log2Megabytes - 20)) + "TB";
    } else if (log2Megabytes < 40) {
      return " " + (1 << (log2Megabytes - 30)) + "PB";
    } else if (log2Megabytes < 44) {
      return " " + (1 << (log2Megabytes - 40)) + "EB";
    }
    return " <unknown>";
  }

  static void resizableBar(DecodeContext c, int where, boolean virtual) {
    c.f("%s Resizable BAR\n", virtual ? "Virtual" : "Physical");
    if (c.verbose < 2) {
      return;
    }
    int numBars = 1;
    for (int barCount = 0; barCount < numBars; barCount++) {
      where += 4;
      if (!c.fetch(where, 8)) {
        c.p("\t\t<unreadable>\n");
        return;
      }
      int sizes = c.l(where) >>> 4;
      where += 4;
      int control = c.l(where);
      int index = bits(control, 0, 3);
      int current = bits(control, 8, 6);
      int extSizes = bits(control, 16, 16);
      if (barCount == 0) {
        numBars = bits(control, 5, 3);
        if (numBars < 1 || numBars > 6) {
          c.f("\t\t<error in resizable BAR: num_bars=%d is out of specification>\n", numBars);
          break;
        }
      }
      c.f("\t\tBAR %d: current size:", index);
      c.p(rebarSize(current));
      if (sizes != 0 || extSizes != 0) {
        c.p(", supported:");
        for (int i = 0; i < 28; i++) {
          if ((sizes & (1 << i)) != 0) {
            c.p(rebarSize(i));
          }
        }
        for (int i = 0; i < 16; i++) {
          if ((extSizes & (1 << i)) != 0) {
            c.p(rebarSize(i + 28));
          }
        }
      }
      c.p("\n");
    }
  }

  static void tph(DecodeContext c, int where) {
    c.p("Transaction Processing Hints\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 4)) {
      return;
    }
    int cap = c.l(where + 4);
    if ((cap & (1 << 1)) != 0) {
      c.p("\t\tInterrupt vector mode supported\n");
    }
    if ((cap & (1 << 2)) != 0) {
      c.p("\t\tDevice specific mode supported\n");
    }
    if ((cap & (1 << 8)) != 0) {
      c.p("\t\tExtended requester support\n");
    }
    switch (cap & (3 << 9)) {
      case 0 -> c.p("\t\tNo steering table available\n");
      case 1 << 9 -> c.p("\t\tSteering table in TPH capability structure\n");
      case 2 << 9 -> c.p("\t\tSteering table in MSI-X table\n");
      default -> c.p("\t\tReserved steering table location\n");
    }
  }

  static void doe(DecodeContext c, int where) {
    c.p("Data Object Exchange\n");
    if (c.verbose < 2) {
      return;
    }
    if (!c.fetch(where + 4, 0x14)) {
      c.p("\t\t<unreadable>\n");
      return;
    }
    int l = c.l(where + 4);
    c.f("\t\tDOECap: IntSup%c\n", flag(l, 0x1));
    if ((l & 0x1) != 0) {
      c.f("\t\t\tInterrupt Message Number %03x\n", (l >> 1) & 0x7ff);
    }
    l = c.l(where + 8);
    c.f("\t\tDOECtl: IntEn%c\n", flag(l, 0x2));
    l = c.l(where + 12);
    // lspci tests Error with mask 3 (Busy|IntSta), not bit 2; kept to print what it prints
    c.f("\t\tDOESta: Busy%c IntSta%c Error%c ObjectReady%c\n", flag(l, 0x1), flag(l, 0x2),
        flag(l, 0x3), flag(l, 0x80000000L));
  }
}
