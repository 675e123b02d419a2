package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.bits;

/**
 * Walks the PCI Express extended capability list from offset 0x100 and prints one
 * {@code Capabilities: [xxx vN] ...} entry per capability (ls-ecaps.c {@code show_ext_caps}).
 *
 * <pre>
 *   cap + 0: ID (16 bits) | version (4 bits) | next offset (12 bits)
 * </pre>
 *
 * <p>The device serial number, vendor-specific and designated-vendor-specific headers are
 * decoded here; the families have their own classes. IDs lspci 3.9.0 knows only by name print
 * as {@code Name <?>}.
 */
final class ExtendedCapabilityPrinter {
  static final int AER = 0x01;
  static final int VC = 0x02;
  static final int DSN = 0x03;
  static final int PB = 0x04;
  static final int RCLINK = 0x05;
  static final int RCILINK = 0x06;
  static final int RCEC = 0x07;
  static final int MFVC = 0x08;
  static final int VC2 = 0x09;
  static final int RCRB = 0x0a;
  static final int VNDR = 0x0b;
  static final int ACS = 0x0d;
  static final int ARI = 0x0e;
  static final int ATS = 0x0f;
  static final int SRIOV = 0x10;
  static final int MRIOV = 0x11;
  static final int MCAST = 0x12;
  static final int PRI = 0x13;
  static final int REBAR = 0x15;
  static final int DPA = 0x16;
  static final int TPH = 0x17;
  static final int LTR = 0x18;
  static final int SECPCI = 0x19;
  static final int PMUX = 0x1a;
  static final int PASID = 0x1b;
  static final int LNR = 0x1c;
  static final int DPC = 0x1d;
  static final int L1PM = 0x1e;
  static final int PTM = 0x1f;
  static final int M_PCIE = 0x20;
  static final int FRS = 0x21;
  static final int RTR = 0x22;
  static final int DVSEC = 0x23;
  static final int VF_REBAR = 0x24;
  static final int DLNK = 0x25;
  static final int PL_16GT = 0x26;
  static final int LMR = 0x27;
  static final int HIER_ID = 0x28;
  static final int NPEM = 0x29;
  static final int DOE = 0x2e;

  private static final int DVSEC_VENDOR_CXL = 0x1e98;

  private ExtendedCapabilityPrinter() {}

  /** Prints the extended list; {@code type} is the Express port type, or -1 without one. */
  static void show(DecodeContext c, int type) {
    Out out = c.out;
    boolean[] seen = new boolean[0x1000];
    int where = 0x100;
    do {
      if (!c.fetch(where, 4)) {
        break;
      }
      int header = c.l(where);
      if (header == 0 || header == 0xffffffff) {
        break;
      }
      int id = header & 0xffff;
      int version = (header >> 16) & 0xf;
      out.f("\tCapabilities: [%03x", where);
      if (c.verbose > 1) {
        out.f(" v%d", version);
      }
      out.p("] ");
      if (seen[where]) {
        out.p("<chain looped>\n");
        break;
      }
      seen[where] = true;
      switch (id) {
        case 0x00 -> out.p("Null\n");
        case AER -> ErrorReportingCaps.aer(c, where, type);
        case DPC -> ErrorReportingCaps.dpc(c, where);
        case VC, VC2 -> VirtualChannelCaps.vc(c, where);
        case DSN -> serialNumber(c, where);
        case PB -> out.p("Power Budgeting <?>\n");
        case RCLINK -> VirtualChannelCaps.rootComplexLink(c, where);
        case RCILINK -> out.p("Root Complex Internal Link <?>\n");
        case RCEC -> VirtualChannelCaps.eventCollector(c, where);
        case MFVC -> out.p("Multi-Function Virtual Channel <?>\n");
        case RCRB -> out.p("Root Complex Register Block <?>\n");
        case VNDR -> vendorSpecific(c, where);
        case ACS -> VirtualizationCaps.acs(c, where);
        case ARI -> VirtualizationCaps.ari(c, where);
        case ATS -> VirtualizationCaps.ats(c, where);
        case SRIOV -> VirtualizationCaps.sriov(c, where);
        case MRIOV -> out.p("Multi-Root I/O Virtualization <?>\n");
        case MCAST -> VirtualizationCaps.multicast(c, where, type);
        case PRI -> VirtualizationCaps.pri(c, where);
        case REBAR -> ResourceCaps.resizableBar(c, where, false);
        case DPA -> out.p("Dynamic Power Allocation <?>\n");
        case TPH -> ResourceCaps.tph(c, where);
        case LTR -> LinkCaps.ltr(c, where);
        case SECPCI -> LinkCaps.secondaryPcie(c, where);
        case PMUX -> out.p("Protocol Multiplexing <?>\n");
        case PASID -> VirtualizationCaps.pasid(c, where);
        case LNR -> out.p("LN Requester <?>\n");
        case L1PM -> LinkCaps.l1PmSubstates(c, where);
        case PTM -> LinkCaps.ptm(c, where);
        case M_PCIE -> out.p("PCI Express over M_PHY <?>\n");
        case FRS -> out.p("FRS Queueing <?>\n");
        case RTR -> out.p("Readiness Time Reporting <?>\n");
        case DVSEC -> designatedVendorSpecific(c, where);
        case VF_REBAR -> ResourceCaps.resizableBar(c, where, true);
        case DLNK -> out.p("Data Link Feature <?>\n");
        case PL_16GT -> out.p("Physical Layer 16.0 GT/s <?>\n");
        case LMR -> out.p("Lane Margining at the Receiver <?>\n");
        case HIER_ID -> out.p("Hierarchy ID <?>\n");
        case NPEM -> out.p("Native PCIe Enclosure Management <?>\n");
        case DOE -> ResourceCaps.doe(c, where);
        default -> out.f("Extended Capability ID %s\n", Out.altHex(id));
      }
      where = (header >>> 20) & ~3;
    } while (where != 0);
  }

  private static void serialNumber(DecodeContext c, int where) {
    if (!c.fetch(where + 4, 8)) {
      return;
    }
    int lo = c.l(where + 4);
    int hi = c.l(where + 8);
    c.f("Device Serial Number %02x-%02x-%02x-%02x-%02x-%02x-%02x-%02x\n",
        hi >>> 24, (hi >> 16) & 0xff, (hi >> 8) & 0xff, hi & 0xff,
        lo >>> 24, (lo >> 16) & 0xff, (lo >> 8) & 0xff, lo & 0xff);
  }

  private static void vendorSpecific(DecodeContext c, int where) {
    c.p("Vendor Specific Information: ");
    if (!c.fetch(where + 4, 4)) {
      c.p("<unreadable>\n");
      return;
    }
    int hdr = c.l(where + 4);
    c.f("ID=%04x Rev=%d Len=%03x <?>\n", bits(hdr, 0, 16), bits(hdr, 16, 4), bits(hdr, 20, 12));
  }

  private static void designatedVendorSpecific(DecodeContext c, int where) {
    c.p("Designated Vendor-Specific: ");
    if (!c.fetch(where + 4, 8)) {
      c.p("<unreadable>\n");
      return;
    }
    int hdr = c.l(where + 4);
    int vendor = bits(hdr, 0, 16);
    int rev = bits(hdr, 16, 4);
    int len = bits(hdr, 20, 12);
    int id = c.l(where + 8) & 0xffff;
    c.f("Vendor=%04x ID=%04x Rev=%d Len=%d", vendor, id, rev, len);
    if (vendor == DVSEC_VENDOR_CXL && len >= 16) {
      CxlDvsec.print(c, id, rev, where, len);
    } else {
      c.p(" <?>\n");
    }
  }
}
