package dev.driverlab.userland.lspci;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the text form that {@code lspci -x}, {@code -xxx} and {@code -xxxx} print (and that
 * {@code lspci -F FILE} reads back) into {@link PciFunctionInfo}s.
 *
 * <pre>
 *   00:1f.3 Audio device: Intel Corporation ...        header: [dddd:]bb:dd.f, then a space
 *   00: 86 80 c8 a3 06 04 10 00 ...                     data: hex offset, colon, space, hex bytes
 *   10: ...
 *                                                       an empty line ends the function
 * </pre>
 *
 * <p>The rules are pciutils' dump reader's (lib/dump.c, {@code dump_init}), restated: a header is
 * {@code ##:##.# }, {@code ####:##:##.# } or {@code #####:##:##.# } ({@code #} a hex digit) and
 * the rest of its line is ignored; a data line is 2 to 8 hex digits, {@code ": "}, then bytes of
 * exactly two hex digits separated by single spaces; any other line (the verbose text lspci
 * prints between, for instance) is skipped; data before any header or after an empty line is
 * skipped too. A data line whose bytes do not follow that form, or which would put a byte at
 * offset 4096 or beyond, is an error. Bytes a dump does not give are unavailable, so the
 * resulting config array is as long as the highest offset given plus one.
 */
public final class DumpParser {

  private DumpParser() {}

  /** Parses a dump file; only its ASCII matters, other bytes are read as Latin-1. */
  public static List<PciFunctionInfo> parse(Path file) {
    try {
      return parse(Files.readString(file, StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      throw new UncheckedIOException("dump: cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses dump text.
   *
   * @throws IllegalArgumentException for a malformed data line, naming its line number and text
   */
  public static List<PciFunctionInfo> parse(String text) {
    List<PciFunctionInfo> out = new ArrayList<>();
    Pending current = null;
    String[] lines = text.split("\n", -1);
    int count = lines.length;
    if (count > 0 && lines[count - 1].isEmpty()) {
      count--; // the newline ending the last line does not start another line
    }
    for (int i = 0; i < count; i++) {
      String line = lines[i];
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      int lineNo = i + 1;
      int[] addr = parseHeader(line);
      if (addr != null) {
        if (addr[2] > 0x1f || addr[3] > 7) {
          throw new IllegalArgumentException(String.format(
              "dump: line %d: device or function number out of range in \"%s\"", lineNo, line));
        }
        finish(current, out);
        current = new Pending(addr);
      } else if (line.isEmpty()) {
        finish(current, out);
        current = null;
      } else if (current != null && isDataLine(line)) {
        current.addDataLine(line, lineNo);
      }
    }
    finish(current, out);
    return List.copyOf(out);
  }

  private static void finish(Pending p, List<PciFunctionInfo> out) {
    if (p != null) {
      out.add(p.build());
    }
  }

  /** Returns {domain, bus, device, function} when the line is a function header, else null. */
  static int[] parseHeader(String line) {
    if (matches(line, "##:##.# ")) {
      return address(0, line.substring(0, 2), line.substring(3, 5), line.charAt(6));
    }
    for (String form : new String[] {"####:##:##.# ", "#####:##:##.# "}) {
      if (matches(line, form)) {
        int d = form.indexOf(':');
        return address(Integer.parseInt(line.substring(0, d), 16),
            line.substring(d + 1, d + 3), line.substring(d + 4, d + 6), line.charAt(d + 7));
      }
    }
    return null;
  }

  private static int[] address(int domain, String bus, String dev, char fn) {
    // pciutils reads the function with %d: a hex letter there is not a header (inferred).
    if (fn < '0' || fn > '9') {
      return null;
    }
    return new int[] {domain, Integer.parseInt(bus, 16), Integer.parseInt(dev, 16), fn - '0'};
  }

  private static boolean isDataLine(String line) {
    for (int digits = 2; digits <= 8; digits++) {
      if (matches(line, "#".repeat(digits) + ": ")) {
        return true;
      }
    }
    return false;
  }

  /** True when {@code s} starts with {@code form}, where '#' stands for any hex digit. */
  private static boolean matches(String s, String form) {
    if (s.length() < form.length()) {
      return false;
    }
    for (int i = 0; i < form.length(); i++) {
      char f = form.charAt(i);
      char c = s.charAt(i);
      if (f == '#' ? !isHex(c) : f != c) {
        return false;
      }
    }
    return true;
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static final class Pending {
    private final int[] addr;
    private byte[] data = new byte[256];
    private int length;

    Pending(int[] addr) {
      this.addr = addr;
      Arrays.fill(data, (byte) 0xff);
    }

    void addDataLine(String line, int lineNo) {
      int colon = line.indexOf(':');
      long offset = Long.parseLong(line.substring(0, colon), 16);
      int p = colon + 2;
      while (p + 1 < line.length() && isHex(line.charAt(p)) && isHex(line.charAt(p + 1))
          && (p + 2 == line.length() || line.charAt(p + 2) == ' ')) {
        if (offset >= PciFunctionInfo.MAX_CONFIG_BYTES) {
          throw new IllegalArgumentException(String.format(
              "dump: line %d: at most 4096 bytes of config space are supported: \"%s\"",
              lineNo, line));
        }
        if (offset >= data.length) { // grow from 256 to 4096 bytes, as lspci does
          byte[] bigger = new byte[PciFunctionInfo.MAX_CONFIG_BYTES];
          Arrays.fill(bigger, (byte) 0xff);
          System.arraycopy(data, 0, bigger, 0, data.length);
          data = bigger;
        }
        data[(int) offset++] = (byte) Integer.parseInt(line.substring(p, p + 2), 16);
        length = Math.max(length, (int) offset);
        p += 2;
        if (p < line.length()) {
          p++;
        }
      }
      if (p < line.length()) {
        throw new IllegalArgumentException(String.format(
            "dump: line %d: malformed data line \"%s\" (bad text at column %d: \"%s\")",
            lineNo, line, p + 1, line.substring(p)));
      }
    }

    PciFunctionInfo build() {
      return PciFunctionInfo.of(addr[0], addr[1], addr[2], addr[3], Arrays.copyOf(data, length));
    }
  }
}
