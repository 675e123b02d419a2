package dev.driverlab.devices.pcie.tlp;

import dev.driverlab.devices.mem.MemoryRegion;
import dev.driverlab.devices.pcie.tlp.TlpType.Layout;
import java.util.Arrays;
import java.util.Objects;

/**
 * A Transaction Layer Packet: an immutable value with an exact wire encoding.
 *
 * <p>Header layouts (PCIe Base Spec §2.2.1-§2.2.9; bit 31 of each DW is sent first, bytes big-endian):
 * <pre>
 *  DW0 (all)   |31 29|28  24| 23|22 20| 19| 18| 17| 16| 15| 14|13 12|11 10|9          0|
 *              | Fmt | Type | T9| TC  | T8| A2| LN| TH| TD| EP|Attr |  AT | Length (DW)|
 *
 *  memory/IO   DW1 | Requester ID [31:16] | Tag[7:0] [15:8] | Last BE [7:4] | First BE [3:0] |
 *   3 DW       DW2 | Address[31:2]                                                | PH/R [1:0]  |
 *   4 DW       DW2 | Address[63:32]                                                             |
 *              DW3 | Address[31:2]                                                | PH   [1:0]  |
 *
 *  config      DW1 | Requester ID | Tag[7:0] | Last BE | First BE |
 *              DW2 | Bus [31:24] | Dev [23:19] | Fn [18:16] | R [15:12] | ExtReg [11:8] | Reg [7:2] | R |
 *
 *  completion  DW1 | Completer ID [31:16] | Status [15:13] | BCM [12] | Byte Count [11:0] |
 *              DW2 | Requester ID [31:16] | Tag[7:0] [15:8] | R [7] | Lower Address [6:0] |
 *
 *  message     DW1 | Requester ID [31:16] | Tag[7:0] [15:8] | Message Code [7:0] |
 *   (4 DW)     DW2 | header bytes 8..11 (ID routing: target ID in bytes 8..9; address routing:
 *              DW3 | header bytes 12..15          Address[63:32] in DW2, Address[31:2] in DW3)   |
 * </pre>
 * Tags are 10 bits: Tag[9] travels in T9, Tag[8] in T8, Tag[7:0] in the header's tag byte (Base Spec
 * 4.0 §2.2.6.2). Attr is three bits: Attr[2] = IDO (bit 18), Attr[1] = RO, Attr[0] = NS (bits 13:12).
 * A Length field of 0 means 1024 DW and a Byte Count of 0 means 4096 bytes; {@link #lengthDw()} and
 * {@link #byteCount()} return the meaning, not the field. Types without data whose Length field is
 * reserved (Cpl, CplLk, Msg) have {@code lengthDw() == 0}.
 *
 * <p>The payload is held as the wire carries it: whole DWs, byte {@code i} at address
 * {@code address() + i} (memory and I/O) or at register byte {@code register() + i} (config). Bytes the
 * byte enables leave off are zero when a factory builds the TLP. The ECRC digest is not carried: TD
 * ({@link #td()}) only says that one would follow (the link model counts its 4 bytes).
 *
 * <p>Every way in (factories, {@code with*} and {@link #decode}) goes through one validation, so a
 * {@code Tlp} is always a TLP the spec allows; messages name the field as {@link TlpFields} names it.
 * Accessors of a field the type does not have ({@code address()} of a completion, say) throw
 * {@link IllegalStateException}.
 */
public final class Tlp {
  private static final byte[] NO_DATA = new byte[0];
  private static final int LN_BIT = 1 << 17;

  // The small fields are stored as bytes and shorts (every value validated in range fits: tag and
  // Length up to 1024, Byte Count up to 4096, Register up to 0xffc, Message Code up to 0xff, the
  // rest below 0x80), which (with the packed fields below) makes a Tlp 64 bytes instead of 104:
  // TLPs are most of what every DMA and MMIO access allocates. Values are validated as ints before
  // they are narrowed.
  private final TlpType type;
  private final byte tc;
  private final byte attr;
  private final boolean th;
  private final boolean td;
  private final boolean ep;
  private final byte at;
  private final byte ph;
  private final short lengthDw;
  private final PcieId requester;
  private final short tag;
  /**
   * Last DW BE in bits 7:4, First DW BE in bits 3:0 (see {@link #fbe}, {@link #lbe}). This field and
   * the narrow ones below ({@link #status} as a code, {@link #messageCode} as a byte, {@link
   * #payloadLength} as a short) keep a Tlp at 64 bytes: every TLP is allocated, and every MMIO load
   * allocates two.
   */
  private final byte bes;
  /**
   * The DW-aligned address of a memory or I/O request; for a message, header bytes 8..15 (which hold
   * the address of an address-routed one). One field for both, as the header has one place for both:
   * every TLP is allocated, and this keeps it small.
   */
  private final long address;
  /** The config target or the completer. */
  private final PcieId peer;
  private final short register;
  /** A completion's status as {@code ordinal() + 1}; 0 for other types (see {@link #cplStatus}). */
  private final byte status;
  private final boolean bcm;
  private final short byteCount;
  private final byte lowerAddress;
  /** The message code, 0..255, as a byte (read through {@link #mcode}). */
  private final byte messageCode;
  private final byte messageRouting;
  /**
   * The payload is {@code payload[payloadOff, payloadOff + payloadLength)}: whole DWs, never null,
   * never exposed. Usually the TLP owns the whole array ({@code payloadOff} 0, {@link #ownsPayload}
   * true); a TLP built by {@link #memWriteView} or {@link #completionWithDataView} reads its bytes in
   * place from the sender's buffer instead (see there for why that is safe).
   *
   * <p>Null for a completion of at most 8 payload bytes built by {@link #readCompletion(Tlp, PcieId,
   * long)} (every MMIO load answers with one): its payload bytes sit little-endian in {@link #address}
   * instead (byte {@code i} in bits {@code 8i..8i+7}), which a completion's header does not use, so
   * an MMIO load allocates no array. Such a TLP owns its payload; every accessor below reads either
   * form, and {@link #equals}, {@link #hashCode} and the header see the same TLP as the array form.
   */
  private final byte[] payload;
  private final int payloadOff;
  private final short payloadLength; // 0..4096
  /** False for a view of a buffer the sender owns. */
  private final boolean ownsPayload;

  /** The mutable form every door fills in before the one constructor validates it. */
  private static final class Draft {
    TlpType type;
    int tc;
    int attr;
    boolean th;
    boolean td;
    boolean ep;
    int at;
    int ph;
    int lengthDw;
    PcieId requester;
    int tag;
    int firstBe;
    int lastBe;
    long address;
    PcieId peer;
    int register;
    CplStatus status;
    boolean bcm;
    int byteCount;
    int lowerAddress;
    int messageCode;
    int messageRouting;
    long messageBytes;
    byte[] payload = NO_DATA;

    Draft(TlpType type, PcieId requester, int tag) {
      this.type = type;
      this.requester = requester;
      this.tag = tag;
    }

    Draft(Tlp t) {
      type = t.type;
      tc = t.tc;
      attr = t.attr;
      th = t.th;
      td = t.td;
      ep = t.ep;
      at = t.at;
      ph = t.ph;
      lengthDw = t.lengthDw;
      requester = t.requester;
      tag = t.tag;
      firstBe = t.fbe();
      lastBe = t.lbe();
      address = t.type.layout == Layout.MESSAGE ? 0 : t.headerAddress();
      peer = t.peer;
      register = t.register;
      status = t.cplStatus();
      bcm = t.bcm;
      byteCount = t.byteCount;
      lowerAddress = t.lowerAddress;
      messageCode = t.mcode();
      messageRouting = t.messageRouting;
      messageBytes = t.type.layout == Layout.MESSAGE ? t.address : 0;
      payload = t.ownedPayloadArray();
    }

    Tlp build() {
      return new Tlp(this);
    }
  }

  private Tlp(Draft d) {
    // Validated in the Draft's int fields, before they are narrowed into this object's bytes and
    // shorts (which would wrap an out-of-range value such as a TC of 300 into range).
    Objects.requireNonNull(d.type, "type");
    validate(d);
    type = d.type;
    tc = (byte) d.tc;
    attr = (byte) d.attr;
    th = d.th;
    td = d.td;
    ep = d.ep;
    at = (byte) d.at;
    ph = (byte) d.ph;
    lengthDw = (short) d.lengthDw;
    requester = d.requester;
    tag = (short) d.tag;
    bes = (byte) (d.lastBe << 4 | d.firstBe);
    address = d.type.layout == Layout.MESSAGE ? d.messageBytes : d.address;
    peer = d.peer;
    register = (short) d.register;
    status = statusCode(d.status);
    bcm = d.bcm;
    byteCount = (short) d.byteCount;
    lowerAddress = (byte) d.lowerAddress;
    messageCode = (byte) d.messageCode;
    messageRouting = (byte) d.messageRouting;
    payload = d.payload;
    payloadOff = 0;
    payloadLength = (short) d.payload.length;
    ownsPayload = true;
  }

  /*
   * The hot factories (memRead, memWrite, memWriteLe and the completions with data) build their TLP
   * through the two constructors below, without a Draft and without the generic validate(): every
   * DMA and MMIO access makes such TLPs, and they are a large share of its cost. Each of these
   * constructors is reached only after its factory has checked everything validate() would reject
   * for the values it can produce; the argument is written at each constructor, and
   * TlpTest#hotFactoriesMatchTheGenericPath builds the edge cases and checks each result against
   * validate() and against decode(headerDwords(), payload()), which takes the generic path.
   */

  /**
   * A memory request (MRd or MWr) for {@code n} bytes starting {@code a} bytes into the DW at the
   * aligned {@code address}. Its callers (memRead, memWrite, memWriteLe) have checked what validate() would:
   * <ul>
   *   <li>requester non-null and tag 0..1023 (checked there); TC, Attr, AT, PH, TH, TD, EP are 0;
   *   <li>n in 0..4096 and (address &amp; 0xfff) + n &lt;= 0x1000 (checkMemRange), so a + n &lt;= 4096
   *       and Length = ceil((a + n) / 4) is 1..1024 (1 for n 0);
   *   <li>the byte enables come from byteEnables(): Last BE 0 for 1 DW; for more, First BE is one of
   *       f/e/c/8 and Last BE one of f/1/3/7, so contiguous and non-zero (§2.2.5);
   *   <li>address is DW aligned, and aligned start + Length*4 is (address &amp; 0xfff) + n rounded up
   *       to a DW, so still &lt;= 0x1000 (no 4 KiB crossing);
   *   <li>the payload is NO_DATA for MRd and Length*4 bytes for MWr: allocated by the factory, or
   *       for {@link #memWriteView} the caller's checked range of exactly Length*4 bytes.
   * </ul>
   */
  private Tlp(TlpType type, PcieId requester, int tag, long alignedAddress, int lengthDw, int bes,
      byte[] payload, int payloadOff, boolean ownsPayload) {
    this.type = type;
    this.tc = 0;
    this.attr = 0;
    this.th = false;
    this.td = false;
    this.ep = false;
    this.at = 0;
    this.ph = 0;
    this.lengthDw = (short) lengthDw;
    this.requester = requester;
    this.tag = (short) tag;
    this.bes = (byte) bes;
    this.address = alignedAddress;
    this.peer = null;
    this.register = 0;
    this.status = 0;
    this.bcm = false;
    this.byteCount = 0;
    this.lowerAddress = 0;
    this.messageCode = 0;
    this.messageRouting = 0;
    this.payload = payload;
    this.payloadOff = payloadOff;
    this.payloadLength = (short) (type.hasData() ? lengthDw * 4 : 0);
    this.ownsPayload = ownsPayload;
  }

  /**
   * A successful completion with data of {@code dws} DW answering {@code request}. Its caller,
   * {@link #checkDataCompletion}, has checked what validate() would:
   * <ul>
   *   <li>requester, tag, TC and Attr are copied from {@code request}, itself a valid Tlp, so they
   *       are non-null and in range; AT, PH, TH, TD, EP, BCM are 0;
   *   <li>completer non-null (checked there); status SC, type CplD or CplDLk (data-carrying);
   *   <li>byte_count 1..4096 and lower_address 0..0x7f (checked there);
   *   <li>Length = max(1, ceil(((lowerAddress &amp; 3) + len) / 4)) and checked &lt;= 1024;
   *   <li>the payload is exactly Length*4 bytes: allocated by the factory, or for
   *       {@link #completionWithDataView} the caller's checked range of exactly Length*4 bytes.
   * </ul>
   */
  private Tlp(Tlp request, TlpType type, PcieId completer, int byteCount, int lowerAddress, int dws,
      byte[] payload, int payloadOff, boolean ownsPayload) {
    this(request, type, completer, byteCount, lowerAddress, dws, payload, payloadOff, ownsPayload, 0);
  }

  /**
   * As above; {@code payload} may be null, with a payload of at most 8 bytes (dws &lt;= 2) given
   * little-endian in {@code inlineLe} (see {@link #payload}).
   */
  private Tlp(Tlp request, TlpType type, PcieId completer, int byteCount, int lowerAddress, int dws,
      byte[] payload, int payloadOff, boolean ownsPayload, long inlineLe) {
    this.type = type;
    this.tc = request.tc;
    this.attr = request.attr;
    this.th = false;
    this.td = false;
    this.ep = false;
    this.at = 0;
    this.ph = 0;
    this.lengthDw = (short) dws;
    this.requester = request.requester;
    this.tag = request.tag;
    this.bes = 0;
    this.address = payload == null ? inlineLe : 0;
    this.peer = completer;
    this.register = 0;
    this.status = statusCode(CplStatus.SC);
    this.bcm = false;
    this.byteCount = (short) byteCount;
    this.lowerAddress = (byte) lowerAddress;
    this.messageCode = 0;
    this.messageRouting = 0;
    this.payload = payload;
    this.payloadOff = payloadOff;
    this.payloadLength = (short) (type.hasData() ? lengthDw * 4 : 0);
    this.ownsPayload = ownsPayload;
  }

  /** Runs the generic validation on this TLP again (for tests of the fast constructors). */
  void revalidate() {
    validate(new Draft(this));
  }

  // ---------------------------------------------------------------------------------------------
  // Factories

  /**
   * A memory read of {@code byteLength} bytes starting at byte {@code address}: Length covers the DWs
   * touched, First/Last BE the bytes (a 1 DW request has Last BE 0000b, §2.2.5). Addresses below
   * 4 GiB use the 3 DW header, others the 4 DW one. A {@code byteLength} of 0 gives the spec's
   * zero-length read (Length 1, both BEs 0), used to flush posted writes.
   *
   * @param tag 0..1023 (10-bit tags)
   * @throws IllegalArgumentException for a length outside 0..4096, a request crossing a 4 KiB
   *     boundary (§2.2.7) or a bad tag
   */
  public static Tlp memRead(PcieId requester, int tag, long address, int byteLength) {
    checkMemRange("MRd", address, byteLength);
    checkRequester(requester, tag);
    int a = (int) address & 3;
    return new Tlp(TlpType.MRD, requester, tag, address & ~3L, dwsFor(a, byteLength),
        byteEnables(a, byteLength), NO_DATA, 0, true);
  }

  /** The checks validate() makes on a request's requester and tag, in its order. */
  private static void checkRequester(PcieId requester, int tag) {
    Objects.requireNonNull(requester, "requester");
    if (tag < 0 || tag > 1023) {
      checkRange("tag", tag, 1023); // throws, with the message validate() gives
    }
  }

  /**
   * A posted memory write of {@code data[off, off+len)} to byte {@code address}. The bytes are copied
   * once into a payload of whole DWs (the first one at {@code address & ~3}); BEs and Length as for
   * {@link #memRead}. {@code len} 0 gives the zero-length write (Length 1, BEs 0, one zero DW).
   *
   * @throws IllegalArgumentException for a length outside 0..4096 or a write crossing 4 KiB
   * @throws IndexOutOfBoundsException if {@code off, len} do not fit {@code data}
   */
  public static Tlp memWrite(PcieId requester, long address, byte[] data, int off, int len) {
    Objects.requireNonNull(data, "data");
    Objects.checkFromIndexSize(off, len, data.length);
    checkMemRange("MWr", address, len);
    Objects.requireNonNull(requester, "requester");
    int a = (int) address & 3;
    int dws = dwsFor(a, len);
    byte[] payload = new byte[dws * 4];
    System.arraycopy(data, off, payload, a, len);
    return new Tlp(TlpType.MWR, requester, 0, address & ~3L, dws, byteEnables(a, len), payload, 0,
        true);
  }

  /**
   * As {@link #memWrite}, but when the bytes are whole DWs ({@code address} and {@code len} multiples
   * of 4, {@code len} &gt; 0) the TLP reads its payload in place from {@code data[off, off+len)}
   * instead of copying it: the device DMA write path, where every payload byte would otherwise be
   * copied twice (buffer → TLP → RAM) and allocated once. Other ranges are copied as by memWrite.
   *
   * <p>The caller promises not to change those bytes while the TLP is in flight, that is until the
   * call that sends it returns. That is enough because the fabric is synchronous and nothing else
   * keeps an in-flight TLP: the completer consumes the payload before the send returns, and the fabric
   * hands observers and interceptors that may keep a TLP an {@link #owned} copy (see
   * {@link TlpObserver#keepsTlps}). Whoever else keeps such a TLP must keep {@code owned()}.
   */
  public static Tlp memWriteView(PcieId requester, long address, byte[] data, int off, int len) {
    if (((int) address & 3) != 0 || (len & 3) != 0 || len == 0) {
      return memWrite(requester, address, data, off, len);
    }
    Objects.requireNonNull(data, "data");
    Objects.checkFromIndexSize(off, len, data.length);
    checkMemRange("MWr", address, len);
    Objects.requireNonNull(requester, "requester");
    // a == 0 and len % 4 == 0: the payload is exactly data[off, off+len), Length = len / 4 DW.
    return new Tlp(TlpType.MWR, requester, 0, address, len >>> 2, byteEnables(0, len), data, off,
        false);
  }

  /**
   * A memory write of the {@code size} low bytes of {@code valueLe}, little-endian, to byte
   * {@code address}: the MMIO store path ({@code iowrite32}) without an intermediate array.
   *
   * @param size 1..8
   */
  public static Tlp memWriteLe(PcieId requester, long address, long valueLe, int size) {
    if (size < 1 || size > 8) {
      throw bad("size out of range 1..8: %d", size);
    }
    checkMemRange("MWr", address, size);
    Objects.requireNonNull(requester, "requester");
    int a = (int) address & 3;
    int dws = dwsFor(a, size);
    byte[] payload = new byte[dws * 4];
    putLe(payload, a, valueLe, size);
    return new Tlp(TlpType.MWR, requester, 0, address & ~3L, dws, byteEnables(a, size), payload, 0,
        true);
  }

  /**
   * An I/O read of {@code byteLength} (1..4) bytes at port {@code address}; the bytes must lie in one
   * DW and the address below 4 GiB (I/O requests are 3 DW, Length 1, §2.2.7).
   */
  public static Tlp ioRead(PcieId requester, int tag, long address, int byteLength) {
    Draft d = new Draft(TlpType.IORD, requester, tag);
    setIoRange(d, "IORd", address, byteLength);
    return d.build();
  }

  /** An I/O write of {@code data[off, off+len)} (1..4 bytes within one DW) to port {@code address}. */
  public static Tlp ioWrite(PcieId requester, int tag, long address, byte[] data, int off, int len) {
    Objects.requireNonNull(data, "data");
    Objects.checkFromIndexSize(off, len, data.length);
    Draft d = new Draft(TlpType.IOWR, requester, tag);
    setIoRange(d, "IOWr", address, len);
    d.payload = new byte[4];
    System.arraycopy(data, off, d.payload, (int) address & 3, len);
    return d.build();
  }

  /**
   * A configuration read of the DW at byte offset {@code register} of {@code target}.
   *
   * @param type1 Type 1 (for a bus behind a bridge) or Type 0 (for the bus the target sits on)
   * @param register byte offset 0..4092, DW aligned (Extended Register Number and Register Number)
   * @param firstBe which bytes of that DW, 0..0xf
   */
  public static Tlp cfgRead(
      boolean type1, PcieId requester, int tag, PcieId target, int register, int firstBe) {
    Draft d = new Draft(type1 ? TlpType.CFGRD1 : TlpType.CFGRD0, requester, tag);
    setConfig(d, target, register, firstBe);
    return d.build();
  }

  /**
   * A configuration write of {@code value} to the DW at byte offset {@code register}; {@code value} is
   * the register DW as software sees it (its low byte goes to offset {@code register}), and
   * {@code firstBe} says which of its bytes to write.
   */
  public static Tlp cfgWrite(
      boolean type1, PcieId requester, int tag, PcieId target, int register, int firstBe, int value) {
    Draft d = new Draft(type1 ? TlpType.CFGWR1 : TlpType.CFGWR0, requester, tag);
    setConfig(d, target, register, firstBe);
    d.payload = new byte[4];
    putLe(d.payload, 0, value, 4);
    return d.build();
  }

  /**
   * A message without data (Msg, always a 4 DW header, TC 0, tag 0).
   *
   * @param routing r[2:0]: 0 to RC, 1 by address, 2 by ID, 3 broadcast from RC, 4 local, 5 gathered to
   *     RC (see {@link MessageCode}); INTx uses 4
   * @param messageCode 0..255, e.g. {@link MessageCode#ASSERT_INTA}
   * @param bytes8to15 header bytes 8..15, big-endian (byte 8 in bits 63:56): the target ID in bytes
   *     8..9 for ID routing, the DW-aligned address for address routing, else message specific
   */
  public static Tlp message(PcieId requester, int routing, int messageCode, long bytes8to15) {
    Draft d = new Draft(TlpType.MSG, requester, 0);
    setMessage(d, routing, messageCode, bytes8to15);
    return d.build();
  }

  /** A message with data (MsgD): as {@link #message}, with {@code data} (1..4096 bytes) padded to DWs. */
  public static Tlp messageWithData(
      PcieId requester, int routing, int messageCode, long bytes8to15, byte[] data) {
    Objects.requireNonNull(data, "data");
    if (data.length < 1 || data.length > 4096) {
      throw bad("MsgD data length out of range 1..4096: %d", data.length);
    }
    Draft d = new Draft(TlpType.MSGD, requester, 0);
    setMessage(d, routing, messageCode, bytes8to15);
    d.lengthDw = (data.length + 3) >>> 2;
    d.payload = Arrays.copyOf(data, d.lengthDw * 4);
    return d.build();
  }

  /**
   * An INTx Assert or Deassert message from {@code requester} (local routing, §2.2.8.1).
   *
   * @param interruptPin 1..4 for INTA..INTD, as in the Interrupt Pin config register
   */
  public static Tlp intx(PcieId requester, int interruptPin, boolean assertIt) {
    if (interruptPin < 1 || interruptPin > 4) {
      throw bad("interrupt pin out of range 1..4 (INTA..INTD): %d", interruptPin);
    }
    int base = assertIt ? MessageCode.ASSERT_INTA : MessageCode.DEASSERT_INTA;
    return message(requester, MessageCode.ROUTE_LOCAL, base + interruptPin - 1, 0);
  }

  /**
   * A completion without data (Cpl, or CplLk for MRdLk) answering {@code request}: requester, tag, TC
   * and Attr are copied from it (§2.2.9). For a memory read (an UR or CA answer) Byte Count is the
   * request's whole byte count (the remaining count of a first completion, §2.3.1.1) and Lower
   * Address the low 7 bits of its first byte address; for I/O and config requests Byte Count is 4 and
   * Lower Address 0, as §2.2.9 requires.
   *
   * @throws IllegalArgumentException if {@code request} is posted or a completion, if {@code status}
   *     is SC for a read (that completion carries data: use {@link #completionWithData}), or CRS for a
   *     request other than config
   */
  public static Tlp completion(Tlp request, PcieId completer, CplStatus status) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(status, "status");
    if (!request.type.nonPosted()) {
      throw bad("only non-posted requests get completions, not %s", request.type.mnemonic());
    }
    if (status == CplStatus.SC && request.type.isRead()) {
      throw bad("a successful completion of %s carries data: use completionWithData",
          request.type.mnemonic());
    }
    if (status == CplStatus.CRS && !request.type.isConfig()) {
      throw bad("CRS answers configuration requests only, not %s", request.type.mnemonic());
    }
    Draft d = completionDraft(request, completer,
        request.type == TlpType.MRDLK ? TlpType.CPLLK : TlpType.CPL);
    d.status = status;
    if (request.type.isMemory()) {
      d.byteCount = request.initialByteCount();
      d.lowerAddress = (int) request.requestFirstByteAddress() & 0x7f;
    } else {
      d.byteCount = 4;
    }
    return d.build();
  }

  /**
   * A successful completion with data (CplD, or CplDLk for MRdLk) answering a read: it carries
   * {@code data[off, off+len)}, the bytes starting at the byte whose low address bits are
   * {@code lowerAddress}, padded into whole DWs (so Length = ceil(((lowerAddress &amp; 3) + len) / 4),
   * at least 1). {@code byteCount} is the bytes remaining for the request including these (§2.3.1.1):
   * for one completion covering a whole MRd that is {@link #requestByteLength()}. Config and I/O read
   * completions have Byte Count 4 and Lower Address 0 (§2.2.9); {@code len} 4 carries the register DW.
   *
   * @throws IllegalArgumentException if {@code request} is not a read, or a value is out of range
   */
  public static Tlp completionWithData(Tlp request, PcieId completer, int byteCount,
      int lowerAddress, byte[] data, int off, int len) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(data, "data");
    Objects.checkFromIndexSize(off, len, data.length);
    int dws = checkDataCompletion(request, completer, byteCount, lowerAddress, len);
    byte[] payload = new byte[dws * 4];
    System.arraycopy(data, off, payload, lowerAddress & 3, len);
    return new Tlp(request, dataCompletionType(request), completer, byteCount, lowerAddress, dws,
        payload, 0, true);
  }

  /**
   * As {@link #completionWithData(Tlp, PcieId, int, int, byte[], int, int)}, but when the bytes are
   * whole DWs ({@code lowerAddress} and {@code len} multiples of 4, {@code len} &gt; 0) the TLP reads
   * its payload in place from {@code data[off, off+len)} instead of copying it: the completer's path
   * for a DMA read, answered from RAM. Other ranges are copied.
   *
   * <p>The caller promises not to change those bytes while the TLP is in flight, that is until the
   * call that sends it returns; see {@link #memWriteView} for why that is enough.
   */
  public static Tlp completionWithDataView(Tlp request, PcieId completer, int byteCount,
      int lowerAddress, byte[] data, int off, int len) {
    if ((lowerAddress & 3) != 0 || (len & 3) != 0 || len == 0) {
      return completionWithData(request, completer, byteCount, lowerAddress, data, off, len);
    }
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(data, "data");
    Objects.checkFromIndexSize(off, len, data.length);
    int dws = checkDataCompletion(request, completer, byteCount, lowerAddress, len);
    // lowerAddress % 4 == 0 and len % 4 == 0 (len > 0): dws == len / 4, the payload is the range.
    return new Tlp(request, dataCompletionType(request), completer, byteCount, lowerAddress, dws,
        data, off, false);
  }

  /** Fills payload bytes in place (e.g. straight from RAM), so a completion needs no staging copy. */
  @FunctionalInterface
  public interface PayloadSource {
    void fill(byte[] dst, int dstOff, int len);
  }

  /** Receives payload bytes in place (e.g. straight into RAM), without a copy. */
  @FunctionalInterface
  public interface PayloadSink {
    void accept(byte[] src, int srcOff, int len);
  }

  /**
   * As {@link #completionWithData(Tlp, PcieId, int, int, byte[], int, int)}, with the {@code len} data
   * bytes written by {@code source} directly into the new TLP's payload (the DMA read hot path).
   */
  public static Tlp completionWithData(Tlp request, PcieId completer, int byteCount, int lowerAddress, int len,
      PayloadSource source) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(source, "source");
    int dws = checkDataCompletion(request, completer, byteCount, lowerAddress, len);
    byte[] payload = new byte[dws * 4];
    source.fill(payload, lowerAddress & 3, len);
    return new Tlp(request, dataCompletionType(request), completer, byteCount, lowerAddress, dws,
        payload, 0, true);
  }

  /**
   * One completion with data answering the whole of {@code request}: for memory reads it carries
   * {@link #requestByteLength()} bytes from {@code data[off]} (Byte Count and Lower Address per
   * §2.2.9; a zero-length read gets Byte Count 1 and one DW, as the spec's table says); for config and
   * I/O reads the register DW {@code data[off, off+4)}.
   */
  public static Tlp readCompletion(Tlp request, PcieId completer, byte[] data, int off) {
    Objects.requireNonNull(request, "request");
    if (request.type.isMemory()) {
      return completionWithData(request, completer, request.initialByteCount(),
          (int) request.requestFirstByteAddress() & 0x7f, data, off, request.requestByteLength());
    }
    return completionWithData(request, completer, 4, 0, data, off, 4);
  }

  /**
   * As {@link #readCompletion(Tlp, PcieId, byte[], int)} with the data given as a little-endian value
   * (its low byte is the first requested byte; for config and I/O reads its low 32 bits are the
   * register DW): the MMIO load path ({@code ioread32}) without an intermediate array. The memory read
   * must ask for at most 8 bytes.
   */
  public static Tlp readCompletion(Tlp request, PcieId completer, long valueLe) {
    Objects.requireNonNull(request, "request");
    int byteCount;
    int la;
    int size;
    if (request.type.isMemory()) {
      size = request.requestByteLength();
      if (size > 8) {
        throw bad("a value completion carries at most 8 bytes, %s asks for %d",
            request.type.mnemonic(), size);
      }
      byteCount = request.initialByteCount();
      la = (int) request.requestFirstByteAddress() & 0x7f;
    } else {
      byteCount = 4;
      la = 0;
      size = 4;
    }
    int dws = checkDataCompletion(request, completer, byteCount, la, size);
    if (dws <= 2) { // (la & 3) + size <= 8: the payload fits the unused address field
      long mask = size == 8 ? -1L : (1L << (8 * size)) - 1;
      return new Tlp(request, dataCompletionType(request), completer, byteCount, la, dws, null, 0,
          true, (valueLe & mask) << (8 * (la & 3)));
    }
    byte[] payload = new byte[dws * 4];
    putLe(payload, la & 3, valueLe, size);
    return new Tlp(request, dataCompletionType(request), completer, byteCount, la, dws, payload, 0,
        true);
  }

  /**
   * The checks of a completion with data (those of validate() included, see the fast constructor);
   * returns its Length in DW.
   */
  private static int checkDataCompletion(
      Tlp request, PcieId completer, int byteCount, int lowerAddress, int len) {
    // Every completion of every DMA read passes here: one test of everything the rules below
    // require, and the rule that failed is worked out (and formatted) only when one did. Keeping the
    // messages out of this method keeps it small enough for the JIT to inline into the completer.
    int dws = Math.max(1, ((lowerAddress & 3) + len + 3) >>> 2);
    TlpType t = request.type;
    if (t.isRead() && byteCount >= 1 && byteCount <= 4096 && lowerAddress >= 0 && lowerAddress <= 0x7f
        && (t.isMemory() || (byteCount == 4 && lowerAddress == 0 && len <= 4)) && len <= byteCount
        && dws <= 1024 && completer != null) {
      return dws;
    }
    throw dataCompletionRejected(request, completer, byteCount, lowerAddress, len, dws);
  }

  /** Which rule of {@link #checkDataCompletion} failed, in the order the rules are stated. */
  private static RuntimeException dataCompletionRejected(
      Tlp request, PcieId completer, int byteCount, int lowerAddress, int len, int dws) {
    if (!request.type.isRead()) {
      return bad("a completion with data answers a read, not %s", request.type.mnemonic());
    }
    if (byteCount < 1 || byteCount > 4096) {
      return bad("byte_count out of range 1..4096: %d", byteCount);
    }
    if (lowerAddress < 0 || lowerAddress > 0x7f) {
      return bad("lower_address out of range 0..0x7f: 0x%x", lowerAddress);
    }
    if (!request.type.isMemory() && (byteCount != 4 || lowerAddress != 0 || len > 4)) {
      return bad("a %s completion has byte_count 4, lower_address 0 and at most 4 data bytes: "
          + "byte_count=%d lower_address=0x%x len=%d",
          request.type.mnemonic(), byteCount, lowerAddress, len);
    }
    if (len > byteCount) {
      return bad("data length %d exceeds byte_count %d", len, byteCount);
    }
    if (dws > 1024) {
      return bad("completion data of %d bytes at lower_address 0x%x exceeds 1024 DW", len,
          lowerAddress);
    }
    return new NullPointerException("completer");
  }

  private static TlpType dataCompletionType(Tlp request) {
    return request.type == TlpType.MRDLK ? TlpType.CPLDLK : TlpType.CPLD;
  }

  private static Draft completionDraft(Tlp request, PcieId completer, TlpType type) {
    Draft d = new Draft(type, request.requester, request.tag);
    d.peer = Objects.requireNonNull(completer, "completer");
    d.tc = request.tc;
    d.attr = request.attr;
    return d;
  }

  private static void checkMemRange(String what, long address, int byteLength) {
    // Every DMA request passes here: one test, the message only when it fails (see checkDataCompletion).
    if (byteLength < 0 || byteLength > 4096 || (address & 0xfff) + byteLength > 0x1000) {
      throw memRangeRejected(what, address, byteLength);
    }
  }

  private static IllegalArgumentException memRangeRejected(String what, long address, int byteLength) {
    if (byteLength < 0 || byteLength > 4096) {
      return bad("%s byte length out of range 0..4096: %d", what, byteLength);
    }
    return bad("%s of %d bytes at 0x%x crosses a 4 KiB boundary", what, byteLength, address);
  }

  /** Length in DW of {@code n} bytes starting {@code a} (0..3) bytes into a DW; 1 for n 0. */
  private static int dwsFor(int a, int n) {
    return n == 0 ? 1 : (a + n + 3) >>> 2;
  }

  /**
   * First BE (bits 3:0) and Last BE (bits 7:4) for {@code n} bytes starting {@code a} (0..3) bytes
   * into a DW (§2.2.5): both 0 for n 0, Last BE 0 for a 1 DW request.
   */
  private static int byteEnables(int a, int n) {
    if (n == 0) {
      return 0;
    }
    int end = a + n;
    if (end <= 4) {
      return ((1 << n) - 1) << a;
    }
    int first = (0xf << a) & 0xf;
    int e = end & 3;
    int last = e == 0 ? 0xf : (1 << e) - 1;
    return last << 4 | first;
  }

  private static void setIoRange(Draft d, String what, long address, int byteLength) {
    if (byteLength < 1 || byteLength > 4) {
      throw bad("%s byte length out of range 1..4: %d", what, byteLength);
    }
    if ((address & 3) + byteLength > 4) {
      throw bad("%s of %d bytes at 0x%x leaves its dword", what, byteLength, address);
    }
    setByteEnables(d, (int) address & 3, byteLength);
    d.address = address & ~3L;
  }

  /** Length, First BE and Last BE for {@code n} bytes starting {@code a} (0..3) bytes into a DW. */
  private static void setByteEnables(Draft d, int a, int n) {
    int bes = byteEnables(a, n);
    d.lengthDw = dwsFor(a, n);
    d.firstBe = bes & 0xf;
    d.lastBe = bes >>> 4;
  }

  private static void setConfig(Draft d, PcieId target, int register, int firstBe) {
    d.peer = Objects.requireNonNull(target, "target");
    d.register = register;
    d.firstBe = firstBe;
    d.lengthDw = 1;
  }

  private static void setMessage(Draft d, int routing, int messageCode, long bytes8to15) {
    d.messageRouting = routing;
    d.messageCode = messageCode;
    d.messageBytes = bytes8to15;
  }

  // ---------------------------------------------------------------------------------------------
  // Validation: the one door

  private static void validate(Draft d) {
    Objects.requireNonNull(d.requester, "requester");
    checkRange("tc", d.tc, 7);
    checkRange("attr", d.attr, 7);
    checkRange("at", d.at, 3);
    checkRange("tag", d.tag, 1023);
    checkRange("first_be", d.firstBe, 15);
    checkRange("last_be", d.lastBe, 15);
    checkRange("ph", d.ph, 3);
    if (d.ph != 0 && !(d.th && d.type.isMemory())) {
      throw bad("ph is set without th on %s: 0b%s", d.type.mnemonic(), CplStatus.bits(d.ph, 2));
    }
    switch (d.type.layout) {
      case MEMORY:
        checkLength(d, 1);
        checkByteEnables(d);
        if ((d.address & 3) != 0) {
          throw bad("address not dword aligned: 0x%x", d.address);
        }
        if ((d.address & 0xfff) + d.lengthDw * 4L > 0x1000) {
          throw bad("%s crosses a 4 KiB boundary: address=0x%x length=%d DW", d.type.mnemonic(),
              d.address, d.lengthDw);
        }
        break;
      case IO:
        checkSingleDw(d);
        checkZero(d, "tc", d.tc);
        checkZero(d, "attr", d.attr);
        checkZero(d, "at", d.at);
        checkZero(d, "th", d.th ? 1 : 0);
        if ((d.address & 3) != 0 || (d.address >>> 32) != 0) {
          throw bad("I/O address not a dword address below 4 GiB: 0x%x", d.address);
        }
        break;
      case CONFIG:
        checkSingleDw(d);
        checkZero(d, "tc", d.tc);
        checkZero(d, "attr", d.attr);
        checkZero(d, "at", d.at);
        checkZero(d, "th", d.th ? 1 : 0);
        Objects.requireNonNull(d.peer, "target");
        if (d.register < 0 || d.register > 0xffc || (d.register & 3) != 0) {
          throw bad("register out of range 0..0xffc or not dword aligned: 0x%x", d.register);
        }
        break;
      case COMPLETION:
        Objects.requireNonNull(d.peer, "completer");
        Objects.requireNonNull(d.status, "status");
        checkZero(d, "at", d.at);
        checkZero(d, "th", d.th ? 1 : 0);
        if (d.byteCount < 1 || d.byteCount > 4096) {
          throw bad("byte_count out of range 1..4096: %d", d.byteCount);
        }
        checkRange("lower_address", d.lowerAddress, 0x7f);
        if (d.type.hasData()) {
          checkLength(d, 1);
          if (d.status != CplStatus.SC) {
            throw bad("%s with status %s: only successful completions carry data",
                d.type.mnemonic(), d.status);
          }
        } else {
          checkLength(d, 0);
        }
        break;
      case MESSAGE:
        checkZero(d, "at", d.at);
        checkZero(d, "th", d.th ? 1 : 0);
        checkRange("message_code", d.messageCode, 0xff);
        if (d.messageRouting < 0 || d.messageRouting > 7) {
          throw bad("routing out of range 0..7: %d", d.messageRouting);
        }
        if (d.messageRouting > 5) {
          throw bad("reserved message routing: 0b%s", CplStatus.bits(d.messageRouting, 3));
        }
        if (d.messageRouting == MessageCode.ROUTE_BY_ADDRESS && (d.messageBytes & 3) != 0) {
          throw bad("address of an address-routed message not dword aligned: 0x%x", d.messageBytes);
        }
        checkLength(d, d.type.hasData() ? 1 : 0);
        break;
      default:
        throw new AssertionError(d.type);
    }
    int want = d.type.hasData() ? d.lengthDw * 4 : 0;
    if (d.payload.length != want) {
      throw bad("payload of %d bytes does not match %s length %d DW", d.payload.length,
          d.type.mnemonic(), d.lengthDw);
    }
  }

  /** Length 1..1024 for {@code min} 1, exactly 0 (reserved) for {@code min} 0. */
  private static void checkLength(Draft d, int min) {
    if (min == 0) {
      if (d.lengthDw != 0) {
        throw bad("length must be 0 (reserved) for %s: %d", d.type.mnemonic(), d.lengthDw);
      }
    } else if (d.lengthDw < 1 || d.lengthDw > 1024) {
      throw bad("length out of range 1..1024 DW: %d", d.lengthDw);
    }
  }

  private static void checkSingleDw(Draft d) {
    if (d.lengthDw != 1) {
      throw bad("length of %s must be 1 DW: %d", d.type.mnemonic(), d.lengthDw);
    }
    checkByteEnables(d);
  }

  /** The byte-enable rules of §2.2.5. */
  private static void checkByteEnables(Draft d) {
    if (d.lengthDw == 1) {
      if (d.lastBe != 0) {
        throw bad("last_be must be 0 for a 1 DW request: 0x%x", d.lastBe);
      }
      return;
    }
    if (d.firstBe == 0) {
      throw bad("first_be must not be 0 for a %d DW request", d.lengthDw);
    }
    if (d.lastBe == 0) {
      throw bad("last_be must not be 0 for a %d DW request", d.lengthDw);
    }
    boolean qwAligned2Dw = d.lengthDw == 2 && (d.address & 4) == 0;
    if (!qwAligned2Dw) {
      boolean firstOk = d.firstBe == 0xf || d.firstBe == 0xe || d.firstBe == 0xc || d.firstBe == 0x8;
      boolean lastOk = d.lastBe == 0xf || d.lastBe == 0x7 || d.lastBe == 0x3 || d.lastBe == 0x1;
      if (!firstOk || !lastOk) {
        throw bad("non-contiguous byte enables in a %d DW request: first_be=0x%x last_be=0x%x",
            d.lengthDw, d.firstBe, d.lastBe);
      }
    }
  }

  private static void checkRange(String field, int value, int max) {
    if (value < 0 || value > max) {
      throw bad("%s out of range 0..%d: %d", field, max, value);
    }
  }

  private static void checkZero(Draft d, String field, int value) {
    if (value != 0) {
      throw bad("%s must be 0 for %s: %d", field, d.type.mnemonic(), value);
    }
  }

  static IllegalArgumentException bad(String format, Object... args) {
    return new IllegalArgumentException(String.format(format, args));
  }

  // ---------------------------------------------------------------------------------------------
  // with*

  /**
   * This TLP as another type of the same header layout and data-ness: CfgRd1 to CfgRd0 (the Type 1 to
   * Type 0 conversion a bridge does when the target bus is its secondary bus, Base Spec §7.3.3
   * "Configuration Request Routing Rules"), MRd to MRdLk, Cpl to CplLk, and back.
   *
   * @throws IllegalArgumentException for a type with another layout or data-ness (MWr to MRd)
   */
  public Tlp withType(TlpType t) {
    Objects.requireNonNull(t, "type");
    if (t == type) {
      return this;
    }
    if (t.layout != type.layout || t.hasData() != type.hasData()) {
      throw bad("cannot convert %s to %s: header layout or data differ", type.mnemonic(),
          t.mnemonic());
    }
    Draft d = new Draft(this);
    d.type = t;
    return d.build();
  }

  /** This TLP with EP (poisoned data, §2.7.2) set or cleared. */
  public Tlp withPoisoned(boolean poisoned) {
    if (poisoned == ep) {
      return this;
    }
    Draft d = new Draft(this);
    d.ep = poisoned;
    return d.build();
  }

  /** This completion with another status (a CplD can only be SC). */
  public Tlp withStatus(CplStatus s) {
    Objects.requireNonNull(s, "status");
    requireLayout(Layout.COMPLETION, "withStatus");
    Draft d = new Draft(this);
    d.status = s;
    return d.build();
  }

  /** This TLP with another tag (0..1023). */
  public Tlp withTag(int newTag) {
    Draft d = new Draft(this);
    d.tag = newTag;
    return d.build();
  }

  /** This TLP with another traffic class (0..7; config and I/O requests must stay TC0). */
  public Tlp withTc(int newTc) {
    Draft d = new Draft(this);
    d.tc = newTc;
    return d.build();
  }

  /** This TLP with other attributes: bit 2 IDO, bit 1 RO (relaxed ordering), bit 0 NS (no snoop). */
  public Tlp withAttr(int newAttr) {
    Draft d = new Draft(this);
    d.attr = newAttr;
    return d.build();
  }

  /** This TLP with TD set or cleared (an ECRC digest follows the payload on the wire). */
  public Tlp withDigest(boolean digest) {
    Draft d = new Draft(this);
    d.td = digest;
    return d.build();
  }

  // ---------------------------------------------------------------------------------------------
  // Encode / decode

  /** 3, or 4 for memory requests at or above 4 GiB and for messages. */
  public int headerDwordCount() {
    return fourDw() ? 4 : 3;
  }

  /** 12 or 16. */
  public int headerBytes() {
    return fourDw() ? 16 : 12;
  }

  private boolean fourDw() {
    return type.layout == Layout.MESSAGE || (type.layout == Layout.MEMORY && (address >>> 32) != 0);
  }

  /** The header as it goes on the wire, 3 or 4 DWs, laid out as in the class comment. */
  public int[] headerDwords() {
    boolean four = fourDw();
    int[] dw = new int[four ? 4 : 3];
    int typeBits = type.typeCode() | (type.isMessage() ? messageRouting : 0);
    dw[0] = type.fmt(four) << 29 | typeBits << 24 | (tag >>> 9 & 1) << 23 | tc << 20
        | (tag >>> 8 & 1) << 19 | (attr >>> 2 & 1) << 18 | (th ? 1 << 16 : 0) | (td ? 1 << 15 : 0)
        | (ep ? 1 << 14 : 0) | (attr & 3) << 12 | at << 10 | (lengthDw & 0x3ff);
    int requestDw1 = requester.requesterId() << 16 | (tag & 0xff) << 8 | (bes & 0xff);
    switch (type.layout) {
      case MEMORY:
      case IO:
        dw[1] = requestDw1;
        if (four) {
          dw[2] = (int) (address >>> 32);
          dw[3] = (int) address | ph;
        } else {
          dw[2] = (int) address | ph;
        }
        break;
      case CONFIG:
        dw[1] = requestDw1;
        dw[2] = peer.requesterId() << 16 | register;
        break;
      case COMPLETION:
        dw[1] = peer.requesterId() << 16 | cplStatus().code() << 13 | (bcm ? 1 << 12 : 0)
            | (byteCount & 0xfff);
        dw[2] = requester.requesterId() << 16 | (tag & 0xff) << 8 | lowerAddress;
        break;
      case MESSAGE:
        dw[1] = requester.requesterId() << 16 | (tag & 0xff) << 8 | mcode();
        dw[2] = (int) (address >>> 32);
        dw[3] = (int) address;
        break;
      default:
        throw new AssertionError(type);
    }
    return dw;
  }

  /**
   * Decodes a header and its payload strictly: anything the spec calls malformed or reserved, and
   * anything DriverLab does not model, is an {@link IllegalArgumentException} naming the field and
   * value, e.g. {@code "reserved fmt/type: fmt=0b000 type=0b00011"} or {@code "payload of 8 bytes
   * does not match MWr length 1 DW"}. Decoding a TLP's own {@link #headerDwords()} and
   * {@link #payload()} gives an equal TLP. The payload is copied.
   *
   * @param payload the data (whole DWs, no ECRC); null or empty for types without data
   */
  public static Tlp decode(int[] headerDwords, byte[] payload) {
    Objects.requireNonNull(headerDwords, "headerDwords");
    int[] h = headerDwords;
    if (h.length != 3 && h.length != 4) {
      throw bad("header must be 3 or 4 dwords, got %d", h.length);
    }
    int dw0 = h[0];
    int fmt = dw0 >>> 29;
    int typeBits = dw0 >>> 24 & 0x1f;
    TlpType type = TlpType.lookup(fmt, typeBits);
    if (type == null) {
      throw new IllegalArgumentException(TlpType.describeUnknown(fmt, typeBits));
    }
    boolean four = (fmt & 1) != 0;
    if (h.length != (four ? 4 : 3)) {
      throw bad("fmt=0b%s means a %d DW header, got %d dwords", CplStatus.bits(fmt, 3),
          four ? 4 : 3, h.length);
    }
    if (four && (type.isIo() || type.isConfig() || type.completion())) {
      throw bad("%s has a 3 DW header, fmt=0b%s says 4 DW", type.mnemonic(),
          CplStatus.bits(fmt, 3));
    }
    if (!four && type.isMessage()) {
      throw bad("%s has a 4 DW header, fmt=0b%s says 3 DW", type.mnemonic(),
          CplStatus.bits(fmt, 3));
    }
    if ((dw0 & LN_BIT) != 0) {
      throw bad("LN (lightweight notification, dw0 bit 17) is not supported");
    }
    Draft d = new Draft(type, null, 0);
    d.tag = (dw0 >>> 23 & 1) << 9 | (dw0 >>> 19 & 1) << 8;
    d.tc = dw0 >>> 20 & 7;
    d.attr = (dw0 >>> 18 & 1) << 2 | (dw0 >>> 12 & 3);
    d.th = (dw0 & 1 << 16) != 0;
    d.td = (dw0 & 1 << 15) != 0;
    d.ep = (dw0 & 1 << 14) != 0;
    d.at = dw0 >>> 10 & 3;
    int length = dw0 & 0x3ff;
    boolean lengthMeaningful = type.hasData() || type.nonPosted();
    d.lengthDw = lengthMeaningful && length == 0 ? 1024 : length;
    switch (type.layout) {
      case MEMORY:
      case IO:
        decodeRequestDw1(d, h[1]);
        long low = h[h.length - 1] & 0xffff_ffffL;
        if (four) {
          long high = h[2] & 0xffff_ffffL;
          if (high == 0) {
            throw bad("4 DW header with an address below 4 GiB: 0x%016x", low);
          }
          d.address = high << 32 | (low & ~3L);
        } else {
          d.address = low & ~3L;
        }
        if (type.isIo()) {
          checkReserved(2, h[2], 0x3);
        } else {
          d.ph = (int) low & 3;
        }
        break;
      case CONFIG:
        decodeRequestDw1(d, h[1]);
        checkReserved(2, h[2], 0xf003);
        d.peer = PcieId.fromRequesterId(h[2] >>> 16);
        d.register = h[2] & 0xffc;
        break;
      case COMPLETION:
        d.peer = PcieId.fromRequesterId(h[1] >>> 16);
        d.status = CplStatus.of(h[1] >>> 13 & 7);
        d.bcm = (h[1] & 1 << 12) != 0;
        int bc = h[1] & 0xfff;
        d.byteCount = bc == 0 ? 4096 : bc;
        checkReserved(2, h[2], 0x80);
        d.requester = PcieId.fromRequesterId(h[2] >>> 16);
        d.tag |= h[2] >>> 8 & 0xff;
        d.lowerAddress = h[2] & 0x7f;
        break;
      case MESSAGE:
        d.requester = PcieId.fromRequesterId(h[1] >>> 16);
        d.tag |= h[1] >>> 8 & 0xff;
        d.messageCode = h[1] & 0xff;
        d.messageRouting = typeBits & 7;
        d.messageBytes = (long) h[2] << 32 | (h[3] & 0xffff_ffffL);
        break;
      default:
        throw new AssertionError(type);
    }
    int payloadLength = payload == null ? 0 : payload.length;
    if (type.hasData()) {
      if (payloadLength != d.lengthDw * 4) {
        throw bad("payload of %d bytes does not match %s length %d DW", payloadLength,
            type.mnemonic(), d.lengthDw);
      }
      d.payload = payload.clone();
    } else if (payloadLength != 0) {
      throw bad("%s carries no data, got %d payload bytes", type.mnemonic(), payloadLength);
    }
    return d.build();
  }

  private static void decodeRequestDw1(Draft d, int dw1) {
    d.requester = PcieId.fromRequesterId(dw1 >>> 16);
    d.tag |= dw1 >>> 8 & 0xff;
    d.lastBe = dw1 >>> 4 & 0xf;
    d.firstBe = dw1 & 0xf;
  }

  private static void checkReserved(int index, int dw, int mask) {
    if ((dw & mask) != 0) {
      throw bad("reserved bits set in dw%d: 0x%08x", index, dw & mask);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Accessors

  public TlpType type() {
    return type;
  }

  /** Traffic class 0..7. */
  public int tc() {
    return tc;
  }

  /** Attributes: bit 2 IDO, bit 1 RO, bit 0 NS. */
  public int attr() {
    return attr;
  }

  /** TLP Processing Hints present. */
  public boolean th() {
    return th;
  }

  /** TLP Digest (ECRC) present. */
  public boolean td() {
    return td;
  }

  /** Error Poisoned: the data is known bad. */
  public boolean ep() {
    return ep;
  }

  /** Address Type, 2 bits (0 untranslated, 1 translation request, 2 translated). */
  public int at() {
    return at;
  }

  /** Processing Hint (memory requests with TH only; else 0), the address field's low 2 bits. */
  public int ph() {
    return ph;
  }

  /** Length in DW, 1..1024; 0 for the types whose Length is reserved (Cpl, CplLk, Msg). */
  public int lengthDw() {
    return lengthDw;
  }

  /** The requester: the function that sent the request, or that a completion returns to. */
  public PcieId requester() {
    return requester;
  }

  /** Tag, 0..1023. */
  public int tag() {
    return tag;
  }

  /** First DW Byte Enables (memory, I/O and config requests). */
  public int firstBe() {
    requireRequest("firstBe");
    return fbe();
  }

  /** Last DW Byte Enables (memory, I/O and config requests; 0 for 1 DW requests). */
  public int lastBe() {
    requireRequest("lastBe");
    return lbe();
  }

  /**
   * The DW-aligned address of a memory or I/O request, or of an address-routed message; unsigned
   * 64 bits (the header is 3 DW when this is below 4 GiB).
   */
  public long address() {
    if (type.layout == Layout.MEMORY || type.layout == Layout.IO) {
      return address;
    }
    if (type.layout == Layout.MESSAGE && messageRouting == MessageCode.ROUTE_BY_ADDRESS) {
      return address; // header bytes 8..15
    }
    throw new IllegalStateException("address() is not defined for " + describeForState());
  }

  /** The function a config request addresses. */
  public PcieId target() {
    requireLayout(Layout.CONFIG, "target()");
    return peer;
  }

  /** The config register's byte offset, 0..0xffc, DW aligned (Ext Register Number, Register Number). */
  public int register() {
    requireLayout(Layout.CONFIG, "register()");
    return register;
  }

  /** The function that completed the request. */
  public PcieId completer() {
    requireLayout(Layout.COMPLETION, "completer()");
    return peer;
  }

  public CplStatus status() {
    requireLayout(Layout.COMPLETION, "status()");
    return cplStatus();
  }

  /** Byte Count Modified (set only by PCI-X completers). */
  public boolean bcm() {
    requireLayout(Layout.COMPLETION, "bcm()");
    return bcm;
  }

  /** Bytes remaining for the request including this completion's, 1..4096. */
  public int byteCount() {
    requireLayout(Layout.COMPLETION, "byteCount()");
    return byteCount;
  }

  /** Low 7 bits of the first returned byte's address (memory reads; else 0). */
  public int lowerAddress() {
    requireLayout(Layout.COMPLETION, "lowerAddress()");
    return lowerAddress;
  }

  /** The 8-bit Message Code. */
  public int messageCode() {
    requireLayout(Layout.MESSAGE, "messageCode()");
    return mcode();
  }

  /** r[2:0]: 0 to RC, 1 by address, 2 by ID, 3 broadcast, 4 local, 5 gathered to RC. */
  public int messageRouting() {
    requireLayout(Layout.MESSAGE, "messageRouting()");
    return messageRouting;
  }

  /** Header bytes 8..15 of a message, big-endian (byte 8 in bits 63:56). */
  public long messageBytes8to15() {
    requireLayout(Layout.MESSAGE, "messageBytes8to15()");
    return address;
  }

  /** A copy of the payload (whole DWs; empty for types without data). */
  public byte[] payload() {
    if (payloadLength == 0) {
      return NO_DATA;
    }
    if (payload == null) {
      return inlineBytes();
    }
    return Arrays.copyOfRange(payload, payloadOff, payloadOff + payloadLength);
  }

  /** The payload held in {@link #address} (see {@link #payload}) as a new array. */
  private byte[] inlineBytes() {
    byte[] b = new byte[payloadLength];
    putLe(b, 0, address, payloadLength);
    return b;
  }

  /** First DW BE, 0..15. */
  private int fbe() {
    return bes & 0xf;
  }

  /** Last DW BE, 0..15. */
  private int lbe() {
    return (bes >>> 4) & 0xf;
  }

  /** The message code, 0..255. */
  private int mcode() {
    return messageCode & 0xff;
  }

  private static final CplStatus[] STATUSES = CplStatus.values();

  /** The completion status held in {@link #status}, or null for a type without one. */
  private CplStatus cplStatus() {
    return status == 0 ? null : STATUSES[status - 1];
  }

  private static byte statusCode(CplStatus s) {
    return (byte) (s == null ? 0 : s.ordinal() + 1);
  }

  /** The header's address field: 0 for a completion that holds its payload there. */
  private long headerAddress() {
    return payload == null ? 0 : address;
  }

  /** Payload byte {@code i} (in range), from the array or the inline form. */
  private byte byteAt(int i) {
    return payload == null ? (byte) (address >>> (8 * i)) : payload[payloadOff + i];
  }

  /** Payload length in bytes: {@code lengthDw() * 4} for types with data, else 0. */
  public int payloadLength() {
    return payloadLength;
  }

  /**
   * False for a TLP from {@link #memWriteView} or {@link #completionWithDataView} whose payload is a
   * view of its sender's buffer: valid while the TLP is in flight only. Keep {@link #owned()}.
   */
  public boolean ownsPayload() {
    return ownsPayload;
  }

  /** This TLP if it owns its payload, else an equal TLP with its own copy of the payload. */
  public Tlp owned() {
    if (ownsPayload) {
      return this;
    }
    if (type.completion()) {
      return new Tlp(this, type, peer, byteCount, lowerAddress, lengthDw, ownedPayloadArray(), 0,
          true);
    }
    return new Tlp(type, requester, tag, address, lengthDw, bes & 0xff,
        ownedPayloadArray(), 0, true);
  }

  /** The payload as an array this TLP may hand to a new TLP: the array itself when owned whole. */
  private byte[] ownedPayloadArray() {
    if (payload == null) {
      return inlineBytes();
    }
    if (ownsPayload && payloadOff == 0 && payload.length == payloadLength) {
      return payload;
    }
    return Arrays.copyOfRange(payload, payloadOff, payloadOff + payloadLength);
  }

  /**
   * Copies payload bytes without an intermediate copy, like {@link System#arraycopy}.
   *
   * @throws IndexOutOfBoundsException if {@code srcOff, len} do not fit the payload or
   *     {@code dstOff, len} do not fit {@code dst}
   */
  public void copyPayload(int srcOff, byte[] dst, int dstOff, int len) {
    Objects.checkFromIndexSize(srcOff, len, payloadLength);
    if (payload == null) {
      Objects.checkFromIndexSize(dstOff, len, dst.length);
      putLe(dst, dstOff, address >>> (8 * srcOff), len);
      return;
    }
    System.arraycopy(payload, payloadOff + srcOff, dst, dstOff, len);
  }

  /**
   * Hands {@code len} payload bytes from {@code srcOff} to {@code sink} without copying them. The sink
   * must only read them, and only during the call.
   */
  public void payloadTo(int srcOff, int len, PayloadSink sink) {
    Objects.checkFromIndexSize(srcOff, len, payloadLength);
    if (payload == null) {
      sink.accept(inlineBytes(), srcOff, len);
      return;
    }
    sink.accept(payload, payloadOff + srcOff, len);
  }

  /**
   * Writes {@code len} payload bytes from {@code srcOff} into {@code region} at {@code offset}, without
   * an intermediate copy: a DMA write reaching RAM.
   */
  public void payloadTo(int srcOff, int len, MemoryRegion region, long offset) {
    Objects.checkFromIndexSize(srcOff, len, payloadLength);
    if (payload == null) {
      region.write(offset, inlineBytes(), srcOff, len);
      return;
    }
    region.write(offset, payload, payloadOff + srcOff, len);
  }

  /** One payload byte, 0..255. */
  public int payloadByte(int index) {
    return byteAt(Objects.checkIndex(index, payloadLength)) & 0xff;
  }

  /**
   * {@code size} (1..8) payload bytes from {@code offset} read as a little-endian value, the way a
   * CPU load sees them: for an MWr built by {@link #memWriteLe} at address {@code a},
   * {@code payloadLe(a & 3, size)} is the value written.
   */
  public long payloadLe(int offset, int size) {
    if (size < 1 || size > 8) {
      throw bad("size out of range 1..8: %d", size);
    }
    Objects.checkFromIndexSize(offset, size, payloadLength);
    if (payload == null) {
      long v = address >>> (8 * offset);
      return size == 8 ? v : v & ((1L << (8 * size)) - 1);
    }
    long v = 0;
    for (int i = size - 1; i >= 0; i--) {
      v = v << 8 | (payload[payloadOff + offset + i] & 0xff);
    }
    return v;
  }

  // ---------------------------------------------------------------------------------------------
  // Derived facts

  /**
   * The bytes a memory, I/O or config request covers, from Length and the byte enables: from the
   * first enabled byte of the first DW to the last enabled byte of the last DW (§2.3.1.1, "Byte
   * Count" for reads). A zero-length request (Length 1, First BE 0) covers 0 bytes.
   */
  public int requestByteLength() {
    requireRequest("requestByteLength()");
    int firstBe = fbe();
    if (lengthDw == 1) {
      if (firstBe == 0) {
        return 0;
      }
      return 32 - Integer.numberOfLeadingZeros(firstBe) - Integer.numberOfTrailingZeros(firstBe);
    }
    int lead = Integer.numberOfTrailingZeros(firstBe);
    int trail = 3 - (31 - Integer.numberOfLeadingZeros(lbe()));
    return lengthDw * 4 - lead - trail;
  }

  /** The Byte Count of the first completion of a read: as requestByteLength, but 1 for 0 (§2.2.9). */
  private int initialByteCount() {
    return Math.max(1, requestByteLength());
  }

  /** The address of the first enabled byte of a memory or I/O request ({@code address()} if none). */
  public long requestFirstByteAddress() {
    if (type.layout != Layout.MEMORY && type.layout != Layout.IO) {
      throw new IllegalStateException(
          "requestFirstByteAddress() is not defined for " + describeForState());
    }
    int firstBe = fbe();
    return firstBe == 0 ? address : address + Integer.numberOfTrailingZeros(firstBe);
  }

  /** Memory and I/O requests, and messages with routing 1. */
  public boolean routedByAddress() {
    return type.layout == Layout.MEMORY || type.layout == Layout.IO
        || (type.layout == Layout.MESSAGE && messageRouting == MessageCode.ROUTE_BY_ADDRESS);
  }

  /** Config requests, completions, and messages with routing 2. */
  public boolean routedById() {
    return type.layout == Layout.CONFIG || type.layout == Layout.COMPLETION
        || (type.layout == Layout.MESSAGE && messageRouting == MessageCode.ROUTE_BY_ID);
  }

  /**
   * The ID an ID-routed TLP goes to: the target of a config request, the requester of a completion,
   * header bytes 8..9 of a message with routing 2.
   *
   * @throws IllegalStateException if {@link #routedById()} is false
   */
  public PcieId routingId() {
    switch (type.layout) {
      case CONFIG:
        return peer;
      case COMPLETION:
        return requester;
      case MESSAGE:
        if (messageRouting == MessageCode.ROUTE_BY_ID) {
          return PcieId.fromRequesterId((int) (address >>> 48));
        }
        break;
      default:
        break;
    }
    throw new IllegalStateException("routingId() is not defined for " + describeForState());
  }

  private void requireRequest(String what) {
    if (type.layout == Layout.COMPLETION || type.layout == Layout.MESSAGE) {
      throw new IllegalStateException(what + " is not defined for " + describeForState());
    }
  }

  private void requireLayout(Layout layout, String what) {
    if (type.layout != layout) {
      throw new IllegalStateException(what + " is not defined for " + describeForState());
    }
  }

  private String describeForState() {
    return type.mnemonic() + (type.isMessage() ? " with routing " + messageRouting : "");
  }

  static void putLe(byte[] dst, int offset, long value, int size) {
    for (int i = 0; i < size; i++) {
      dst[offset + i] = (byte) (value >>> (8 * i));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Object

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Tlp)) {
      return false;
    }
    Tlp t = (Tlp) o;
    return type == t.type && tc == t.tc && attr == t.attr && th == t.th && td == t.td
        && ep == t.ep && at == t.at && ph == t.ph && lengthDw == t.lengthDw && tag == t.tag
        && bes == t.bes && headerAddress() == t.headerAddress()
        && register == t.register && status == t.status && bcm == t.bcm
        && byteCount == t.byteCount && lowerAddress == t.lowerAddress
        && messageCode == t.messageCode && messageRouting == t.messageRouting
        && requester.equals(t.requester)
        && Objects.equals(peer, t.peer) && samePayload(t);
  }

  private boolean samePayload(Tlp t) {
    if (payload != null && t.payload != null) {
      return Arrays.equals(payload, payloadOff, payloadOff + payloadLength, t.payload,
          t.payloadOff, t.payloadOff + t.payloadLength);
    }
    if (payloadLength != t.payloadLength) {
      return false;
    }
    for (int i = 0; i < payloadLength; i++) {
      if (byteAt(i) != t.byteAt(i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = type.hashCode();
    h = 31 * h + (tc << 8 | attr << 4 | at << 2 | ph);
    h = 31 * h + ((th ? 4 : 0) | (td ? 2 : 0) | (ep ? 1 : 0) | (bcm ? 8 : 0));
    h = 31 * h + lengthDw;
    h = 31 * h + requester.hashCode();
    h = 31 * h + tag;
    h = 31 * h + (fbe() << 4 | lbe());
    boolean message = type.layout == Layout.MESSAGE;
    h = 31 * h + Long.hashCode(message ? 0 : headerAddress());
    h = 31 * h + Objects.hashCode(peer);
    h = 31 * h + register;
    h = 31 * h + Objects.hashCode(cplStatus());
    h = 31 * h + byteCount;
    h = 31 * h + lowerAddress;
    h = 31 * h + (mcode() << 3 | messageRouting);
    h = 31 * h + Long.hashCode(message ? address : 0);
    int ph = 1; // Arrays.hashCode of the payload's bytes, wherever they sit
    for (int i = 0; i < payloadLength; i++) {
      ph = 31 * ph + byteAt(i);
    }
    h = 31 * h + ph;
    return h;
  }

  /** The analyzer form without time and direction, e.g. {@code MRd req=01:00.0 tag=05 ...}. */
  @Override
  public String toString() {
    return AnalyzerText.describe(this);
  }
}
