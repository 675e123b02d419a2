package dev.driverlab.kernel.debug;

import java.util.List;

/**
 * One driver bug the kernel caught: which check, the driver and device, what was wrong, the facts
 * (name/value pairs, as Linux brackets them) and the driver's call site.
 */
public record BugReport(Check check, String driver, String device, String message, List<String> facts,
    String callSite, String origin) {

  /** The report as dmesg shows it (without the cut-here lines). */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    sb.append(check.label()).append(": ");
    if (driver != null) {
      sb.append(driver).append(' ');
    }
    if (device != null) {
      sb.append(device).append(": ");
    }
    sb.append(message);
    for (String f : facts) {
      sb.append(" [").append(f).append(']');
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return summary() + (callSite == null ? "" : " at " + callSite)
        + (origin == null ? "" : " (" + origin + ")");
  }
}
