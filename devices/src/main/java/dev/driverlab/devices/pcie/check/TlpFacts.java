package dev.driverlab.devices.pcie.check;

import dev.driverlab.devices.pcie.tlp.AnalyzerText;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpFields;
import dev.driverlab.devices.pcie.tlp.TlpType;

/**
 * The header fields the protocol rules look at, read either from a {@link Tlp} (which the codec has
 * already validated) or leniently from raw header DWs (which may break any rule). Fields a type does
 * not have are zero or null. The checker reads a Tlp's fields itself on its hot path; these facts
 * serve the raw door and the reports.
 *
 * <pre>
 *  DW0        Fmt[31:29] Type[28:24] T9[23] T8[19] Length[9:0]         (0 = 1024 DW for types with a length)
 *  requests   DW1 Requester[31:16] Tag[15:8] LastBE[7:4] FirstBE[3:0]; DW2 (DW3) address
 *  completion DW1 Completer[31:16] Status[15:13] ByteCount[11:0] (0 = 4096)
 *             DW2 Requester[31:16] Tag[15:8] LowerAddress[6:0]
 * </pre>
 */
final class TlpFacts {
  /** The TLP these facts are read from, when they come from one: its fields are read straight from it. */
  private final Tlp tlp;
  /** The fields parsed from a raw header, when they come from one (kept apart: a TLP's facts stay small). */
  private final Raw raw;

  private static final class Raw {
    TlpType type;
    int lengthDw;
    PcieId requester;
    int tag;
    int firstBe;
    int lastBe;
    long address;
    PcieId completer;
    CplStatus status;
    int byteCount;
    int lowerAddress;
    PcieId target;
    int[] header;
  }

  /** The type, read once (every rule starts from it). */
  private final TlpType type;

  private TlpFacts(Tlp tlp, Raw raw) {
    this.tlp = tlp;
    this.raw = raw;
    this.type = tlp != null ? tlp.type() : raw.type;
  }

  /** Facts read from {@code t} (which the codec has already validated), as they are needed. */
  static TlpFacts of(Tlp t) {
    return new TlpFacts(t, null);
  }

  /**
   * The facts of a checker's "source": a {@link Tlp}, or the facts of a raw header themselves. The
   * checker hands sources to its rules and builds facts only for a report (checking a Tlp allocates
   * nothing).
   */
  static TlpFacts of(Object source) {
    return source instanceof Tlp t ? of(t) : (TlpFacts) source;
  }

  TlpType type() {
    return type;
  }

  int lengthDw() {
    Tlp t = tlp;
    return t != null ? t.lengthDw() : raw.lengthDw;
  }

  PcieId requester() {
    Tlp t = tlp;
    return t != null ? t.requester() : raw.requester;
  }

  int tag() {
    Tlp t = tlp;
    return t != null ? t.tag() : raw.tag;
  }

  /** Requests only (0 for completions and messages). */
  int firstBe() {
    Tlp t = tlp;
    return t == null ? raw.firstBe : isRequest(type) ? t.firstBe() : 0;
  }

  /** Requests only (0 for completions and messages). */
  int lastBe() {
    Tlp t = tlp;
    return t == null ? raw.lastBe : isRequest(type) ? t.lastBe() : 0;
  }

  /** Memory and I/O requests only (0 otherwise). */
  long address() {
    Tlp t = tlp;
    if (t == null) {
      return raw.address;
    }
    return isRequest(type) && (type.isMemory() || type.isIo()) ? t.address() : 0;
  }

  /** Completions only (null otherwise). */
  PcieId completer() {
    Tlp t = tlp;
    return t == null ? raw.completer : type.completion() ? t.completer() : null;
  }

  /** Completions only (null otherwise). */
  CplStatus status() {
    Tlp t = tlp;
    return t == null ? raw.status : type.completion() ? t.status() : null;
  }

  /** Completions only (0 otherwise). */
  int byteCount() {
    Tlp t = tlp;
    return t == null ? raw.byteCount : type.completion() ? t.byteCount() : 0;
  }

  /** Completions only (0 otherwise). */
  int lowerAddress() {
    Tlp t = tlp;
    return t == null ? raw.lowerAddress : type.completion() ? t.lowerAddress() : 0;
  }

  /** The function a configuration request addresses (null for other types). */
  PcieId target() {
    Tlp t = tlp;
    return t == null ? raw.target : type.isConfig() ? t.target() : null;
  }

  private static boolean isRequest(TlpType y) {
    return !y.completion() && !y.isMessage();
  }

  /**
   * Reads a raw header; throws {@link IllegalArgumentException} with the reason when the Fmt/Type pair
   * or the header size does not name a TLP type DriverLab models (the rules cannot look further).
   */
  static TlpFacts of(int[] h) {
    if (h == null || (h.length != 3 && h.length != 4)) {
      throw new IllegalArgumentException("header must be 3 or 4 dwords, got " + (h == null ? 0 : h.length));
    }
    int dw0 = h[0];
    int fmt = dw0 >>> 29;
    TlpType type = TlpType.fromFmtType(fmt, dw0 >>> 24 & 0x1f);
    boolean four = (fmt & 1) != 0;
    if (h.length != (four ? 4 : 3)) {
      throw new IllegalArgumentException(String.format("Fmt says a %d DW header, got %d dwords", four ? 4 : 3,
          h.length));
    }
    int length = dw0 & 0x3ff;
    int tagHigh = (dw0 >>> 23 & 1) << 9 | (dw0 >>> 19 & 1) << 8;
    Raw f = new Raw();
    f.type = type;
    f.lengthDw = (type.hasData() || type.nonPosted()) && length == 0 ? 1024 : length;
    f.header = h.clone();
    if (type.completion()) {
      int bc = h[1] & 0xfff;
      f.requester = PcieId.fromRequesterId(h[2] >>> 16);
      f.tag = tagHigh | (h[2] >>> 8 & 0xff);
      f.completer = PcieId.fromRequesterId(h[1] >>> 16);
      f.status = CplStatus.of(h[1] >>> 13 & 7);
      f.byteCount = bc == 0 ? 4096 : bc;
      f.lowerAddress = h[2] & 0x7f;
      return new TlpFacts(null, f);
    }
    f.requester = PcieId.fromRequesterId(h[1] >>> 16);
    f.tag = tagHigh | (h[1] >>> 8 & 0xff);
    if (type.isMessage()) {
      return new TlpFacts(null, f);
    }
    long low = h[h.length - 1] & 0xffff_fffcL;
    long address = four ? (h[2] & 0xffff_ffffL) << 32 | low : low;
    f.firstBe = h[1] & 0xf;
    f.lastBe = h[1] >>> 4 & 0xf;
    f.address = type.isConfig() ? 0 : address;
    f.target = type.isConfig() ? PcieId.fromRequesterId(h[2] >>> 16) : null;
    return new TlpFacts(null, f);
  }

  /** Memory and I/O requests: the bytes the byte enables select (a zero-length read covers 0). */
  int requestBytes() {
    Tlp t = tlp;
    if (t != null && (type.isMemory() || type.isIo())) {
      return t.requestByteLength(); // the same count (its byte enables are valid, so no zero cases)
    }
    int lengthDw = lengthDw();
    int firstBe = firstBe();
    int lastBe = lastBe();
    if (lengthDw == 1) {
      return firstBe == 0 ? 0 : 32 - Integer.numberOfLeadingZeros(firstBe) - Integer.numberOfTrailingZeros(firstBe);
    }
    int lead = firstBe == 0 ? 0 : Integer.numberOfTrailingZeros(firstBe);
    int trail = lastBe == 0 ? 0 : 3 - (31 - Integer.numberOfLeadingZeros(lastBe));
    return lengthDw * 4 - lead - trail;
  }

  /** The address of the first byte a memory request asks for. */
  long firstByteAddress() {
    Tlp t = tlp;
    if (t != null && (type.isMemory() || type.isIo())) {
      return t.requestFirstByteAddress();
    }
    int firstBe = firstBe();
    long address = address();
    return firstBe == 0 ? address : address + Integer.numberOfTrailingZeros(firstBe);
  }

  String text() {
    return tlp != null ? AnalyzerText.describe(tlp) : String.join(" ", TlpFields.describe(raw.header));
  }
}
