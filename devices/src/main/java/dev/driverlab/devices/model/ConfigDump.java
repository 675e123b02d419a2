package dev.driverlab.devices.model;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code lspci -xxx} / {@code -xxxx} text into config-space images, so a device model can start
 * from a real board's header ({@link FunctionSpec#configImage}). Each function begins with its
 * {@code bb:dd.f Description} line, followed by {@code off: xx xx ...} lines.
 */
public final class ConfigDump {
  /** One function of the dump: its address as printed and its config bytes (64, 256 or 4096). */
  public record Function(String slot, byte[] config) {}

  private static final Pattern HEADER = Pattern.compile("^((?:[0-9a-fA-F]{4,}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7])\\s.*");
  private static final Pattern DATA = Pattern.compile("^([0-9a-fA-F]{2,3}):((?:\\s[0-9a-fA-F]{2}){1,16})\\s*$");

  private ConfigDump() {}

  /** Parses every function; throws IllegalArgumentException naming the line for bad input. */
  public static List<Function> parse(String text) {
    List<Function> out = new ArrayList<>();
    String slot = null;
    byte[] buf = null;
    int max = 0;
    String[] lines = text.split("\r?\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.isBlank()) {
        continue;
      }
      Matcher h = HEADER.matcher(line);
      if (h.matches()) {
        if (slot != null) {
          out.add(new Function(slot, java.util.Arrays.copyOf(buf, size(max))));
        }
        slot = h.group(1);
        buf = new byte[4096];
        max = 0;
        continue;
      }
      Matcher d = DATA.matcher(line);
      if (!d.matches() || slot == null) {
        throw new IllegalArgumentException("config dump line " + (i + 1) + ": expected \"bb:dd.f ...\" or "
            + "\"off: xx xx ...\", got \"" + line + "\"");
      }
      int off = Integer.parseInt(d.group(1), 16);
      String[] bytes = d.group(2).trim().split("\\s+");
      if (off % 16 != 0 || off + bytes.length > 4096) {
        throw new IllegalArgumentException("config dump line " + (i + 1) + ": offset " + d.group(1)
            + " is not a 16-byte row inside 4 KiB");
      }
      for (int b = 0; b < bytes.length; b++) {
        buf[off + b] = (byte) Integer.parseInt(bytes[b], 16);
      }
      max = Math.max(max, off + bytes.length);
    }
    if (slot != null) {
      out.add(new Function(slot, java.util.Arrays.copyOf(buf, size(max))));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("config dump holds no function");
    }
    return out;
  }

  private static int size(int max) {
    return max <= 64 ? 64 : max <= 256 ? 256 : 4096;
  }
}
