package dev.driverlab.userland.lspci;

/**
 * lspci's {@code -s [[[[<domain>]:]<bus>]:][<slot>][.[<func>]]} selector. A field left out,
 * empty or {@code *} matches anything ({@link #ANY}).
 *
 * <p>Syntax and messages follow pciutils' {@code pci_filter_parse_slot} (lib/filter.c): fields
 * are split at ':' (at most three), the last one at '.' (at most two); each is hex and bounded
 * (domain 0x7fffffff, bus 0xff, slot 0x1f, function 7). A bad selector throws
 * {@link IllegalArgumentException} with the message lspci prints after "lspci: ", e.g.
 * {@code -s: Invalid slot number}.
 */
public record SlotFilter(int domain, int bus, int slot, int function) {

  /** Wildcard value of a field. */
  public static final int ANY = -1;

  /** Matches every function. */
  public static final SlotFilter ALL = new SlotFilter(ANY, ANY, ANY, ANY);

  private static final int MAX_EXPRESSION = 63;

  /** Parses a selector as {@code lspci -s} does. */
  public static SlotFilter parse(String text) {
    if (text.length() > MAX_EXPRESSION) {
      throw invalid("Expression too long");
    }
    String[] fields = split(text, ':', 3);
    int domain = ANY;
    int bus = ANY;
    int slot = ANY;
    int function = ANY;
    int i = 0;
    if (fields[2] != null) {
      domain = hexField(fields[0], 0x7fffffff, "Invalid domain number");
      i++;
    }
    if (fields[i + 1] != null) {
      bus = hexField(fields[i], 0xff, "Invalid bus number");
      i++;
    }
    String devfn = fields[i];
    if (defined(devfn)) {
      String[] parts;
      try {
        parts = split(devfn, '.', 2);
      } catch (IllegalArgumentException e) {
        throw invalid("Invalid slot/function number");
      }
      slot = hexField(parts[0], 0x1f, "Invalid slot number");
      function = hexField(parts[1], 7, "Invalid function number");
    }
    return new SlotFilter(domain, bus, slot, function);
  }

  /** True when the function at this address is selected. */
  public boolean matches(int domain, int bus, int device, int function) {
    return (this.domain == ANY || this.domain == domain)
        && (this.bus == ANY || this.bus == bus)
        && (this.slot == ANY || this.slot == device)
        && (this.function == ANY || this.function == function);
  }

  public boolean matches(PciFunctionInfo f) {
    return matches(f.domain(), f.bus(), f.device(), f.function());
  }

  private static String[] split(String s, char sep, int max) {
    String[] out = new String[max];
    int n = 0;
    int start = 0;
    while (true) {
      if (n >= max) {
        throw invalid("Too many fields");
      }
      int at = s.indexOf(sep, start);
      if (at < 0) {
        out[n++] = s.substring(start);
        return out;
      }
      out[n++] = s.substring(start, at);
      start = at + 1;
    }
  }

  private static boolean defined(String field) {
    return field != null && !field.isEmpty() && !field.equals("*");
  }

  private static int hexField(String field, long max, String error) {
    if (!defined(field)) {
      return ANY;
    }
    long value = 0;
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      int d = (c >= '0' && c <= '9') ? c - '0'
          : (c >= 'a' && c <= 'f') ? c - 'a' + 10
          : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) {
        throw invalid(error);
      }
      value = value << 4 | d;
      if (value > max) {
        throw invalid(error);
      }
    }
    return (int) value;
  }

  private static IllegalArgumentException invalid(String what) {
    return new IllegalArgumentException("-s: " + what);
  }

  @Override
  public String toString() {
    return field(domain, "%04x") + ":" + field(bus, "%02x") + ":" + field(slot, "%02x") + "."
        + field(function, "%x");
  }

  private static String field(int v, String fmt) {
    return v == ANY ? "*" : String.format(fmt, v);
  }
}
