package dev.driverlab.userland.labs;

import dev.driverlab.devices.Machine;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kernel.sched.KernelHang;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The grading JVM's entry point: runs a lab's items against the student's classes (which are on this
 * JVM's classpath) and reports each one on stdout as it finishes, so the parent knows what completed
 * even if the student's code ends the JVM ({@code System.exit}) or never returns.
 *
 * <pre>
 *   java -cp DRIVERLAB:STUDENT_CLASSES dev.driverlab.userland.labs.GradingChild LAB FIRST_ITEM
 *   stdin:   one line, the nonce
 *   stdout:  @@NONCE START index id
 *            @@NONCE ITEM index id PASS|FAIL points message      (one line; message has no newlines)
 *            @@NONCE END
 * </pre>
 *
 * The nonce is read before any student class loads and only the grader's own stream writes it, so
 * nothing the student's code prints can pass for a result; {@code System.out} is pointed at stderr.
 */
public final class GradingChild {
  static final String START = "START", ITEM = "ITEM", END = "END", PASS = "PASS", FAIL = "FAIL";

  private GradingChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    String nonce = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    System.setIn(new ByteArrayInputStream(new byte[0]));
    System.setOut(System.err);
    if (nonce == null || args.length != 2) {
      System.err.println("usage: GradingChild LAB FIRST_ITEM, with the nonce on stdin");
      Runtime.getRuntime().halt(2);
    }
    Lab lab = Labs.byNumber(Integer.parseInt(args[0])).orElseThrow();
    int first = Integer.parseInt(args[1]);
    StudentClasses student = new StudentClasses(GradingChild.class.getClassLoader());
    List<GradedItem> items = lab.items();
    String tag = "@@" + nonce + " ";
    warmUp();
    for (int i = first; i < items.size(); i++) {
      GradedItem item = items.get(i);
      protocol.println(tag + START + " " + i + " " + item.id());
      String failure = run(item, student);
      protocol.println(tag + ITEM + " " + i + " " + item.id() + " " + (failure == null
          ? PASS + " " + item.points() + " ok" : FAIL + " 0 " + oneLine(failure)));
    }
    protocol.println(tag + END);
    protocol.flush();
    Runtime.getRuntime().halt(0);     // simulated threads the student left behind must not keep us alive
  }

  /**
   * Boots and drops one default machine before the first item, so the JIT's first pass over the
   * simulator does not count against the first item's time limit.
   */
  private static void warmUp() {
    try {
      Kernel.boot(Machine.createDefault(), "warm-up").shutdown();
    } catch (RuntimeException e) {
      // the items will meet the same problem and report it
    }
  }

  /** Runs one item; null if it passed, else why not. */
  static String run(GradedItem item, StudentClasses student) {
    try {
      item.check().run(student);
      return null;
    } catch (ItemFailed f) {
      return f.getMessage();
    } catch (KernelHang h) {
      return "a kernel wait can never end (the machine would hang): " + h.getMessage();
    } catch (KernelOops o) {
      return "kernel oops: " + o.getMessage() + where(o);
    } catch (StackOverflowError e) {
      return "stack overflow (endless recursion?)" + where(e);
    } catch (Throwable t) {
      return "crashed: " + t + where(t);
    }
  }

  /** " at Class.method(File.java:line)" for the innermost frame of the student's code, if any. */
  static String where(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      for (StackTraceElement e : c.getStackTrace()) {
        if (e.getClassName().startsWith(StudentCompiler.STUDENT_PACKAGE + ".")) {
          return " at " + e.getClassName().substring(e.getClassName().lastIndexOf('.') + 1) + "." + e.getMethodName()
              + "(" + e.getFileName() + ":" + e.getLineNumber() + ")";
        }
      }
    }
    return "";
  }

  static String oneLine(String s) {
    return s.replace("\r\n", " | ").replace('\n', ' ').replace('\r', ' ').strip();
  }
}
