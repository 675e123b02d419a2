package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.flag;

/**
 * Capabilities for sharing a device between address spaces and functions: ACS (ext. ID 0d),
 * ARI (0e), ATS (0f), SR-IOV (10), Multicast (12), PRI (13) and PASID (1b)
 * (ls-ecaps.c {@code cap_acs} ... {@code cap_pasid}).
 *
 * <pre>
 *   ACS/ARI/ATS/PASID: +4 capability (16 bits) | +6 control (16 bits)
 *   PRI:    +4 control | +6 status | +8 capacity | +12 allocation
 *   SR-IOV: +4 cap | +8 ctl | +10 sta | +12 initial/total/num VFs, FDL | +20 offset | stride
 *           +26 VF device ID | +28 supported/+32 system page size | +36 VF BARs 0-5 | +60 MSAO
 *   Multicast: +4 cap | +6 ctl | +8 BAR | +16 receive | +24 block all | +32 block untranslated
 *           | +40 overlay BAR (64 bits each)
 * </pre>
 */
final class VirtualizationCaps {
  private VirtualizationCaps() {}

  static void acs(DecodeContext c, int where) {
    c.p("Access Control Services\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 4)) {
      return;
    }
    String fmt = "\t\t%s:\tSrcValid%c TransBlk%c ReqRedir%c CmpltRedir%c UpstreamFwd%c "
        + "EgressCtrl%c DirectTrans%c\n";
    int w = c.w(where + 4);
    c.f(fmt, "ACSCap", flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), flag(w, 0x10),
        flag(w, 0x20), flag(w, 0x40));
    w = c.w(where + 6);
    c.f(fmt, "ACSCtl", flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), flag(w, 0x10),
        flag(w, 0x20), flag(w, 0x40));
  }

  static void ari(DecodeContext c, int where) {
    c.p("Alternative Routing-ID Interpretation (ARI)\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 4)) {
      return;
    }
    int w = c.w(where + 4);
    c.f("\t\tARICap:\tMFVC%c ACS%c, Next Function: %d\n", flag(w, 0x1), flag(w, 0x2),
        (w >> 8) & 0xff);
    w = c.w(where + 6);
    c.f("\t\tARICtl:\tMFVC%c ACS%c, Function Group: %d\n", flag(w, 0x1), flag(w, 0x2),
        (w >> 4) & 7);
  }

  static void ats(DecodeContext c, int where) {
    c.p("Address Translation Service (ATS)\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 4)) {
      return;
    }
    c.f("\t\tATSCap:\tInvalidate Queue Depth: %02x\n", c.w(where + 4) & 0x1f);
    int w = c.w(where + 6);
    c.f("\t\tATSCtl:\tEnable%c, Smallest Translation Unit: %02x\n", flag(w, 0x8000), w & 0x1f);
  }

  static void pri(DecodeContext c, int where) {
    c.p("Page Request Interface (PRI)\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 0xc)) {
      return;
    }
    int w = c.w(where + 4);
    c.f("\t\tPRICtl: Enable%c Reset%c\n", flag(w, 0x1), flag(w, 0x2));
    w = c.w(where + 6);
    c.f("\t\tPRISta: RF%c UPRGI%c Stopped%c\n", flag(w, 0x1), flag(w, 0x2), flag(w, 0x100));
    c.f("\t\tPage Request Capacity: %08x, ", c.l(where + 8));
    c.f("Page Request Allocation: %08x\n", c.l(where + 12));
  }

  static void pasid(DecodeContext c, int where) {
    c.p("Process Address Space ID (PASID)\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 4)) {
      return;
    }
    int w = c.w(where + 4);
    c.f("\t\tPASIDCap: Exec%c Priv%c, Max PASID Width: %02x\n", flag(w, 0x2), flag(w, 0x4),
        (w >> 8) & 0x1f);
    w = c.w(where + 6);
    c.f("\t\tPASIDCtl: Enable%c Exec%c Priv%c\n", flag(w, 0x1), flag(w, 0x2), flag(w, 0x4));
  }

  static void sriov(DecodeContext c, int where) {
    c.p("Single Root I/O Virtualization (SR-IOV)\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 0x3c)) {
      return;
    }
    int l = c.l(where + 4);
    c.f("\t\tIOVCap:\tMigration%c 10BitTagReq%c Interrupt Message Number: %03x\n",
        flag(l, 0x1), flag(l, 0x4), l >>> 21);
    int w = c.w(where + 8);
    c.f("\t\tIOVCtl:\tEnable%c Migration%c Interrupt%c MSE%c ARIHierarchy%c 10BitTagReq%c\n",
        flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), flag(w, 0x10), flag(w, 0x20));
    c.f("\t\tIOVSta:\tMigration%c\n", flag(c.w(where + 10), 0x1));
    c.f("\t\tInitial VFs: %d, ", c.w(where + 12));
    c.f("Total VFs: %d, ", c.w(where + 14));
    c.f("Number of VFs: %d, ", c.w(where + 16));
    c.f("Function Dependency Link: %02x\n", c.b(where + 18));
    c.f("\t\tVF offset: %d, ", c.w(where + 20));
    c.f("stride: %d, ", c.w(where + 22));
    c.f("Device ID: %04x\n", c.w(where + 26));
    c.f("\t\tSupported Page Size: %08x, ", c.l(where + 28));
    c.f("System Page Size: %08x\n", c.l(where + 32));
    for (int i = 0; i < 6; i++) {
      long bar = Out.u32(c.l(where + 36 + 4 * i));
      if (bar == 0xffffffffL) {
        bar = 0;
      }
      if (bar == 0) {
        continue;
      }
      c.f("\t\tRegion %d: Memory at ", i);
      long addr = bar & ~0xfL;
      int type = (int) (bar & 6);
      if (type == 4) {
        i++;
        c.f("%08x", c.l(where + 36 + 4 * i));
      }
      c.f("%08x (%s-bit, %sprefetchable)\n", addr, type == 0 ? "32" : "64",
          (bar & 8) != 0 ? "" : "non-");
    }
    l = c.l(where + 60);
    c.f("\t\tVF Migration: offset: %08x, BIR: %x\n", l & 0xfffffff8, l & 7);
  }

  static void multicast(DecodeContext c, int where, int type) {
    c.p("Multicast\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 0x30)) {
      return;
    }
    boolean endpoint = type == ExpressCap.TYPE_ENDPOINT || type == ExpressCap.TYPE_ROOT_INT_EP;
    int w = c.w(where + 4);
    c.f("\t\tMcastCap: MaxGroups %d", (w & 0x3f) + 1);
    if (endpoint) {
      int window = (w >> 8) & 0x3f;
      c.f(", WindowSz %d (%d bytes)", window, 1 << window);
    }
    if (type == ExpressCap.TYPE_ROOT_PORT || type == ExpressCap.TYPE_UPSTREAM
        || type == ExpressCap.TYPE_DOWNSTREAM) {
      c.f(", ECRCRegen%c\n", flag(w, 0x8000));
    }
    w = c.w(where + 6);
    c.f("\t\tMcastCtl: NumGroups %d, Enable%c\n", (w & 0x3f) + 1, flag(w, 0x8000));
    long bar = quad(c, where + 8);
    c.f("\t\tMcastBAR: IndexPos %d, BaseAddr %016x\n", (int) (bar & 0x3f), bar & ~0xfffL);
    c.f("\t\tMcastReceiveVec:      %016x\n", quad(c, where + 16));
    c.f("\t\tMcastBlockAllVec:     %016x\n", quad(c, where + 24));
    c.f("\t\tMcastBlockUntransVec: %016x\n", quad(c, where + 32));
    if (endpoint) {
      return;
    }
    bar = quad(c, where + 40);
    int size = (int) (bar & 0x3f);
    c.f("\t\tMcastOverlayBAR: OverlaySize %d ", size);
    if (size >= 6) {
      c.f("(%d bytes)", 1 << size);
    } else {
      c.p("(disabled)");
    }
    c.f(", BaseAddr %016x\n", bar & ~0x3fL);
  }

  private static long quad(DecodeContext c, int pos) {
    return Out.u32(c.l(pos)) | Out.u32(c.l(pos + 4)) << 32;
  }
}
