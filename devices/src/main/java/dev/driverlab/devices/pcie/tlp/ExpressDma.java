package dev.driverlab.devices.pcie.tlp;

/**
 * One transfer the fabric moves without TLP objects ({@link ExpressObserver}): an endpoint's memory
 * write (one MWr), its memory read (one MRd) with the whole answer (the CplDs the Root Complex
 * splits it into), or a CPU's MMIO load or store at an endpoint's BAR (one MRd down and one CplD
 * back, or one MWr down). It
 * stands for exactly the TLPs the road would have carried:
 *
 * <pre>
 *   device write: MWr, requester, address, length bytes (whole DWs, DW-aligned), up upLink(0) … upLink(n-1)
 *   device read:  MRd, requester, tag, address, length bytes, up upLink(0) … upLink(n-1);
 *                 then CplD with data for (requester, tag) from completer(), split at answerMps()
 *                 and the answerRcb() boundary, down upLink(n-1) … upLink(0)
 *   CPU read:  MRd from requester() (the Root Complex), tag, address, length (1, 2, 4 or 8) bytes,
 *              down upLink(n-1) … upLink(0); then one CplD with the data from completer() (the
 *              endpoint), up upLink(0) … upLink(n-1)
 *   CPU write: MWr from requester() (the Root Complex), address, length (1, 2, 4 or 8) bytes,
 *              down upLink(n-1) … upLink(0)
 * </pre>
 *
 * No ECRC (TD clear), no poisoning, traffic class 0, default attributes, successful completions: the
 * fabric takes the express only for such plain transfers. One object per fabric, filled anew for each
 * transfer: an observer reads it during its call and keeps nothing of it but primitives.
 */
public final class ExpressDma {
  /** What a transfer is (see the class comment). */
  public enum Kind {
    /** An endpoint's MWr going up. */
    DEVICE_WRITE,
    /** An endpoint's MRd going up, and its answer coming down. */
    DEVICE_READ,
    /** A CPU's MRd going down to an endpoint's BAR, and its one completion coming up. */
    CPU_READ,
    /** A CPU's MWr (posted) going down to an endpoint's BAR. */
    CPU_WRITE
  }

  private long timeNs;
  private long lastRequestNs;
  private Kind kind = Kind.DEVICE_WRITE;
  private PcieId requester;
  private int tag;
  private long address;
  private int length;
  private String[] upLinks = new String[4];
  private int linkCount;
  private int answerMps;
  private int answerRcb;
  private PcieId completer;
  private int requesterMps;
  private int requesterMrrs;
  private int roadMps;
  private int requests = 1;
  private int requestLimit;

  /** Starts describing a transfer (the fabric's part); links are added with {@link #addUpLink}. */
  public void start(long timeNs, Kind kind, PcieId requester, int tag, long address, int length) {
    // References are stored only when they change: this object lives long, and with G1 every
    // reference stored into an old object costs a card-marking barrier; one transfer after another
    // comes from the same requester over the same links.
    this.timeNs = timeNs;
    this.lastRequestNs = timeNs;
    if (this.kind != kind) {
      this.kind = kind;
    }
    if (this.requester != requester) {
      this.requester = requester;
    }
    this.tag = tag;
    this.address = address;
    this.length = length;
    this.linkCount = 0;
    this.answerMps = 0;
    this.answerRcb = 0;
    this.roadMps = 0;
    this.requests = 1;
    this.requestLimit = 0;
  }

  /**
   * Makes this a whole transfer of {@code requests} device requests (the fabric's part): the
   * {@link #length} bytes from {@link #address} cut into MWrs or MRds at {@code limit} bytes (counted
   * in whole DWs from the address's DW) and at 4 KiB boundaries, back to back; a read's take the tags
   * from {@link #tag} on, one each (modulo 256), and each its own answer.
   */
  public void run(int requests, int limit) {
    this.requests = requests;
    this.requestLimit = limit;
  }

  /**
   * Makes a whole transfer's requests a burst (the fabric's part): they go out back to back, the first
   * at {@link #timeNs} and the last at {@code lastRequestNs}, each when the link has carried the one
   * before, with nothing else on the machine happening in between (see {@code Endpoint.dmaWriteBurst}).
   */
  public void pacedUntil(long lastRequestNs) {
    this.lastRequestNs = Math.max(timeNs, lastRequestNs);
  }

  /**
   * When the transfer's last request goes out: {@link #timeNs} but for a burst ({@link #pacedUntil}),
   * whose requests go out one after the other until then.
   */
  public long lastRequestNs() {
    return lastRequestNs;
  }

  /** How many requests the transfer stands for: 1, or a whole transfer's (see {@link #run}). */
  public int requests() {
    return requests;
  }

  /** The most bytes one request's Length covers (whole DWs): at most the cut of a whole transfer. */
  public int largestRequestBytes() {
    return requests == 1 ? lengthDw() * 4 : requestLimit;
  }

  /**
   * The next link the request crosses going up, and the Max_Payload_Size its downstream-facing port
   * allows (bytes; 0 if it has no such limit) (the fabric's part).
   */
  public void addUpLink(String name, int portMps) {
    if (linkCount == upLinks.length) {
      upLinks = java.util.Arrays.copyOf(upLinks, linkCount * 2);
    }
    if (upLinks[linkCount] != name) {
      upLinks[linkCount] = name;
    }
    linkCount++;
    if (portMps > 0 && (roadMps == 0 || portMps < roadMps)) {
      roadMps = portMps;
    }
  }

  /**
   * The requester's own Max_Payload_Size and Max_Read_Request_Size as its config space sets them
   * (bytes; 0 if it has no such limit) (the fabric's part).
   */
  public void requesterLimits(int mps, int mrrs) {
    this.requesterMps = mps;
    this.requesterMrrs = mrrs;
  }

  /** How a read's answer comes down (the fabric's part). */
  public void answer(PcieId completer, int mps, int rcb) {
    if (this.completer != completer) {
      this.completer = completer;
    }
    this.answerMps = mps;
    this.answerRcb = rcb;
  }

  /**
   * The machine's virtual time of the transfer: every TLP of it would have crossed then, or, for a
   * burst, the first request would have ({@link #lastRequestNs}).
   */
  public long timeNs() {
    return timeNs;
  }

  public Kind kind() {
    return kind;
  }

  /** True for a memory write (an endpoint's or a CPU's: no answer), false for a read and its answer. */
  public boolean write() {
    return kind == Kind.DEVICE_WRITE || kind == Kind.CPU_WRITE;
  }

  /** True for a CPU's MMIO access of an endpoint: its request crosses the root port's link first. */
  public boolean fromCpu() {
    return kind == Kind.CPU_READ || kind == Kind.CPU_WRITE;
  }

  public PcieId requester() {
    return requester;
  }

  /** The read's tag (0 for a write). */
  public int tag() {
    return tag;
  }

  /** The first byte's address. */
  public long address() {
    return address;
  }

  /** Bytes written, or read (at least 1). */
  public int length() {
    return length;
  }

  /** The request's Length field: the DWs that hold [address, address + length). */
  public int lengthDw() {
    return ((int) (address & 3) + length + 3) >>> 2;
  }

  /** Whether the request has a 4 DW header (an address above 4 GiB). */
  public boolean fourDw() {
    return (address >>> 32) != 0;
  }

  /** How many links the request crosses up (and the answer down). */
  public int linkCount() {
    return linkCount;
  }

  /**
   * The name of the {@code i}-th link counted up from the endpoint: 0 is the endpoint's own link, the
   * last is the root port's (a device's request crosses them in this order, a CPU read in the
   * reverse). The name is the link's own String, as {@link TlpObserver#onTlp} passes it.
   */
  public String upLink(int i) {
    if (i < 0 || i >= linkCount) {
      throw new IndexOutOfBoundsException("link " + i + " of " + linkCount);
    }
    return upLinks[i];
  }

  /** Who completes a read (the Root Complex's host bridge); meaningless for a write. */
  public PcieId completer() {
    return completer;
  }

  /** The requester's Max_Payload_Size in bytes (Device Control), 0 if it has none. */
  public int requesterMps() {
    return requesterMps;
  }

  /** The requester's Max_Read_Request_Size in bytes (Device Control), 0 if it has none. */
  public int requesterMrrs() {
    return requesterMrrs;
  }

  /**
   * The smallest Max_Payload_Size of the ports above the links crossed (each link's downstream-facing
   * port, as a TLP on that link is held to), 0 if none has one.
   */
  public int roadMps() {
    return roadMps;
  }

  /** The Max_Payload_Size the answer is split at (bytes; 0 for a write). */
  public int answerMps() {
    return answerMps;
  }

  /** The Read Completion Boundary the answer's partial completions end on (bytes; 0 for a write). */
  public int answerRcb() {
    return answerRcb;
  }

  /** How many completions answer the read (0 for a write); for a whole transfer, those of its largest read, at least 2. */
  public int answerCompletions() {
    if (write()) {
      return 0;
    }
    if (kind == Kind.CPU_READ) {
      return 1;
    }
    if (requests > 1) {
      return Math.max(2, (requestLimit + answerMps - 1) / answerMps + 1);
    }
    int first = firstAnswerBytes();
    int rest = length - first;
    return 1 + (rest + answerMps - 1) / answerMps;
  }

  /** The largest payload among the answer's completions, in bytes (whole DWs; 0 for a write). */
  public int largestAnswerPayload() {
    if (write()) {
      return 0;
    }
    if (kind == Kind.CPU_READ) {
      return lengthDw() * 4;
    }
    if (requests > 1) {
      return Math.min(answerMps, requestLimit); // at most: each read's first completion may carry less
    }
    int first = firstAnswerBytes();
    int firstPayload = 4 * (((int) (address & 3) + first + 3) >>> 2);
    int rest = length - first;
    int next = rest <= 0 ? 0 : 4 * ((Math.min(rest, answerMps) + 3) >>> 2);
    return Math.max(firstPayload, next);
  }

  /** Data bytes the first completion carries: up to MPS, counted from the RCB boundary below the address. */
  private int firstAnswerBytes() {
    return (int) Math.min(length, answerMps - (address & (answerRcb - 1)));
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(fromCpu() ? "CPU " : "").append(write() ? "MWr" : "MRd").append(' ')
        .append(requester);
    if (!write()) {
      sb.append(" tag ").append(tag);
    }
    sb.append(String.format(" %#x +%d %s", address, length, fromCpu() ? "down" : "up"));
    if (requests > 1) {
      sb.append(String.format(" (%d requests of at most %d bytes)", requests, requestLimit));
    }
    for (int i = 0; i < linkCount; i++) {
      sb.append(' ').append(upLinks[fromCpu() ? linkCount - 1 - i : i]);
    }
    return sb.toString();
  }
}
