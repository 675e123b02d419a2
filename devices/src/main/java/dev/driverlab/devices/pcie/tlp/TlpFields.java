package dev.driverlab.devices.pcie.tlp;

import dev.driverlab.devices.pcie.tlp.TlpType.Layout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The lenient door to TLP headers, for the {@code tlp} command and the trace viewer: header DWs to
 * named fields and back. Where {@link Tlp#decode} throws, {@link #describe} reports: it names every
 * field it can read and adds {@code error=...} lines with the strict decoder's complaints. And
 * {@link #encode} packs any field values that fit their bits, so malformed headers can be built on
 * purpose (to test a receiver); it rejects only unknown names and values that do not fit.
 *
 * <p>Fields, one {@code name=value} per line, in header order:
 * <pre>
 *  all          kind=MRd (the mnemonic, when the Fmt/Type pair is known) fmt=0b000 type=0b00000
 *               tc=0 attr=0b000 th=0 td=0 ep=0 at=0 length=8 [ln=1]
 *  MRd/MRdLk/   requester=01:00.0 tag=0x05 last_be=0xf first_be=0xf
 *  MWr/IO       address=0x001ff000 (8 digits for a 3 DW header, 16 for 4 DW) [ph=0b01]
 *  Cfg*         requester tag last_be first_be bus=0x01 device=0x00 function=0 register=0x010
 *  Cpl*         completer=01:00.0 status=SC bcm=0 byte_count=4 requester tag lower_address=0x00
 *  Msg/MsgD     requester tag message_code=0x20 routing=0b100 msg_bytes_8_15=0x0000000000000000
 *  unknown      kind (if known) fmt type dw0=0x... dw1=0x... dw2=0x... [dw3=0x...]
 * </pre>
 * {@code length} and {@code byte_count} show their meaning (1024 and 4096 for a field of 0);
 * {@code ph} appears when TH is set or the address field's low bits are not zero; {@code ln} when
 * the LN bit is set; the raw {@code dwN} form when the type is not modelled or the header's size does
 * not fit its type. {@link #encode} reads all of these back; numbers may be decimal, {@code 0x} hex or
 * {@code 0b} binary.
 */
public final class TlpFields {
  private TlpFields() {}

  private static final List<String> COMMON =
      List.of("kind", "fmt", "type", "tc", "attr", "th", "td", "ep", "at", "length", "ln", "error");
  private static final List<String> REQUEST = List.of("requester", "tag", "last_be", "first_be");
  private static final List<String> ADDRESS = List.of("address", "ph");
  private static final List<String> CONFIG = List.of("bus", "device", "function", "register");
  private static final List<String> COMPLETION = List.of("completer", "status", "bcm",
      "byte_count", "requester", "tag", "lower_address");
  private static final List<String> MESSAGE =
      List.of("requester", "tag", "message_code", "routing", "msg_bytes_8_15");
  private static final List<String> RAW = List.of("dw0", "dw1", "dw2", "dw3");
  private static final Set<String> KNOWN = new TreeSet<>();

  static {
    KNOWN.addAll(COMMON);
    KNOWN.addAll(REQUEST);
    KNOWN.addAll(ADDRESS);
    KNOWN.addAll(CONFIG);
    KNOWN.addAll(COMPLETION);
    KNOWN.addAll(MESSAGE);
    KNOWN.addAll(RAW);
  }

  /** Every field name {@link #encode} accepts. */
  public static Set<String> fieldNames() {
    return Set.copyOf(KNOWN);
  }

  // ---------------------------------------------------------------------------------------------
  // describe

  /**
   * Names the fields of a header (3 or 4 DWs), never throwing: problems become {@code error=...}
   * lines (the strict decoder's message; for types with data, the payload is assumed to match).
   */
  public static List<String> describe(int[] dwords) {
    List<String> out = new ArrayList<>();
    if (dwords == null || dwords.length == 0) {
      out.add("error=header must be 3 or 4 dwords, got " + (dwords == null ? 0 : dwords.length));
      return out;
    }
    int[] dw = dwords;
    int dw0 = dw[0];
    int fmt = dw0 >>> 29;
    int typeBits = dw0 >>> 24 & 0x1f;
    TlpType t = TlpType.lookup(fmt, typeBits);
    if (t != null) {
      out.add("kind=" + t.mnemonic());
    }
    out.add("fmt=0b" + CplStatus.bits(fmt, 3));
    out.add("type=0b" + CplStatus.bits(typeBits, 5));
    if (t == null || !layoutFits(t, fmt, dw.length)) {
      for (int i = 0; i < dw.length; i++) {
        out.add(String.format("dw%d=0x%08x", i, dw[i]));
      }
      String error = strictError(dw, t);
      out.add("error=" + (error != null ? error : "header does not fit its type"));
      return out;
    }
    boolean four = dw.length == 4;
    int tagHigh = (dw0 >>> 23 & 1) << 9 | (dw0 >>> 19 & 1) << 8;
    out.add("tc=" + (dw0 >>> 20 & 7));
    out.add("attr=0b" + CplStatus.bits((dw0 >>> 18 & 1) << 2 | (dw0 >>> 12 & 3), 3));
    boolean th = (dw0 >>> 16 & 1) != 0;
    out.add("th=" + (th ? 1 : 0));
    out.add("td=" + (dw0 >>> 15 & 1));
    out.add("ep=" + (dw0 >>> 14 & 1));
    out.add("at=" + (dw0 >>> 10 & 3));
    int length = dw0 & 0x3ff;
    out.add("length=" + (lengthMeaningful(t) && length == 0 ? 1024 : length));
    if ((dw0 & 1 << 17) != 0) {
      out.add("ln=1");
    }
    switch (t.layout) {
      case MEMORY:
      case IO:
        describeRequestDw1(out, dw[1], tagHigh);
        long low = dw[dw.length - 1] & 0xffff_ffffL;
        if (four) {
          out.add(String.format("address=0x%016x", (dw[2] & 0xffff_ffffL) << 32 | (low & ~3L)));
        } else {
          out.add(String.format("address=0x%08x", low & ~3L));
        }
        if (th || (low & 3) != 0) {
          out.add("ph=0b" + CplStatus.bits((int) low & 3, 2));
        }
        break;
      case CONFIG:
        describeRequestDw1(out, dw[1], tagHigh);
        out.add(String.format("bus=0x%02x", dw[2] >>> 24));
        out.add(String.format("device=0x%02x", dw[2] >>> 19 & 0x1f));
        out.add("function=" + (dw[2] >>> 16 & 7));
        out.add(String.format("register=0x%03x", dw[2] & 0xffc));
        break;
      case COMPLETION:
        out.add("completer=" + PcieId.fromRequesterId(dw[1] >>> 16));
        out.add("status=" + statusText(dw[1] >>> 13 & 7));
        out.add("bcm=" + (dw[1] >>> 12 & 1));
        int bc = dw[1] & 0xfff;
        out.add("byte_count=" + (bc == 0 ? 4096 : bc));
        out.add("requester=" + PcieId.fromRequesterId(dw[2] >>> 16));
        out.add(String.format("tag=0x%02x", tagHigh | (dw[2] >>> 8 & 0xff)));
        out.add(String.format("lower_address=0x%02x", dw[2] & 0x7f));
        break;
      case MESSAGE:
        out.add("requester=" + PcieId.fromRequesterId(dw[1] >>> 16));
        out.add(String.format("tag=0x%02x", tagHigh | (dw[1] >>> 8 & 0xff)));
        out.add(String.format("message_code=0x%02x", dw[1] & 0xff));
        out.add("routing=0b" + CplStatus.bits(typeBits & 7, 3));
        out.add(String.format("msg_bytes_8_15=0x%08x%08x", dw[2], dw[3]));
        break;
      default:
        throw new AssertionError(t);
    }
    String error = strictError(dw, t);
    if (error != null) {
      out.add("error=" + error);
    }
    return out;
  }

  private static boolean layoutFits(TlpType t, int fmt, int dwords) {
    if (dwords != ((fmt & 1) != 0 ? 4 : 3)) {
      return false;
    }
    switch (t.layout) {
      case MESSAGE:
        return dwords == 4;
      case IO:
      case CONFIG:
      case COMPLETION:
        return dwords == 3;
      default:
        return true;
    }
  }

  private static boolean lengthMeaningful(TlpType t) {
    return t.hasData() || t.nonPosted();
  }

  private static void describeRequestDw1(List<String> out, int dw1, int tagHigh) {
    out.add("requester=" + PcieId.fromRequesterId(dw1 >>> 16));
    out.add(String.format("tag=0x%02x", tagHigh | (dw1 >>> 8 & 0xff)));
    out.add(String.format("last_be=0x%x", dw1 >>> 4 & 0xf));
    out.add(String.format("first_be=0x%x", dw1 & 0xf));
  }

  private static String statusText(int code) {
    try {
      return CplStatus.of(code).name();
    } catch (IllegalArgumentException e) {
      return "0b" + CplStatus.bits(code, 3);
    }
  }

  /** The strict decoder's complaint about this header (payload assumed right), or null. */
  private static String strictError(int[] dw, TlpType t) {
    byte[] payload = null;
    if (t != null && t.hasData()) {
      int length = dw[0] & 0x3ff;
      payload = new byte[(length == 0 ? 1024 : length) * 4];
    }
    try {
      Tlp.decode(dw, payload);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // encode

  /**
   * Packs named fields into header DWs, the reverse of {@link #describe}. Give {@code kind} or
   * {@code fmt} and {@code type} (if both, they must agree; {@code fmt} defaults to the kind's with
   * the header size the address needs, {@code type} to the kind's with {@code routing} for messages).
   * {@code length} is required for types that have one, {@code byte_count} for completions; other
   * fields default to 0. {@code error} lines are ignored. Alternatively give {@code dw0}..{@code dw2}
   * (and {@code dw3}) raw, with at most {@code kind}/{@code fmt}/{@code type}, which must agree.
   *
   * @throws IllegalArgumentException naming an unknown field, a field the type does not have, a
   *     missing field or a value that does not fit
   */
  public static int[] encode(Map<String, String> fields) {
    Objects.requireNonNull(fields, "fields");
    for (String name : fields.keySet()) {
      if (!KNOWN.contains(name)) {
        throw new IllegalArgumentException("unknown field: " + name + " (known: "
            + String.join(", ", KNOWN) + ")");
      }
    }
    if (fields.containsKey("dw0")) {
      return encodeRaw(fields);
    }
    TlpType kind = null;
    if (fields.containsKey("kind")) {
      kind = kindOf(fields.get("kind"));
    }
    int routing = -1;
    if (fields.containsKey("routing")) {
      routing = (int) number(fields, "routing", 7);
    }
    int fmt;
    int typeBits;
    if (fields.containsKey("fmt") || fields.containsKey("type")) {
      fmt = (int) required(fields, "fmt", 7);
      typeBits = (int) required(fields, "type", 0x1f);
      TlpType t = TlpType.lookup(fmt, typeBits);
      if (t == null) {
        throw new IllegalArgumentException(TlpType.describeUnknown(fmt, typeBits)
            + " (give dw0..dw3 to encode it raw)");
      }
      if (kind != null && kind != t) {
        throw new IllegalArgumentException("kind=" + kind.mnemonic() + " disagrees with fmt=0b"
            + CplStatus.bits(fmt, 3) + " type=0b" + CplStatus.bits(typeBits, 5) + " ("
            + t.mnemonic() + ")");
      }
      if (routing >= 0 && t.isMessage() && routing != (typeBits & 7)) {
        throw new IllegalArgumentException("routing=0b" + CplStatus.bits(routing, 3)
            + " disagrees with type=0b" + CplStatus.bits(typeBits, 5));
      }
      kind = t;
    } else if (kind != null) {
      boolean four = kind.isMessage()
          || (kind.isMemory() && (unsigned(fields, "address") >>> 32) != 0);
      fmt = kind.fmt(four);
      typeBits = kind.typeCode() | (kind.isMessage() ? Math.max(routing, 0) : 0);
    } else {
      throw new IllegalArgumentException("need kind, or fmt and type");
    }
    TlpType t = kind;
    checkFieldsApply(fields, t);
    boolean four = (fmt & 1) != 0;
    if (four && t.layout != Layout.MEMORY && t.layout != Layout.MESSAGE) {
      throw new IllegalArgumentException(t.mnemonic() + " has a 3 DW header, fmt=0b"
          + CplStatus.bits(fmt, 3) + " says 4 DW");
    }
    if (!four && t.isMessage()) {
      throw new IllegalArgumentException(t.mnemonic() + " has a 4 DW header, fmt=0b"
          + CplStatus.bits(fmt, 3) + " says 3 DW");
    }
    int length;
    if (lengthMeaningful(t)) {
      length = (int) required(fields, "length", 1024);
    } else {
      length = (int) number(fields, "length", 1023);
    }
    int tag = (int) number(fields, "tag", 1023);
    int attr = (int) number(fields, "attr", 7);
    int[] dw = new int[four ? 4 : 3];
    dw[0] = fmt << 29 | typeBits << 24 | (tag >>> 9 & 1) << 23 | (int) number(fields, "tc", 7) << 20
        | (tag >>> 8 & 1) << 19 | (attr >>> 2 & 1) << 18 | (int) number(fields, "ln", 1) << 17
        | (int) number(fields, "th", 1) << 16 | (int) number(fields, "td", 1) << 15
        | (int) number(fields, "ep", 1) << 14 | (attr & 3) << 12 | (int) number(fields, "at", 3) << 10
        | (length & 0x3ff);
    int requester = id(fields, "requester");
    int requestDw1 = requester << 16 | (tag & 0xff) << 8 | (int) number(fields, "last_be", 15) << 4
        | (int) number(fields, "first_be", 15);
    switch (t.layout) {
      case MEMORY:
      case IO:
        dw[1] = requestDw1;
        long address = unsigned(fields, "address");
        int ph = (int) number(fields, "ph", 3);
        if ((address & 3) != 0) {
          throw new IllegalArgumentException(String.format(
              "bad value for address: 0x%x is not dword aligned (bits 1:0 go in ph)", address));
        }
        if (four) {
          dw[2] = (int) (address >>> 32);
          dw[3] = (int) address | ph;
        } else {
          if ((address >>> 32) != 0) {
            throw new IllegalArgumentException(String.format(
                "bad value for address: 0x%x does not fit a 3 DW header (fmt=0b%s)", address,
                CplStatus.bits(fmt, 3)));
          }
          dw[2] = (int) address | ph;
        }
        break;
      case CONFIG:
        dw[1] = requestDw1;
        int register = (int) number(fields, "register", 0xfff);
        if ((register & 3) != 0) {
          throw new IllegalArgumentException(
              String.format("bad value for register: 0x%x is not dword aligned", register));
        }
        dw[2] = (int) number(fields, "bus", 0xff) << 24 | (int) number(fields, "device", 0x1f) << 19
            | (int) number(fields, "function", 7) << 16 | register;
        break;
      case COMPLETION:
        int byteCount = (int) required(fields, "byte_count", 4096);
        dw[1] = id(fields, "completer") << 16 | status(fields) << 13
            | (int) number(fields, "bcm", 1) << 12 | (byteCount & 0xfff);
        dw[2] = requester << 16 | (tag & 0xff) << 8 | (int) number(fields, "lower_address", 0x7f);
        break;
      case MESSAGE:
        dw[1] = requester << 16 | (tag & 0xff) << 8 | (int) number(fields, "message_code", 0xff);
        long bytes = unsigned(fields, "msg_bytes_8_15");
        dw[2] = (int) (bytes >>> 32);
        dw[3] = (int) bytes;
        break;
      default:
        throw new AssertionError(t);
    }
    return dw;
  }

  private static int[] encodeRaw(Map<String, String> fields) {
    for (String name : fields.keySet()) {
      if (!RAW.contains(name) && !name.equals("kind") && !name.equals("fmt")
          && !name.equals("type") && !name.equals("error")) {
        throw new IllegalArgumentException(
            "field " + name + " cannot be mixed with raw dw0..dw3");
      }
    }
    int n = fields.containsKey("dw3") ? 4 : 3;
    int[] dw = new int[n];
    for (int i = 0; i < n; i++) {
      dw[i] = (int) required(fields, "dw" + i, 0xffff_ffffL);
    }
    int fmt = dw[0] >>> 29;
    int typeBits = dw[0] >>> 24 & 0x1f;
    if (fields.containsKey("fmt") && number(fields, "fmt", 7) != fmt) {
      throw new IllegalArgumentException("fmt=" + fields.get("fmt") + " disagrees with dw0 (fmt=0b"
          + CplStatus.bits(fmt, 3) + ")");
    }
    if (fields.containsKey("type") && number(fields, "type", 0x1f) != typeBits) {
      throw new IllegalArgumentException("type=" + fields.get("type")
          + " disagrees with dw0 (type=0b" + CplStatus.bits(typeBits, 5) + ")");
    }
    if (fields.containsKey("kind") && kindOf(fields.get("kind")) != TlpType.lookup(fmt, typeBits)) {
      throw new IllegalArgumentException("kind=" + fields.get("kind") + " disagrees with dw0 (fmt=0b"
          + CplStatus.bits(fmt, 3) + " type=0b" + CplStatus.bits(typeBits, 5) + ")");
    }
    return dw;
  }

  private static void checkFieldsApply(Map<String, String> fields, TlpType t) {
    List<String> allowed = new ArrayList<>(COMMON);
    switch (t.layout) {
      case MEMORY:
      case IO:
        allowed.addAll(REQUEST);
        allowed.addAll(ADDRESS);
        break;
      case CONFIG:
        allowed.addAll(REQUEST);
        allowed.addAll(CONFIG);
        break;
      case COMPLETION:
        allowed.addAll(COMPLETION);
        break;
      case MESSAGE:
        allowed.addAll(MESSAGE);
        break;
      default:
        throw new AssertionError(t);
    }
    for (String name : fields.keySet()) {
      if (!allowed.contains(name)) {
        throw new IllegalArgumentException("field " + name + " does not apply to " + t.mnemonic());
      }
    }
  }

  private static TlpType kindOf(String text) {
    for (TlpType t : TlpType.values()) {
      if (t.mnemonic().equalsIgnoreCase(text) || t.name().equalsIgnoreCase(text)) {
        return t;
      }
    }
    throw new IllegalArgumentException("bad value for kind: \"" + text + "\" (one of "
        + Arrays.toString(Arrays.stream(TlpType.values()).map(TlpType::mnemonic).toArray()) + ")");
  }

  private static long required(Map<String, String> fields, String name, long max) {
    if (!fields.containsKey(name)) {
      throw new IllegalArgumentException("missing field: " + name);
    }
    return number(fields, name, max);
  }

  /** A field's number (0 when absent) in 0..max; decimal, 0x hex or 0b binary. */
  private static long number(Map<String, String> fields, String name, long max) {
    String text = fields.get(name);
    if (text == null) {
      return 0;
    }
    long v = parseUnsigned(name, text);
    if (v < 0 || v > max) {
      throw new IllegalArgumentException(
          "bad value for " + name + ": " + text + " (out of range 0.." + max + ")");
    }
    return v;
  }

  private static long unsigned(Map<String, String> fields, String name) {
    String text = fields.get(name);
    return text == null ? 0 : parseUnsigned(name, text);
  }

  private static long parseUnsigned(String name, String text) {
    String s = text.trim().toLowerCase(Locale.ROOT).replace("_", "");
    try {
      if (s.equals("true")) {
        return 1;
      }
      if (s.equals("false")) {
        return 0;
      }
      if (s.startsWith("0x")) {
        return Long.parseUnsignedLong(s.substring(2), 16);
      }
      if (s.startsWith("0b")) {
        return Long.parseUnsignedLong(s.substring(2), 2);
      }
      return Long.parseUnsignedLong(s, 10);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad value for " + name + ": \"" + text + "\"", e);
    }
  }

  private static int id(Map<String, String> fields, String name) {
    String text = fields.get(name);
    if (text == null) {
      return 0;
    }
    if (text.indexOf(':') >= 0) {
      try {
        return PcieId.parse(text.trim()).requesterId();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("bad value for " + name + ": " + e.getMessage(), e);
      }
    }
    return (int) number(fields, name, 0xffff);
  }

  private static int status(Map<String, String> fields) {
    String text = fields.get("status");
    if (text == null) {
      return 0;
    }
    for (CplStatus s : CplStatus.values()) {
      if (s.name().equalsIgnoreCase(text.trim())) {
        return s.code();
      }
    }
    return (int) number(fields, "status", 7);
  }

  // ---------------------------------------------------------------------------------------------
  // text helpers

  /**
   * The fields of {@code name=value} lines (as {@link #describe} returns them), in order; each line
   * splits at its first {@code =}, so values may contain spaces.
   *
   * @throws IllegalArgumentException for a line without {@code =} or a repeated name
   */
  public static Map<String, String> fieldsOf(List<String> lines) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String line : lines) {
      int eq = line.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("not name=value: \"" + line + "\"");
      }
      String name = line.substring(0, eq).trim();
      if (map.put(name, line.substring(eq + 1).trim()) != null) {
        throw new IllegalArgumentException("duplicate field: " + name);
      }
    }
    return map;
  }

  /**
   * The fields of command-line text such as {@code "kind=MRd requester=01:00.0 length=1"}: tokens
   * separated by white space or commas.
   */
  public static Map<String, String> parse(String text) {
    List<String> tokens = new ArrayList<>();
    for (String token : text.trim().split("[\\s,]+")) {
      if (!token.isEmpty()) {
        tokens.add(token);
      }
    }
    return fieldsOf(tokens);
  }
}
