package dev.driverlab.userland.labs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a lab's items in a child JVM ({@link GradingChild}) whose classpath is DriverLab's plus the
 * student's compiled classes, so nothing the student's code does can touch the grader's process:
 *
 * <pre>
 *   parent                                    child (java -cp DRIVERLAB:CLASSES GradingChild LAB FIRST)
 *   nonce ──stdin──────────────────────────►  reads it before loading student code
 *         ◄──"@@nonce START i id"───────────  item i begins (fresh machine)
 *         ◄──"@@nonce ITEM i id PASS 2 ok"──  item i done
 *   item i takes longer than the item limit   → kill; item i "timed out"; restart from i + 1
 *   child exits in the middle of item i       → item i "the JVM exited (System.exit?)"; restart from i + 1
 *   the lab's wall-clock limit is reached     → kill; items not done score 0, "timed out"
 * </pre>
 */
final class GradeRunner {
  /** Whole-lab wall-clock limit by default. */
  static final long DEFAULT_LAB_TIMEOUT_MS = 60_000;
  /** One item's wall-clock limit by default (a correct item takes well under a second). */
  static final long DEFAULT_ITEM_TIMEOUT_MS = 20_000;
  private static final int STDERR_LINES_KEPT = 20;
  private static final String EOF = "\u0000eof";

  private final Lab lab;
  private final List<String> classpath;
  private final Path studentClasses;
  private final long labTimeoutMs;
  private final long itemTimeoutMs;

  GradeRunner(Lab lab, List<String> classpath, Path studentClasses, long labTimeoutMs, long itemTimeoutMs) {
    this.lab = lab;
    this.classpath = classpath;
    this.studentClasses = studentClasses;
    this.labTimeoutMs = labTimeoutMs;
    this.itemTimeoutMs = itemTimeoutMs;
  }

  /** Grades every item; {@code progress} sees each result as it arrives (in item order). */
  List<ItemResult> run(Consumer<ItemResult> progress) throws LabException {
    List<GradedItem> items = lab.items();
    ItemResult[] results = new ItemResult[items.size()];
    long labDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(labTimeoutMs);
    int next = 0;
    int reported = 0;
    while (next < items.size()) {
      if (System.nanoTime() >= labDeadline) {
        for (int i = next; i < items.size(); i++) {
          results[i] = ItemResult.fail(items.get(i), "timed out: not run, the lab's " + labTimeoutMs / 1000
              + " s limit was reached");
        }
        break;
      }
      next = runChild(next, results, labDeadline);
      for (; reported < items.size() && results[reported] != null; reported++) {
        progress.accept(results[reported]);
      }
    }
    for (; reported < items.size(); reported++) {
      progress.accept(results[reported]);
    }
    return Arrays.asList(results);
  }

  /** One child JVM from item {@code first} on; returns the next item still to grade. */
  private int runChild(int first, ItemResult[] results, long labDeadline) throws LabException {
    List<GradedItem> items = lab.items();
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    String nonce = HexFormat.of().formatHex(random);
    String tag = "@@" + nonce + " ";
    Process child = start(first);
    ArrayDeque<String> stderrTail = new ArrayDeque<>();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread out = pump(child.getInputStream(), line -> lines.add(line), () -> lines.add(EOF));
    Thread err = pump(child.getErrorStream(), line -> {
      synchronized (stderrTail) {
        if (stderrTail.size() == STDERR_LINES_KEPT) {
          stderrTail.removeFirst();
        }
        stderrTail.addLast(line);
      }
    }, () -> {});
    try (OutputStream in = child.getOutputStream()) {
      in.write((nonce + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // the child died at once: reported below from its exit
    }
    int current = -1;
    int next = first;
    long itemDeadline = labDeadline;
    boolean started = false;
    try {
      while (true) {
        long deadline = Math.min(labDeadline, itemDeadline);
        String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line == null) {
          kill(child);
          if (current < 0 && next >= items.size()) {
            return next;                  // every item reported; only the child's exit was slow
          }
          int timedOut = current >= 0 ? current : next;
          long limit = current >= 0 && itemDeadline < labDeadline ? itemTimeoutMs : labTimeoutMs;
          results[timedOut] = ItemResult.fail(items.get(timedOut), "timed out after " + limit / 1000 + " s: the "
              + "code never returned (an endless loop, or a busy-wait that lets no simulated time pass: "
              + "use udelay/msleep or wait for the interrupt)");
          return timedOut + 1;
        }
        if (line.equals(EOF)) {
          int status = waitFor(child);
          if (current >= 0 && results[current] == null) {
            results[current] = ItemResult.fail(items.get(current), "the grading JVM exited with status " + status
                + " during this item: the code called System.exit or Runtime.halt (or the JVM crashed)");
            return current + 1;
          }
          if (!started && next < items.size()) {
            throw new LabException("the grading JVM exited with status " + status + " before grading anything:\n  "
                + String.join("\n  ", snapshot(stderrTail)));
          }
          return next;
        }
        if (!line.startsWith(tag)) {
          continue;                       // only the child's own protocol stream carries the nonce
        }
        String[] f = line.substring(tag.length()).split(" ", 6);
        switch (f[0]) {
          case GradingChild.START -> {
            started = true;
            current = Integer.parseInt(f[1]);
            itemDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(itemTimeoutMs);
          }
          case GradingChild.ITEM -> {
            int i = Integer.parseInt(f[1]);
            boolean pass = f[3].equals(GradingChild.PASS);
            String msg = f.length > 5 ? f[5] : "";
            results[i] = pass ? ItemResult.pass(items.get(i)) : ItemResult.fail(items.get(i), msg);
            current = -1;
            next = i + 1;
            itemDeadline = labDeadline;
          }
          case GradingChild.END -> {
            waitFor(child);
            return items.size();
          }
          default -> { }
        }
      }
    } catch (InterruptedException e) {
      kill(child);
      Thread.currentThread().interrupt();
      throw new LabException("grading interrupted", e);
    } finally {
      kill(child);
      join(out);
      join(err);
    }
  }

  private Process start(int first) throws LabException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Xss4m");
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-Dfile.encoding=UTF-8");
    cmd.add("-cp");
    List<String> cp = new ArrayList<>(classpath);
    cp.add(studentClasses.toAbsolutePath().toString());
    cmd.add(Classpath.join(cp));
    cmd.add(GradingChild.class.getName());
    cmd.add(Integer.toString(lab.number()));
    cmd.add(Integer.toString(first));
    try {
      return new ProcessBuilder(cmd).start();
    } catch (IOException e) {
      throw new LabException("cannot start the grading JVM (" + cmd.get(0) + "): " + e.getMessage(), e);
    }
  }

  private static Thread pump(InputStream s, Consumer<String> onLine, Runnable atEnd) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          onLine.accept(line);
        }
      } catch (IOException e) {
        // the child is gone
      } finally {
        atEnd.run();
      }
    }, "lab-grader-pipe");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static List<String> snapshot(ArrayDeque<String> tail) {
    synchronized (tail) {
      return tail.isEmpty() ? List.of("(no output)") : List.copyOf(tail);
    }
  }

  private static int waitFor(Process p) throws InterruptedException {
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      kill(p);
    }
    return p.exitValue();
  }

  private static void kill(Process p) {
    if (p.isAlive()) {
      p.destroyForcibly();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void join(Thread t) {
    try {
      t.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
