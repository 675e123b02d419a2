package dev.driverlab.devices.pcie.tlp;

/**
 * Watches TLPs crossing a link, like a protocol analyzer on the wire. The fabric calls registered
 * observers only (none registered costs nothing), in link order, on the simulation thread, when the
 * TLP has crossed the link.
 *
 * <p>An observer only watches: it must not throw, block or feed TLPs back into the fabric from the
 * callback. {@link AnalyzerText#printingTo} gives one that renders analyzer lines.
 */
@FunctionalInterface
public interface TlpObserver {
  /**
   * @param timeNs the machine's virtual time when the TLP crossed the link, in nanoseconds
   * @param dir the direction it crossed
   * @param linkName the link's name as the fabric knows it (e.g. "rp0")
   * @param tlp the TLP (an immutable value; keep it if you like)
   */
  void onTlp(long timeNs, LinkDirection dir, String linkName, Tlp tlp);
}
