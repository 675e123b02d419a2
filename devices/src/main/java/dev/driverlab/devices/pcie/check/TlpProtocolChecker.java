package dev.driverlab.devices.pcie.check;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Bridge;
import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.PciFunction;
import dev.driverlab.devices.pcie.RootComplex;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.ExpressDma;
import dev.driverlab.devices.pcie.tlp.ExpressObserver;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A protocol checker on every link, like the assertion checkers of PCIe verification IP: it watches
 * each TLP and reports the transaction-layer rules it breaks ({@link ProtocolRule}), so a broken device
 * model (or a broken Root Complex) fails as loudly as a broken driver. It only watches: a violation
 * is recorded and handed to the listeners; the TLP goes on as the model sent it.
 *
 * <pre>
 *  every TLP         Fmt/Type known, header size right ........................... MALFORMED
 *  MRd, MRdLk, MWr   (address &amp; 0xfff) + Length*4 &lt;= 4096 .......................... CROSSES_4K
 *                    1 DW: Last BE 0; more: both BEs non-zero, contiguous unless a
 *                    QW-aligned 2 DW request ...................................... BYTE_ENABLES
 *  MRd               Length*4 &lt;= requester's Max_Read_Request_Size (Device Control)  MAX_READ_REQUEST
 *  MWr, CplD         Length*4 &lt;= Max_Payload_Size of the requester and of the link's
 *                    port (Device Control bits 7:5) .................................. MAX_PAYLOAD
 *  non-posted        (requester, tag) not already outstanding on this link ......... TAG_IN_USE
 *                    completed within {@link #DEFAULT_COMPLETION_TIMEOUT_NS}, or by
 *                    the end of the run ({@link #finish}) ............................ COMPLETION_TIMEOUT
 *  Cpl, CplD         matches an outstanding (requester, tag) on this link ........... UNEXPECTED_COMPLETION
 *  memory read       Byte Count = bytes still owed ................................... COMPLETION_BYTE_COUNT
 *  completions       Lower Address = low 7 bits of the next byte's address ........... COMPLETION_LOWER_ADDRESS
 *                    a partial completion ends on the completer's RCB ................ COMPLETION_BOUNDARY
 *                    the last one's Length covers exactly the bytes left ............. COMPLETION_LENGTH
 * </pre>
 *
 * <p>State is kept per link: a request and its completions cross each link on their path, so every
 * link sees the whole exchange. The rules that only look at one header (MALFORMED, CROSSES_4K,
 * BYTE_ENABLES) cannot fail for a {@link Tlp} value, whose factories refuse such headers; they guard
 * the raw door, {@link #check(long, LinkDirection, String, int[])}, for headers from a trace or built
 * on purpose with {@code TlpFields.encode}.
 *
 * <p>Where the limits come from: Max_Payload_Size and Max_Read_Request_Size from the PCI Express
 * capability's Device Control (as the function's config space holds them, decoded by
 * {@link PciFunction#maxPayloadLimit()} whenever it changes; a function without the capability has no
 * such limit here), the Read Completion Boundary from the completer's Link Control bit 3 (64 or 128
 * bytes), or {@link RootComplex#RCB} for the Root Complex.
 *
 * <p>DMA the fabric moves without TLP objects (the express, {@link ExpressObserver}) is taken only when
 * none of its TLPs would break a rule; otherwise it crosses as TLPs and is checked, and reported, here
 * TLP by TLP.
 *
 * <p>Not synchronized: one simulated CPU drives a machine at a time (the scheduler's hand-over orders
 * memory between the Java threads that take turns), and every machine has its own checker.
 */
public final class TlpProtocolChecker implements ExpressObserver {
  /**
   * How long a non-posted request may wait for its completion: 50 ms, the top of the default range of
   * the Completion Timeout mechanism (PCIe Base Spec §2.8, Device Control 2 value 0000b: 50 µs to
   * 50 ms).
   */
  public static final long DEFAULT_COMPLETION_TIMEOUT_NS = 50_000_000L;

  /**
   * A request still waiting for (the rest of) its completion on one link. One object per (link,
   * requester, tag) ever used, reused by the next request with that tag: checking a request allocates
   * nothing (the Root Complex cycles through 256 tags, a DMA engine through its own).
   *
   * <p>Only primitives change per request, apart from {@link #source}: these objects live long, and
   * with G1 every reference stored into an old object costs a card-marking barrier with a fence.
   */
  private static final class Outstanding {
    /** The request (a {@link Tlp}, or the facts of a raw header), for the rules' details and reports. */
    Object source;
    long sentNs;
    boolean upstream;
    boolean memoryRead;
    /** Bytes still owed (memory reads). */
    int remaining;
    /** Address of the next byte owed (memory reads). */
    long next;
    /** Whether it is waiting for a completion. */
    boolean waiting;
    /** When it started waiting, in the checker's request order: reports list a link's requests by it. */
    long order;

    TlpFacts request() {
      return TlpFacts.of(source);
    }

    LinkDirection dir() {
      return upstream ? LinkDirection.UPSTREAM : LinkDirection.DOWNSTREAM;
    }

    /** The request as text, built only for reports. */
    String text() {
      return request().text();
    }

    /**
     * Makes this the record of request {@code source}, sent at {@code sentNs}: for a memory read,
     * {@code bytes} (at least 1) are owed from address {@code first}; any other request is owed one
     * completion (4 bytes, never compared).
     */
    void start(Object source, long sentNs, LinkDirection dir, boolean memoryRead, int bytes, long first) {
      this.source = source;
      this.sentNs = sentNs;
      this.upstream = dir == LinkDirection.UPSTREAM;
      this.memoryRead = memoryRead;
      this.remaining = bytes;
      this.next = first;
    }
  }

  /**
   * One requester ID as one link sees it: its requests, indexed by tag, and the function behind it.
   * Found by the identity of the {@link PcieId} a TLP carries (a function's own {@code id()}
   * instance, the same on every TLP until its bus number is captured again), so finding it costs no
   * compare by value.
   */
  private static final class Requester {
    final int id;
    final Outstanding[] byTag = new Outstanding[1024]; // 10-bit tags
    /** The PcieId instance TLPs of this requester carried last (equal to {@link #id}). */
    PcieId key;
    /** The function behind this requester, as the topology last answered (see {@link #function(Requester)}). */
    final KnownFunction function = new KnownFunction();

    Requester(int id, PcieId key) {
      this.id = id;
      this.key = key;
    }
  }

  /** The checker's state for one link: its requests, by requester (a link sees few) and tag. */
  private static final class LinkState {
    final String name;
    /** The link itself, as the topology gave it at {@link #linkVersion} (see {@link #link(LinkState)}). */
    Link link;
    long linkVersion = -1;
    /** The function last found for a completer ID (partial completions: their RCB). */
    final KnownFunction completer = new KnownFunction();
    private Requester[] requesters = new Requester[2];
    private int count;

    LinkState(String name) {
      this.name = name;
    }

    /** The requester {@code id} (made for the first TLP that needed it); null if none and not {@code create}. */
    Requester requester(PcieId id, boolean create) {
      Requester[] rs = requesters;
      for (int i = 0, n = count; i < n; i++) {
        Requester r = rs[i];
        if (r.key == id) {
          return r;
        }
      }
      return find(id, create);
    }

    private Requester find(PcieId id, boolean create) {
      int rid = id.requesterId();
      for (int i = 0; i < count; i++) {
        Requester r = requesters[i];
        if (r.id == rid) {
          r.key = id; // another instance of the same ID (a captured bus number): found by it from now on
          return r;
        }
      }
      if (!create) {
        return null;
      }
      if (count == requesters.length) {
        requesters = Arrays.copyOf(requesters, count * 2);
      }
      Requester r = new Requester(rid, id);
      requesters[count++] = r;
      return r;
    }

    /** The record for {@code tag} of {@code r}, made when there has never been one. */
    static Outstanding slot(Requester r, int tag) {
      Outstanding o = r.byTag[tag];
      if (o == null) {
        o = r.byTag[tag] = new Outstanding();
      }
      return o;
    }

    /** The requests waiting on this link, in the order they started waiting (for reports and the timeout scan). */
    List<Outstanding> waiting() {
      List<Outstanding> out = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        for (Outstanding o : requesters[i].byTag) {
          if (o != null && o.waiting) {
            out.add(o);
          }
        }
      }
      out.sort(Comparator.comparingLong(o -> o.order));
      return out;
    }
  }

  private final FabricTopology topology;
  private final long completionTimeoutNs;
  /** Every link seen, in the order first seen: reports that walk all links list them in that order. */
  private final Map<String, LinkState> links = new LinkedHashMap<>();
  /**
   * The states of recently seen links, direct-mapped by the name's (cached) hash and keyed by the
   * identity of the name String: the fabric passes each link's own (final) name instance with every
   * TLP, so one reference compare finds the state. A miss (a new link, a collision, or an equal name in
   * another String) falls back to {@link #links}.
   */
  private final String[] recentNames = new String[32];
  private final LinkState[] recentStates = new LinkState[32];
  /** The states of the two links seen last (see {@link #state}); {@link #replaceState1} says which a miss replaces. */
  private LinkState state0, state1;
  private boolean replaceState1;
  /** Requests waiting on all links. */
  private int waiting;
  /** Counts requests as they start waiting (their {@link Outstanding#order}). */
  private long requestOrder;
  private final List<ProtocolViolation> violations = new ArrayList<>();
  private final List<Consumer<ProtocolViolation>> listeners = new CopyOnWriteArrayList<>();
  private long lastNs;
  /** No outstanding request can time out before this time: expire() skips its scan until then. */
  private long nextExpiryNs = Long.MAX_VALUE;
  /** The function last found for the completer of an express read (see {@link #admits}). */
  private final KnownFunction expressCompleter = new KnownFunction();

  /** A checker that reads limits through {@code topology}, with the default completion timeout. */
  public TlpProtocolChecker(FabricTopology topology) {
    this(topology, DEFAULT_COMPLETION_TIMEOUT_NS);
  }

  public TlpProtocolChecker(FabricTopology topology, long completionTimeoutNs) {
    this.topology = Objects.requireNonNull(topology, "topology");
    if (completionTimeoutNs <= 0) {
      throw new IllegalArgumentException("completion timeout must be positive: " + completionTimeoutNs);
    }
    this.completionTimeoutNs = completionTimeoutNs;
  }

  /** Creates a checker for {@code machine} and adds it as an observer of every link. */
  public static TlpProtocolChecker install(Machine machine) {
    TlpProtocolChecker c = new TlpProtocolChecker(FabricTopology.of(machine));
    machine.fabric().addObserver(c);
    return c;
  }

  /** Calls {@code l} with every violation from now on (on the simulation thread, as it is found). */
  public void addListener(Consumer<ProtocolViolation> l) {
    listeners.add(Objects.requireNonNull(l, "listener"));
  }

  /** Every violation found so far, oldest first. */
  public List<ProtocolViolation> violations() {
    return List.copyOf(violations);
  }

  /** Forgets the violations found so far (a test that expected them); outstanding requests stay. */
  public void clearViolations() {
    violations.clear();
  }

  /** Requests still waiting for their completions, one analyzer line each ("link: TLP"). */
  public List<String> outstanding() {
    List<String> out = new ArrayList<>();
    for (LinkState s : links.values()) {
      for (Outstanding o : s.waiting()) {
        out.add(s.name + ": " + o.text());
      }
    }
    return out;
  }

  // ---- the two doors ---------------------------------------------------------------------------
  //
  // Both doors read the fields the rules need and hand them to the same rule methods as plain values,
  // with the TLP (or the raw header's facts) as an opaque "source" that only reports look into
  // (TlpFacts.of(source)): checking a Tlp allocates nothing.

  /**
   * False: the checker keeps only non-posted requests (in {@link Outstanding#source}, for later
   * reports), and those never read their payload from a sender's buffer (only MWr and CplD can, see
   * {@link Tlp#ownsPayload}); a report on any other TLP is written while the TLP is in hand. So DMA
   * TLPs cross a checked fabric without a payload copy.
   */
  @Override
  public boolean keepsTlps() {
    return false;
  }

  @Override
  public void onTlp(long timeNs, LinkDirection dir, String linkName, Tlp tlp) {
    expire(timeNs);
    LinkState s = state(linkName);
    TlpType t = tlp.type();
    // The header rules (MALFORMED, CROSSES_4K, BYTE_ENABLES) are not run: a Tlp's one constructor
    // (Tlp.validate) and its fast factories refuse such headers (see the class comment).
    if (t.completion()) {
      completion(timeNs, dir, s, tlp, t, tlp.requester(), tlp.tag(), tlp.status(), tlp.byteCount(),
          tlp.lowerAddress(), tlp.lengthDw(), tlp.completer());
    } else if (t == TlpType.MRD || t == TlpType.MRDLK) {
      memoryRead(timeNs, dir, s, tlp, s.requester(tlp.requester(), true), tlp.tag(), tlp.lengthDw(),
          tlp.requestByteLength(), tlp.requestFirstByteAddress());
    } else if (t == TlpType.MWR) {
      checkPayload(timeNs, dir, s, tlp, s.requester(tlp.requester(), true), tlp.lengthDw());
    } else if (t.nonPosted()) {
      request(timeNs, dir, s, tlp, s.requester(tlp.requester(), true), tlp.tag(), false, 4, 0);
    }
  }

  /*
   * The express (ExpressObserver): a device's memory write, its memory read with the whole answer, or
   * a CPU's MMIO access of an endpoint (a read with its completion, or a write), moved without TLP
   * objects. The checker takes it only when the TLPs would break no rule here, so
   * every report keeps the text of the TLP that broke the rule (the transfer then takes the TLP road).
   * Their headers are right by construction (the Endpoint and the Root Complex build them: Byte Count,
   * Lower Address, Length, the 4 KiB and RCB splits), which leaves the limits a misconfiguration can
   * break (MRRS, MPS of the requester and of each link's port, an RCB the checker expects otherwise),
   * a tag still waiting on some link, and a completion timeout due now. A read asks for its answer and
   * gets all of it within the transfer, so afterwards nothing of it is outstanding on any link.
   */

  @Override
  public boolean admits(ExpressDma dma) {
    long timeNs = dma.timeNs();
    // A burst's requests go out one after another until lastRequestNs (a single transfer's at timeNs):
    // the TLP road would look for late completions at each of those times the clock has moved to.
    long lastRequestNs = dma.lastRequestNs();
    boolean timeMoved = lastRequestNs != timeNs || timeNs != lastNs;
    if (timeMoved && waiting != 0 && lastRequestNs > nextExpiryNs) {
      return false; // a completion timeout is due: the TLP road reports it where it would
    }
    // The limits as the functions on the road decode them (the objects the topology names): the
    // requester's, and the smallest of the ports above the links crossed, against the MWr or the
    // largest CplD of the answer (see checkPayload); the MRd against the requester's MRRS (memoryRead).
    int requestBytes = dma.largestRequestBytes(); // (of a whole transfer's requests, the largest)
    int payload = dma.write() ? requestBytes : dma.largestAnswerPayload();
    if (payload > SMALLEST_LIMIT && (exceeds(payload, dma.requesterMps()) || exceeds(payload, dma.roadMps()))) {
      return false;
    }
    if (dma.write()) {
      return true;
    }
    if (requestBytes > SMALLEST_LIMIT && exceeds(requestBytes, dma.requesterMrrs())) {
      return false;
    }
    if (dma.answerCompletions() > 1 && completionBoundary(expressCompleter, dma.completer()) != dma.answerRcb()) {
      return false; // partial completions might not end where this completer's RCB says
    }
    if (waiting != 0) { // with nothing waiting anywhere, no tag can be in use on any link
      if (dma.requests() > 1) {
        return false; // a whole transfer's many tags: request by request
      }
      PcieId id = dma.requester();
      for (int i = 0, n = dma.linkCount(); i < n; i++) {
        Requester r = state(dma.upLink(i)).requester(id, false);
        Outstanding o = r == null ? null : r.byTag[dma.tag()];
        if (o != null && o.waiting) {
          return false; // TAG_IN_USE
        }
      }
    }
    return true;
  }

  private static boolean exceeds(int bytes, int limit) {
    return limit > 0 && bytes > limit;
  }

  @Override
  public void onExpress(ExpressDma dma) {
    // What the TLPs would have left: no report (admits said so), the time seen, each link's state made
    // in the order the request met them, and, for a read, one request order number per link (started
    // and completed at once: nothing waits).
    lastNs = dma.lastRequestNs(); // (the time of the last request, as a burst's requests went out in turn)
    for (int i = 0, n = dma.linkCount(); i < n; i++) {
      state(dma.upLink(dma.fromCpu() ? n - 1 - i : i)); // a CPU's request crosses the root port's link first
    }
    if (!dma.write()) {
      requestOrder += (long) dma.linkCount() * dma.requests();
    }
  }

  /**
   * Checks a raw header (3 or 4 DWs, as {@link Tlp#headerDwords()} lays them out) that crossed
   * {@code linkName}: the door for headers a {@link Tlp} could not even hold. The payload is not
   * needed: the rules read Length.
   */
  public void check(long timeNs, LinkDirection dir, String linkName, int[] headerDwords) {
    TlpFacts f;
    try {
      f = TlpFacts.of(headerDwords);
    } catch (IllegalArgumentException e) {
      String text = headerDwords == null ? "no header" : hex(headerDwords);
      violation(ProtocolRule.MALFORMED, timeNs, linkName, dir, null, e.getMessage(), text);
      return;
    }
    expire(timeNs);
    LinkState s = state(linkName);
    TlpType t = f.type();
    if (t.isMemory()) {
      checkRequestHeader(timeNs, dir, linkName, f);
    }
    if (t.completion()) {
      completion(timeNs, dir, s, f, t, f.requester(), f.tag(), f.status(), f.byteCount(), f.lowerAddress(),
          f.lengthDw(), f.completer());
    } else if (t == TlpType.MRD || t == TlpType.MRDLK) {
      memoryRead(timeNs, dir, s, f, s.requester(f.requester(), true), f.tag(), f.lengthDw(), f.requestBytes(),
          f.firstByteAddress());
    } else if (t == TlpType.MWR) {
      checkPayload(timeNs, dir, s, f, s.requester(f.requester(), true), f.lengthDw());
    } else if (t.nonPosted()) {
      request(timeNs, dir, s, f, s.requester(f.requester(), true), f.tag(), false, 4, 0);
    }
  }

  /**
   * The end of a run: every request still outstanding never got its completion. Reports each as
   * COMPLETION_TIMEOUT, forgets them, and returns every violation found.
   */
  public List<ProtocolViolation> finish(long nowNs) {
    List<Outstanding> left = new ArrayList<>();
    List<String> linksOf = new ArrayList<>();
    for (LinkState s : links.values()) {
      for (Outstanding o : s.waiting()) {
        o.waiting = false;
        left.add(o);
        linksOf.add(s.name);
      }
    }
    waiting = 0;
    nextExpiryNs = Long.MAX_VALUE;
    for (int i = 0; i < left.size(); i++) {
      Outstanding o = left.get(i);
      TlpFacts r = o.request();
      violation(ProtocolRule.COMPLETION_TIMEOUT, nowNs, linksOf.get(i), o.dir(), culpritOf(o),
          String.format("%s tag %d from %s%s was never completed (sent at %d ns, run ended at %d ns)",
              r.type().mnemonic(), r.tag(), r.requester(), to(o), o.sentNs, nowNs), o.text());
    }
    return violations();
  }

  // ---- rules -----------------------------------------------------------------------------------
  //
  // The rules below run for every TLP on every link; each builds its report in a method of its own
  // (from the source, TlpFacts.of(source)), so the per-TLP code stays small (and cheap for the JIT to
  // inline).

  /**
   * The smallest Max_Payload_Size and Max_Read_Request_Size there is (128 bytes, encoding 000b; every
   * encoding is 128 &lt;&lt; n): a TLP of at most this many bytes cannot break either limit, so the
   * limits are not even looked up for it (an MMIO read's MRd and CplD, most MWr of a driver).
   */
  private static final int SMALLEST_LIMIT = 128;

  /** MRd, MRdLk: at most the requester's Max_Read_Request_Size; then owed {@code bytes} from {@code first}. */
  private void memoryRead(long timeNs, LinkDirection dir, LinkState s, Object source, Requester requester, int tag,
      int lengthDw, int bytes, long first) {
    if (lengthDw * 4 > SMALLEST_LIMIT) {
      PciFunction fn = function(requester);
      int mrrs = fn == null ? 0 : fn.maxReadRequestLimit();
      if (mrrs > 0 && lengthDw * 4 > mrrs) {
        readRequestTooLarge(timeNs, dir, s.name, TlpFacts.of(source), mrrs);
      }
    }
    request(timeNs, dir, s, source, requester, tag, true, Math.max(1, bytes), first);
  }

  private void readRequestTooLarge(long timeNs, LinkDirection dir, String link, TlpFacts f, int mrrs) {
    violation(ProtocolRule.MAX_READ_REQUEST, timeNs, link, dir, f.requester(), String.format(
        "%s of %d bytes exceeds the requester's Max_Read_Request_Size of %d bytes", f.type().mnemonic(),
        f.lengthDw() * 4, mrrs), f.text());
  }

  /** §2.2.7 (4 KiB) and §2.2.5 (byte enables). */
  private void checkRequestHeader(long timeNs, LinkDirection dir, String link, TlpFacts f) {
    if ((f.address() & 0xfff) + f.lengthDw() * 4L > 0x1000) {
      violation(ProtocolRule.CROSSES_4K, timeNs, link, dir, f.requester(), String.format(
          "%s of %d DW at %#x crosses a 4 KiB boundary (ends at %#x)", f.type().mnemonic(), f.lengthDw(), f.address(),
          f.address() + f.lengthDw() * 4L - 1), f.text());
    }
    String be = byteEnableProblem(f);
    if (be != null) {
      violation(ProtocolRule.BYTE_ENABLES, timeNs, link, dir, f.requester(), be, f.text());
    }
  }

  private static String byteEnableProblem(TlpFacts f) {
    if (f.lengthDw() == 1) {
      return f.lastBe() == 0 ? null : String.format("Last DW BE must be 0 for a 1 DW request, is %#x", f.lastBe());
    }
    if (f.firstBe() == 0 || f.lastBe() == 0) {
      return String.format("a %d DW request needs non-zero First and Last DW BE, has %#x/%#x", f.lengthDw(),
          f.firstBe(), f.lastBe());
    }
    boolean qwAligned2Dw = f.lengthDw() == 2 && (f.address() & 4) == 0;
    boolean firstOk = f.firstBe() == 0xf || f.firstBe() == 0xe || f.firstBe() == 0xc || f.firstBe() == 0x8;
    boolean lastOk = f.lastBe() == 0xf || f.lastBe() == 0x7 || f.lastBe() == 0x3 || f.lastBe() == 0x1;
    if (!qwAligned2Dw && (!firstOk || !lastOk)) {
      return String.format("non-contiguous byte enables in a %d DW request: First %#x, Last %#x", f.lengthDw(),
          f.firstBe(), f.lastBe());
    }
    return null;
  }

  /**
   * §2.2.2: a payload of {@code lengthDw} no larger than the Max_Payload_Size of the function
   * {@code requester} (the requester of an MWr, or the one a CplD returns to) and of the link's port.
   */
  private void checkPayload(long timeNs, LinkDirection dir, LinkState s, Object source, Requester requester,
      int lengthDw) {
    int bytes = lengthDw * 4;
    if (bytes <= SMALLEST_LIMIT) {
      return;
    }
    PciFunction fn = function(requester);
    int fnMps = fn == null ? 0 : fn.maxPayloadLimit();
    if (fnMps > 0 && bytes > fnMps) {
      payloadTooLarge(timeNs, dir, s.name, source, bytes, fnMps, null);
      return;
    }
    Link l = link(s);
    Bridge port = l != null ? l.port() : topology.portOf(s.name);
    // A port always has the PCI Express capability (0 would mean no limit known).
    int portMps = port == null ? 0 : port.maxPayloadLimit();
    if (portMps > 0 && bytes > portMps) {
      payloadTooLarge(timeNs, dir, s.name, source, bytes, portMps, port);
    }
  }

  /** A MAX_PAYLOAD report: against the requester's limit ({@code port} null), or the port's above the link. */
  private void payloadTooLarge(long timeNs, LinkDirection dir, String link, Object source, int bytes, int mps,
      Bridge port) {
    TlpFacts f = TlpFacts.of(source);
    String message = port == null
        ? String.format("%s payload of %d bytes exceeds the requester's Max_Payload_Size of %d bytes",
            f.type().mnemonic(), bytes, mps)
        : String.format("%s payload of %d bytes exceeds Max_Payload_Size %d of the port above link %s (%s)",
            f.type().mnemonic(), bytes, mps, link, port.name());
    violation(ProtocolRule.MAX_PAYLOAD, timeNs, link, dir, sender(f), message, f.text());
  }

  private static PcieId sender(TlpFacts f) {
    return f.completer() != null ? f.completer() : f.requester();
  }

  /** A non-posted request starts waiting for its completion (see {@link Outstanding#start}). */
  private void request(long timeNs, LinkDirection dir, LinkState s, Object source, Requester requester, int tag,
      boolean memoryRead, int bytes, long first) {
    if (dir == LinkDirection.DOWNSTREAM && !linkUp(s)) {
      return; // the model drops requests on a dead link: nobody could ever complete them
    }
    Outstanding o = LinkState.slot(requester, tag);
    if (!o.waiting) {
      o.start(source, timeNs, dir, memoryRead, bytes, first);
      o.waiting = true;
      o.order = ++requestOrder;
      waiting++;
      nextExpiryNs = Math.min(nextExpiryNs, timeNs + completionTimeoutNs);
      return;
    }
    Object prevRequest = o.source;
    long prevSentNs = o.sentNs;
    o.start(source, timeNs, dir, memoryRead, bytes, first); // a reused tag keeps its place in the order
    nextExpiryNs = Math.min(nextExpiryNs, timeNs + completionTimeoutNs);
    tagInUse(timeNs, dir, s.name, TlpFacts.of(source), prevRequest, prevSentNs);
  }

  private void tagInUse(long timeNs, LinkDirection dir, String link, TlpFacts f, Object prevRequest,
      long prevSentNs) {
    violation(ProtocolRule.TAG_IN_USE, timeNs, link, dir, f.requester(), String.format(
        "%s reuses tag %d while its %s sent at %d ns is still waiting for a completion", f.requester(), f.tag(),
        TlpFacts.of(prevRequest).type().mnemonic(), prevSentNs), f.text());
  }

  /**
   * Who owes the completion of {@code f}: the function a config request addresses; for a memory
   * request, the function whose BAR holds the address; otherwise (a device's read of host memory)
   * unknown here.
   */
  private PcieId expectedCompleter(TlpFacts f) {
    if (f.target() != null) {
      return f.target();
    }
    if (f.type().isMemory()) {
      PciFunction fn = topology.claimant(f.address());
      return fn == null ? null : fn.id();
    }
    return null;
  }

  /**
   * A completion of type {@code t} for (requester, tag), of {@code lengthDw}, reporting
   * {@code byteCount} bytes left and {@code lowerAddress}; {@code source} is the completion.
   */
  private void completion(long timeNs, LinkDirection dir, LinkState s, Object source, TlpType t, PcieId requester,
      int tag, CplStatus status, int byteCount, int lowerAddress, int lengthDw, PcieId completer) {
    // The violations are built in methods of their own: this runs for every completion on every link.
    Requester r = s.requester(requester, false);
    Outstanding o = r == null ? null : r.byTag[tag];
    if (o == null || !o.waiting) {
      unexpectedCompletion(timeNs, dir, s.name, TlpFacts.of(source));
      return;
    }
    if (t.hasData()) {
      checkPayload(timeNs, dir, s, source, r, lengthDw);
    }
    if (!o.memoryRead || status != CplStatus.SC || !t.hasData()) {
      if (o.memoryRead && byteCount != o.remaining) {
        byteCountWrong(timeNs, dir, s.name, TlpFacts.of(source), o, false);
      }
      done(s, o);
      return;
    }
    if (byteCount != o.remaining) {
      byteCountWrong(timeNs, dir, s.name, TlpFacts.of(source), o, true);
    }
    int wantLa = (int) (o.next & 0x7f);
    if (lowerAddress != wantLa) {
      lowerAddressWrong(timeNs, dir, s.name, TlpFacts.of(source), o, wantLa);
    }
    int lead = (int) (o.next & 3);
    int carried = lengthDw * 4 - lead;
    if (carried >= o.remaining) {
      int wantDw = (lead + o.remaining + 3) >>> 2;
      if (lengthDw != wantDw) {
        lengthWrong(timeNs, dir, s.name, TlpFacts.of(source), o, wantDw);
      }
      done(s, o);
      return;
    }
    long end = o.next + carried;
    int rcb = readCompletionBoundary(s, completer);
    if ((end & (rcb - 1)) != 0) {
      boundaryWrong(timeNs, dir, s.name, TlpFacts.of(source), rcb, end);
    }
    o.remaining -= carried;
    o.next = end;
  }

  private void unexpectedCompletion(long timeNs, LinkDirection dir, String link, TlpFacts c) {
    violation(ProtocolRule.UNEXPECTED_COMPLETION, timeNs, link, dir, c.completer(), String.format(
        "%s for %s tag %d, which has no request outstanding on this link", c.type().mnemonic(), c.requester(),
        c.tag()), c.text());
  }

  private void byteCountWrong(long timeNs, LinkDirection dir, String link, TlpFacts c, Outstanding o,
      boolean dataOfRead) {
    String message = dataOfRead
        ? String.format("CplD has Byte Count %d, but %d bytes of the %d-byte read remained", c.byteCount(),
            o.remaining, Math.max(1, o.request().requestBytes()))
        : String.format("%s %s has Byte Count %d, but %d bytes remained", c.type().mnemonic(), c.status(),
            c.byteCount(), o.remaining);
    violation(ProtocolRule.COMPLETION_BYTE_COUNT, timeNs, link, dir, c.completer(), message, c.text());
  }

  private void lowerAddressWrong(long timeNs, LinkDirection dir, String link, TlpFacts c, Outstanding o,
      int wantLa) {
    violation(ProtocolRule.COMPLETION_LOWER_ADDRESS, timeNs, link, dir, c.completer(), String.format(
        "CplD has Lower Address %#04x, but its first byte is at %#x (Lower Address %#04x)", c.lowerAddress(),
        o.next, wantLa), c.text());
  }

  private void lengthWrong(long timeNs, LinkDirection dir, String link, TlpFacts c, Outstanding o, int wantDw) {
    violation(ProtocolRule.COMPLETION_LENGTH, timeNs, link, dir, c.completer(), String.format(
        "the last CplD must carry the %d remaining bytes in %d DW, has Length %d DW", o.remaining, wantDw,
        c.lengthDw()), c.text());
  }

  private void boundaryWrong(long timeNs, LinkDirection dir, String link, TlpFacts c, int rcb, long end) {
    violation(ProtocolRule.COMPLETION_BOUNDARY, timeNs, link, dir, c.completer(), String.format(
        "a partial CplD must end on the completer's %d-byte Read Completion Boundary, this one ends at %#x",
        rcb, end), c.text());
  }

  private void done(LinkState s, Outstanding o) {
    o.waiting = false;
    if (--waiting == 0) {
      nextExpiryNs = Long.MAX_VALUE; // nothing left that could time out
    }
  }

  /**
   * The link a state is for, as the topology knows it (null if it does not): asked again only when
   * the topology's {@link FabricTopology#version() version} moves, since it gives the same answer until then.
   */
  private Link link(LinkState s) {
    long v = topology.version();
    if (s.linkVersion != v || v == FabricTopology.UNTRACKED) {
      s.link = topology.link(s.name);
      s.linkVersion = topology.version(); // after the lookup, which may itself rescan
    }
    return s.link;
  }

  /** A {@code topology.function(id)} answer remembered (see {@link #function(KnownFunction, PcieId)}). */
  private static final class KnownFunction {
    PciFunction function;
    PcieId id;
    long version;
  }

  /**
   * {@code topology.function(id)}, remembered in {@code k}: the answer is kept while the topology's
   * version stays and the function still has that very ID instance, so the topology would give the
   * same answer.
   */
  private PciFunction function(KnownFunction k, PcieId id) {
    PciFunction f = k.function;
    long v = topology.version();
    if (f != null && k.id == id && f.id() == id && k.version == v && v != FabricTopology.UNTRACKED) {
      return f;
    }
    f = topology.function(id);
    if (f != null && f.id() == id) {
      k.function = f;
      k.id = id;
      k.version = topology.version(); // after the lookup, which may itself rescan
    }
    return f;
  }

  /** The function behind requester {@code r} of a TLP, remembered with the link's record of it. */
  private PciFunction function(Requester r) {
    return function(r.function, r.key);
  }

  private boolean linkUp(LinkState s) {
    Link l = link(s);
    return l != null ? l.isUp() : topology.linkUp(s.name);
  }

  /**
   * The state of the link named {@code link}. The two links seen last are compared first, by the
   * identity of the name (the fabric passes each link's own final name instance, so no hash is
   * needed): a request and its completion cross the same links in opposite orders (A B B A), so both
   * stay here. A hit stores nothing (a reference stored into this long-lived object would cost a G1
   * card-marking barrier); a miss goes through {@link #recentNames} and replaces the older one.
   */
  private LinkState state(String link) {
    LinkState s = state0;
    if (s != null && s.name == link) {
      return s;
    }
    s = state1;
    if (s != null && s.name == link) {
      return s;
    }
    return stateMiss(link);
  }

  private LinkState stateMiss(String link) {
    int h = link == null ? 0 : link.hashCode();
    int i = (h ^ h >>> 16) & (recentNames.length - 1);
    LinkState s = recentStates[i];
    if (recentNames[i] != link || s == null) {
      s = links.computeIfAbsent(link, LinkState::new);
      recentNames[i] = link;
      recentStates[i] = s;
    }
    if (replaceState1) {
      state1 = s;
    } else {
      state0 = s;
    }
    replaceState1 = !replaceState1;
    return s;
  }

  /**
   * Reports requests older than the completion timeout (checked whenever time has moved on). Runs
   * for every TLP: the test is kept apart from the scan, so it inlines.
   */
  private void expire(long nowNs) {
    if (nowNs != lastNs && waiting != 0 && nowNs > nextExpiryNs) {
      expireLate(nowNs);
    }
    lastNs = nowNs;
  }

  private void expireLate(long nowNs) {
    List<Outstanding> late = new ArrayList<>();
    List<String> lateLinks = new ArrayList<>();
    long earliest = Long.MAX_VALUE;
    for (LinkState s : links.values()) {
      for (Outstanding o : s.waiting()) {
        if (nowNs - o.sentNs > completionTimeoutNs) {
          late.add(o);
          lateLinks.add(s.name);
          o.waiting = false;
          waiting--;
        } else {
          earliest = Math.min(earliest, o.sentNs + completionTimeoutNs);
        }
      }
    }
    nextExpiryNs = earliest;
    for (int i = 0; i < late.size(); i++) {
      Outstanding o = late.get(i);
      TlpFacts r = o.request();
      violation(ProtocolRule.COMPLETION_TIMEOUT, nowNs, lateLinks.get(i), o.dir(), culpritOf(o),
          String.format("%s tag %d from %s%s got no completion within %d ns (sent at %d ns)",
              r.type().mnemonic(), r.tag(), r.requester(), to(o), completionTimeoutNs, o.sentNs),
          o.text());
    }
  }

  /** A request nobody completed is the completer's failure when it is known, else the requester's. */
  private PcieId culpritOf(Outstanding o) {
    PcieId c = expectedCompleter(o.request());
    return c != null ? c : o.request().requester();
  }

  private String to(Outstanding o) {
    PcieId c = expectedCompleter(o.request());
    return c == null ? "" : " to " + c;
  }

  // ---- limits from config space ----------------------------------------------------------------
  //
  // Max_Payload_Size and Max_Read_Request_Size (Device Control) and the RCB (Link Control) are read
  // through PciFunction, which decodes them again whenever its config space has changed.

  /** The completer's RCB (Link Control bit 3); the Root Complex's own for a function without the capability. */
  private int readCompletionBoundary(LinkState s, PcieId completer) {
    return completionBoundary(s.completer, completer);
  }

  /** {@link #readCompletionBoundary} with the function remembered in {@code k}. */
  private int completionBoundary(KnownFunction k, PcieId completer) {
    PciFunction f = function(k, completer);
    int rcb = f == null ? 0 : f.readCompletionBoundary();
    return rcb == 0 ? RootComplex.RCB : rcb;
  }

  // ---- reporting -------------------------------------------------------------------------------

  private void violation(ProtocolRule rule, long timeNs, String link, LinkDirection dir, PcieId culprit,
      String message, String text) {
    ProtocolViolation v = new ProtocolViolation(rule, timeNs, link, dir, culprit, message, text);
    {
      violations.add(v);
    }
    for (Consumer<ProtocolViolation> l : listeners) {
      l.accept(v);
    }
  }

  private static String hex(int[] dw) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < dw.length; i++) {
      sb.append(i == 0 ? "" : " ").append(String.format("dw%d=0x%08x", i, dw[i]));
    }
    return sb.toString();
  }
}
