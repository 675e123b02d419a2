package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.flag;

/**
 * PCI Express capability (ID 10): the device, link, slot and root blocks and their "2"
 * successors (ls-caps.c {@code cap_express} and helpers).
 *
 * <pre>
 *   +0x02 flags: version, port type, slot implemented, interrupt message number
 *   +0x04 DevCap   +0x08 DevCtl  +0x0a DevSta     +0x24 DevCap2  +0x28 DevCtl2
 *   +0x0c LnkCap   +0x10 LnkCtl  +0x12 LnkSta     +0x2c LnkCap2  +0x30 LnkCtl2 +0x32 LnkSta2
 *   +0x14 SltCap   +0x18 SltCtl  +0x1a SltSta     +0x34 SltCap2 (nothing printed)
 *   +0x1c RootCtl  +0x1e RootCap +0x20 RootSta
 * </pre>
 */
final class ExpressCap {
  static final int TYPE_ENDPOINT = 0x0;
  static final int TYPE_LEG_END = 0x1;
  static final int TYPE_ROOT_PORT = 0x4;
  static final int TYPE_UPSTREAM = 0x5;
  static final int TYPE_DOWNSTREAM = 0x6;
  static final int TYPE_PCI_BRIDGE = 0x7;
  static final int TYPE_PCIE_BRIDGE = 0x8;
  static final int TYPE_ROOT_INT_EP = 0x9;
  static final int TYPE_ROOT_EC = 0xa;

  private static final int FLAGS_VERS = 0x000f;
  private static final int FLAGS_SLOT = 0x0100;

  private static final int DEVCAP = 0x04;
  private static final int DEVCTL = 0x08;
  private static final int DEVSTA = 0x0a;
  private static final int LNKCAP = 0x0c;
  private static final int LNKCTL = 0x10;
  private static final int LNKSTA = 0x12;
  private static final int SLTCAP = 0x14;
  private static final int SLTCTL = 0x18;
  private static final int SLTSTA = 0x1a;
  private static final int RTCTL = 0x1c;
  private static final int RTCAP = 0x1e;
  private static final int RTSTA = 0x20;
  private static final int DEVCAP2 = 0x24;
  private static final int DEVCTL2 = 0x28;
  private static final int LNKCAP2 = 0x2c;
  private static final int LNKCTL2 = 0x30;
  private static final int LNKSTA2 = 0x32;

  private static final int DEVCAP_FLRESET = 0x10000000;
  private static final long LNKCAP2_DRS = 0x80000000L;

  private ExpressCap() {}

  /** Prints the capability and returns the port type (the extended capabilities need it). */
  static int print(DecodeContext c, int where, int cap) {
    int type = (cap & 0x00f0) >> 4;
    boolean slot = false;
    boolean link = true;
    c.p("Express ");
    if (c.verbose >= 2) {
      c.f("(v%d) ", cap & FLAGS_VERS);
    }
    switch (type) {
      case TYPE_ENDPOINT -> c.p("Endpoint");
      case TYPE_LEG_END -> c.p("Legacy Endpoint");
      case TYPE_ROOT_PORT -> {
        slot = (cap & FLAGS_SLOT) != 0;
        c.f("Root Port (Slot%c)", flag(cap, FLAGS_SLOT));
      }
      case TYPE_UPSTREAM -> c.p("Upstream Port");
      case TYPE_DOWNSTREAM -> {
        slot = (cap & FLAGS_SLOT) != 0;
        c.f("Downstream Port (Slot%c)", flag(cap, FLAGS_SLOT));
      }
      case TYPE_PCI_BRIDGE -> c.p("PCI-Express to PCI/PCI-X Bridge");
      case TYPE_PCIE_BRIDGE -> {
        slot = (cap & FLAGS_SLOT) != 0;
        c.f("PCI/PCI-X to PCI-Express Bridge (Slot%c)", flag(cap, FLAGS_SLOT));
      }
      case TYPE_ROOT_INT_EP -> {
        link = false;
        c.p("Root Complex Integrated Endpoint");
      }
      case TYPE_ROOT_EC -> {
        link = false;
        c.p("Root Complex Event Collector");
      }
      default -> c.f("Unknown type %d", type);
    }
    c.f(", MSI %02x\n", (cap & 0x3e00) >> 9);
    if (c.verbose < 2) {
      return type;
    }

    int size = 16;
    if (slot) {
      size = 24;
    }
    if (type == TYPE_ROOT_PORT || type == TYPE_ROOT_EC) {
      size = 32;
    }
    if (!c.fetch(where + DEVCAP, size)) {
      return type;
    }
    device(c, where, type);
    if (link) {
      link(c, where, type);
    }
    if (slot) {
      slot(c, where);
    }
    if (type == TYPE_ROOT_PORT || type == TYPE_ROOT_EC) {
      root(c, where);
    }

    if ((cap & FLAGS_VERS) < 2) {
      return type;
    }
    size = slot ? 24 : 16;
    if (!c.fetch(where + DEVCAP2, size)) {
      return type;
    }
    device2(c, where, type);
    if (link) {
      link2(c, where, type);
    }
    return type;
  }

  private static boolean isEndpoint(int type) {
    return type == TYPE_ENDPOINT || type == TYPE_LEG_END;
  }

  private static String latencyL0s(int v) {
    return new String[] {"<64ns", "<128ns", "<256ns", "<512ns", "<1us", "<2us", "<4us",
        "unlimited"}[v];
  }

  private static String latencyL1(int v) {
    return new String[] {"<1us", "<2us", "<4us", "<8us", "<16us", "<32us", "<64us",
        "unlimited"}[v];
  }

  /** Slot power limit: value times a decimal scale, with the PCIe 4.0 extended encodings. */
  static void powerLimit(Out out, int value, int scale) {
    float[] scales = {1.0f, 0.1f, 0.01f, 0.001f};
    if (scale == 0 && value == 0xff) {
      out.p(">600W");
      return;
    }
    if (scale == 0 && value >= 0xf0 && value <= 0xfe) {
      value = 250 + 25 * (value - 0xf0);
    }
    out.p(Out.cG(value * scales[scale])).p('W');
  }

  private static void device(DecodeContext c, int where, int type) {
    int t = c.l(where + DEVCAP);
    c.f("\t\tDevCap:\tMaxPayload %d bytes, PhantFunc %d", 128 << (t & 0x07),
        (1 << ((t & 0x18) >> 3)) - 1);
    if (isEndpoint(type)) {
      c.f(", Latency L0s %s, L1 %s", latencyL0s((t & 0x1c0) >> 6), latencyL1((t & 0xe00) >> 9));
    }
    c.p("\n");
    c.f("\t\t\tExtTag%c", flag(t, 0x20));
    if (isEndpoint(type) || type == TYPE_UPSTREAM || type == TYPE_PCI_BRIDGE) {
      c.f(" AttnBtn%c AttnInd%c PwrInd%c", flag(t, 0x1000), flag(t, 0x2000), flag(t, 0x4000));
    }
    c.f(" RBE%c", flag(t, 0x8000));
    if (isEndpoint(type) || type == TYPE_ROOT_INT_EP) {
      c.f(" FLReset%c", flag(t, DEVCAP_FLRESET));
    }
    if (type == TYPE_ENDPOINT || type == TYPE_UPSTREAM || type == TYPE_PCI_BRIDGE) {
      c.p(" SlotPowerLimit ");
      powerLimit(c.out, (t & 0x3fc0000) >> 18, (t & 0xc000000) >> 26);
    }
    c.p("\n");

    int w = c.w(where + DEVCTL);
    c.f("\t\tDevCtl:\tCorrErr%c NonFatalErr%c FatalErr%c UnsupReq%c\n",
        flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8));
    c.f("\t\t\tRlxdOrd%c ExtTag%c PhantFunc%c AuxPwr%c NoSnoop%c",
        flag(w, 0x10), flag(w, 0x100), flag(w, 0x200), flag(w, 0x400), flag(w, 0x800));
    if (type == TYPE_PCI_BRIDGE) {
      c.f(" BrConfRtry%c", flag(w, 0x8000));
    }
    if ((isEndpoint(type) || type == TYPE_ROOT_INT_EP) && (t & DEVCAP_FLRESET) != 0) {
      c.f(" FLReset%c", flag(w, 0x8000));
    }
    c.f("\n\t\t\tMaxPayload %d bytes, MaxReadReq %d bytes\n",
        128 << ((w & 0x00e0) >> 5), 128 << ((w & 0x7000) >> 12));

    w = c.w(where + DEVSTA);
    c.f("\t\tDevSta:\tCorrErr%c NonFatalErr%c FatalErr%c UnsupReq%c AuxPwr%c TransPend%c\n",
        flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), flag(w, 0x10), flag(w, 0x20));
  }

  private static String linkSpeed(int speed) {
    return switch (speed) {
      case 1 -> "2.5GT/s";
      case 2 -> "5GT/s";
      case 3 -> "8GT/s";
      case 4 -> "16GT/s";
      case 5 -> "32GT/s";
      case 6 -> "64GT/s";
      default -> "unknown";
    };
  }

  private static String linkCompare(int type, int sta, int cap) {
    if (sta > cap) {
      return " (overdriven)";
    }
    if (sta == cap) {
      return "";
    }
    if (type == TYPE_ROOT_PORT || type == TYPE_DOWNSTREAM || type == TYPE_PCIE_BRIDGE) {
      return "";
    }
    return " (downgraded)";
  }

  private static String aspmSupport(int code) {
    return switch (code) {
      case 0 -> "not supported";
      case 1 -> "L0s";
      case 2 -> "L1";
      case 3 -> "L0s L1";
      default -> "unknown";
    };
  }

  private static void link(DecodeContext c, int where, int type) {
    int t = c.l(where + LNKCAP);
    int aspm = (t & 0xc00) >> 10;
    int capSpeed = t & 0xf;
    int capWidth = (t & 0x3f0) >> 4;
    c.f("\t\tLnkCap:\tPort #%d, Speed %s, Width x%d, ASPM %s", t >>> 24, linkSpeed(capSpeed),
        capWidth, aspmSupport(aspm));
    if (aspm != 0) {
      c.p(", Exit Latency ");
      if ((aspm & 1) != 0) {
        c.f("L0s %s", latencyL0s((t & 0x7000) >> 12));
      }
      if ((aspm & 2) != 0) {
        c.f("%sL1 %s", (aspm & 1) != 0 ? ", " : "", latencyL1((t & 0x38000) >> 15));
      }
    }
    c.p("\n");
    c.f("\t\t\tClockPM%c Surprise%c LLActRep%c BwNot%c ASPMOptComp%c\n",
        flag(t, 0x40000), flag(t, 0x80000), flag(t, 0x100000), flag(t, 0x200000),
        flag(t, 0x400000));

    int w = c.w(where + LNKCTL);
    String[] aspmEnabled = {"Disabled", "L0s Enabled", "L1 Enabled", "L0s L1 Enabled"};
    c.f("\t\tLnkCtl:\tASPM %s;", aspmEnabled[w & 3]);
    if (type == TYPE_ROOT_PORT || isEndpoint(type) || type == TYPE_PCI_BRIDGE) {
      c.f(" RCB %d bytes,", (w & 0x8) != 0 ? 128 : 64);
    }
    c.f(" Disabled%c CommClk%c\n\t\t\tExtSynch%c ClockPM%c AutWidDis%c BWInt%c AutBWInt%c\n",
        flag(w, 0x10), flag(w, 0x40), flag(w, 0x80), flag(w, 0x100), flag(w, 0x200),
        flag(w, 0x400), flag(w, 0x800));

    w = c.w(where + LNKSTA);
    int staSpeed = w & 0xf;
    int staWidth = (w & 0x3f0) >> 4;
    c.f("\t\tLnkSta:\tSpeed %s%s, Width x%d%s\n", linkSpeed(staSpeed),
        linkCompare(type, staSpeed, capSpeed), staWidth, linkCompare(type, staWidth, capWidth));
    c.f("\t\t\tTrErr%c Train%c SlotClk%c DLActive%c BWMgmt%c ABWMgmt%c\n",
        flag(w, 0x400), flag(w, 0x800), flag(w, 0x1000), flag(w, 0x2000), flag(w, 0x4000),
        flag(w, 0x8000));
  }

  private static String indicator(int code) {
    return new String[] {"Unknown", "On", "Blink", "Off"}[code];
  }

  private static void slot(DecodeContext c, int where) {
    int t = c.l(where + SLTCAP);
    c.f("\t\tSltCap:\tAttnBtn%c PwrCtrl%c MRL%c AttnInd%c PwrInd%c HotPlug%c Surprise%c\n",
        flag(t, 0x1), flag(t, 0x2), flag(t, 0x4), flag(t, 0x8), flag(t, 0x10), flag(t, 0x40),
        flag(t, 0x20));
    c.f("\t\t\tSlot #%d, PowerLimit ", t >>> 19);
    powerLimit(c.out, (t & 0x7f80) >> 7, (t & 0x18000) >> 15);
    c.f("; Interlock%c NoCompl%c\n", flag(t, 0x20000), flag(t, 0x40000));

    int w = c.w(where + SLTCTL);
    c.f("\t\tSltCtl:\tEnable: AttnBtn%c PwrFlt%c MRL%c PresDet%c CmdCplt%c HPIrq%c LinkChg%c\n",
        flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), flag(w, 0x10), flag(w, 0x20),
        flag(w, 0x1000));
    c.f("\t\t\tControl: AttnInd %s, PwrInd %s, Power%c Interlock%c\n",
        indicator((w & 0xc0) >> 6), indicator((w & 0x300) >> 8), flag(w, 0x400),
        flag(w, 0x800));

    w = c.w(where + SLTSTA);
    c.f("\t\tSltSta:\tStatus: AttnBtn%c PowerFlt%c MRL%c CmdCplt%c PresDet%c Interlock%c\n",
        flag(w, 0x1), flag(w, 0x2), flag(w, 0x20), flag(w, 0x10), flag(w, 0x40),
        flag(w, 0x80));
    c.f("\t\t\tChanged: MRL%c PresDet%c LinkState%c\n",
        flag(w, 0x4), flag(w, 0x8), flag(w, 0x100));
  }

  private static void root(DecodeContext c, int where) {
    int w = c.w(where + RTCAP);
    c.f("\t\tRootCap: CRSVisible%c\n", flag(w, 0x1));
    w = c.w(where + RTCTL);
    c.f("\t\tRootCtl: ErrCorrectable%c ErrNon-Fatal%c ErrFatal%c PMEIntEna%c CRSVisible%c\n",
        flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), flag(w, 0x10));
    int l = c.l(where + RTSTA);
    c.f("\t\tRootSta: PME ReqID %04x, PMEStatus%c PMEPending%c\n", l & 0xffff,
        flag(l, 0x10000), flag(l, 0x20000));
  }

  private static String timeoutRange(int v) {
    return switch (v) {
      case 0 -> "Not Supported";
      case 1 -> "Range A";
      case 2 -> "Range B";
      case 3 -> "Range AB";
      case 6 -> "Range BC";
      case 7 -> "Range ABC";
      case 14 -> "Range BCD";
      case 15 -> "Range ABCD";
      default -> "Unknown";
    };
  }

  private static String timeoutValue(int v) {
    return switch (v) {
      case 0 -> "50us to 50ms";
      case 1 -> "50us to 100us";
      case 2 -> "1ms to 10ms";
      case 5 -> "16ms to 55ms";
      case 6 -> "65ms to 210ms";
      case 9 -> "260ms to 900ms";
      case 10 -> "1s to 3.5s";
      case 13 -> "4s to 13s";
      case 14 -> "17s to 64s";
      default -> "Unknown";
    };
  }

  private static String obffSupport(int v) {
    return switch (v) {
      case 1 -> "Via message";
      case 2 -> "Via WAKE#";
      case 3 -> "Via message/WAKE#";
      default -> "Not Supported";
    };
  }

  private static String emergencyPowerReduction(int v) {
    return switch (v) {
      case 1 -> "Dev Specific";
      case 2 -> "Form Factor Dev Specific";
      case 3 -> "Reserved";
      default -> "Not Supported";
    };
  }

  private static String lnSystemCls(int v) {
    return switch (v) {
      case 1 -> "64byte cachelines";
      case 2 -> "128byte cachelines";
      case 3 -> "Reserved";
      default -> "Not Supported";
    };
  }

  private static String tphCompleter(int v) {
    return switch (v) {
      case 1 -> "TPHComp+ ExtTPHComp-";
      case 2 -> ""; // reserved encoding: lspci prints nothing
      case 3 -> "TPHComp+ ExtTPHComp+";
      default -> "TPHComp- ExtTPHComp-";
    };
  }

  private static String obffEnable(int v) {
    return switch (v) {
      case 0 -> "Disabled";
      case 1 -> "Via message A";
      case 2 -> "Via message B";
      case 3 -> "Via WAKE#";
      default -> "Unknown";
    };
  }

  /** Whether any region is a memory BAR (decides the AtomicOp completer line). */
  private static boolean hasMemoryBar(ConfigView d) {
    for (int i = 0; i < 6; i++) {
      if ((d.baseAddr[i] != 0 || d.barSize(i) != 0) && (d.baseAddr[i] & 1) == 0) {
        return true;
      }
    }
    return false;
  }

  private static void device2(DecodeContext c, int where, int type) {
    boolean hasMemBar = hasMemoryBar(c.d);
    boolean rootOrSwitch = type == TYPE_ROOT_PORT || type == TYPE_UPSTREAM
        || type == TYPE_DOWNSTREAM;
    int l = c.l(where + DEVCAP2);
    c.f("\t\tDevCap2: Completion Timeout: %s, TimeoutDis%c NROPrPrP%c LTR%c",
        timeoutRange(l & 0xf), flag(l, 0x10), flag(l, 0x400), flag(l, 0x800));
    c.f("\n\t\t\t 10BitTagComp%c 10BitTagReq%c OBFF %s, ExtFmt%c EETLPPrefix%c",
        flag(l, 0x10000), flag(l, 0x20000), obffSupport((l >> 18) & 3), flag(l, 0x100000),
        flag(l, 0x200000));
    if ((l & 0x200000) != 0) {
      int max = (l >> 22) & 3;
      c.f(", MaxEETLPPrefixes %d", max != 0 ? max : 4);
    }
    c.f("\n\t\t\t EmergencyPowerReduction %s, EmergencyPowerReductionInit%c",
        emergencyPowerReduction((l >> 24) & 3), flag(l, 0x04000000));
    c.f("\n\t\t\t FRS%c", flag(l, 0x80000000L));
    if (type == TYPE_ROOT_PORT) {
      c.f(" LN System CLS %s,", lnSystemCls((l >> 14) & 3));
    }
    if (type == TYPE_ROOT_PORT || type == TYPE_ENDPOINT) {
      c.f(" %s", tphCompleter((l >> 12) & 3));
    }
    if (type == TYPE_ROOT_PORT || type == TYPE_DOWNSTREAM) {
      c.f(" ARIFwd%c\n", flag(l, 0x20));
    } else {
      c.p("\n");
    }
    if (rootOrSwitch || hasMemBar) {
      c.p("\t\t\t AtomicOpsCap:");
      if (rootOrSwitch) {
        c.f(" Routing%c", flag(l, 0x40));
      }
      if (type == TYPE_ROOT_PORT || hasMemBar) {
        c.f(" 32bit%c 64bit%c 128bitCAS%c", flag(l, 0x80), flag(l, 0x100), flag(l, 0x200));
      }
      c.p("\n");
    }

    int w = c.w(where + DEVCTL2);
    c.f("\t\tDevCtl2: Completion Timeout: %s, TimeoutDis%c LTR%c 10BitTagReq%c OBFF %s,",
        timeoutValue(w & 0xf), flag(w, 0x10), flag(w, 0x400), flag(w, 0x1000),
        obffEnable((w >> 13) & 3));
    if (type == TYPE_ROOT_PORT || type == TYPE_DOWNSTREAM) {
      c.f(" ARIFwd%c\n", flag(w, 0x20));
    } else {
      c.p("\n");
    }
    boolean requester = type == TYPE_ROOT_PORT || type == TYPE_ENDPOINT
        || type == TYPE_ROOT_INT_EP || type == TYPE_LEG_END;
    if (rootOrSwitch || requester) {
      c.p("\t\t\t AtomicOpsCtl:");
      if (requester) {
        c.f(" ReqEn%c", flag(w, 0x40));
      }
      if (rootOrSwitch) {
        c.f(" EgressBlck%c", flag(w, 0x80));
      }
      c.p("\n");
    }
  }

  private static String speedCap(int vector) {
    // Supported Link Speeds vector: a device supports every rate up to its highest (PCIe 5.0
    // sec 8.2.1), so the highest bit names the range.
    if ((vector & 0x60) != 0) {
      return "RsvdP";
    }
    if ((vector & 0x10) != 0) {
      return "2.5-32GT/s";
    }
    if ((vector & 0x08) != 0) {
      return "2.5-16GT/s";
    }
    if ((vector & 0x04) != 0) {
      return "2.5-8GT/s";
    }
    if ((vector & 0x02) != 0) {
      return "2.5-5GT/s";
    }
    if ((vector & 0x01) != 0) {
      return "2.5GT/s";
    }
    return "Unknown";
  }

  private static String targetSpeed(int v) {
    return switch (v) {
      case 0, 1 -> "2.5GT/s"; // 0: hardwired, only 2.5GT/s supported
      case 2 -> "5GT/s";
      case 3 -> "8GT/s";
      case 4 -> "16GT/s";
      case 5 -> "32GT/s";
      case 6 -> "64GT/s";
      default -> "Unknown";
    };
  }

  private static String deemphasis(int v) {
    return switch (v) {
      case 0 -> "-6dB";
      case 1 -> "-3.5dB";
      default -> "Unknown";
    };
  }

  private static String compliancePreset(int v) {
    return switch (v) {
      case 0 -> "-6dB de-emphasis, 0dB preshoot";
      case 1 -> "-3.5dB de-emphasis, 0dB preshoot";
      case 2 -> "-4.4dB de-emphasis, 0dB preshoot";
      case 3 -> "-2.5dB de-emphasis, 0dB preshoot";
      case 4 -> "0dB de-emphasis, 0dB preshoot";
      case 5 -> "0dB de-emphasis, 1.9dB preshoot";
      case 6 -> "0dB de-emphasis, 2.5dB preshoot";
      case 7 -> "-6.0dB de-emphasis, 3.5dB preshoot";
      case 8 -> "-3.5dB de-emphasis, 3.5dB preshoot";
      case 9 -> "0dB de-emphasis, 3.5dB preshoot";
      default -> "Unknown";
    };
  }

  private static String transmitMargin(int v) {
    return switch (v) {
      case 0 -> "Normal Operating Range";
      case 1 -> "800-1200mV(full-swing)/400-700mV(half-swing)";
      case 2, 3, 4, 5 -> "200-400mV(full-swing)/100-200mV(half-swing)";
      default -> "Unknown";
    };
  }

  private static String crosslinkResolution(int v) {
    return switch (v) {
      case 0 -> "unsupported";
      case 1 -> "Upstream Port";
      case 2 -> "Downstream Port";
      default -> "incomplete";
    };
  }

  private static String downstreamComponent(int v) {
    return switch (v) {
      case 0 -> "Link Down - Not Determined";
      case 1 -> "Link Down - Not Present";
      case 2 -> "Link Down - Present";
      case 4 -> "Link Up - Present";
      case 5 -> "Link Up - Present and DRS Received";
      default -> "Reserved";
    };
  }

  private static void link2(DecodeContext c, int where, int type) {
    long l = 0;
    ConfigView d = c.d;
    // Link Capabilities 2 was reserved before PCIe 3.0; only function 0 of an endpoint has it.
    if (!(isEndpoint(type) && (d.info.device() != 0 || d.info.function() != 0))) {
      l = Out.u32(c.l(where + LNKCAP2));
      if (l != 0) {
        c.f("\t\tLnkCap2: Supported Link Speeds: %s, Crosslink%c Retimer%c 2Retimers%c DRS%c\n",
            speedCap((int) ((l >> 1) & 0x7f)), flag(l, 0x100), flag(l, 0x00800000),
            flag(l, 0x01000000), flag(l, LNKCAP2_DRS));
      }
      int w = c.w(where + LNKCTL2);
      c.f("\t\tLnkCtl2: Target Link Speed: %s, EnterCompliance%c SpeedDis%c",
          targetSpeed(w & 0xf), flag(w, 0x10), flag(w, 0x20));
      if (type == TYPE_DOWNSTREAM) {
        c.f(", Selectable De-emphasis: %s", deemphasis((w >> 6) & 1));
      }
      c.f("\n\t\t\t Transmit Margin: %s, EnterModifiedCompliance%c ComplianceSOS%c\n"
              + "\t\t\t Compliance Preset/De-emphasis: %s\n",
          transmitMargin((w >> 7) & 7), flag(w, 0x400), flag(w, 0x800),
          compliancePreset((w >> 12) & 0xf));
    }

    int w = c.w(where + LNKSTA2);
    c.f("\t\tLnkSta2: Current De-emphasis Level: %s, EqualizationComplete%c "
            + "EqualizationPhase1%c\n"
            + "\t\t\t EqualizationPhase2%c EqualizationPhase3%c LinkEqualizationRequest%c\n"
            + "\t\t\t Retimer%c 2Retimers%c CrosslinkRes: %s",
        deemphasis(w & 1), flag(w, 0x02), flag(w, 0x04), flag(w, 0x08), flag(w, 0x10),
        flag(w, 0x20), flag(w, 0x40), flag(w, 0x80), crosslinkResolution((w >> 8) & 3));
    boolean downstream = type == TYPE_ROOT_PORT || type == TYPE_DOWNSTREAM
        || type == TYPE_PCIE_BRIDGE;
    if (downstream && (l & LNKCAP2_DRS) != 0) {
      c.f(", DRS%c\n\t\t\t DownstreamComp: %s\n", flag(w, 0x8000),
          downstreamComponent((w >> 12) & 7));
    } else {
      c.p("\n");
    }
  }
}
