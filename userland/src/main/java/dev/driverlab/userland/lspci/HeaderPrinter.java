package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.flag;

/**
 * The verbose lines about the standard header, after the one-line summary: Control, Status,
 * Latency, Interrupt, BIST, then per header type the regions, bus numbers, windows and bridge
 * control, and finally the capability list (lspci.c {@code show_verbose}, {@code show_htype0..2}).
 *
 * <pre>
 *   type 1 (PCI bridge)                          type 2 (CardBus bridge)
 *   0x18 primary | secondary | subordinate | sec latency     same bus numbers at 0x18
 *   0x1c I/O base | limit | secondary status                  0x1c/0x24 memory windows 0, 1
 *   0x20 memory base | limit                                  0x2c/0x34 I/O windows 0, 1
 *   0x24 prefetchable base | limit, 0x28/0x2c upper 32 bits   0x3e bridge control
 *   0x30 I/O upper 16 bits, 0x38 ROM, 0x3e bridge control     0x44 legacy (ExCa) base
 * </pre>
 */
final class HeaderPrinter {
  private static final int LATENCY_TIMER = 0x0d;
  private static final int CACHE_LINE_SIZE = 0x0c;
  private static final int BIST = 0x0f;
  private static final int INTERRUPT_PIN = 0x3d;
  private static final int MIN_GNT = 0x3e;
  private static final int MAX_LAT = 0x3f;

  private static final int PRIMARY_BUS = 0x18;
  private static final int SECONDARY_BUS = 0x19;
  private static final int SUBORDINATE_BUS = 0x1a;
  private static final int SEC_LATENCY_TIMER = 0x1b;
  private static final int IO_BASE = 0x1c;
  private static final int IO_LIMIT = 0x1d;
  private static final int SEC_STATUS = 0x1e;
  private static final int MEMORY_BASE = 0x20;
  private static final int MEMORY_LIMIT = 0x22;
  private static final int PREF_MEMORY_BASE = 0x24;
  private static final int PREF_MEMORY_LIMIT = 0x26;
  private static final int PREF_BASE_UPPER32 = 0x28;
  private static final int PREF_LIMIT_UPPER32 = 0x2c;
  private static final int IO_BASE_UPPER16 = 0x30;
  private static final int IO_LIMIT_UPPER16 = 0x32;
  private static final int BRIDGE_CONTROL = 0x3e;

  private static final int CB_CAPABILITY_LIST = 0x14;
  private static final int CB_SEC_STATUS = 0x16;
  private static final int CB_MEMORY_BASE_0 = 0x1c;
  private static final int CB_MEMORY_LIMIT_0 = 0x20;
  private static final int CB_IO_BASE_0 = 0x2c;
  private static final int CB_IO_LIMIT_0 = 0x30;
  private static final int CB_LEGACY_MODE_BASE = 0x44;

  private static final int CMD_MASTER = 0x4;
  private static final int CLASS_BRIDGE_PCI = 0x0604;
  private static final int BASE_CLASS_BRIDGE = 0x06;

  private HeaderPrinter() {}

  /** Everything {@code lspci -v} prints after the summary line. */
  static void verbose(DecodeContext c) {
    ConfigView d = c.d;
    Out out = c.out;
    int htype = d.headerType;
    int cls = d.deviceClass;
    int bist;
    int maxLat;
    int minGnt;
    boolean unknownConfig = false;
    switch (htype) {
      case ConfigView.HEADER_NORMAL -> {
        if (cls == CLASS_BRIDGE_PCI) {
          out.f("\t!!! Invalid class %04x for header type %02x\n", cls, htype);
        }
        bist = d.cfgByte(BIST);
        maxLat = d.cfgByte(MAX_LAT);
        minGnt = d.cfgByte(MIN_GNT);
      }
      case ConfigView.HEADER_BRIDGE, ConfigView.HEADER_CARDBUS -> {
        if (cls >> 8 != BASE_CLASS_BRIDGE) {
          out.f("\t!!! Invalid class %04x for header type %02x\n", cls, htype);
        }
        bist = d.cfgByte(BIST);
        maxLat = 0;
        minGnt = 0;
      }
      default -> {
        if (!d.noConfigAccess) {
          out.f("\t!!! Unknown header type %02x\n", htype);
        }
        bist = 0;
        maxLat = 0;
        minGnt = 0;
        unknownConfig = true;
      }
    }

    if (!unknownConfig && c.verbose > 1) {
      int cmd = d.cfgWord(ConfigView.COMMAND);
      int status = d.cfgWord(ConfigView.STATUS);
      out.f("\tControl: I/O%c Mem%c BusMaster%c SpecCycle%c MemWINV%c VGASnoop%c ParErr%c "
              + "Stepping%c SERR%c FastB2B%c DisINTx%c\n",
          flag(cmd, 0x1), flag(cmd, 0x2), flag(cmd, 0x4), flag(cmd, 0x8), flag(cmd, 0x10),
          flag(cmd, 0x20), flag(cmd, 0x40), flag(cmd, 0x80), flag(cmd, 0x100), flag(cmd, 0x200),
          flag(cmd, 0x400));
      out.f("\tStatus: Cap%c 66MHz%c UDF%c FastB2B%c ParErr%c DEVSEL=%s >TAbort%c <TAbort%c "
              + "<MAbort%c >SERR%c <PERR%c INTx%c\n",
          flag(status, 0x10), flag(status, 0x20), flag(status, 0x40), flag(status, 0x80),
          flag(status, 0x100), devsel(status), flag(status, 0x800), flag(status, 0x1000),
          flag(status, 0x2000), flag(status, 0x4000), flag(status, 0x8000), flag(status, 0x08));
      if ((cmd & CMD_MASTER) != 0) {
        int latency = d.cfgByte(LATENCY_TIMER);
        int cacheLine = d.cfgByte(CACHE_LINE_SIZE);
        out.f("\tLatency: %d", latency);
        if (minGnt != 0 || maxLat != 0) {
          out.p(" (");
          if (minGnt != 0) {
            out.f("%dns min", minGnt * 250);
          }
          if (minGnt != 0 && maxLat != 0) {
            out.p(", ");
          }
          if (maxLat != 0) {
            out.f("%dns max", maxLat * 250);
          }
          out.p(')');
        }
        if (cacheLine != 0) {
          out.f(", Cache Line Size: %d bytes", cacheLine * 4);
        }
        out.nl();
      }
    }

    if (c.verbose > 1) {
      int intPin = unknownConfig ? 0 : d.cfgByte(INTERRUPT_PIN);
      if (intPin != 0 || d.irq != 0) {
        out.f("\tInterrupt: pin %c routed to IRQ %d\n",
            intPin != 0 ? (char) (('A' + intPin - 1) & 0xff) : '?', d.irq); // C char wraps
      }
    }

    if (!unknownConfig && c.verbose <= 1) {
      int cmd = d.cfgWord(ConfigView.COMMAND);
      int status = d.cfgWord(ConfigView.STATUS);
      out.p("\tFlags: ");
      if ((cmd & CMD_MASTER) != 0) {
        out.p("bus master, ");
      }
      if ((cmd & 0x20) != 0) {
        out.p("VGA palette snoop, ");
      }
      if ((cmd & 0x80) != 0) {
        out.p("stepping, ");
      }
      if ((cmd & 0x200) != 0) {
        out.p("fast Back2Back, ");
      }
      if ((status & 0x20) != 0) {
        out.p("66MHz, ");
      }
      if ((status & 0x40) != 0) {
        out.p("user-definable features, ");
      }
      out.f("%s devsel", devsel(status));
      if ((cmd & CMD_MASTER) != 0) {
        out.f(", latency %d", d.cfgByte(LATENCY_TIMER));
      }
      if (d.irq != 0) {
        out.f(", IRQ %d", d.irq);
      }
      out.nl();
    }

    if ((bist & 0x80) != 0) {
      if ((bist & 0x40) != 0) {
        out.p("\tBIST is running\n");
      } else {
        out.f("\tBIST result: %02x\n", bist & 0x0f);
      }
    }

    switch (htype) {
      case ConfigView.HEADER_NORMAL -> {
        RegionPrinter.bases(c, 6);
        RegionPrinter.rom(c, ConfigView.ROM_ADDRESS);
        CapabilityPrinter.show(c, ConfigView.CAPABILITY_LIST);
      }
      case ConfigView.HEADER_BRIDGE -> bridge(c);
      case ConfigView.HEADER_CARDBUS -> cardbus(c);
      default -> { } // nothing more can be told without the header (show_htype_unknown)
    }
  }

  static String devsel(int status) {
    return switch (status & 0x600) {
      case 0x000 -> "fast";
      case 0x200 -> "medium";
      case 0x400 -> "slow";
      default -> "??";
    };
  }

  private static void bridge(DecodeContext c) {
    ConfigView d = c.d;
    Out out = c.out;
    int ioBase = d.cfgByte(IO_BASE);
    int ioLimit = d.cfgByte(IO_LIMIT);
    int ioType = ioBase & 0x0f;
    int memBase = d.cfgWord(MEMORY_BASE);
    int memLimit = d.cfgWord(MEMORY_LIMIT);
    int memType = memBase & 0x0f;
    int prefBase = d.cfgWord(PREF_MEMORY_BASE);
    int prefLimit = d.cfgWord(PREF_MEMORY_LIMIT);
    int prefType = prefBase & 0x0f;
    int secStat = d.cfgWord(SEC_STATUS);
    int brc = d.cfgWord(BRIDGE_CONTROL);

    RegionPrinter.bases(c, 2);
    out.f("\tBus: primary=%02x, secondary=%02x, subordinate=%02x, sec-latency=%d\n",
        d.cfgByte(PRIMARY_BUS), d.cfgByte(SECONDARY_BUS), d.cfgByte(SUBORDINATE_BUS),
        d.cfgByte(SEC_LATENCY_TIMER));

    if (ioType != (ioLimit & 0x0f) || (ioType != 0 && ioType != 1)) {
      out.f("\t!!! Unknown I/O range types %x/%x\n", ioBase, ioLimit);
    } else {
      long base = (ioBase & ~0x0f) << 8;
      long limit = (ioLimit & ~0x0f) << 8;
      if (ioType == 1) {
        base |= (long) d.cfgWord(IO_BASE_UPPER16) << 16;
        limit |= (long) d.cfgWord(IO_LIMIT_UPPER16) << 16;
      }
      RegionPrinter.range(c, "\tI/O behind bridge", base, limit + 0xfff, ioType == 1 ? 32 : 16,
          false);
    }

    if (memType != (memLimit & 0x0f) || memType != 0) {
      out.f("\t!!! Unknown memory range types %x/%x\n", memBase, memLimit);
    } else {
      long base = (long) (memBase & ~0x0f) << 16;
      long limit = (long) (memLimit & ~0x0f) << 16;
      RegionPrinter.range(c, "\tMemory behind bridge", base, limit + 0xfffff, 32, false);
    }

    if (prefType != (prefLimit & 0x0f) || (prefType != 0 && prefType != 1)) {
      out.f("\t!!! Unknown prefetchable memory range types %x/%x\n", prefBase, prefLimit);
    } else {
      long base = (long) (prefBase & ~0x0f) << 16;
      long limit = (long) (prefLimit & ~0x0f) << 16;
      if (prefType == 1) {
        base |= Out.u32(d.cfgLong(PREF_BASE_UPPER32)) << 32;
        limit |= Out.u32(d.cfgLong(PREF_LIMIT_UPPER32)) << 32;
      }
      RegionPrinter.range(c, "\tPrefetchable memory behind bridge", base, limit + 0xfffff,
          prefType == 1 ? 64 : 32, false);
    }

    if (c.verbose > 1) {
      out.f("\tSecondary status: 66MHz%c FastB2B%c ParErr%c DEVSEL=%s >TAbort%c <TAbort%c "
              + "<MAbort%c <SERR%c <PERR%c\n",
          flag(secStat, 0x20), flag(secStat, 0x80), flag(secStat, 0x100), devsel(secStat),
          flag(secStat, 0x800), flag(secStat, 0x1000), flag(secStat, 0x2000),
          flag(secStat, 0x4000), flag(secStat, 0x8000));
    }

    RegionPrinter.rom(c, ConfigView.ROM_ADDRESS1);

    if (c.verbose > 1) {
      out.f("\tBridgeCtl: Parity%c SERR%c NoISA%c VGA%c VGA16%c MAbort%c >Reset%c FastB2B%c\n",
          flag(brc, 0x01), flag(brc, 0x02), flag(brc, 0x04), flag(brc, 0x08), flag(brc, 0x10),
          flag(brc, 0x20), flag(brc, 0x40), flag(brc, 0x80));
      out.f("\t\tPriDiscTmr%c SecDiscTmr%c DiscTmrStat%c DiscTmrSERREn%c\n",
          flag(brc, 0x100), flag(brc, 0x200), flag(brc, 0x400), flag(brc, 0x800));
    }

    CapabilityPrinter.show(c, ConfigView.CAPABILITY_LIST);
  }

  private static void cardbus(DecodeContext c) {
    ConfigView d = c.d;
    Out out = c.out;
    int cmd = d.cfgWord(ConfigView.COMMAND);
    int brc = d.cfgWord(BRIDGE_CONTROL);
    boolean verb = c.verbose > 2;

    RegionPrinter.bases(c, 1);
    out.f("\tBus: primary=%02x, secondary=%02x, subordinate=%02x, sec-latency=%d\n",
        d.cfgByte(PRIMARY_BUS), d.cfgByte(SECONDARY_BUS), d.cfgByte(SUBORDINATE_BUS),
        d.cfgByte(SEC_LATENCY_TIMER));
    for (int i = 0; i < 2; i++) {
      long base = Out.u32(d.cfgLong(CB_MEMORY_BASE_0 + 8 * i));
      long limit = (Out.u32(d.cfgLong(CB_MEMORY_LIMIT_0 + 8 * i)) + 0xfff) & 0xffffffffL;
      if (base <= limit || verb) {
        out.f("\tMemory window %d: %08x-%08x%s%s\n", i, base, limit,
            (cmd & RegionPrinter.COMMAND_MEMORY) != 0 ? "" : " [disabled]",
            (brc & (0x100 << i)) != 0 ? " (prefetchable)" : "");
      }
    }
    for (int i = 0; i < 2; i++) {
      long base = Out.u32(d.cfgLong(CB_IO_BASE_0 + 8 * i));
      long limit = Out.u32(d.cfgLong(CB_IO_LIMIT_0 + 8 * i));
      if ((base & 1) == 0) {
        base &= 0xffff;
        limit &= 0xffff;
      }
      base &= ~0x3L;
      limit = ((limit & ~0x3L) + 3) & 0xffffffffL;
      if (base <= limit || verb) {
        out.f("\tI/O window %d: %08x-%08x%s\n", i, base, limit,
            (cmd & RegionPrinter.COMMAND_IO) != 0 ? "" : " [disabled]");
      }
    }
    if ((d.cfgWord(CB_SEC_STATUS) & 0x4000) != 0) {
      out.p("\tSecondary status: SERR\n");
    }
    if (c.verbose > 1) {
      out.f("\tBridgeCtl: Parity%c SERR%c ISA%c VGA%c MAbort%c >Reset%c 16bInt%c PostWrite%c\n",
          flag(brc, 0x01), flag(brc, 0x02), flag(brc, 0x04), flag(brc, 0x08), flag(brc, 0x20),
          flag(brc, 0x40), flag(brc, 0x80), flag(brc, 0x400));
    }
    if (d.configCached < 128) {
      out.p("\t<access denied to the rest>\n");
      return;
    }
    int exca = d.cfgWord(CB_LEGACY_MODE_BASE);
    if (exca != 0) {
      out.f("\t16-bit legacy interface ports at %04x\n", exca);
    }
    CapabilityPrinter.show(c, CB_CAPABILITY_LIST);
  }
}
