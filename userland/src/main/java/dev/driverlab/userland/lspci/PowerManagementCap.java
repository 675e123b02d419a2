package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.flag;

/**
 * PCI Power Management capability (ID 01), as ls-caps.c {@code cap_pm} prints it.
 *
 * <pre>
 *   +0 ID | next | PMC (version, PME clock, DSI, aux current, D1/D2, PME support per state)
 *   +4 PMCSR (power state, no-soft-reset, PME enable, data select/scale, PME status)
 *   +6 PMCSR bridge extensions   +7 data
 * </pre>
 */
final class PowerManagementCap {
  private static final int CTRL = 4;
  private static final int PPB_EXTENSIONS = 6;
  private static final int SIZEOF = 8;
  /** Aux current in mA for PMC bits 8:6. */
  private static final int[] AUX_CURRENT_MA = {0, 55, 100, 160, 220, 270, 320, 375};

  private PowerManagementCap() {}

  static void print(DecodeContext c, int where, int cap) {
    c.f("Power Management version %d\n", cap & 0x7);
    if (c.verbose < 2) {
      return;
    }
    c.f("\t\tFlags: PMEClk%c DSI%c D1%c D2%c AuxCurrent=%dmA PME(D0%c,D1%c,D2%c,D3hot%c,"
            + "D3cold%c)\n",
        flag(cap, 0x0008), flag(cap, 0x0020), flag(cap, 0x0200), flag(cap, 0x0400),
        AUX_CURRENT_MA[(cap & 0x01c0) >> 6], flag(cap, 0x0800), flag(cap, 0x1000),
        flag(cap, 0x2000), flag(cap, 0x4000), flag(cap, 0x8000));
    if (!c.fetch(where + CTRL, SIZEOF - CTRL)) {
      return;
    }
    int t = c.w(where + CTRL);
    c.f("\t\tStatus: D%d NoSoftRst%c PME-Enable%c DSel=%d DScale=%d PME%c\n",
        t & 0x3, flag(t, 0x0008), flag(t, 0x0100), (t & 0x1e00) >> 9, (t & 0x6000) >> 13,
        flag(t, 0x8000));
    int b = c.b(where + PPB_EXTENSIONS);
    if (b != 0) {
      c.f("\t\tBridge: PM%c B3%c\n", flag(b, 0x80), flag(~b, 0x40));
    }
  }
}
