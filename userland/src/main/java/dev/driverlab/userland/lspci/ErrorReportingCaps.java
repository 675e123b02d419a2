package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.flag;

/**
 * Advanced Error Reporting (ext. ID 01) and Downstream Port Containment (ext. ID 1d)
 * (ls-ecaps.c {@code cap_aer}, {@code cap_dpc}).
 *
 * <pre>
 *   AER: +4 uncorrectable status  +8 mask  +12 severity  +16 correctable status  +20 mask
 *        +24 capabilities/control  +28 header log (4 dwords)
 *        root ports and event collectors: +44 root command  +48 root status  +52/+54 sources
 *   DPC: +4 capability  +6 control  +8 status  +10 source ID
 * </pre>
 */
final class ErrorReportingCaps {
  private static final int UNCOR_STATUS = 4;
  private static final int UNCOR_MASK = 8;
  private static final int UNCOR_SEVER = 12;
  private static final int COR_STATUS = 16;
  private static final int COR_MASK = 20;
  private static final int CAP = 24;
  private static final int HEADER_LOG = 28;
  private static final int ROOT_COMMAND = 44;
  private static final int ROOT_STATUS = 48;
  private static final int ROOT_COR_SRC = 52;
  private static final int ROOT_SRC = 54;

  private ErrorReportingCaps() {}

  private static void uncorrectable(DecodeContext c, String label, int l) {
    c.f("\t\t%s:\tDLP%c SDES%c TLP%c FCP%c CmpltTO%c CmpltAbrt%c UnxCmplt%c RxOF%c MalfTLP%c "
            + "ECRC%c UnsupReq%c ACSViol%c\n", label,
        flag(l, 0x10), flag(l, 0x20), flag(l, 0x1000), flag(l, 0x2000), flag(l, 0x4000),
        flag(l, 0x8000), flag(l, 0x10000), flag(l, 0x20000), flag(l, 0x40000),
        flag(l, 0x80000), flag(l, 0x100000), flag(l, 0x200000));
  }

  private static void correctable(DecodeContext c, String label, int l) {
    c.f("\t\t%s:\tRxErr%c BadTLP%c BadDLLP%c Rollover%c Timeout%c AdvNonFatalErr%c\n", label,
        flag(l, 0x1), flag(l, 0x40), flag(l, 0x80), flag(l, 0x100), flag(l, 0x1000),
        flag(l, 0x2000));
  }

  static void aer(DecodeContext c, int where, int type) {
    c.p("Advanced Error Reporting\n");
    if (c.verbose < 2 || !c.fetch(where + UNCOR_STATUS, 40)) {
      return;
    }
    uncorrectable(c, "UESta", c.l(where + UNCOR_STATUS));
    uncorrectable(c, "UEMsk", c.l(where + UNCOR_MASK));
    uncorrectable(c, "UESvrt", c.l(where + UNCOR_SEVER));
    correctable(c, "CESta", c.l(where + COR_STATUS));
    correctable(c, "CEMsk", c.l(where + COR_MASK));
    int l = c.l(where + CAP);
    c.f("\t\tAERCap:\tFirst Error Pointer: %02x, ECRCGenCap%c ECRCGenEn%c ECRCChkCap%c "
            + "ECRCChkEn%c\n\t\t\tMultHdrRecCap%c MultHdrRecEn%c TLPPfxPres%c HdrLogCap%c\n",
        l & 31, flag(l, 0x20), flag(l, 0x40), flag(l, 0x80), flag(l, 0x100), flag(l, 0x200),
        flag(l, 0x400), flag(l, 0x800), flag(l, 0x1000));
    c.f("\t\tHeaderLog: %08x %08x %08x %08x\n", c.l(where + HEADER_LOG),
        c.l(where + HEADER_LOG + 4), c.l(where + HEADER_LOG + 8), c.l(where + HEADER_LOG + 12));

    if (type == ExpressCap.TYPE_ROOT_PORT || type == ExpressCap.TYPE_ROOT_EC) {
      if (!c.fetch(where + ROOT_COMMAND, 12)) {
        return;
      }
      l = c.l(where + ROOT_COMMAND);
      c.f("\t\tRootCmd: CERptEn%c NFERptEn%c FERptEn%c\n", flag(l, 0x1), flag(l, 0x2),
          flag(l, 0x4));
      l = c.l(where + ROOT_STATUS);
      c.f("\t\tRootSta: CERcvd%c MultCERcvd%c UERcvd%c MultUERcvd%c\n"
              + "\t\t\t FirstFatal%c NonFatalMsg%c FatalMsg%c IntMsg %d\n",
          flag(l, 0x1), flag(l, 0x2), flag(l, 0x4), flag(l, 0x8), flag(l, 0x10), flag(l, 0x20),
          flag(l, 0x40), (l >>> 27) & 0x1f);
      c.f("\t\tErrorSrc: ERR_COR: %04x ", c.w(where + ROOT_COR_SRC));
      c.f("ERR_FATAL/NONFATAL: %04x\n", c.w(where + ROOT_SRC));
    }
  }

  static void dpc(DecodeContext c, int where) {
    c.p("Downstream Port Containment\n");
    if (c.verbose < 2 || !c.fetch(where + 4, 8)) {
      return;
    }
    int l = c.w(where + 4);
    c.f("\t\tDpcCap:\tINT Msg #%d, RPExt%c PoisonedTLP%c SwTrigger%c RP PIO Log %d, "
            + "DL_ActiveErr%c\n",
        l & 0x1f, flag(l, 0x20), flag(l, 0x40), flag(l, 0x80), (l >> 8) & 0xf,
        flag(l, 0x1000));
    l = c.w(where + 6);
    c.f("\t\tDpcCtl:\tTrigger:%x Cmpl%c INT%c ErrCor%c PoisonedTLP%c SwTrigger%c "
            + "DL_ActiveErr%c\n",
        l & 0x3, flag(l, 0x4), flag(l, 0x8), flag(l, 0x10), flag(l, 0x20), flag(l, 0x40),
        flag(l, 0x80));
    l = c.w(where + 8);
    c.f("\t\tDpcSta:\tTrigger%c Reason:%02x INT%c RPBusy%c TriggerExt:%02x RP PIO ErrPtr:%02x\n",
        flag(l, 0x01), (l >> 1) & 0x3, flag(l, 0x08), flag(l, 0x10), (l >> 5) & 0x3,
        (l >> 8) & 0x1f);
    c.f("\t\tSource:\t%04x\n", c.w(where + 10));
  }
}
