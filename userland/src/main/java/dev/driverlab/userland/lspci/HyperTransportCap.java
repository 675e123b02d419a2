package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.flag;

/**
 * HyperTransport capability (ID 08), whose command word's top bits name one of many sub-types
 * (ls-caps.c {@code cap_ht}, {@code cap_ht_pri}, {@code cap_ht_sec}).
 *
 * <pre>
 *   primary (slave) interface              secondary (host) interface
 *   +4 link control 0  +6 link config 0    +4 link control  +6 link config
 *   +8 link control 1  +10 link config 1   +8 revision  +9 link freq/error  +10 freq capability
 *   +12 revision  +13/+17 link freq/error  +12 feature  +18 error handling
 *   +14/+18 freq capability  +16 feature   +20/+21 memory base/limit upper
 *   +22 error handling  +24/+25 memory base/limit upper  +26 bus number
 * </pre>
 */
final class HyperTransportCap {
  private static final String[] WIDTHS =
      {"8bit", "16bit", "[2]", "32bit", "2bit", "4bit", "[6]", "N/C"};
  private static final String[] FREQS = {"200MHz", "300MHz", "400MHz", "500MHz", "600MHz",
      "800MHz", "1.0GHz", "1.2GHz", "1.4GHz", "1.6GHz", "[a]", "[b]", "[c]", "[d]", "[e]",
      "Vend"};

  private HyperTransportCap() {}

  static void print(DecodeContext c, int where, int cmd) {
    switch (cmd & 0xe000) {
      case 0x0000 -> {
        primary(c, where, cmd);
        return;
      }
      case 0x2000 -> {
        secondary(c, where, cmd);
        return;
      }
      default -> { }
    }
    int type = cmd & 0xf800;
    switch (type) {
      case 0x4000 -> c.p("HyperTransport: Switch\n");
      case 0x8000 -> c.p("HyperTransport: Interrupt Discovery and Configuration\n");
      case 0x8800 -> c.f("HyperTransport: Revision ID: %d.%02d\n", (cmd & 0xe0) >> 5,
          cmd & 0x1f);
      case 0x9000 -> c.p("HyperTransport: UnitID Clumping\n");
      case 0x9800 -> c.p("HyperTransport: Extended Configuration Space Access\n");
      case 0xa000 -> c.p("HyperTransport: Address Mapping\n");
      case 0xa800 -> msiMapping(c, where, cmd);
      case 0xb000 -> c.p("HyperTransport: DirectRoute\n");
      case 0xb800 -> c.p("HyperTransport: VCSet\n");
      case 0xc000 -> c.p("HyperTransport: Retry Mode\n");
      case 0xc800 -> c.p("HyperTransport: X86 (reserved)\n");
      default -> c.f("HyperTransport: #%02x\n", type >> 11);
    }
  }

  private static void msiMapping(DecodeContext c, int where, int cmd) {
    c.f("HyperTransport: MSI Mapping Enable%c Fixed%c\n", flag(cmd, 0x1), flag(cmd, 0x2));
    if (c.verbose >= 2 && (cmd & 0x2) == 0) {
      if (!c.fetch(where + 4, 8)) {
        return;
      }
      long lo = Out.u32(c.l(where + 4));
      long hi = Out.u32(c.l(where + 8));
      c.f("\t\tMapping Address Base: %016x\n", hi << 32 | (lo & ~0xfffffL));
    }
  }

  private static void linkControl(DecodeContext c, String label, int lctr, boolean rev22) {
    c.f("\t\t%s: CFlE%c CST%c CFE%c <LkFail%c Init%c EOC%c TXO%c <CRCErr=%x", label,
        flag(lctr, 0x2), flag(lctr, 0x4), flag(lctr, 0x8), flag(lctr, 0x10), flag(lctr, 0x20),
        flag(lctr, 0x40), flag(lctr, 0x80), (lctr & 0x0f00) >> 8);
    if (rev22) {
      c.f(" IsocEn%c LSEn%c ExtCTL%c 64b%c", flag(lctr, 0x1000), flag(lctr, 0x2000),
          flag(lctr, 0x4000), flag(lctr, 0x8000));
    }
    c.p("\n");
  }

  private static void linkConfig(DecodeContext c, String label, int lcnf, boolean rev22) {
    if (!rev22) {
      c.f("\t\t%s: MLWI=%s MLWO=%s LWI=%s LWO=%s\n", label, WIDTHS[lcnf & 7],
          WIDTHS[(lcnf & 0x70) >> 4], WIDTHS[(lcnf & 0x700) >> 8], WIDTHS[(lcnf & 0x7000) >> 12]);
    } else {
      c.f("\t\t%s: MLWI=%s DwFcIn%c MLWO=%s DwFcOut%c LWI=%s DwFcInEn%c LWO=%s DwFcOutEn%c\n",
          label, WIDTHS[lcnf & 7], flag(lcnf, 0x8), WIDTHS[(lcnf & 0x70) >> 4],
          flag(lcnf, 0x80), WIDTHS[(lcnf & 0x700) >> 8], flag(lcnf, 0x800),
          WIDTHS[(lcnf & 0x7000) >> 12], flag(lcnf, 0x8000));
    }
  }

  private static void linkError(DecodeContext c, String label, int lfrer) {
    c.f("\t\t%s: <Prot%c <Ovfl%c <EOC%c CTLTm%c\n", label, flag(lfrer, 0x10),
        flag(lfrer, 0x20), flag(lfrer, 0x40), flag(lfrer, 0x80));
  }

  private static void freqCapability(DecodeContext c, String label, int lfcap) {
    c.f("\t\t%s: 200MHz%c 300MHz%c 400MHz%c 500MHz%c 600MHz%c 800MHz%c 1.0GHz%c 1.2GHz%c "
            + "1.4GHz%c 1.6GHz%c Vend%c\n", label,
        flag(lfcap, 0x1), flag(lfcap, 0x2), flag(lfcap, 0x4), flag(lfcap, 0x8),
        flag(lfcap, 0x10), flag(lfcap, 0x20), flag(lfcap, 0x40), flag(lfcap, 0x80),
        flag(lfcap, 0x100), flag(lfcap, 0x200), flag(lfcap, 0x8000));
  }

  private static void errorHandling(DecodeContext c, int eh) {
    c.f("\t\tError Handling: PFlE%c OFlE%c PFE%c OFE%c EOCFE%c RFE%c CRCFE%c SERRFE%c CF%c "
            + "RE%c PNFE%c ONFE%c EOCNFE%c RNFE%c CRCNFE%c SERRNFE%c\n",
        flag(eh, 0x1), flag(eh, 0x2), flag(eh, 0x4), flag(eh, 0x8), flag(eh, 0x10),
        flag(eh, 0x20), flag(eh, 0x40), flag(eh, 0x80), flag(eh, 0x100), flag(eh, 0x200),
        flag(eh, 0x400), flag(eh, 0x800), flag(eh, 0x1000), flag(eh, 0x2000),
        flag(eh, 0x4000), flag(eh, 0x8000));
  }

  private static void primary(DecodeContext c, int where, int cmd) {
    c.p("HyperTransport: Slave or Primary Interface\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 28 - 4)) {
      return;
    }
    int rid = c.b(where + 12);
    boolean rev22 = rid >= 0x22;
    if (rid < 0x22 && rid > 0x11) {
      c.p("\t\t!!! Possibly incomplete decoding\n");
    }
    c.f("\t\tCommand: BaseUnitID=%d UnitCnt=%d MastHost%c DefDir%c", cmd & 0x1f,
        (cmd & 0x3e0) >> 5, flag(cmd, 0x400), flag(cmd, 0x800));
    if (rev22) {
      c.f(" DUL%c", flag(cmd, 0x1000));
    }
    c.p("\n");
    linkControl(c, "Link Control 0", c.w(where + 4), rev22);
    linkConfig(c, "Link Config 0", c.w(where + 6), rev22);
    linkControl(c, "Link Control 1", c.w(where + 8), rev22);
    linkConfig(c, "Link Config 1", c.w(where + 10), rev22);
    c.f("\t\tRevision ID: %d.%02d\n", (rid & 0xe0) >> 5, rid & 0x1f);
    if (!rev22) {
      return;
    }
    int lfrer0 = c.b(where + 13);
    c.f("\t\tLink Frequency 0: %s\n", FREQS[lfrer0 & 0xf]);
    linkError(c, "Link Error 0", lfrer0);
    freqCapability(c, "Link Frequency Capability 0", c.b(where + 14));
    int ftr = c.b(where + 16);
    c.f("\t\tFeature Capability: IsocFC%c LDTSTOP%c CRCTM%c ECTLT%c 64bA%c UIDRD%c\n",
        flag(ftr, 0x1), flag(ftr, 0x2), flag(ftr, 0x4), flag(ftr, 0x8), flag(ftr, 0x10),
        flag(ftr, 0x20));
    int lfrer1 = c.b(where + 17);
    c.f("\t\tLink Frequency 1: %s\n", FREQS[lfrer1 & 0xf]);
    linkError(c, "Link Error 1", lfrer1);
    // lfcap1 is a byte in lspci, so bits above 0x80 always print '-'
    freqCapability(c, "Link Frequency Capability 1", c.b(where + 18));
    errorHandling(c, c.w(where + 22));
    c.f("\t\tPrefetchable memory behind bridge Upper: %02x-%02x\n", c.b(where + 24),
        c.b(where + 25));
    c.f("\t\tBus Number: %02x\n", c.b(where + 26));
  }

  private static void secondary(DecodeContext c, int where, int cmd) {
    c.p("HyperTransport: Host or Secondary Interface\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 24 - 4)) {
      return;
    }
    int rid = c.b(where + 8);
    boolean rev22 = rid >= 0x22;
    if (rid < 0x22 && rid > 0x11) {
      c.p("\t\t!!! Possibly incomplete decoding\n");
    }
    if (rev22) {
      c.f("\t\tCommand: WarmRst%c DblEnd%c DevNum=%d ChainSide%c HostHide%c Slave%c <EOCErr%c "
              + "DUL%c\n",
          flag(cmd, 0x1), flag(cmd, 0x2), (cmd & 0x7c) >> 2, flag(cmd, 0x80), flag(cmd, 0x100),
          flag(cmd, 0x400), flag(cmd, 0x800), flag(cmd, 0x1000));
    } else {
      c.f("\t\tCommand: WarmRst%c DblEnd%c\n", flag(cmd, 0x1), flag(cmd, 0x2));
    }
    linkControl(c, "Link Control", c.w(where + 4), rev22);
    linkConfig(c, "Link Config", c.w(where + 6), rev22);
    c.f("\t\tRevision ID: %d.%02d\n", (rid & 0xe0) >> 5, rid & 0x1f);
    if (!rev22) {
      return;
    }
    int lfrer = c.b(where + 9);
    c.f("\t\tLink Frequency: %s\n", FREQS[lfrer & 0xf]);
    linkError(c, "Link Error", lfrer);
    // lspci reads this capability register as a byte too
    freqCapability(c, "Link Frequency Capability", c.b(where + 10));
    int ftr = c.w(where + 12);
    c.f("\t\tFeature Capability: IsocFC%c LDTSTOP%c CRCTM%c ECTLT%c 64bA%c UIDRD%c ExtRS%c "
            + "UCnfE%c\n",
        flag(ftr, 0x1), flag(ftr, 0x2), flag(ftr, 0x4), flag(ftr, 0x8), flag(ftr, 0x10),
        flag(ftr, 0x20), flag(ftr, 0x100), flag(ftr, 0x200));
    if ((ftr & 0x100) != 0) {
      errorHandling(c, c.w(where + 18));
      c.f("\t\tPrefetchable memory behind bridge Upper: %02x-%02x\n", c.b(where + 20),
          c.b(where + 21));
    }
  }
}
