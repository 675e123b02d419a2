package dev.driverlab.userland.labs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code driverlab lab ...}: the classroom.
 *
 * <pre>
 *   driverlab lab list                 the labs, their points and folders
 *   driverlab lab start N DIR          copies lab N's handout and skeleton to DIR (new or empty)
 *   driverlab lab grade N DIR [--timeout S] [--item-timeout S]
 *                                      compiles every .java under DIR against DriverLab, grades it in a
 *                                      child JVM, prints points per item and "score: X/Y"
 * </pre>
 *
 * Exit status: 0 on success and on full marks; 1 below full marks or when DIR cannot be used; 2 for a
 * bad command line (unknown lab, missing argument).
 */
public final class LabCommand {
  static final int OK = 0, FAILED = 1, USAGE = 2;

  private final PrintStream out;
  private final PrintStream err;

  private LabCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Runs {@code driverlab lab ARGS}; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return new LabCommand(out, err).dispatch(List.of(args));
  }

  private int dispatch(List<String> args) {
    if (args.isEmpty()) {
      usage(err);
      return USAGE;
    }
    String sub = args.get(0);
    List<String> rest = args.subList(1, args.size());
    try {
      return switch (sub) {
        case "list" -> list(rest);
        case "start" -> start(rest);
        case "grade" -> grade(rest);
        case "help", "-h", "--help" -> {
          usage(out);
          yield OK;
        }
        default -> {
          err.println("lab: unknown command '" + sub + "'");
          usage(err);
          yield USAGE;
        }
      };
    } catch (UsageException e) {
      err.println("lab: " + e.getMessage());
      return USAGE;
    } catch (LabException e) {
      err.println("lab: " + e.getMessage());
      return FAILED;
    }
  }

  private static void usage(PrintStream s) {
    s.println("usage: driverlab lab list");
    s.println("       driverlab lab start N DIR    copy lab N's handout and skeleton to DIR (new or empty)");
    s.println("       driverlab lab grade N DIR [--timeout SECONDS] [--item-timeout SECONDS]");
    s.println("                                    compile DIR's .java files and grade them");
  }

  /** A command-line mistake: exit status 2. */
  private static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  // ---- list --------------------------------------------------------------------------------------

  private int list(List<String> args) throws UsageException {
    if (!args.isEmpty()) {
      throw new UsageException("'lab list' takes no arguments");
    }
    out.printf(" N  %-52s %6s  %s%n", "lab", "points", "folder");
    for (Lab l : Labs.all()) {
      out.printf("%2d  %-52s %6d  labs/%s%n", l.number(), l.title(), l.maxPoints(), l.folder());
    }
    out.println();
    out.println("start one with 'driverlab lab start N DIR', grade it with 'driverlab lab grade N DIR'");
    return OK;
  }

  // ---- start -------------------------------------------------------------------------------------

  private int start(List<String> args) throws UsageException, LabException {
    if (args.size() != 2) {
      throw new UsageException("usage: driverlab lab start N DIR (" + (args.size() < 2 ? "missing "
          + (args.isEmpty() ? "N and DIR" : "DIR") : "too many arguments") + ")");
    }
    Lab lab = lab(args.get(0));
    Path dir = Path.of(args.get(1)).toAbsolutePath().normalize();
    Path home = LabsHome.locate();
    Path skeleton = lab.skeleton(home);
    if (!Files.isDirectory(skeleton)) {
      throw new LabException("lab " + lab.number() + " has no skeleton at " + skeleton);
    }
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new LabException(dir + " is a file; start a lab in a new or empty directory");
    }
    if (Files.isDirectory(dir) && !isEmpty(dir)) {
      throw new LabException(dir + " is not empty; start a lab in a new or empty directory, so nothing of "
          + "yours is overwritten");
    }
    List<Path> copied = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      Files.copy(lab.handout(home), dir.resolve("README.md"));
      copied.add(Path.of("README.md"));
      copied.addAll(copyTree(skeleton, dir));
    } catch (FileAlreadyExistsException e) {
      throw new LabException(e.getFile() + " already exists", e);
    } catch (IOException e) {
      throw new LabException("cannot copy lab " + lab.number() + " to " + dir + ": " + e.getMessage(), e);
    }
    out.println("lab " + lab.number() + " (" + lab.title() + ") started in " + dir + ":");
    for (Path p : copied) {
      out.println("  " + p + (p.toString().equals("README.md") ? "   the handout: read it first" : ""));
    }
    out.println("grade it with: driverlab lab grade " + lab.number() + " " + dir);
    return OK;
  }

  private static boolean isEmpty(Path dir) throws LabException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      throw new LabException("cannot read " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Copies the files under {@code from} into {@code to}; returns their relative paths. */
  private static List<Path> copyTree(Path from, Path to) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(from)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    List<Path> out = new ArrayList<>();
    for (Path f : files) {
      Path rel = from.relativize(f);
      Path target = to.resolve(rel.toString());
      Files.createDirectories(target.getParent());
      Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
      out.add(rel);
    }
    return out;
  }

  // ---- grade -------------------------------------------------------------------------------------

  private int grade(List<String> args) throws UsageException, LabException {
    List<String> positional = new ArrayList<>();
    long labTimeout = GradeRunner.DEFAULT_LAB_TIMEOUT_MS;
    long itemTimeout = -1;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--timeout") || a.equals("--item-timeout")) {
        if (i + 1 >= args.size()) {
          throw new UsageException(a + " needs a number of seconds");
        }
        long ms = seconds(a, args.get(++i));
        if (a.equals("--timeout")) {
          labTimeout = ms;
        } else {
          itemTimeout = ms;
        }
      } else if (a.startsWith("--")) {
        throw new UsageException("unknown option " + a + " (grade takes --timeout and --item-timeout)");
      } else {
        positional.add(a);
      }
    }
    if (positional.size() != 2) {
      throw new UsageException("usage: driverlab lab grade N DIR (" + (positional.size() < 2 ? "missing "
          + (positional.isEmpty() ? "N and DIR" : "DIR") : "too many arguments") + ")");
    }
    Lab lab = lab(positional.get(0));
    Path dir = Path.of(positional.get(1)).toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new LabException(dir + " does not exist or is not a directory; start the lab with "
          + "'driverlab lab start " + lab.number() + " " + positional.get(1) + "'");
    }
    long perItem = itemTimeout > 0 ? itemTimeout : Math.min(GradeRunner.DEFAULT_ITEM_TIMEOUT_MS, labTimeout);
    out.println("lab " + lab.number() + ": " + lab.title());
    Path classes = null;
    try {
      classes = Files.createTempDirectory("driverlab-lab" + lab.number() + "-");
      List<String> cp = Classpath.current();
      StudentCompiler.Result compiled = StudentCompiler.compile(dir, classes, cp);
      out.println("compiling " + compiled.files() + " file" + (compiled.files() == 1 ? "" : "s") + " from " + dir
          + " ... " + (compiled.ok() ? "ok" : "failed"));
      List<ItemResult> results;
      if (!compiled.ok()) {
        compiled.errors().forEach(e -> out.println("  " + e));
        results = lab.items().stream().map(i -> ItemResult.fail(i, "not graded: the code does not compile"))
            .toList();
        results.forEach(this::print);
      } else {
        results = new GradeRunner(lab, cp, classes, labTimeout, perItem).run(this::print);
      }
      int score = results.stream().mapToInt(ItemResult::earned).sum();
      out.println("score: " + score + "/" + lab.maxPoints());
      return score == lab.maxPoints() ? OK : FAILED;
    } catch (IOException e) {
      throw new LabException("cannot make a folder for the compiled classes: " + e.getMessage(), e);
    } finally {
      deleteTree(classes);
    }
  }

  private void print(ItemResult r) {
    GradedItem i = r.item();
    out.printf(" %s  %d/%d  %-13s %s%n", r.passed() ? "PASS" : "FAIL", r.earned(), i.points(), i.id(), i.what());
    if (!r.passed()) {
      out.println("             -> " + r.message());
    }
  }

  private static long seconds(String option, String value) throws UsageException {
    try {
      long s = Long.parseLong(value);
      if (s < 1 || s > 3600) {
        throw new UsageException(option + " must be 1..3600 seconds, not " + value);
      }
      return s * 1000;
    } catch (NumberFormatException e) {
      throw new UsageException(option + " takes whole seconds, not '" + value + "'");
    }
  }

  private static Lab lab(String n) throws UsageException {
    int number;
    try {
      number = Integer.parseInt(n);
    } catch (NumberFormatException e) {
      throw new UsageException("'" + n + "' is not a lab number; 'driverlab lab list' shows labs 1-"
          + Labs.all().size());
    }
    Optional<Lab> lab = Labs.byNumber(number);
    if (lab.isEmpty()) {
      throw new UsageException("there is no lab " + number + "; 'driverlab lab list' shows labs 1-"
          + Labs.all().size());
    }
    return lab.get();
  }

  private static void deleteTree(Path p) {
    if (p == null || !Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      // a temp folder left behind is harmless
    }
  }
}
