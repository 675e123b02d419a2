package dev.driverlab.kernel.debug;

import dev.driverlab.kernel.Kernel;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects driver-bug reports and prints each as a Linux WARNING block:
 *
 * <pre>
 * ------------[ cut here ]------------
 * WARNING: CPU: 0 PID: 1 at EduDriver.remove(EduDriver.java:120)
 * DMA-API: edu 0000:03:00.0: device driver has pending DMA allocations while released [count=1]
 * ---[ end trace ]---
 * </pre>
 */
public final class BugReporter {
  private final Kernel kernel;
  private final List<BugReport> reports = new ArrayList<>();

  public BugReporter(Kernel kernel) {
    this.kernel = kernel;
  }

  /**
   * Reports a bug. {@code facts} alternate name and value ("size", 4096, …). {@code device} may be null
   * (the current driver is then named if known).
   */
  public BugReport report(Check check, Object device, String message, Object... facts) {
    return reportAt(check, device, message, kernel.callSite(), null, facts);
  }

  /** As {@link #report}, naming where the resource was created (e.g. "mapped at …"). */
  public BugReport reportAt(Check check, Object device, String message, String site, String origin,
      Object... facts) {
    List<String> f = new ArrayList<>();
    for (int i = 0; i + 1 < facts.length; i += 2) {
      f.add(facts[i] + "=" + facts[i + 1]);
    }
    String driver = kernel.describeDriver(device);
    String dev = kernel.describeDevice(device);
    BugReport r = new BugReport(check, driver, dev, message, List.copyOf(f), site, origin);
    synchronized (this) {
      reports.add(r);
    }
    kernel.dmesg().log(4, "------------[ cut here ]------------");
    kernel.dmesg().log(4, "WARNING: CPU: 0 PID: " + kernel.currentPid() + " at " + (site == null ? "?" : site));
    kernel.dmesg().log(4, r.summary());
    if (origin != null) {
      kernel.dmesg().log(4, " " + origin);
    }
    kernel.dmesg().log(4, "---[ end trace ]---");
    return r;
  }

  public synchronized List<BugReport> reports() {
    return List.copyOf(reports);
  }

  public synchronized List<BugReport> reports(Check check) {
    return reports.stream().filter(r -> r.check() == check).toList();
  }

  /** Forgets the reports so far (a test that expected them). */
  public synchronized void clear() {
    reports.clear();
  }
}
