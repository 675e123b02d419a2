package dev.driverlab.devices.riffa;

import static dev.driverlab.devices.riffa.RiffaRegisters.RX_FIFO_BEATS;

import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.PciDeviceModel.EventLabel;

/**
 * A channel's RX port: the host send ({@code fpga_send}, host → FPGA), after {@code rx_port_reader.v},
 * {@code rx_port_channel_gate.v} and {@code fifo_packer_*.v} (riffa.md §5.1).
 *
 * <pre>
 *  RX_OFFLAST write ─► latch (offset &lt;&lt; 1 | last)
 *  RX_LEN write (idle) ─► SG FIFO flushed ─► len ≠ 0: CHNL_RX to the core, start reading
 *                                         len = 0, last: CHNL_RX with length 0, done once acked
 *                                         len = 0, !last: nothing at all
 *  reading: per SG element, min(element, words still needed) words (longer elements are truncated),
 *           in MRd requests ≤ max read size that never cross 4 KiB, issued only while the 1024-beat
 *           RX FIFO has room for them; words are packed into beats for the core
 *           (several reads at once when nothing could tell: see readBurst)
 *  done:    all words in (or a DMA error) ∧ previous RX_TNFR_LEN read ∧ core acked CHNL_RX
 *           ─► RX_TNFR_LEN = words received, RX_TXN_DONE interrupt, CHNL_RX falls
 * </pre>
 */
final class RxPort implements SgRequester.Listener {
  private enum State { IDLE, READING, FINISHING, ZERO_LENGTH }

  private final RiffaEndpoint ep;
  private final Channel ch;
  final SgRequester sg;
  private State state = State.IDLE;
  private int offLast;
  private long doneLen;
  private boolean lastDoneRead = true;
  private long len;
  private long requested;
  private long received;
  private boolean userAcked;
  private boolean error;
  private boolean inFlight;
  private int inFlightWords;
  /**
   * Words of the reads after the one in flight, already read (a burst, see {@link #readBurst}) and
   * pending in the FIFO behind its words: the steps that would send those reads only book them.
   */
  private int aheadWords;
  private boolean stepQueued;
  /**
   * While {@link #dataArrived} hands words to the core, a kick only reserves the step's place
   * ({@link #kickSeq}): dataArrived steps right after, and if that issues the next read the queued step
   * would find a read in flight and do nothing, so it is not scheduled at all. If the engine still
   * waits, the step is scheduled in the reserved place, where the kick would have put it.
   */
  private boolean deferKick;
  private boolean kickDeferred;
  private long kickSeq;
  private long elemAddr;
  private long elemLeft;
  /**
   * The RX FIFO as words: whole beats first, then the packer's partial beat (fewer than a beat of
   * words, not yet visible to the core). Beats are handed out as the core asks for them.
   */
  private final IntQueue fifo = new IntQueue();
  private final EventLabel rxStartLabel;
  private final EventLabel readLabel;
  private final EventLabel dataLabel;
  private final EventLabel fallsLabel;
  /** The engine's events, made once: they keep their state in this port's fields. */
  private final Runnable readStep = () -> {
    stepQueued = false;
    step();
  };
  private final Runnable dataArrived = this::dataArrived;
  /** The data event of the read in flight (one at a time), reused for every read. */
  private final RiffaEndpoint.Step dataStep;

  RxPort(RiffaEndpoint ep, Channel ch) {
    this.ep = ep;
    this.ch = ch;
    this.sg = new SgRequester(ep, ch.channel(), true, this);
    String name = "ch" + ch.channel();
    this.rxStartLabel = ep.label(name + " CHNL_RX");
    this.readLabel = ep.label(name + " RX read");
    this.dataLabel = ep.label(name + " RX data");
    this.fallsLabel = ep.label(name + " CHNL_RX falls");
    this.dataStep = ep.new Step(dataLabel, dataArrived);
  }

  // ---- registers ---------------------------------------------------------------------------------

  void writeOffLast(int v) {
    offLast = v;
  }

  void writeLen(int v) {
    if (state != State.IDLE) {
      // rx_port_reader.v treats a length write during a transaction as a RIFFA 1 "partial done"
      // request; the RIFFA 2 driver never does that, so we only report it.
      ep.complain("channel %d: RX_LEN written while a host send is in progress; write ignored", ch.channel());
      return;
    }
    sg.flush();
    len = v & 0xffffffffL;
    requested = 0;
    received = 0;
    userAcked = false;
    error = false;
    elemLeft = 0;
    fifo.dropLast(fifo.size() % ep.wordsPerBeat()); // no partial beat outlives its transaction
    int offset = offLast >>> 1;
    boolean last = (offLast & 1) != 0;
    long n = len;
    if (n != 0) {
      state = State.READING;
      ep.later(0, rxStartLabel, () -> ch.core().rxStart(ch, n, offset, last));
      kick();
    } else if (last) {
      state = State.ZERO_LENGTH;
      ep.later(0, rxStartLabel, () -> ch.core().rxStart(ch, 0, offset, true));
    }
  }

  /** RX_TNFR_LEN: the words the last host send moved; reading it lets the next DONE through. */
  int readDoneLen() {
    int v = (int) doneLen; // the completion carries the value; the acknowledgement acts after
    lastDoneRead = true;
    tryComplete();
    return v;
  }

  // ---- the core's side ---------------------------------------------------------------------------

  void ack() {
    if (state != State.IDLE && !userAcked) {
      userAcked = true;
      tryComplete();
    }
  }

  boolean valid() {
    return fifo.size() >= ep.wordsPerBeat();
  }

  int[] read() {
    int b = ep.wordsPerBeat();
    if (fifo.size() < b) {
      return null;
    }
    int[] beat = new int[b];
    fifo.poll(beat, 0, b);
    kick(); // room in the FIFO: the reader may go on
    return beat;
  }

  /**
   * Pops as many whole beats as {@code maxWords} holds into {@code dst[off..]}; returns the words
   * popped. The same as that many {@link #read()}s: one kick does what each of theirs did, as nothing
   * changes between them.
   */
  int read(int[] dst, int off, int maxWords) {
    int b = ep.wordsPerBeat();
    // Whole beats by shifting (see RiffaEndpoint.beatShift); a negative maxWords divides as before.
    int sh = ep.beatShift();
    int words = (maxWords >= 0 ? Math.min(fifo.size() >>> sh, maxWords >>> sh) : maxWords / b) << sh;
    if (words > 0) {
      fifo.poll(dst, off, words);
      kick();
    }
    return words;
  }

  // ---- the engine --------------------------------------------------------------------------------

  private void kick() {
    if (!stepQueued && !inFlight && state == State.READING) {
      stepQueued = true;
      if (deferKick) {
        kickDeferred = true;
        kickSeq = ep.reserveStep();
      } else {
        ep.later(0, readLabel, readStep);
      }
    }
  }

  private void step() {
    while (state == State.READING && !inFlight) {
      if (error || requested == len) {
        finishReading();
        return;
      }
      if (elemLeft == 0) {
        SgElement e = sg.poll();
        if (e == null) {
          return; // wait for the host's (next) SG list
        }
        if (e.words() == 0) {
          continue;
        }
        elemAddr = e.address();
        elemLeft = Math.min(e.words(), len - requested); // truncated to the words still needed
      }
      int n = (int) Math.min(elemLeft, Math.min(RiffaEndpoint.pageRemainingWords(elemAddr), ep.maxReadWords()));
      if (aheadWords > 0) {
        aheadWords -= n; // read with the burst (its flow control passed then, for a core that takes nothing)
        issued(n);
        return;
      }
      int b = ep.wordsPerBeat();
      if ((long) fifo.size() + inFlightWords + n > (long) RX_FIFO_BEATS * b) {
        return; // flow control: wait for the core to drain the FIFO (its words, whole beats or not)
      }
      if (readBurst(n)) {
        return;
      }
      // The words land after the FIFO's last one, pending until their data event: the flow control
      // above counts them (inFlightWords), and nothing is added to the FIFO while a read is in flight.
      DmaResult r = ep.dmaReadPending(elemAddr, fifo, n);
      if (!r.ok()) {
        ep.complain("channel %d: host-send data read of %d bytes at %#x failed (%s); send ends after %d words",
            ch.channel(), 4 * n, elemAddr, r, received);
        error = true;
        finishReading();
        return;
      }
      issued(n);
    }
  }

  /** The read of {@code n} words at {@code elemAddr} is out: in flight until its data event. */
  private void issued(int n) {
    requested += n;
    elemAddr += 4L * n;
    elemLeft -= n;
    inFlight = true;
    inFlightWords = n;
    dataStep.after(ep.readLinkDelayNs(4L * n));
  }

  /**
   * A burst: this read of {@code first} words and the ones the next steps would send after it, back to
   * back, each when the one before has its data (its data event), all read now if nothing could tell.
   * For a core that only takes beats in rxData ({@link ChannelCore#rxDataOnlyReads}), those steps do
   * nothing but send the next read of the same SG element, and whether they send it does not depend
   * on what the core takes (the FIFO has room for all of them even if it takes nothing). When nothing
   * else on the machine happens until the last of them ({@link RiffaEndpoint#quietThroughNs}), nothing
   * can change what they read either, and the fabric can move them without TLP objects
   * ({@link RiffaEndpoint#dmaReadBurstPending}), they are read now: the data waits in the FIFO, pending,
   * and each read's words join it at its own data event, where its step books the next read
   * ({@link #aheadWords}). The core sees the same words at the same times, and the links the same time.
   * Returns false, having done nothing, if the burst would be this read alone or cannot be read so.
   */
  private boolean readBurst(int first) {
    if (!ch.core().rxDataOnlyReads()) {
      return false;
    }
    long room = (long) RX_FIFO_BEATS * ep.wordsPerBeat() - fifo.size(); // (nothing in flight)
    int most = ep.maxReadWords();
    long addr = elemAddr + 4L * first;
    long left = elemLeft - first;
    long words = first;
    int reads = 1;
    long lastNs = ep.nowNs();
    long dataNs = ep.readLinkFreeAfter(ep.readLinkFreeNs(), 4L * first); // the next step runs then
    long quietNs = ep.quietThroughNs();
    while (left > 0) {
      int n = (int) Math.min(left, Math.min(RiffaEndpoint.pageRemainingWords(addr), most));
      if (words + n > room || dataNs > quietNs) {
        break;
      }
      words += n;
      reads++;
      lastNs = dataNs;
      addr += 4L * n;
      left -= n;
      dataNs = ep.readLinkFreeAfter(dataNs, 4L * n);
    }
    if (reads < 2 || !ep.dmaReadBurstPending(elemAddr, fifo, (int) words, lastNs)) {
      return false;
    }
    aheadWords = (int) words - first;
    issued(first);
    return true;
  }

  /** The data of the MRd in flight is in: into the FIFO (packed into beats), and on to the next. */
  private void dataArrived() {
    int n = inFlightWords;
    inFlight = false;
    inFlightWords = 0;
    received += fifo.commitPending(n); // (the reads ahead stay pending)
    deferKick = true;
    ch.onlyReads = aheadWords > 0; // the core promised to only take beats (rxDataOnlyReads)
    try {
      ch.core().rxData(ch);
    } catch (Throwable t) {
      // The core failed mid-call: the step it asked for goes into its reserved place, as a kick
      // outside this event would have queued it, so a machine that carries on does not stall here.
      deferKick = false;
      if (kickDeferred) {
        kickDeferred = false;
        ep.laterReserved(kickSeq, readLabel, readStep);
      }
      throw t;
    } finally {
      deferKick = false;
      ch.onlyReads = false;
    }
    step();
    if (kickDeferred) {
      kickDeferred = false;
      if (inFlight) {
        // The step would run before this read's data event (same instant or earlier, and scheduled
        // first) and find the read in flight: nothing to do. Until then a kick finds inFlight as well.
        stepQueued = false;
      } else {
        ep.laterReserved(kickSeq, readLabel, readStep);
      }
    }
  }

  private void finishReading() {
    int partialWords = fifo.size() % ep.wordsPerBeat();
    if (partialWords != 0) {
      fifo.addZeros(ep.wordsPerBeat() - partialWords); // the packer's final partial beat, upper words zero (inferred)
      ch.core().rxData(ch);
    }
    state = State.FINISHING;
    tryComplete();
  }

  private void tryComplete() {
    if (state == State.FINISHING && lastDoneRead && userAcked) {
      doneLen = received;
      signalDone(received);
    } else if (state == State.ZERO_LENGTH && userAcked) {
      // rx_port_reader.v goes CHECK -> FLUSH for a zero length: RX_TNFR_LEN is not updated and the
      // previous done length need not have been read.
      signalDone(0);
    }
  }

  private void signalDone(long words) {
    lastDoneRead = false;
    state = State.IDLE;
    ep.raise(ch.channel(), RiffaRegisters.IRQ_RX_TXN_DONE);
    ep.later(0, fallsLabel, () -> ch.core().rxEnd(ch, words));
  }

  @Override
  public void elementsArrived() {
    kick();
  }

  @Override
  public void fetchFailed() {
    if (state == State.READING) {
      error = true;
      kick();
    }
  }

  void reset() {
    sg.reset();
    state = State.IDLE;
    doneLen = 0;
    lastDoneRead = true;
    len = requested = received = 0;
    userAcked = error = inFlight = stepQueued = deferKick = kickDeferred = false;
    inFlightWords = 0;
    aheadWords = 0;
    elemLeft = 0;
    fifo.clear();
  }
}
