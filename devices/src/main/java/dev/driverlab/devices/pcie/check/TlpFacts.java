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
 * not have are zero or null.
 *
 * <pre>
 *  DW0        Fmt[31:29] Type[28:24] T9[23] T8[19] Length[9:0]         (0 = 1024 DW for types with a length)
 *  requests   DW1 Requester[31:16] Tag[15:8] LastBE[7:4] FirstBE[3:0]; DW2 (DW3) address
 *  completion DW1 Completer[31:16] Status[15:13] ByteCount[11:0] (0 = 4096)
 *             DW2 Requester[31:16] Tag[15:8] LowerAddress[6:0]
 * </pre>
 */
final class TlpFacts {
  final TlpType type;
  final int lengthDw;
  final PcieId requester;
  final int tag;
  final int firstBe;
  final int lastBe;
  final long address;
  final PcieId completer;
  final CplStatus status;
  final int byteCount;
  final int lowerAddress;
  /** The function a configuration request addresses (null for other types). */
  final PcieId target;
  /** The analyzer text of the TLP, for reports (computed on demand: most TLPs break no rule). */
  private final Tlp tlp;
  private final int[] raw;

  private TlpFacts(TlpType type, int lengthDw, PcieId requester, int tag, int firstBe, int lastBe, long address,
      PcieId completer, CplStatus status, int byteCount, int lowerAddress, PcieId target, Tlp tlp, int[] raw) {
    this.type = type;
    this.lengthDw = lengthDw;
    this.requester = requester;
    this.tag = tag;
    this.firstBe = firstBe;
    this.lastBe = lastBe;
    this.address = address;
    this.completer = completer;
    this.status = status;
    this.byteCount = byteCount;
    this.lowerAddress = lowerAddress;
    this.target = target;
    this.tlp = tlp;
    this.raw = raw;
  }

  static TlpFacts of(Tlp t) {
    TlpType type = t.type();
    if (type.completion()) {
      return new TlpFacts(type, t.lengthDw(), t.requester(), t.tag(), 0, 0, 0, t.completer(), t.status(),
          t.byteCount(), t.lowerAddress(), null, t, null);
    }
    if (type.isMessage()) {
      return new TlpFacts(type, t.lengthDw(), t.requester(), t.tag(), 0, 0, 0, null, null, 0, 0, null, t, null);
    }
    long address = type.isMemory() || type.isIo() ? t.address() : 0;
    return new TlpFacts(type, t.lengthDw(), t.requester(), t.tag(), t.firstBe(), t.lastBe(), address, null, null,
        0, 0, type.isConfig() ? t.target() : null, t, null);
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
    int lengthDw = (type.hasData() || type.nonPosted()) && length == 0 ? 1024 : length;
    int tagHigh = (dw0 >>> 23 & 1) << 9 | (dw0 >>> 19 & 1) << 8;
    if (type.completion()) {
      int bc = h[1] & 0xfff;
      return new TlpFacts(type, lengthDw, PcieId.fromRequesterId(h[2] >>> 16), tagHigh | (h[2] >>> 8 & 0xff), 0, 0,
          0, PcieId.fromRequesterId(h[1] >>> 16), CplStatus.of(h[1] >>> 13 & 7), bc == 0 ? 4096 : bc, h[2] & 0x7f,
          null, null, h.clone());
    }
    PcieId requester = PcieId.fromRequesterId(h[1] >>> 16);
    int tag = tagHigh | (h[1] >>> 8 & 0xff);
    if (type.isMessage()) {
      return new TlpFacts(type, lengthDw, requester, tag, 0, 0, 0, null, null, 0, 0, null, null, h.clone());
    }
    long low = h[h.length - 1] & 0xffff_fffcL;
    long address = four ? (h[2] & 0xffff_ffffL) << 32 | low : low;
    return new TlpFacts(type, lengthDw, requester, tag, h[1] & 0xf, h[1] >>> 4 & 0xf, type.isConfig() ? 0 : address,
        null, null, 0, 0, type.isConfig() ? PcieId.fromRequesterId(h[2] >>> 16) : null, null, h.clone());
  }

  /** Memory and I/O requests: the bytes the byte enables select (a zero-length read covers 0). */
  int requestBytes() {
    if (lengthDw == 1) {
      return firstBe == 0 ? 0 : 32 - Integer.numberOfLeadingZeros(firstBe) - Integer.numberOfTrailingZeros(firstBe);
    }
    int lead = firstBe == 0 ? 0 : Integer.numberOfTrailingZeros(firstBe);
    int trail = lastBe == 0 ? 0 : 3 - (31 - Integer.numberOfLeadingZeros(lastBe));
    return lengthDw * 4 - lead - trail;
  }

  /** The address of the first byte a memory request asks for. */
  long firstByteAddress() {
    return firstBe == 0 ? address : address + Integer.numberOfTrailingZeros(firstBe);
  }

  String text() {
    return tlp != null ? AnalyzerText.describe(tlp) : String.join(" ", TlpFields.describe(raw));
  }
}
