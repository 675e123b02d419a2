package dev.driverlab.userland.lspci;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Text sink with the few C printf behaviours lspci's output depends on. */
final class Out {
  private final StringBuilder sb = new StringBuilder();

  Out p(String s) {
    sb.append(s);
    return this;
  }

  Out p(char c) {
    sb.append(c);
    return this;
  }

  /** {@code String.format} in the root locale; Java's %x prints negative ints as unsigned. */
  Out f(String fmt, Object... args) {
    sb.append(String.format(Locale.ROOT, fmt, args));
    return this;
  }

  Out nl() {
    sb.append('\n');
    return this;
  }

  int length() {
    return sb.length();
  }

  @Override
  public String toString() {
    return sb.toString();
  }

  /** '+' when any bit of {@code mask} is set in {@code value}, else '-' (lspci's FLAG). */
  static char flag(long value, long mask) {
    return (value & mask) != 0 ? '+' : '-';
  }

  /** Bits {@code at..at+width-1} of {@code value} (lspci's BITS). */
  static int bits(long value, int at, int width) {
    return (int) ((value >>> at) & ((1L << width) - 1));
  }

  /** An entry of a name table, or {@code ??N} past its end (lspci's TABLE). */
  static String table(String[] names, int index) {
    return index >= 0 && index < names.length ? names[index] : "??" + index;
  }

  /** C's {@code %#02x}: "0" for zero, else "0x" and the hex digits. */
  static String altHex(int value) {
    return value == 0 ? "0" : "0x" + Integer.toHexString(value);
  }

  /** C's {@code %g} for the magnitudes lspci prints (no exponent needed in practice). */
  static String cG(double value) {
    if (value == 0) {
      return "0";
    }
    BigDecimal bd = new BigDecimal(value).round(new MathContext(6));
    int exponent = bd.precision() - bd.scale() - 1;
    if (exponent < -4 || exponent >= 6) {
      String mantissa = bd.movePointLeft(exponent).stripTrailingZeros().toPlainString();
      return String.format(Locale.ROOT, "%se%s%02d", mantissa, exponent < 0 ? "-" : "+",
          Math.abs(exponent));
    }
    return bd.stripTrailingZeros().toPlainString();
  }

  /** Unsigned value of a 32-bit register. */
  static long u32(int value) {
    return value & 0xffffffffL;
  }
}
