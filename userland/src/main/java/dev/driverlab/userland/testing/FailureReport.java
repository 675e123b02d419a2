package dev.driverlab.userland.testing;

import dev.driverlab.kernel.debug.BugReport;
import java.util.List;

/**
 * The text a failing DriverLab test carries: what went wrong, then the machine's state — the bug
 * reports (unexpected ones marked {@code !}), the faults the test injected, the last
 * {@value #DMESG_LINES} dmesg lines and the last {@value #TLP_LINES} TLPs as analyzer lines.
 *
 * <pre>
 *   expected: &lt;123&gt; but was: &lt;0&gt;
 *
 *   ── DriverLab machine state at 0.100412 s (virtual) ──
 *   bug reports (1):
 *     ! DMA-API: edu 0000:02:00.0: device driver frees DMA memory with different size [...] at ...
 *   dmesg (last 30 of 212 lines):
 *     [    0.000000] Linux version 6.6.0-driverlab ...
 *   TLPs (last 20 of 1534 seen):
 *         12.345 us  switch0/0  DOWN  MRd    req=00:00.0 tag=05 addr=00000000c0000000 len=1 be=f/0
 * </pre>
 */
final class FailureReport {
  static final int DMESG_LINES = 30;
  static final int TLP_LINES = 20;
  /** Starts the state section; also tells a message that already carries the state. */
  static final String HEADER = "── DriverLab machine state at ";

  private FailureReport() {}

  /** {@code headline}, a blank line, then {@link #state}. */
  static String describe(TestMachine tm, String headline) {
    String h = headline == null || headline.isEmpty() ? "(no message)" : headline;
    return h + "\n\n" + state(tm);
  }

  static boolean carriesState(String message) {
    return message != null && message.contains(HEADER);
  }

  static String state(TestMachine tm) {
    StringBuilder sb = new StringBuilder();
    long now = tm.nowNs();
    sb.append(HEADER).append(String.format("%d.%06d s (virtual) ──", now / 1_000_000_000L, (now / 1000) % 1_000_000));
    List<BugReport> reports = tm.bugReports();
    if (reports.isEmpty()) {
      sb.append("\nbug reports: none");
    } else {
      sb.append("\nbug reports (").append(reports.size()).append("):");
      for (BugReport r : reports) {
        sb.append("\n  ").append(tm.isAllowed(r) ? "  (expected) " : "! ").append(r);
      }
    }
    FaultInjector faults = tm.faultsIfUsed();
    if (faults != null && !faults.log().isEmpty()) {
      List<String> log = faults.log();
      sb.append("\ninjected faults (").append(log.size()).append("):");
      int skip = Math.max(0, log.size() - TLP_LINES);
      if (skip > 0) {
        sb.append("\n  ... ").append(skip).append(" earlier");
      }
      for (String l : log.subList(skip, log.size())) {
        sb.append("\n  ").append(l);
      }
    }
    int dmesgTotal = tm.kernel().dmesg().lines().size();
    List<String> dmesg = tm.dmesgTail(DMESG_LINES);
    sb.append("\ndmesg (last ").append(dmesg.size()).append(" of ").append(dmesgTotal).append(" lines):");
    for (String l : dmesg) {
      sb.append("\n  ").append(l);
    }
    List<String> tlps = tm.tlps().lastLines(TLP_LINES);
    sb.append("\nTLPs (last ").append(tlps.size()).append(" of ").append(tm.tlps().total()).append(" seen):");
    for (String l : tlps) {
      sb.append("\n  ").append(l);
    }
    return sb.toString();
  }
}
