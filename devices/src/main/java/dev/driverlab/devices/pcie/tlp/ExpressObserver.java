package dev.driverlab.devices.pcie.tlp;

/**
 * An observer that can also watch DMA the fabric moves without TLP objects: the "express".
 *
 * <p>An endpoint's memory write, its memory read with the whole answer, or a CPU's MMIO load or store
 * at an endpoint's BAR, is built as TLPs and walked link by link only when something needs them. When
 * no interceptor is registered and every observer that would see those TLPs is an
 * {@code ExpressObserver} that {@linkplain #admits admits} the transfer,
 * the fabric instead makes every check the TLPs would meet on their road, charges each link the same
 * per-TLP times, moves the bytes, and tells the observers once ({@link #onExpress}). An observer that
 * is not an {@code ExpressObserver} (a trace, a recorder) therefore sees every TLP, as always.
 *
 * <p>The contract: after {@code admits} returned true and {@code onExpress} ran, the observer is in the
 * state, and has reported exactly what, seeing the transfer's TLPs one by one (in the order the road
 * carries them, at {@link ExpressDma#timeNs()}, or for a burst one after another until
 * {@link ExpressDma#lastRequestNs()}) would have left and reported. An observer whose reports
 * need the TLPs themselves (their header text) says no in {@code admits} whenever it would report:
 * the transfer then takes the TLP road and is reported from there.
 */
public interface ExpressObserver extends TlpObserver {
  /**
   * Whether this observer can take {@code dma} without its TLPs (see the class comment). Must change
   * nothing it reports, counts or decides by: another observer may still refuse, and then the TLPs
   * come after all. (A memo of a fact it looked up, true whatever happens next, may be kept.)
   */
  boolean admits(ExpressDma dma);

  /** The fabric moved {@code dma}: do what seeing its TLPs would have done. {@code dma} is reused afterwards. */
  void onExpress(ExpressDma dma);
}
