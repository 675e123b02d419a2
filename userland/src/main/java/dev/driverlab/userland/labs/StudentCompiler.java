package dev.driverlab.userland.labs;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles a student's sources (every {@code .java} file under the lab folder) with the JDK's compiler,
 * against DriverLab's classpath, at the project's language level. Student classes must live under
 * {@code dev.driverlab.labs}: anything else could shadow DriverLab's own packages in the grading JVM.
 */
final class StudentCompiler {
  /** The package every student class belongs to (or below). */
  static final String STUDENT_PACKAGE = "dev.driverlab.labs";
  static final String RELEASE = "17";

  /** What compiling gave: success, how many files, and the error lines ("File.java:12: error: ..."). */
  record Result(boolean ok, int files, List<String> errors) {}

  private StudentCompiler() {}

  static Result compile(Path srcDir, Path outDir, List<String> classpath) throws LabException {
    List<Path> sources;
    try (Stream<Path> s = Files.walk(srcDir)) {
      sources = s.filter(p -> p.toString().endsWith(".java") && Files.isRegularFile(p))
          .filter(p -> !isHidden(srcDir.relativize(p))).sorted().toList();
    } catch (IOException e) {
      throw new LabException("cannot read " + srcDir + ": " + e.getMessage(), e);
    }
    if (sources.isEmpty()) {
      throw new LabException("no .java files under " + srcDir);
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new LabException("this Java runtime has no compiler (javax.tools): run driverlab with a JDK, not a JRE");
    }
    try {
      Files.createDirectories(outDir);
    } catch (IOException e) {
      throw new LabException("cannot create " + outDir + ": " + e.getMessage(), e);
    }
    DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
    boolean ok;
    try (StandardJavaFileManager files = javac.getStandardFileManager(diags, Locale.ROOT, StandardCharsets.UTF_8)) {
      List<String> options = List.of("-d", outDir.toString(), "-classpath", Classpath.join(classpath),
          "--release", RELEASE, "-encoding", "UTF-8", "-proc:none", "-nowarn", "-g");
      StringWriter extra = new StringWriter();
      ok = javac.getTask(extra, files, diags, options, null, files.getJavaFileObjectsFromPaths(sources)).call();
    } catch (IOException e) {
      throw new LabException("compiler failed: " + e.getMessage(), e);
    }
    List<String> errors = diags.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
        .map(d -> format(srcDir, d)).toList();
    if (ok) {
      List<String> foreign = foreignClasses(outDir);
      if (!foreign.isEmpty()) {
        return new Result(false, sources.size(), foreign.stream().map(c -> c + ": lab code must be in package "
            + STUDENT_PACKAGE + " or below (keep the skeleton's package)").toList());
      }
    }
    return new Result(ok, sources.size(), ok ? List.of() : errors.isEmpty() ? List.of("javac failed") : errors);
  }

  private static boolean isHidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static String format(Path srcDir, Diagnostic<? extends JavaFileObject> d) {
    String where = "";
    if (d.getSource() != null) {
      Path p = Path.of(d.getSource().toUri());
      where = (p.startsWith(srcDir) ? srcDir.relativize(p) : p) + ":" + d.getLineNumber() + ": ";
    }
    return where + "error: " + d.getMessage(Locale.ROOT).replace('\n', ' ');
  }

  /** Class files outside dev/driverlab/labs/, as class names. */
  private static List<String> foreignClasses(Path outDir) throws LabException {
    Path allowed = outDir.resolve(STUDENT_PACKAGE.replace('.', '/'));
    try (Stream<Path> s = Files.walk(outDir)) {
      return s.filter(p -> p.toString().endsWith(".class") && !p.startsWith(allowed))
          .map(p -> outDir.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "")).sorted().toList();
    } catch (IOException e) {
      throw new LabException("cannot read " + outDir + ": " + e.getMessage(), e);
    }
  }
}
