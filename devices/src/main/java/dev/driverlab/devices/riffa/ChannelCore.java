package dev.driverlab.devices.riffa;

/**
 * User logic on one RIFFA channel: the Java twin of the {@code CHNL_RX*} / {@code CHNL_TX*} signal
 * bundle a Verilog user core connects to (riffa.md §5.1, §5.2). The endpoint calls these methods on
 * the machine's simulation thread, always from an event on the virtual clock (never from inside an
 * MMIO access); the core answers through the {@link ChannelPort} it is handed.
 *
 * <pre>
 *   host send (fpga_send)                         host receive (fpga_recv)
 *   CHNL_RX, _LEN, _OFF, _LAST ─► rxStart          port.txStart(len, off, last) ─► CHNL_TX, _LEN, _OFF, _LAST
 *   CHNL_RX_ACK               ◄─ port.rxAck()      CHNL_TX_ACK is immediate
 *   CHNL_RX_DATA_VALID        ─► rxData            port.txWrite(beat) ─► CHNL_TX_DATA + _VALID,
 *   CHNL_RX_DATA + _REN       ◄─ port.rxRead()         returns CHNL_TX_DATA_REN (false: try again
 *   CHNL_RX falls             ─► rxEnd                 after txReady)
 *                                                  port.txEnd() ─► CHNL_TX falls
 *   RST_OUT (INFO read)       ─► reset
 * </pre>
 *
 * Data moves in beats of {@link ChannelPort#wordsPerBeat()} 32-bit words (the core's
 * {@code C_PCI_DATA_WIDTH}), lowest word first. A core that never calls {@code txStart} is legal: the
 * host's {@code fpga_recv} then sees no event and runs into its inactivity timeout, as with real
 * hardware. Write your own by implementing this interface; {@link ChnlTester}, {@link EchoCore},
 * {@link AddConstantCore} and {@link SinkCore} are examples.
 */
public interface ChannelCore {
  /**
   * {@code CHNL_RX} rose: the host starts a send of {@code len} words ({@code CHNL_RX_LEN}, unsigned
   * 32-bit) with {@code CHNL_RX_OFF} and {@code CHNL_RX_LAST}. Acknowledge with
   * {@link ChannelPort#rxAck()}, now or later: the host send does not complete before. A zero-length
   * send with {@code last} set arrives here too; one without {@code last} does not.
   */
  void rxStart(ChannelPort port, long len, int offset, boolean last);

  /**
   * {@code CHNL_RX_DATA_VALID}: new beats wait in the channel's RX FIFO; pop them with
   * {@link ChannelPort#rxRead()}. Leaving them there back-pressures the host: once the 1024-beat FIFO
   * is full the engine stops reading host memory.
   */
  void rxData(ChannelPort port);

  /**
   * Whether {@link #rxData} only takes beats ({@link ChannelPort#rxRead}, {@link ChannelPort#rxValid})
   * and changes nothing but the core's own state (no transmit, no scheduled event) until it has taken
   * a host send's last beat: true for a core that answers once a whole message is in, such as
   * {@link BufferingCore} and {@link ChnlTester}. The RX engine may then read host memory ahead: the
   * MRds it would send back to back while nothing else happens go out at once, and their data joins
   * the FIFO read by read, each at its own time, as before. Nothing a host or another core can see
   * changes, and with nobody watching TLPs a host send runs much faster. The port holds the core to
   * it: any other port call from {@code rxData} while reads are ahead throws
   * {@link IllegalStateException}. The default, false, is right for any other core (one that answers
   * as the words come, say).
   */
  default boolean rxDataOnlyReads() {
    return false;
  }

  /**
   * {@code CHNL_RX} fell: the host send is over and {@code wordsReceived} words (RX_TNFR_LEN) went into
   * the FIFO; fewer than announced if a DMA error cut it short. Beats may still wait in the FIFO.
   */
  default void rxEnd(ChannelPort port, long wordsReceived) {}

  /**
   * {@code CHNL_TX_DATA_REN} rose again after {@link ChannelPort#txWrite} refused a beat. While the core
   * streams a transmit ({@link ChannelPort#txStream}) it comes only when the rest of the stream may fit.
   */
  default void txReady(ChannelPort port) {}

  /**
   * {@code RST_OUT}: the core was reset (plug-in, or the host read INFO). Forget transactions in
   * progress; the port's FIFOs are already empty and no transmit is open.
   */
  default void reset(ChannelPort port) {}
}
