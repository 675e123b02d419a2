package dev.driverlab.userland.lspci;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Line comparisons for the reference tests: a readable diff and a matched-line count. */
final class LineDiff {
  private LineDiff() {}

  static List<String> lines(String text) {
    List<String> out = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
    if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1); // the final newline does not start a line
    }
    return out;
  }

  /**
   * An empty string when equal, else the first differing lines with their numbers and a few
   * lines of context, e.g. {@code line 12: expected "..." but was "..."}.
   */
  static String describe(List<String> expected, List<String> actual) {
    StringBuilder sb = new StringBuilder();
    int shown = 0;
    int n = Math.max(expected.size(), actual.size());
    for (int i = 0; i < n && shown < 5; i++) {
      String e = i < expected.size() ? expected.get(i) : "<no line>";
      String a = i < actual.size() ? actual.get(i) : "<no line>";
      if (!e.equals(a)) {
        sb.append(String.format("  line %d:%n    expected: %s%n    actual:   %s%n", i + 1,
            visible(e), visible(a)));
        shown++;
      }
    }
    if (sb.length() > 0 && expected.size() != actual.size()) {
      sb.append(String.format("  (%d lines expected, %d printed)%n", expected.size(),
          actual.size()));
    }
    return sb.toString();
  }

  private static String visible(String s) {
    return s.replace("\t", "\\t");
  }

  /** How many expected lines appear, in order, in the actual lines (longest common subsequence). */
  static int matchedLines(List<String> expected, List<String> actual) {
    int[] prev = new int[actual.size() + 1];
    int[] cur = new int[actual.size() + 1];
    for (String e : expected) {
      for (int j = 1; j <= actual.size(); j++) {
        cur[j] = e.equals(actual.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[actual.size()];
  }
}
