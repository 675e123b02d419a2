package dev.driverlab.userland.lspci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits {@code lspci -vvv} text into functions, and each function into its header lines
 * (everything before the first {@code Capabilities:} line: summary, Subsystem, Control, Status,
 * Latency, Interrupt, regions, bridge windows) and its capability blocks (a
 * {@code \tCapabilities: [..] ...} line with the {@code \t\t} lines under it).
 */
final class VerboseBlocks {
  /** The capability families the reference test requires to match exactly. */
  static final List<String> KEY_CAPABILITIES =
      List.of("Power Management", "MSI:", "MSI-X:", "Express");

  record Function(String slot, List<String> header, List<List<String>> capabilities) {
    /** The blocks of the key families, in order. */
    List<List<String>> keyCapabilities() {
      List<List<String>> out = new ArrayList<>();
      for (List<String> block : capabilities) {
        if (isKey(block.get(0))) {
          out.add(block);
        }
      }
      return out;
    }
  }

  private VerboseBlocks() {}

  static boolean isKey(String titleLine) {
    int close = titleLine.indexOf("] ");
    String title = close >= 0 ? titleLine.substring(close + 2) : titleLine;
    for (String k : KEY_CAPABILITIES) {
      if (title.startsWith(k)) {
        return true;
      }
    }
    return false;
  }

  /** Functions by slot, in output order. */
  static Map<String, Function> parse(String text) {
    Map<String, Function> out = new LinkedHashMap<>();
    List<String> lines = LineDiff.lines(text);
    int i = 0;
    while (i < lines.size()) {
      if (lines.get(i).isEmpty()) {
        i++;
        continue;
      }
      String first = lines.get(i);
      String slot = first.substring(0, first.indexOf(' '));
      List<String> header = new ArrayList<>();
      List<List<String>> caps = new ArrayList<>();
      header.add(first);
      i++;
      List<String> block = null;
      while (i < lines.size() && !lines.get(i).isEmpty()) {
        String line = lines.get(i++);
        if (line.startsWith("\tCapabilities:")) {
          block = new ArrayList<>();
          block.add(line);
          caps.add(block);
        } else if (block != null && line.startsWith("\t\t")) {
          block.add(line);
        } else if (block == null) {
          header.add(line);
        } else {
          block = null; // a line after the capabilities, such as the kernel driver
        }
      }
      out.put(slot, new Function(slot, header, caps));
    }
    return out;
  }
}
