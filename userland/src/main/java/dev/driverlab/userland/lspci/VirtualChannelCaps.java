package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.bits;
import static dev.driverlab.userland.lspci.Out.flag;
import static dev.driverlab.userland.lspci.Out.table;

/**
 * Root-complex topology capabilities: Virtual Channel (ext. IDs 02 and 09), Root Complex Link
 * Declaration (05) and Root Complex Event Collector Endpoint Association (07)
 * (ls-ecaps.c {@code cap_vc}, {@code cap_rclink}, {@code cap_rcec}).
 *
 * <pre>
 *   VC:     +4 port capability 1 | +8 port capability 2 | +12 control | +14 status
 *           +16 + 12*n: resource n capability | control | (2 reserved) status
 *   RCLink: +4 element self description; +16 + 16*n: link n description | reserved | address
 *   RCEC:   +4 RCiEP bitmap | +8 associated bus numbers (version 2)
 * </pre>
 */
final class VirtualChannelCaps {
  private static final String[] REF_CLOCKS = {"100ns"};
  private static final String[] ARB_SELECTS =
      {"Fixed", "WRR32", "WRR64", "WRR128", "??4", "??5", "??6", "??7"};
  private static final String[] VC_ARB_SELECTS =
      {"Fixed", "WRR32", "WRR64", "WRR128", "TWRR128", "WRR256", "??6", "??7"};
  private static final String[] ELEMENT_TYPES = {"Config", "Egress", "Internal"};

  private VirtualChannelCaps() {}

  static void vc(DecodeContext c, int where) {
    c.p("Virtual Channel\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 0x1c - 4)) {
      return;
    }
    int cr1 = c.l(where + 4);
    int cr2 = c.l(where + 8);
    int ctrl = c.w(where + 12);
    int status = c.w(where + 14);
    int evcCount = bits(cr1, 0, 3);
    c.f("\t\tCaps:\tLPEVC=%d RefClk=%s PATEntryBits=%d\n", bits(cr1, 4, 3),
        table(REF_CLOCKS, bits(cr1, 8, 2)), 1 << bits(cr1, 10, 2));
    c.p("\t\tArb:");
    for (int i = 0; i < 8; i++) {
      if (ARB_SELECTS[i].charAt(0) != '?' || (cr2 & (1 << i)) != 0) {
        c.f("%c%s%c", i != 0 ? ' ' : '\t', ARB_SELECTS[i], flag(cr2, 1 << i));
      }
    }
    int arbTablePos = bits(cr2, 24, 8);
    c.f("\n\t\tCtrl:\tArbSelect=%s\n", table(ARB_SELECTS, bits(ctrl, 1, 3)));
    c.f("\t\tStatus:\tInProgress%c\n", flag(status, 1));
    if (arbTablePos != 0) {
      c.f("\t\tPort Arbitration Table [%x] <?>\n", where + 16 * arbTablePos);
    }
    for (int i = 0; i <= evcCount; i++) {
      int pos = where + 16 + 12 * i;
      c.f("\t\tVC%d:\t", i);
      if (!c.fetch(pos, 12)) {
        c.p("<unreadable>\n");
        continue;
      }
      int rcap = c.l(pos);
      int rctrl = c.l(pos + 4);
      int rstatus = c.w(pos + 10);
      int patPos = bits(rcap, 24, 8);
      c.f("Caps:\tPATOffset=%02x MaxTimeSlots=%d RejSnoopTrans%c\n", patPos,
          bits(rcap, 16, 7) + 1, flag(rcap, 1 << 15));
      c.p("\t\t\tArb:");
      for (int j = 0; j < 8; j++) {
        if (VC_ARB_SELECTS[j].charAt(0) != '?' || (rcap & (1 << j)) != 0) {
          c.f("%c%s%c", j != 0 ? ' ' : '\t', VC_ARB_SELECTS[j], flag(rcap, 1 << j));
        }
      }
      c.f("\n\t\t\tCtrl:\tEnable%c ID=%d ArbSelect=%s TC/VC=%02x\n", flag(rctrl, 1L << 31),
          bits(rctrl, 24, 3), table(VC_ARB_SELECTS, bits(rctrl, 17, 3)), bits(rctrl, 0, 8));
      c.f("\t\t\tStatus:\tNegoPending%c InProgress%c\n", flag(rstatus, 2), flag(rstatus, 1));
      if (patPos != 0) {
        c.p("\t\t\tPort Arbitration Table <?>\n");
      }
    }
  }

  static void rootComplexLink(DecodeContext c, int where) {
    c.p("Root Complex Link\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 16 - 4)) {
      return;
    }
    int esd = c.l(where + 4);
    int numLinks = bits(esd, 8, 8);
    c.f("\t\tDesc:\tPortNumber=%02x ComponentID=%02x EltType=%s\n", bits(esd, 24, 8),
        bits(esd, 16, 8), table(ELEMENT_TYPES, bits(esd, 0, 8)));
    for (int i = 0; i < numLinks; i++) {
      int pos = where + 16 + 16 * i;
      c.f("\t\tLink%d:\t", i);
      if (!c.fetch(pos, 16)) {
        c.p("<unreadable>\n");
        return;
      }
      int desc = c.l(pos);
      int addrLo = c.l(pos + 8);
      int addrHi = c.l(pos + 12);
      c.f("Desc:\tTargetPort=%02x TargetComponent=%02x AssocRCRB%c LinkType=%s LinkValid%c\n",
          bits(desc, 24, 8), bits(desc, 16, 8), flag(desc, 4),
          (desc & 2) != 0 ? "Config" : "MemMapped", flag(desc, 1));
      if ((desc & 2) != 0) {
        int n = addrLo & 7;
        if (n == 0) {
          n = 8;
        }
        c.f("\t\t\tAddr:\t%02x:%02x.%d  CfgSpace=%08x%08x\n", bits(addrLo, 20, n),
            bits(addrLo, 15, 5), bits(addrLo, 12, 3), addrHi, addrLo);
      } else {
        c.f("\t\t\tAddr:\t%08x%08x\n", addrHi, addrLo);
      }
    }
  }

  static void eventCollector(DecodeContext c, int where) {
    c.p("Root Complex Event Collector Endpoint Association\n");
    if (c.verbose < 2 || !c.fetch(where, 12)) {
      return;
    }
    int version = (c.l(where) >> 16) & 0xf;
    int bitmap = c.l(where + 4);
    c.p("\t\tRCiEPBitmap: ");
    if (bitmap != 0) {
      // Runs of adjacent devices print as "first-last".
      boolean anyBefore = false;
      int run = 0;
      int prev = 0;
      c.p("RCiEP at Device(s):");
      for (int dev = 0; dev < 32; dev++) {
        if (bits(bitmap, dev, 1) != 0) {
          if (run == 0) {
            c.f("%s %d", anyBefore ? "," : "", dev);
          }
          run++;
          prev = dev;
          anyBefore = true;
        } else {
          if (run > 1) {
            c.f("-%d", prev);
          }
          run = 0;
        }
      }
    } else {
      c.p(c.verbose > 2 ? "00000000 [none]" : "[none]");
    }
    c.p("\n");
    if (version < 2) {
      return;
    }
    int busn = c.l(where + 8);
    int last = bits(busn, 16, 8);
    int next = bits(busn, 8, 8);
    if (last == 0 && next == 0xff) {
      c.f("\t\tAssociatedBusNumbers: %s\n", c.verbose > 2 ? "ff-00 [none]" : "[none]");
    } else {
      c.f("\t\tAssociatedBusNumbers: %02x-%02x\n", next, last);
    }
  }
}
