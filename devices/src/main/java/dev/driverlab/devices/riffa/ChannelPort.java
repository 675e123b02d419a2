package dev.driverlab.devices.riffa;

/**
 * The RIFFA side of one channel as its {@link ChannelCore} sees it: the inputs and outputs of the
 * {@code CHNL_RX*} / {@code CHNL_TX*} bundle. Calls only change the channel's state and wake its
 * engines through the virtual clock; nothing here runs the engines re-entrantly.
 */
public interface ChannelPort {
  /** This channel's number, 0..11. */
  int channel();

  /** 32-bit words per data beat: {@code C_PCI_DATA_WIDTH / 32} (2 or 4). */
  int wordsPerBeat();

  /** The machine's virtual time in nanoseconds. */
  long nowNs();

  // ---- RX: host send -> FPGA ----------------------------------------------------------------------

  /** {@code CHNL_RX_ACK}: the core has seen {@code CHNL_RX}. Ignored when no host send is in progress. */
  void rxAck();

  /** {@code CHNL_RX_DATA_VALID}: at least one beat waits in the RX FIFO. */
  boolean rxValid();

  /**
   * {@code CHNL_RX_DATA_REN} for one beat: pops and returns it ({@link #wordsPerBeat()} words; the
   * unused upper words of a transaction's final partial beat are zero), or null if the FIFO is empty.
   */
  int[] rxRead();

  /**
   * {@code CHNL_RX_DATA_REN} for as many whole beats as {@code maxWords} holds: pops them into
   * {@code dst[off..]} and returns the words popped (a multiple of {@link #wordsPerBeat()}; 0 if the
   * FIFO is empty). The same as that many {@link #rxRead()}s, without an array per beat.
   */
  default int rxRead(int[] dst, int off, int maxWords) {
    int b = wordsPerBeat();
    int n = 0;
    while (maxWords - n >= b) {
      int[] beat = rxRead();
      if (beat == null) {
        break;
      }
      System.arraycopy(beat, 0, dst, off + n, b);
      n += b;
    }
    return n;
  }

  // ---- TX: FPGA -> host receive -----------------------------------------------------------------

  /**
   * Raises {@code CHNL_TX} with {@code CHNL_TX_LEN = len} words (unsigned 32-bit),
   * {@code CHNL_TX_OFF = offset} (31 bits, words) and {@code CHNL_TX_LAST}. The host learns of it from
   * a TX_TXN interrupt. A transaction with {@code len == 0} and {@code !last} is dropped silently, as
   * the HDL does.
   *
   * @throws IllegalStateException if the previous transmit is still open (call {@link #txEnd()} first)
   * @throws IllegalArgumentException if {@code len} or {@code offset} is out of range
   */
  void txStart(long len, int offset, boolean last);

  /**
   * Offers one beat ({@code CHNL_TX_DATA} with {@code CHNL_TX_DATA_VALID}). Returns true if it was taken
   * ({@code CHNL_TX_DATA_REN} high); false if the TX FIFO is full, in which case the core gets
   * {@link ChannelCore#txReady} when there is room. Words beyond the announced length are taken and
   * dropped. Until the host acknowledges the transaction (reads TX_LEN) only
   * {@link RiffaRegisters#TX_GATE_BEATS} beats are buffered.
   *
   * @throws IllegalStateException if no transmit is open
   * @throws IllegalArgumentException if {@code beat.length != wordsPerBeat()}
   */
  boolean txWrite(int[] beat);

  /**
   * Offers the beats made of {@code src[off, off + words)} in order, a final partial beat padded with
   * zeros, and returns how many were taken: the same as {@link #txWrite(int[])} for each until one is
   * refused (then {@link ChannelCore#txReady} follows when there is room), without an array per beat.
   *
   * @throws IllegalStateException if no transmit is open
   */
  default int txWrite(int[] src, int off, int words) {
    int b = wordsPerBeat();
    int taken = 0;
    for (int i = 0; i < words; i += b) {
      int[] beat = new int[b];
      System.arraycopy(src, off + i, beat, 0, Math.min(b, words - i));
      if (!txWrite(beat)) {
        break;
      }
      taken++;
    }
    return taken;
  }

  /**
   * Streams the rest of a transmit's words, {@code src[from, src.length)}: offers them as
   * {@link #txWrite(int[], int, int)} does, and lets the port go on taking from {@code src} by itself
   * whenever FIFO room frees up, for as long as what it takes leaves words over. The core then hears
   * {@link ChannelCore#txReady} only when the rest may fit (it can then finish the transmit), not once
   * per TLP the port writes. Returns how far into {@code src} the port has taken, a padded final beat
   * counting up to {@code src.length}; from txReady, call again with that index (an index the port has
   * already passed resumes where the port is). The core must leave {@code src[from..]} unchanged until
   * all of it is taken, and not mix other writes into the same transmit meanwhile.
   *
   * @throws IllegalStateException if no transmit is open
   */
  default int txStream(int[] src, int from) {
    int taken = txWrite(src, from, src.length - from);
    return (int) Math.min((long) from + (long) taken * wordsPerBeat(), src.length);
  }

  /**
   * Drops {@code CHNL_TX}: the transmit is closed. Closing before all announced words were written
   * ends the host receive early with the words delivered so far. A no-op if no transmit is open.
   */
  void txEnd();

  /** True between {@link #txStart} and {@link #txEnd}. */
  boolean txOpen();

  /**
   * Runs {@code action} after {@code delayNs} of simulated time (for cores that take time to compute).
   * Pending actions are dropped when the core is reset.
   */
  void schedule(long delayNs, String what, Runnable action);
}
