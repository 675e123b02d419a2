package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.bits;
import static dev.driverlab.userland.lspci.Out.flag;

/**
 * Enhanced Allocation capability (ID 14): fixed resources listed in config space instead of
 * BARs (ls-caps.c {@code cap_ea}).
 *
 * <pre>
 *   +2 number of entries        (+4 fixed secondary | subordinate bus, type 1 only)
 *   entry: header (size, BEI, primary/secondary properties, writable, enable)
 *          base [| 64-bit flag] | max offset [| 64-bit flag] | base high | max offset high
 * </pre>
 */
final class EnhancedAllocationCap {
  private EnhancedAllocationCap() {}

  private static String property(int p, boolean secondary) {
    return switch (p) {
      case 0x00 -> "memory space, non-prefetchable";
      case 0x01 -> "memory space, prefetchable";
      case 0x02 -> "I/O space";
      case 0x03 -> "VF memory space, prefetchable";
      case 0x04 -> "VF memory space, non-prefetchable";
      case 0x05 -> "allocation behind bridge, non-prefetchable memory";
      case 0x06 -> "allocation behind bridge, prefetchable memory";
      case 0x07 -> "allocation behind bridge, I/O space";
      case 0xfd -> "memory space resource unavailable for use";
      case 0xfe -> "I/O space resource unavailable for use";
      case 0xff -> secondary ? "entry unavailable for use, PrimaryProperties should be used"
          : "entry unavailable for use";
      default -> null;
    };
  }

  static void print(DecodeContext c, int where, int cap) {
    int entryBase = where + 4;
    int numEntries = bits(cap, 0, 6);
    int htype = c.b(ConfigView.HEADER_TYPE) & 0x7f;
    c.f("Enhanced Allocation (EA): NumEntries=%d", numEntries);
    if (htype == ConfigView.HEADER_BRIDGE) {
      entryBase += 4;
      if (!c.fetch(where + 4, 2)) {
        c.p("\n");
        return;
      }
      c.f(", secondary=%d, subordinate=%d", c.b(where + 4), c.b(where + 5));
    }
    c.p("\n");
    if (c.verbose < 2) {
      return;
    }
    for (int entry = 0; entry < numEntries; entry++) {
      if (!c.fetch(entryBase, 4)) {
        return;
      }
      int header = c.l(entryBase);
      int es = bits(header, 0, 3);
      int bei = bits(header, 4, 4);
      int pp = bits(header, 8, 8);
      int sp = bits(header, 16, 8);
      if (!c.fetch(entryBase + 4, es * 4)) {
        return;
      }
      c.f("\t\tEntry %d: Enable%c Writable%c EntrySize=%d\n", entry,
          flag(header, 0x80000000L), flag(header, 0x40000000), es);
      c.p("\t\t\t BAR Equivalent Indicator: ");
      if (bei <= 5) {
        c.f("BAR %d", bei);
      } else if (bei == 6) {
        c.p("resource behind function");
      } else if (bei == 7) {
        c.p("not indicated");
      } else if (bei == 8) {
        c.p("expansion ROM");
      } else if (bei <= 14) {
        c.f("VF-BAR %d", bei - 9);
      } else {
        c.p("reserved");
      }
      c.p("\n");
      String text = property(pp, false);
      c.p("\t\t\t PrimaryProperties: ").p(text != null ? text : String.format("[%02x]", pp))
          .p("\n");
      text = property(sp, true);
      c.p("\t\t\t SecondaryProperties: ").p(text != null ? text : String.format("[%02x]", sp))
          .p("\n");

      int base = c.l(entryBase + 4);
      boolean baseHigh = (base & 2) != 0;
      base &= ~3;
      int maxOffset = c.l(entryBase + 8);
      boolean maxOffsetHigh = (maxOffset & 2) != 0;
      maxOffset |= 3;
      int maxOffsetHighPos = entryBase + 12;
      c.p("\t\t\t Base: ");
      if (baseHigh) {
        c.f("%x", c.l(entryBase + 12));
        maxOffsetHighPos += 4;
      }
      c.f("%08x\n", base);
      c.p("\t\t\t MaxOffset: ");
      if (maxOffsetHigh) {
        c.f("%x", c.l(maxOffsetHighPos));
      }
      c.f("%08x\n", maxOffset);
      entryBase += 4 + 4 * es;
    }
  }
}
