package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.bits;
import static dev.driverlab.userland.lspci.Out.flag;

/**
 * Link power and timing capabilities: Latency Tolerance Reporting (ext. ID 18), Secondary PCI
 * Express (19), L1 PM Substates (1e) and Precision Time Measurement (1f)
 * (ls-ecaps.c {@code cap_ltr}, {@code cap_sec}, {@code cap_l1pm}, {@code cap_ptm}).
 *
 * <pre>
 *   LTR:   +4 max snoop latency | +6 max no-snoop latency  (10-bit value, 3-bit scale)
 *   SecPCI: +4 link control 3 | +8 lane error status
 *   L1PM:  +4 capability | +8 control 1 | +12 control 2
 *   PTM:   +4 capability | +8 control
 * </pre>
 */
final class LinkCaps {
  private LinkCaps() {}

  /** LTR scale: each step multiplies by 32 (1, 32, 1024, ... ns). */
  private static long ltrScale(int scale) {
    return 1L << (scale * 5);
  }

  static void ltr(DecodeContext c, int where) {
    c.p("Latency Tolerance Reporting\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 4)) {
      return;
    }
    int snoop = c.w(where + 4);
    c.f("\t\tMax snoop latency: %dns\n", (snoop & 0x3ff) * scale32((snoop >> 10) & 7));
    int nosnoop = c.w(where + 6);
    c.f("\t\tMax no snoop latency: %dns\n", (nosnoop & 0x3ff) * scale32((nosnoop >> 10) & 7));
  }

  /**
   * lspci computes the scale as a 32-bit shift; for the reserved scales 6 and 7 the shift count
   * passes 31 and, as on x86 and in Java, only its low five bits count.
   */
  private static long scale32(int scale) {
    return Out.u32(1 << (scale * 5));
  }

  static void secondaryPcie(DecodeContext c, int where) {
    c.p("Secondary PCI Express\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 12)) {
      return;
    }
    int ctrl3 = c.w(where + 4);
    c.f("\t\tLnkCtl3: LnkEquIntrruptEn%c PerformEqu%c\n", flag(ctrl3, 0x02), flag(ctrl3, 0x01));
    int laneErr = c.w(where + 8);
    c.p("\t\tLaneErrStat: ");
    if (laneErr != 0) {
      c.p("LaneErr at lane:");
      for (int lane = 0; laneErr != 0; laneErr >>>= 1, lane++) {
        if ((laneErr & 1) != 0) {
          c.f(" %d", lane);
        }
      }
    } else {
      c.p("0");
    }
    c.p("\n");
  }

  /** T_PowerOn in microseconds from its scale and value, or -1 for a reserved scale. */
  private static int powerOnTime(int scale, int value) {
    return switch (scale) {
      case 0 -> 2 * value;
      case 1 -> 10 * value;
      case 2 -> 100 * value;
      default -> -1;
    };
  }

  static void l1PmSubstates(DecodeContext c, int where) {
    c.p("L1 PM Substates\n");
    if (c.verbose < 2) {
      return;
    }
    if (!c.fetch(where + 4, 12)) {
      c.p("\t\t<unreadable>\n");
      return;
    }
    int cap = c.l(where + 4);
    c.p("\t\tL1SubCap: ");
    c.f("PCI-PM_L1.2%c PCI-PM_L1.1%c ASPM_L1.2%c ASPM_L1.1%c L1_PM_Substates%c\n",
        flag(cap, 0x1), flag(cap, 0x2), flag(cap, 0x4), flag(cap, 0x8), flag(cap, 0x10));
    boolean l12 = (cap & 0x1) != 0 || (cap & 0x4) != 0;
    if (l12) {
      c.f("\t\t\t  PortCommonModeRestoreTime=%dus ", bits(cap, 8, 8));
      int time = powerOnTime(bits(cap, 16, 2), bits(cap, 19, 5));
      c.p(time != -1 ? "PortTPowerOnTime=" + time + "us\n" : "PortTPowerOnTime=<error>\n");
    }
    int val = c.l(where + 8);
    c.f("\t\tL1SubCtl1: PCI-PM_L1.2%c PCI-PM_L1.1%c ASPM_L1.2%c ASPM_L1.1%c\n",
        flag(val, 0x1), flag(val, 0x2), flag(val, 0x4), flag(val, 0x8));
    if (l12) {
      c.f("\t\t\t   T_CommonMode=%dus", bits(val, 8, 8));
      if ((cap & 0x4) != 0) {
        int scale = bits(val, 29, 3);
        if (scale > 5) {
          c.p(" LTR1.2_Threshold=<error>");
        } else {
          c.f(" LTR1.2_Threshold=%dns", bits(val, 16, 10) * ltrScale(scale));
        }
      }
      c.p("\n");
    }
    val = c.l(where + 12);
    c.p("\t\tL1SubCtl2:");
    if (l12) {
      int time = powerOnTime(bits(val, 0, 2), bits(val, 3, 5));
      c.p(time != -1 ? " T_PwrOn=" + time + "us" : " T_PwrOn=<error>");
    }
    c.p("\n");
  }

  static void ptm(DecodeContext c, int where) {
    c.p("Precision Time Measurement\n");
    if (c.verbose < 2) {
      return;
    }
    if (!c.fetch(where + 4, 8)) {
      c.p("\t\t<unreadable>\n");
      return;
    }
    int buff = c.l(where + 4);
    c.p("\t\tPTMCap: ");
    c.f("Requester:%c Responder:%c Root:%c\n", flag(buff, 0x1), flag(buff, 0x2),
        flag(buff, 0x4));
    c.p("\t\tPTMClockGranularity: ");
    granularity(c, bits(buff, 8, 8), "Unimplemented");
    buff = c.l(where + 8);
    c.p("\t\tPTMControl: ");
    c.f("Enabled:%c RootSelected:%c\n", flag(buff, 0x1), flag(buff, 0x2));
    c.p("\t\tPTMEffectiveGranularity: ");
    granularity(c, bits(buff, 8, 8), "Unknown");
  }

  private static void granularity(DecodeContext c, int clock, String zeroText) {
    switch (clock) {
      case 0x00 -> c.p(zeroText + "\n");
      case 0xff -> c.p("Greater than 254ns\n");
      default -> c.f("%dns\n", clock);
    }
  }
}
