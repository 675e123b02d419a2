package dev.driverlab.userland.testing;

import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.printk.Dmesg;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Assertions on what happened in the kernel of a {@link TestMachine}: the log, the bug reports, the
 * modules; and, through {@link #link}, on the TLPs.
 *
 * <pre>
 * assertThat(tm).dmesgContains("edu 0000:02:00.0: edu 1.0, BAR0")
 *               .hasBugReport(Check.DMA_API, "different size")   // expected: it no longer fails the test
 *               .link(edu).memoryReadsBy(edu.bdf()).eachAtMostBytes(512);
 * </pre>
 */
public final class KernelAssertions {
  private static final int TAIL = 10;

  private final TestMachine tm;

  private KernelAssertions(TestMachine tm) {
    this.tm = tm;
  }

  public static KernelAssertions assertThat(TestMachine tm) {
    if (tm == null) {
      throw new NullPointerException("tm");
    }
    return new KernelAssertions(tm);
  }

  // ---- dmesg ------------------------------------------------------------------------------------

  /** Some dmesg line contains {@code text}. */
  public KernelAssertions dmesgContains(String text) {
    if (!tm.kernel().dmesg().contains(text)) {
      throw new AssertionError("dmesg has no line containing \"" + text + "\"" + tail());
    }
    return this;
  }

  /** No dmesg line contains {@code text}; the message quotes the lines that do. */
  public KernelAssertions dmesgDoesNotContain(String text) {
    List<String> hits = tm.kernel().dmesg().lines().stream().filter(l -> l.text().contains(text))
        .map(Dmesg.Line::format).toList();
    if (!hits.isEmpty()) {
      throw new AssertionError("dmesg has " + hits.size() + " line(s) containing \"" + text + "\":\n  "
          + String.join("\n  ", hits));
    }
    return this;
  }

  /** Some dmesg line matches the regular expression {@code regex} (anywhere in the line). */
  public KernelAssertions dmesgMatches(String regex) {
    Pattern p = Pattern.compile(regex);
    if (tm.kernel().dmesg().lines().stream().noneMatch(l -> p.matcher(l.text()).find())) {
      throw new AssertionError("no dmesg line matches /" + regex + "/" + tail());
    }
    return this;
  }

  /** Lines containing these texts appear in this order (other lines may come between). */
  public KernelAssertions dmesgContainsInOrder(String... texts) {
    List<Dmesg.Line> lines = tm.kernel().dmesg().lines();
    int at = 0;
    for (String t : texts) {
      while (at < lines.size() && !lines.get(at).text().contains(t)) {
        at++;
      }
      if (at == lines.size()) {
        throw new AssertionError("dmesg has no line containing \"" + t + "\" after the lines before it in "
            + List.of(texts) + tail());
      }
      at++;
    }
    return this;
  }

  // ---- bug reports ------------------------------------------------------------------------------

  /**
   * The kernel reported a bug of {@code check} whose summary contains {@code fragment}. The matching
   * report is then expected: it no longer fails the test at the end.
   */
  public KernelAssertions hasBugReport(Check check, String fragment) {
    List<BugReport> all = tm.bugReports();
    for (BugReport r : all) {
      if (r.check() == check && r.toString().contains(fragment)) {
        tm.accept(r);
        return this;
      }
    }
    throw new AssertionError("no " + check.label() + " report containing \"" + fragment + "\"; reports: "
        + (all.isEmpty() ? "none" : "\n  " + String.join("\n  ", all.stream().map(BugReport::toString).toList())));
  }

  /** No check has reported anything (expected or not). */
  public KernelAssertions hasNoBugReports() {
    List<BugReport> all = tm.bugReports();
    if (!all.isEmpty()) {
      throw new AssertionError(all.size() + " bug report(s):\n  "
          + String.join("\n  ", all.stream().map(BugReport::toString).toList()));
    }
    return this;
  }

  // ---- modules ----------------------------------------------------------------------------------

  public KernelAssertions hasModule(String name) {
    if (tm.kernel().modules().find(name) == null) {
      throw new AssertionError("module " + name + " is not loaded; lsmod:\n" + tm.kernel().modules().lsmod());
    }
    return this;
  }

  public KernelAssertions hasNoModule(String name) {
    if (tm.kernel().modules().find(name) != null) {
      throw new AssertionError("module " + name + " is still loaded");
    }
    return this;
  }

  // ---- the link ---------------------------------------------------------------------------------

  /** Link assertions over every TLP on {@code device}'s link since before boot. */
  public LinkAssertions link(PluggedDevice device) {
    return LinkAssertions.assertThat(tm.tlps().all().at(device));
  }

  /** Link assertions over every TLP on every link since before boot. */
  public LinkAssertions links() {
    return LinkAssertions.assertThat(tm.tlps().all());
  }

  private String tail() {
    return "; last " + TAIL + " lines:\n  " + String.join("\n  ", tm.dmesgTail(TAIL));
  }
}
