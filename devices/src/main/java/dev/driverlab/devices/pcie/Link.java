package dev.driverlab.devices.pcie;

import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.LinkTiming;
import dev.driverlab.devices.pcie.tlp.Tlp;

/**
 * A point-to-point PCIe link between a downstream-facing port (root port or switch downstream port)
 * and its partner. Every TLP that crosses it is shown to the fabric's observers, and the link keeps
 * the simulated time its traffic occupies it ({@link LinkTiming}).
 */
public final class Link {
  private final Fabric fabric;
  private final String name;
  private LinkTiming timing;
  private final Bridge port;
  private final LinkPartner partner;
  private long busyPs;
  private boolean up = true;
  /**
   * {@link LinkTiming#tlpTimePs} by payload DWs (index 0..1025, ECRC included), for 3 and 4 DW headers,
   * filled as sizes occur: the exact value is a 64-bit division, and every TLP crossing the link needs
   * it. Cleared when training changes the timing. (0 marks "not yet": no TLP takes no time.)
   */
  private long[] timePs3Dw, timePs4Dw;

  Link(Fabric fabric, String name, LinkTiming timing, Bridge port, LinkPartner partner) {
    this.fabric = fabric;
    this.name = name;
    this.timing = timing;
    this.port = port;
    this.partner = partner;
  }

  public String name() {
    return name;
  }

  /** The trained link: the lower generation and width of the two ends. */
  public LinkTiming timing() {
    return timing;
  }

  /**
   * Link training (inferred, simplified): both ends settle on the highest generation and the widest
   * width they both support, read from their Link Capabilities; Link Status on both sides reports it.
   */
  void train() {
    int gen = maxLinkSpeed(port);
    int width = maxLinkWidth(port);
    for (PciFunction f : partner.functions()) {
      int cap = f.config().findCapability(dev.driverlab.devices.pcie.caps.Capabilities.ID_EXP);
      if (cap != 0) {
        gen = Math.min(gen, maxLinkSpeed(f));
        width = Math.min(width, maxLinkWidth(f));
        break;
      }
    }
    if (gen < 1 || width < 1) {
      return;
    }
    timing = new LinkTiming(gen, Integer.highestOneBit(width));
    timePs3Dw = timePs4Dw = null;
    answerKey = -1;
    setStatus(port, timing);
    for (PciFunction f : partner.functions()) {
      setStatus(f, timing);
    }
  }

  private static int lnkcap(PciFunction f) {
    int cap = f.config().findCapability(dev.driverlab.devices.pcie.caps.Capabilities.ID_EXP);
    return cap == 0 ? -1 : f.config().read32(cap + dev.driverlab.devices.pcie.caps.Capabilities.EXP_LNKCAP);
  }

  private static int maxLinkSpeed(PciFunction f) {
    int c = lnkcap(f);
    return c == -1 ? 5 : c & 0xf;
  }

  private static int maxLinkWidth(PciFunction f) {
    int c = lnkcap(f);
    return c == -1 ? 32 : (c >>> 4) & 0x3f;
  }

  private static void setStatus(PciFunction f, LinkTiming t) {
    int cap = f.config().findCapability(dev.driverlab.devices.pcie.caps.Capabilities.ID_EXP);
    if (cap == 0) {
      return;
    }
    int at = cap + dev.driverlab.devices.pcie.caps.Capabilities.EXP_LNKSTA;
    int sta = f.config().read16(at);
    f.config().init(at, 2, (sta & ~0x3ff) | t.generation() | t.width() << 4);
  }

  public Bridge port() {
    return port;
  }

  public LinkPartner partner() {
    return partner;
  }

  /** Total simulated time this link has carried traffic, in picoseconds. */
  public long busyPs() {
    return busyPs;
  }

  public boolean isUp() {
    return up;
  }

  /** Surprise removal: the partner is gone; requests to it fail as on a dead link. */
  public void setUp(boolean up) {
    this.up = up;
  }

  /**
   * {@code timing.tlpTimePs(tlp)}, remembered per size. A payload is whole DWs (Length × 4 bytes) and
   * an ECRC one more DW, so the size is an index into the table of the TLP's header size.
   */
  private long timePs(Tlp tlp) {
    long[] table = tlp.headerBytes() == 12 ? timePs3Dw : timePs4Dw;
    if (table != null) {
      long ps = table[(tlp.payloadLength() >>> 2) + (tlp.td() ? 1 : 0)];
      if (ps != 0) {
        return ps;
      }
    }
    return rememberTimePs(tlp);
  }

  private long rememberTimePs(Tlp tlp) {
    boolean threeDw = tlp.headerBytes() == 12;
    long[] table = threeDw ? timePs3Dw : timePs4Dw;
    if (table == null) {
      table = new long[1026];
      if (threeDw) {
        timePs3Dw = table;
      } else {
        timePs4Dw = table;
      }
    }
    return table[(tlp.payloadLength() >>> 2) + (tlp.td() ? 1 : 0)] = timing.tlpTimePs(tlp);
  }

  /**
   * What {@link #timePs} gives for a completion (3 DW header, no ECRC) carrying {@code payloadBytes}
   * (whole DWs, 4..4096): the same table, the same value. For the express roads (ExpressRoad).
   */
  long completionTimePs(int payloadBytes) {
    return requestTimePs(false, payloadBytes); // a completion's header is 3 DW, as a low request's
  }

  /**
   * What {@link #timePs} gives for a memory request (no ECRC) with a 4 DW header or not, carrying
   * {@code payloadBytes} (whole DWs, 0 for a read): the same table, the same value. For the express roads.
   */
  long requestTimePs(boolean fourDw, int payloadBytes) {
    long[] table = fourDw ? timePs4Dw : timePs3Dw;
    if (table != null) {
      long ps = table[payloadBytes >>> 2];
      if (ps != 0) {
        return ps;
      }
    }
    return rememberRequestTimePs(fourDw, payloadBytes); // apart: keeps this small enough to inline
  }

  private long rememberRequestTimePs(boolean fourDw, int payloadBytes) {
    long[] table = fourDw ? timePs4Dw : timePs3Dw;
    if (table == null) {
      table = new long[1026];
      if (fourDw) {
        timePs4Dw = table;
      } else {
        timePs3Dw = table;
      }
    }
    return table[payloadBytes >>> 2] = timing.tlpTimePs(fourDw ? 16 : 12, payloadBytes);
  }

  /**
   * The time on this link of the completions answering a read of {@code len} (&gt; 0) bytes at
   * {@code address}, split as the Root Complex splits them: the first up to MPS counted from the RCB
   * boundary below {@code address}; after it each starts on an RCB boundary (MPS is a multiple of the
   * RCB), so all but the last carry exactly MPS bytes (MPS / 4 DW), and the last the rest. The sum of
   * their per-TLP times, added up in O(1), not completion by completion (a 4 KiB read at MPS 256 is
   * 16 of them on every link: that loop cost as much as copying the data), and remembered for the
   * last shape asked (reads of one transfer share it; only the address's place in its RCB block
   * matters; cleared by training with the tables).
   */
  long answerTimePs(long address, int len, int mps) {
    int rcb = RootComplex.RCB;
    long key = (long) len << 32 | (long) mps << 8 | (address & (rcb - 1));
    if (key == answerKey) {
      return answerPs;
    }
    int first = (int) Math.min(len, mps - (address & (rcb - 1)));
    long ps = completionTimePs(4 * (((int) (address & 3) + first + 3) >>> 2)); // Length as Tlp's
    int rest = len - first;
    if (rest > 0) {
      ps += (long) (rest / mps) * completionTimePs(mps);
      int last = rest % mps;
      if (last > 0) {
        ps += completionTimePs(4 * ((last + 3) >>> 2));
      }
    }
    answerKey = key;
    answerPs = ps;
    return ps;
  }

  /** {@link #answerTimePs}'s last shape (len, mps, address within its RCB block; -1: none) and time. */
  private long answerKey = -1;
  private long answerPs;

  /** The fabric this link belongs to. */
  Fabric fabric() {
    return fabric;
  }

  /** Adds traffic this link carried without a TLP object crossing it (the express roads). */
  void addBusyPs(long ps) {
    busyPs += ps;
  }

  /*
   * down and up run at every hop of every TLP: the common case (nothing intercepts, the link is up)
   * is a short straight line; interception answers and a dead link are methods of their own.
   */

  Tlp down(Tlp tlp) {
    // One snapshot of the hooks for the request's crossing. Without interceptors nothing runs between
    // reading it and showing the TLP but this link's own arithmetic, so it is what separate reads
    // would have found; with interceptors (which may add observers) the long path reads afresh.
    Fabric.Hooks h = fabric.hooks();
    if (h.intercepted || !up) {
      return downIntercepted(tlp);
    }
    busyPs += timePs(tlp);
    Tlp sent = h.observers.length == 0 ? tlp : fabric.show(h, LinkDirection.DOWNSTREAM, name, tlp);
    Tlp cpl = partner.fromUpstream(sent);
    return cpl == null ? null : completionUp(cpl);
  }

  /** {@link #down} when an interceptor is registered or the link is down: each step as it comes. */
  private Tlp downIntercepted(Tlp tlp) {
    Tlp sent = fabric.intercept(LinkDirection.DOWNSTREAM, name, tlp);
    if (sent != tlp && (sent == null || answers(sent, tlp))) {
      // Dropped (a non-posted request now ends in a completion timeout), or the interceptor
      // answered the request itself.
      return sent;
    }
    if (!up) {
      return deadLinkAnswer(sent);
    }
    busyPs += timePs(sent);
    sent = fabric.trace(LinkDirection.DOWNSTREAM, name, sent);
    Tlp cpl = partner.fromUpstream(sent);
    return cpl == null ? null : completionUp(cpl);
  }

  /** The completion {@code down} returns, crossing back up this link. */
  private Tlp completionUp(Tlp cpl) {
    // Hooks read again: the partner's work may have changed them (see down).
    Fabric.Hooks h = fabric.hooks();
    if (h.intercepted) {
      return completionUpIntercepted(cpl);
    }
    busyPs += timePs(cpl);
    return h.observers.length == 0 ? cpl : fabric.show(h, LinkDirection.UPSTREAM, name, cpl);
  }

  private Tlp completionUpIntercepted(Tlp cpl) {
    cpl = fabric.intercept(LinkDirection.UPSTREAM, name, cpl);
    if (cpl != null) {
      busyPs += timePs(cpl);
      cpl = fabric.trace(LinkDirection.UPSTREAM, name, cpl);
    }
    return cpl;
  }

  /** Whether an interceptor put completion {@code sent} in place of request {@code tlp}. */
  private static boolean answers(Tlp sent, Tlp tlp) {
    return sent.type().completion() && !tlp.type().completion();
  }

  /** DL_Down: the port answers non-posted requests itself with UR and drops the rest (PCIe §2.9.1). */
  private Tlp deadLinkAnswer(Tlp sent) {
    if (sent.type().nonPosted()) {
      return Tlp.completion(sent, port.id(), CplStatus.UR); // made by the port: it crosses no link
    }
    return null;
  }

  /** A TLP from the partner going up; the port forwards it. {@code child} is the device number below. */
  CplStatus up(Tlp tlp) {
    if (!up) {
      return CplStatus.UR;
    }
    Fabric.Hooks h = fabric.hooks(); // one snapshot, as in down
    if (!h.intercepted) {
      busyPs += timePs(tlp);
      Tlp sent = h.observers.length == 0 ? tlp : fabric.show(h, LinkDirection.UPSTREAM, name, tlp);
      return port.fromSecondary(sent, 0);
    }
    return upIntercepted(tlp);
  }

  private CplStatus upIntercepted(Tlp tlp) {
    Tlp sent = fabric.intercept(LinkDirection.UPSTREAM, name, tlp);
    if (sent != tlp && (sent == null || answers(sent, tlp))) {
      return interceptedUp(sent);
    }
    busyPs += timePs(sent);
    sent = fabric.trace(LinkDirection.UPSTREAM, name, sent);
    return port.fromSecondary(sent, 0);
  }

  private CplStatus interceptedUp(Tlp sent) {
    if (sent == null) {
      return CplStatus.SC; // dropped on the wire: the requester learns nothing (reads time out)
    }
    partner.fromUpstream(sent); // answered in place of the request: back down to the requester
    return sent.status();
  }
}
