package dev.driverlab.kernel.printk;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Formats a C printf/printk format string with Java arguments, so ported drivers keep their format
 * strings: length modifiers (hh, h, l, ll, z, j, t) are accepted and ignored, {@code %u} prints the
 * unsigned value, {@code %p}/{@code %px} print a hex address, {@code %pa} likewise. Everything else
 * maps to {@link String#format}.
 */
public final class CFormat {
  private static final Pattern SPEC = Pattern.compile(
      "%([-+ 0#]*)(\\d+|\\*)?(?:\\.(\\d+|\\*))?(hh|h|ll|l|z|j|t|L)?([diouxXcsp%])(x|a|ad)?");

  private CFormat() {}

  public static String format(String fmt, Object... args) {
    if (args.length == 0 && fmt.indexOf('%') < 0) {
      return fmt;
    }
    StringBuilder out = new StringBuilder();
    Matcher m = SPEC.matcher(fmt);
    int last = 0;
    int ai = 0;
    while (m.find()) {
      out.append(fmt, last, m.start());
      last = m.end();
      char conv = m.group(5).charAt(0);
      if (conv == '%') {
        out.append('%');
        continue;
      }
      String flags = m.group(1);
      String width = m.group(2);
      if ("*".equals(width)) {
        width = String.valueOf(ai < args.length ? args[ai++] : 0);
      }
      String prec = m.group(3);
      if ("*".equals(prec)) {
        prec = String.valueOf(ai < args.length ? args[ai++] : 0);
      }
      Object arg = ai < args.length ? args[ai++] : null;
      String lenMod = m.group(4);
      String spec = "%" + flags + (width == null ? "" : width) + (prec == null ? "" : "." + prec);
      switch (conv) {
        case 'd', 'i' -> out.append(String.format(spec + "d", toLong(arg)));
        case 'u' -> out.append(String.format(spec + "s", unsigned(arg, lenMod)));
        case 'x', 'X', 'o' -> out.append(String.format(spec + conv, unsignedValue(arg, lenMod)));
        case 'c' -> out.append(arg instanceof Number n ? (char) n.intValue() : String.valueOf(arg));
        case 's' -> out.append(String.format(spec + "s", arg));
        case 'p' -> {
          if (m.group(6) != null && m.group(6).startsWith("a")) {
            out.append(String.format("0x%016x", toLong(arg)));
          } else {
            out.append(String.format("%016x", toLong(arg)));
          }
        }
        default -> out.append(m.group());
      }
    }
    out.append(fmt, last, fmt.length());
    return out.toString();
  }

  private static long toLong(Object o) {
    if (o instanceof Number n) {
      return n.longValue();
    }
    if (o instanceof Character c) {
      return c;
    }
    if (o instanceof Boolean b) {
      return b ? 1 : 0;
    }
    return 0;
  }

  private static Object unsignedValue(Object o, String lenMod) {
    long v = toLong(o);
    if (o instanceof Integer || (lenMod == null && !(o instanceof Long))) {
      return v & 0xffffffffL;
    }
    if (o instanceof Short) {
      return v & 0xffff;
    }
    if (o instanceof Byte) {
      return v & 0xff;
    }
    return v;
  }

  private static String unsigned(Object o, String lenMod) {
    Object v = unsignedValue(o, lenMod);
    return v instanceof Long l ? Long.toUnsignedString(l) : String.valueOf(v);
  }
}
