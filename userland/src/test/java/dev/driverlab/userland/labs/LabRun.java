package dev.driverlab.userland.labs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One run of {@code driverlab lab ...} through {@link LabCommand#run}, with what it printed and, for a
 * grade, the table parsed: item → PASS/FAIL, item → the failure message, and the score.
 */
record LabRun(int status, String out, String err, Map<String, Boolean> passed, Map<String, String> messages,
    int score, int max) {

  private static final Pattern ITEM = Pattern.compile("^ (PASS|FAIL)  (\\d+)/(\\d+)  (\\S+)");
  private static final Pattern SCORE = Pattern.compile("^score: (\\d+)/(\\d+)$", Pattern.MULTILINE);

  static LabRun lab(String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int status = LabCommand.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
        new PrintStream(e, true, StandardCharsets.UTF_8));
    String out = o.toString(StandardCharsets.UTF_8);
    Map<String, Boolean> passed = new LinkedHashMap<>();
    Map<String, String> messages = new LinkedHashMap<>();
    String last = null;
    for (String line : out.split("\n")) {
      Matcher m = ITEM.matcher(line);
      if (m.find()) {
        last = m.group(4);
        passed.put(last, m.group(1).equals("PASS"));
      } else if (last != null && line.startsWith("             -> ")) {
        messages.put(last, line.substring("             -> ".length()));
      }
    }
    Matcher s = SCORE.matcher(out);
    int score = -1;
    int max = -1;
    if (s.find()) {
      score = Integer.parseInt(s.group(1));
      max = Integer.parseInt(s.group(2));
    }
    return new LabRun(status, out, e.toString(StandardCharsets.UTF_8), passed, messages, score, max);
  }

  /** Grades {@code dir} as lab {@code n}, with extra options. */
  static LabRun grade(int n, Path dir, String... options) {
    List<String> args = new ArrayList<>(List.of("grade", Integer.toString(n), dir.toString()));
    args.addAll(List.of(options));
    return lab(args.toArray(new String[0]));
  }

  /** The items that failed. */
  List<String> failed() {
    return passed.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
  }

  String message(String item) {
    return messages.getOrDefault(item, "");
  }

  /** Everything printed, for assertion messages. */
  String transcript() {
    return "status " + status + "\n--- out ---\n" + out + "--- err ---\n" + err;
  }

  // ---- lab folders -------------------------------------------------------------------------------

  static Path home() {
    try {
      return LabsHome.locate();
    } catch (LabException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path skeleton(int n) {
    return Labs.byNumber(n).orElseThrow().skeleton(home());
  }

  static Path solution(int n) {
    return Labs.byNumber(n).orElseThrow().solution(home());
  }

  /**
   * A copy of lab {@code n}'s solution in {@code tmp} with, in its one source file, {@code from}
   * replaced by {@code to} (which must occur: a variant that changes nothing would prove nothing).
   */
  static Path variant(int n, Path tmp, String from, String to) throws IOException {
    Path src = solution(n);
    Path dst = Files.createDirectories(tmp.resolve("variant"));
    Path edited = null;
    try (Stream<Path> files = Files.walk(src)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path t = dst.resolve(src.relativize(f).toString());
        Files.createDirectories(t.getParent());
        String text = Files.readString(f);
        if (f.toString().endsWith(".java") && text.contains(from)) {
          text = text.replace(from, to);
          edited = t;
        }
        Files.writeString(t, text);
      }
    }
    assertTrue(edited != null, "the variant's text '" + from + "' is not in lab " + n + "'s solution");
    return dst;
  }
}
