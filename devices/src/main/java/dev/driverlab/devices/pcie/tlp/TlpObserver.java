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
   * @param tlp the TLP (an immutable value; keep it if you like, unless {@link #keepsTlps} says no)
   */
  void onTlp(long timeNs, LinkDirection dir, String linkName, Tlp tlp);

  /**
   * Whether this observer may keep a TLP (or its payload) after {@link #onTlp} returns. DMA TLPs read
   * their payload in place from the sender's buffer while they are in flight ({@link Tlp#ownsPayload});
   * while an observer that keeps TLPs is registered, the fabric gives every TLP its own payload before
   * showing it (once per TLP, as a factory that copies would), so what was kept never changes later.
   * An observer that only looks during the call (a checker, a printer) returns false and spares every
   * DMA TLP that copy. The safe answer, and the default, is true.
   */
  default boolean keepsTlps() {
    return true;
  }

  /**
   * Whether this observer wants the TLPs of {@code type} that cross a link in direction {@code dir}.
   * The fabric asks once per direction and type when the observer is added (not per TLP) and calls
   * {@link #onTlp} only for what it watches: an observer interested in a few kinds of TLP (the
   * kernel's DMA check watches device requests going up) costs nothing on the rest of the traffic.
   * The answer must not change while the observer is registered. The default watches everything.
   */
  default boolean watches(LinkDirection dir, TlpType type) {
    return true;
  }
}
