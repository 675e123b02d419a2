package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.flag;

/**
 * Capabilities of the parallel-bus era: AGP (ID 02) and PCI-X (ID 07), for devices and bridges
 * (ls-caps.c {@code cap_agp}, {@code cap_pcix_nobridge}, {@code cap_pcix_bridge}).
 *
 * <pre>
 *   AGP:   +2 version | +4 status | +8 command
 *   PCI-X: +2 command | +4 status                    (device)
 *          +2 secondary status | +4 status | +8 upstream | +12 downstream split control (bridge)
 * </pre>
 */
final class LegacyBusCaps {
  private static final int AGP_STATUS = 4;
  private static final int AGP_COMMAND = 8;
  private static final int AGP_SIZEOF = 12;
  private static final int PCIX_COMMAND = 2;
  private static final int PCIX_STATUS = 4;
  private static final int PCIX_BRIDGE_SEC_STATUS = 2;
  private static final int PCIX_BRIDGE_STATUS = 4;
  private static final int PCIX_BRIDGE_UPSTREAM = 8;
  private static final int PCIX_BRIDGE_DOWNSTREAM = 12;
  private static final int[] MAX_OUTSTANDING = {1, 2, 3, 4, 8, 12, 16, 32};

  private LegacyBusCaps() {}

  private static String agpRate(int rate, boolean agp3) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i <= 2; i++) {
      if ((rate & (1 << i)) != 0) {
        if (sb.length() > 0) {
          sb.append(',');
        }
        sb.append('x').append(1 << (i + (agp3 ? 2 : 0)));
      }
    }
    return sb.length() > 0 ? sb.toString() : "<none>";
  }

  static void agp(DecodeContext c, int where, int cap) {
    int ver = (cap >> 4) & 0x0f;
    int rev = cap & 0x0f;
    c.f("AGP version %x.%x\n", ver, rev);
    if (c.verbose < 2 || !c.fetch(where + AGP_STATUS, AGP_SIZEOF - AGP_STATUS)) {
      return;
    }
    int t = c.l(where + AGP_STATUS);
    boolean agp3 = ver >= 3 && (t & 0x0008) != 0;
    c.f("\t\tStatus: RQ=%d Iso%c ArqSz=%d Cal=%d SBA%c ITACoh%c GART64%c HTrans%c 64bit%c FW%c "
            + "AGP3%c Rate=%s\n",
        (t >>> 24) + 1, flag(t, 0x10000), (t & 0xe000) >> 13, (t & 0x1c00) >> 10,
        flag(t, 0x0200), flag(t, 0x0100), flag(t, 0x0080), flag(t, 0x0040), flag(t, 0x0020),
        flag(t, 0x0010), flag(t, 0x0008), agpRate(t & 7, agp3));
    t = c.l(where + AGP_COMMAND);
    c.f("\t\tCommand: RQ=%d ArqSz=%d Cal=%d SBA%c AGP%c GART64%c 64bit%c FW%c Rate=%s\n",
        (t >>> 24) + 1, (t & 0xe000) >> 13, (t & 0x1c00) >> 10, flag(t, 0x0200),
        flag(t, 0x0100), flag(t, 0x0080), flag(t, 0x0020), flag(t, 0x0010),
        agpRate(t & 7, agp3));
  }

  static void pcix(DecodeContext c, int where) {
    switch (c.b(ConfigView.HEADER_TYPE) & 0x7f) {
      case ConfigView.HEADER_NORMAL -> pcixDevice(c, where);
      case ConfigView.HEADER_BRIDGE -> pcixBridge(c, where);
      default -> { } // lspci prints nothing for other header types
    }
  }

  private static void pcixDevice(DecodeContext c, int where) {
    c.p("PCI-X non-bridge device\n");
    if (c.verbose < 2 || !c.fetch(where + PCIX_STATUS, 4)) {
      return;
    }
    int command = c.w(where + PCIX_COMMAND);
    long status = Out.u32(c.l(where + PCIX_STATUS));
    c.f("\t\tCommand: DPERE%c ERO%c RBC=%d OST=%d\n", flag(command, 0x1), flag(command, 0x2),
        1 << (9 + ((command & 0x000c) >> 2)), MAX_OUTSTANDING[(command & 0x0070) >> 4]);
    c.f("\t\tStatus: Dev=%02x:%02x.%d 64bit%c 133MHz%c SCD%c USC%c DC=%s DMMRBC=%d DMOST=%d "
            + "DMCRS=%d RSCEM%c 266MHz%c 533MHz%c\n",
        (status & 0xff00) >> 8, (status & 0xf8) >> 3, status & 0x7,
        flag(status, 0x00010000), flag(status, 0x00020000), flag(status, 0x00040000),
        flag(status, 0x00080000), (status & 0x00100000) != 0 ? "bridge" : "simple",
        1 << (9 + ((status & 0x00600000) >> 21)),
        MAX_OUTSTANDING[(int) ((status & 0x03800000) >> 23)],
        1 << (3 + ((status & 0x1c000000) >> 26)), flag(status, 0x20000000),
        flag(status, 0x40000000), flag(status, 0x80000000L));
  }

  private static void pcixBridge(DecodeContext c, int where) {
    String[] secClockFreq = {"conv", "66MHz", "100MHz", "133MHz", "?4", "?5", "?6", "?7"};
    c.p("PCI-X bridge device\n");
    if (c.verbose < 2 || !c.fetch(where + PCIX_BRIDGE_STATUS, 12)) {
      return;
    }
    int sec = c.w(where + PCIX_BRIDGE_SEC_STATUS);
    c.f("\t\tSecondary Status: 64bit%c 133MHz%c SCD%c USC%c SCO%c SRD%c Freq=%s\n",
        flag(sec, 0x1), flag(sec, 0x2), flag(sec, 0x4), flag(sec, 0x8), flag(sec, 0x10),
        flag(sec, 0x20), secClockFreq[(sec & 0x01c0) >> 6]);
    int status = c.l(where + PCIX_BRIDGE_STATUS);
    c.f("\t\tStatus: Dev=%02x:%02x.%d 64bit%c 133MHz%c SCD%c USC%c SCO%c SRD%c\n",
        (status & 0xff00) >> 8, (status & 0xf8) >> 3, status & 0x7,
        flag(status, 0x00010000), flag(status, 0x00020000), flag(status, 0x00040000),
        flag(status, 0x00080000), flag(status, 0x00100000), flag(status, 0x00200000));
    int up = c.l(where + PCIX_BRIDGE_UPSTREAM);
    c.f("\t\tUpstream: Capacity=%d CommitmentLimit=%d\n", up & 0xffff, (up >>> 16) & 0xffff);
    int down = c.l(where + PCIX_BRIDGE_DOWNSTREAM);
    c.f("\t\tDownstream: Capacity=%d CommitmentLimit=%d\n", down & 0xffff,
        (down >>> 16) & 0xffff);
  }
}
