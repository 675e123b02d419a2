package dev.driverlab.kernel.printk;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Formats a C printf/printk format string with Java arguments, so ported drivers keep their format
 * strings (lib/vsprintf.c semantics, formatted here without {@link String#format}, whose rules differ
 * from C's: C accepts a precision on integers, {@code %08u}, and '0' together with '-').
 *
 * <pre>
 *   %[flags][width][.precision][length]conversion
 *   flags      - left-justify, 0 zero-pad (ignored with - or a precision), + and ' ' sign, # 0x / 0 prefix
 *   width      digits or * (taken from the arguments)
 *   precision  minimum digits for integers, maximum characters for %s
 *   length     hh h l ll z j t L: hh and h narrow the value to 8 and 16 bits, the rest are 64-bit
 *   conversion d i u x X o c s p %    (%px prints the raw pointer, %pa a phys_addr_t, "0x"-prefixed)
 * </pre>
 * Java arguments: an {@link Integer} is a 32-bit C int (so {@code %u} and {@code %x} of -1 print
 * 4294967295 and ffffffff whatever the length modifier); a {@link Long} keeps all 64 bits even without
 * {@code l}. {@code %s} of null prints "(null)", as the kernel does.
 */
public final class CFormat {
  private static final Pattern SPEC = Pattern.compile(
      "%([-+ 0#]*)(\\d+|\\*)?(?:\\.(\\d*|\\*))?(hh|h|ll|l|z|j|t|L)?([diouxXcsp%])(x|a|ad)?");

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
      int width = -1;
      if ("*".equals(m.group(2))) {
        width = (int) toLong(ai < args.length ? args[ai++] : 0);
        if (width < 0) {  // a negative * width means left-justify (C99 7.19.6.1)
          flags += "-";
          width = -width;
        }
      } else if (m.group(2) != null) {
        width = Integer.parseInt(m.group(2));
      }
      int prec = -1;
      if ("*".equals(m.group(3))) {
        prec = (int) toLong(ai < args.length ? args[ai++] : 0);
      } else if (m.group(3) != null) {
        prec = m.group(3).isEmpty() ? 0 : Integer.parseInt(m.group(3));
      }
      Object arg = ai < args.length ? args[ai++] : null;
      String lenMod = m.group(4);
      String pExt = m.group(6);
      switch (conv) {
        case 'd', 'i' -> {
          long v = signedValue(arg, lenMod);
          String digits = v == Long.MIN_VALUE ? "9223372036854775808" : Long.toString(Math.abs(v));
          out.append(integer(digits, v < 0, true, "", flags, width, prec, v == 0));
        }
        case 'u' -> {
          long v = unsignedValue(arg, lenMod);
          out.append(integer(Long.toUnsignedString(v), false, false, "", flags, width, prec, v == 0));
        }
        case 'x', 'X' -> {
          long v = unsignedValue(arg, lenMod);
          String digits = Long.toHexString(v);
          String prefix = flags.indexOf('#') >= 0 && v != 0 ? "0x" : "";
          if (conv == 'X') {
            digits = digits.toUpperCase();
            prefix = prefix.toUpperCase();
          }
          out.append(integer(digits, false, false, prefix, flags, width, prec, v == 0));
        }
        case 'o' -> {
          long v = unsignedValue(arg, lenMod);
          String digits = Long.toOctalString(v);
          String prefix = flags.indexOf('#') >= 0 && v != 0 ? "0" : "";
          out.append(integer(digits, false, false, prefix, flags, width, prec, v == 0));
        }
        case 'c' -> out.append(pad(arg instanceof Number n ? String.valueOf((char) n.intValue())
            : String.valueOf(arg), flags, width));
        case 's' -> {
          String s = arg == null ? "(null)" : String.valueOf(arg);
          if (prec >= 0 && s.length() > prec) {
            s = s.substring(0, prec);
          }
          out.append(pad(s, flags, width));
        }
        case 'p' -> {
          String hex = String.format("%016x", toLong(arg));
          out.append(pad(pExt != null && pExt.startsWith("a") ? "0x" + hex : hex, flags, width));
        }
        default -> out.append(m.group());
      }
    }
    out.append(fmt, last, fmt.length());
    return out.toString();
  }

  /** One integer conversion: precision zeros, sign, prefix, then width (spaces, or zeros with flag 0). */
  private static String integer(String digits, boolean negative, boolean signed, String prefix, String flags,
      int width, int prec, boolean zero) {
    if (prec == 0 && zero) {
      digits = "";                      // C: "%.0d" of 0 prints no digits
    }
    if (prec > digits.length()) {
      digits = "0".repeat(prec - digits.length()) + digits;
    }
    String sign = negative ? "-" : signed && flags.indexOf('+') >= 0 ? "+" : signed && flags.indexOf(' ') >= 0 ? " " : "";
    int len = sign.length() + prefix.length() + digits.length();
    if (width > len && flags.indexOf('-') < 0 && flags.indexOf('0') >= 0 && prec < 0) {
      return sign + prefix + "0".repeat(width - len) + digits;
    }
    return pad(sign + prefix + digits, flags, width);
  }

  private static String pad(String s, String flags, int width) {
    if (width <= s.length()) {
      return s;
    }
    String spaces = " ".repeat(width - s.length());
    return flags.indexOf('-') >= 0 ? s + spaces : spaces + s;
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

  private static boolean is64(Object o, String lenMod) {
    return o instanceof Long && !"hh".equals(lenMod) && !"h".equals(lenMod);
  }

  /** The value a signed conversion prints: narrowed by hh/h, 32-bit for anything but a Long. */
  private static long signedValue(Object o, String lenMod) {
    long v = toLong(o);
    if ("hh".equals(lenMod)) {
      return (byte) v;
    }
    if ("h".equals(lenMod)) {
      return (short) v;
    }
    return is64(o, lenMod) ? v : (int) v;
  }

  /** The bits an unsigned conversion prints (an unsigned 64-bit value held in a long). */
  private static long unsignedValue(Object o, String lenMod) {
    long v = toLong(o);
    if ("hh".equals(lenMod)) {
      return v & 0xff;
    }
    if ("h".equals(lenMod)) {
      return v & 0xffff;
    }
    return is64(o, lenMod) ? v : v & 0xffff_ffffL;
  }
}
