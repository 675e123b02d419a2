package dev.driverlab.devices.pcie.tlp;

/**
 * The TLP types DriverLab models, with their Fmt/Type encodings (PCIe Base Spec §2.2.1, Table
 * "Fmt[2:0] and Type[4:0] Field Encodings").
 *
 * <pre>
 *   type     Fmt        Type       meaning                         class
 *   MRd      000/001    0 0000     memory read (3 DW / 4 DW hdr)   non-posted
 *   MRdLk    000/001    0 0001     locked memory read              non-posted
 *   MWr      010/011    0 0000     memory write                    posted
 *   IORd     000        0 0010     I/O read                        non-posted
 *   IOWr     010        0 0010     I/O write                       non-posted
 *   CfgRd0   000        0 0100     config read, Type 0             non-posted
 *   CfgWr0   010        0 0100     config write, Type 0            non-posted
 *   CfgRd1   000        0 0101     config read, Type 1             non-posted
 *   CfgWr1   010        0 0101     config write, Type 1            non-posted
 *   Msg      001        1 0rrr     message, r = routing            posted
 *   MsgD     011        1 0rrr     message with data               posted
 *   Cpl      000        0 1010     completion without data         completion
 *   CplD     010        0 1010     completion with data            completion
 *   CplLk    000        0 1011     locked completion               completion
 *   CplDLk   010        0 1011     locked completion with data     completion
 * </pre>
 * Fmt bit 1 says "carries data", Fmt bit 0 "4 DW header". AtomicOps (FetchAdd, Swap, CAS), the
 * deprecated TCfgRd/TCfgWr and TLP prefixes (Fmt 100) are not modelled; {@link Tlp#decode} rejects
 * them by name.
 */
public enum TlpType {
  MRD("MRd", Layout.MEMORY, false, 0b00000),
  MRDLK("MRdLk", Layout.MEMORY, false, 0b00001),
  MWR("MWr", Layout.MEMORY, true, 0b00000),
  IORD("IORd", Layout.IO, false, 0b00010),
  IOWR("IOWr", Layout.IO, true, 0b00010),
  CFGRD0("CfgRd0", Layout.CONFIG, false, 0b00100),
  CFGWR0("CfgWr0", Layout.CONFIG, true, 0b00100),
  CFGRD1("CfgRd1", Layout.CONFIG, false, 0b00101),
  CFGWR1("CfgWr1", Layout.CONFIG, true, 0b00101),
  MSG("Msg", Layout.MESSAGE, false, 0b10000),
  MSGD("MsgD", Layout.MESSAGE, true, 0b10000),
  CPL("Cpl", Layout.COMPLETION, false, 0b01010),
  CPLD("CplD", Layout.COMPLETION, true, 0b01010),
  CPLLK("CplLk", Layout.COMPLETION, false, 0b01011),
  CPLDLK("CplDLk", Layout.COMPLETION, true, 0b01011);

  /** Which header layout (DW1..DW3) a type uses; types of one layout share every field. */
  enum Layout {
    MEMORY,
    IO,
    CONFIG,
    COMPLETION,
    MESSAGE
  }

  private final String mnemonic;
  final Layout layout;
  private final boolean hasData;
  private final int typeCode;

  TlpType(String mnemonic, Layout layout, boolean hasData, int typeCode) {
    this.mnemonic = mnemonic;
    this.layout = layout;
    this.hasData = hasData;
    this.typeCode = typeCode;
  }

  /** The name protocol analyzers and the spec use: "MRd", "CfgWr0", "CplD". */
  public String mnemonic() {
    return mnemonic;
  }

  /** MWr, Msg and MsgD: the sender gets no completion. */
  public boolean posted() {
    return this == MWR || layout == Layout.MESSAGE;
  }

  /** Reads, I/O and config requests: the completer answers with a completion. */
  public boolean nonPosted() {
    return !posted() && layout != Layout.COMPLETION;
  }

  /** Cpl, CplD, CplLk, CplDLk. */
  public boolean completion() {
    return layout == Layout.COMPLETION;
  }

  /** Whether a data payload follows the header (Fmt bit 1). */
  public boolean hasData() {
    return hasData;
  }

  /** CfgRd0, CfgWr0, CfgRd1, CfgWr1. */
  public boolean isConfig() {
    return layout == Layout.CONFIG;
  }

  /** MRd, MRdLk, MWr. */
  public boolean isMemory() {
    return layout == Layout.MEMORY;
  }

  /** IORd, IOWr. */
  public boolean isIo() {
    return layout == Layout.IO;
  }

  /** Msg, MsgD. */
  public boolean isMessage() {
    return layout == Layout.MESSAGE;
  }

  /** A read: MRd, MRdLk, IORd, CfgRd0, CfgRd1 (answered by a completion with data). */
  public boolean isRead() {
    return !hasData && nonPosted();
  }

  /**
   * The Fmt[2:0] code: bit 1 = has data, bit 0 = 4 DW header.
   *
   * @param fourDw whether the header is 4 DW (64-bit address or a message)
   */
  public int fmt(boolean fourDw) {
    return (hasData ? 0b010 : 0) | (fourDw ? 1 : 0);
  }

  /**
   * The Type[4:0] code. For Msg/MsgD this is the base {@code 1 0000}; the routing sub-field r[2:0]
   * ({@link Tlp#messageRouting()}) is OR'd into the low three bits on the wire.
   */
  public int typeCode() {
    return typeCode;
  }

  /**
   * The type of a Fmt/Type pair as it appears in DW0 (the header size bit, Fmt bit 0, is ignored here;
   * {@link Tlp#decode} checks it per type).
   *
   * @throws IllegalArgumentException naming the pair when it is reserved or not modelled
   */
  public static TlpType fromFmtType(int fmt, int type) {
    TlpType t = lookup(fmt, type);
    if (t == null) {
      throw new IllegalArgumentException(describeUnknown(fmt, type));
    }
    return t;
  }

  /** The type, or null when the pair is reserved, not modelled or a TLP prefix. */
  static TlpType lookup(int fmt, int type) {
    if (fmt < 0 || fmt > 3 || type < 0 || type > 0x1f) {
      return null;
    }
    boolean data = (fmt & 0b010) != 0;
    if ((type & 0b11000) == 0b10000) {
      return data ? MSGD : MSG;
    }
    switch (type) {
      case 0b00000:
        return data ? MWR : MRD;
      case 0b00001:
        return data ? null : MRDLK;
      case 0b00010:
        return data ? IOWR : IORD;
      case 0b00100:
        return data ? CFGWR0 : CFGRD0;
      case 0b00101:
        return data ? CFGWR1 : CFGRD1;
      case 0b01010:
        return data ? CPLD : CPL;
      case 0b01011:
        return data ? CPLDLK : CPLLK;
      default:
        return null;
    }
  }

  /** The reason a Fmt/Type pair has no {@link TlpType}, worded for error messages. */
  static String describeUnknown(int fmt, int type) {
    String pair = "fmt=0b" + CplStatus.bits(fmt, 3) + " type=0b" + CplStatus.bits(type, 5);
    if (fmt == 0b100) {
      return "TLP prefixes are not supported: " + pair;
    }
    if (fmt > 3) {
      return "reserved fmt: " + pair;
    }
    boolean data = (fmt & 0b010) != 0;
    switch (type) {
      case 0b01100:
        return (data ? "AtomicOp FetchAdd is not supported: " : "reserved fmt/type: ") + pair;
      case 0b01101:
        return (data ? "AtomicOp Swap is not supported: " : "reserved fmt/type: ") + pair;
      case 0b01110:
        return (data ? "AtomicOp CAS is not supported: " : "reserved fmt/type: ") + pair;
      case 0b11011:
        return "deprecated TCfgRd/TCfgWr is not supported: " + pair;
      default:
        return "reserved fmt/type: " + pair;
    }
  }
}
