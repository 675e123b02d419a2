package dev.driverlab.devices.riffa;

import static dev.driverlab.devices.riffa.RiffaRegisters.TX_FIFO_BEATS;
import static dev.driverlab.devices.riffa.RiffaRegisters.TX_GATE_BEATS;

import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.PciDeviceModel.EventLabel;
import java.util.ArrayDeque;

/**
 * A channel's TX port: the host receive ({@code fpga_recv}, FPGA → host), after
 * {@code tx_port_channel_gate_*.v}, {@code tx_port_monitor_*.v} and {@code tx_port_writer.v}
 * (riffa.md §5.2).
 *
 * <pre>
 *  core txStart(len, off, last) ─► len = 0 ∧ !last: dropped, nothing signalled
 *                                  otherwise TX_LEN/TX_OFFLAST hold it, TX_TXN interrupt
 *  host reads TX_LEN (ack) ─► SG FIFO flushed; len = 0: TX_TXN_DONE at once (TX_TNFR_LEN kept)
 *  per SG element: MWr of min(element, words left) words (longer elements truncated), split at
 *  4 KiB and max payload, each issued only once that many words are buffered from the core, or
 *  with what is left once the core has closed the transmit (several at once when nothing could
 *  tell: see writeBurst)
 *  all written (or closed early, or a DMA error) ∧ previous TX_TNFR_LEN read
 *      ─► TX_TNFR_LEN = words written, TX_TXN_DONE interrupt
 *  the next transmit is taken once the core has closed this one (txEnd)
 * </pre>
 */
final class TxPort implements SgRequester.Listener {
  private enum State { IDLE, DROPPING, WAIT_ACK, WRITING, WAIT_DONE_READ, WAIT_CLOSE }

  /** One transmit the core announced: its parameters and the words buffered for it. */
  private static final class Txn {
    final long len;
    final int offset;
    final boolean last;
    final IntQueue words = new IntQueue();
    long accepted;
    boolean closed;
    boolean acked;

    Txn(long len, int offset, boolean last) {
      this.len = len;
      this.offset = offset;
      this.last = last;
    }
  }

  private final RiffaEndpoint ep;
  private final Channel ch;
  final SgRequester sg;
  private final ArrayDeque<Txn> queue = new ArrayDeque<>();
  private Txn open;
  private Txn cur;
  private State state = State.IDLE;
  private long txLenReg;
  private int offLastReg;
  private long doneLen;
  private boolean lastDoneRead = true;
  private long sent;
  private long elemAddr;
  private long elemLeft;
  private boolean error;
  private boolean inFlight;
  private boolean stepQueued;
  private boolean coreWaiting;
  /**
   * The words a core streams ({@link #stream}): {@code streamSrc[streamPos..]} are still to take, for
   * the open transmit; null when no stream is under way.
   */
  private int[] streamSrc;
  private int streamPos;
  private final EventLabel renLabel;
  private final EventLabel writeLabel;
  private final EventLabel writtenLabel;
  /** The engine's events, made once: they keep their state in this port's fields. */
  private final Runnable coreReady;
  private final Runnable writeStep = () -> {
    stepQueued = false;
    step();
  };
  private final Runnable written = () -> {
    inFlight = false;
    step();
  };
  /** The event of the write on the link (one at a time), reused for every write. */
  private final RiffaEndpoint.Step writtenStep;

  TxPort(RiffaEndpoint ep, Channel ch) {
    this.ep = ep;
    this.ch = ch;
    this.sg = new SgRequester(ep, ch.channel(), false, this);
    String name = "ch" + ch.channel();
    this.renLabel = ep.label(name + " CHNL_TX_DATA_REN");
    this.writeLabel = ep.label(name + " TX write");
    this.writtenLabel = ep.label(name + " TX written");
    this.coreReady = () -> ch.core().txReady(ch);
    this.writtenStep = ep.new Step(writtenLabel, written);
  }

  // ---- registers ---------------------------------------------------------------------------------

  /** TX_LEN: the words still to move (the announced length until writing starts); acks TX_TXN. */
  int readLen() {
    int v = (int) txLenReg;
    if (state == State.WAIT_ACK) {
      cur.acked = true;
      sg.flush();
      if (cur.len == 0) {
        // tx_port_writer.v: NEW_ACK -> SIG_DONE for a zero length, without updating the done length
        // and without waiting for the previous one to be read.
        lastDoneRead = false;
        ep.raise(ch.channel(), RiffaRegisters.IRQ_TX_TXN_DONE);
        state = State.WAIT_CLOSE;
      } else {
        state = State.WRITING;
      }
      wakeCore(); // the FIFO behind the gate is open now
      kick();
    }
    return v;
  }

  int readOffLast() {
    return offLastReg;
  }

  int readDoneLen() {
    int v = (int) doneLen;
    lastDoneRead = true;
    kick();
    return v;
  }

  // ---- the core's side ---------------------------------------------------------------------------

  void start(long len, int offset, boolean last) {
    if (open != null) {
      throw new IllegalStateException("channel " + ch.channel()
          + ": txStart while the previous transmit is still open (CHNL_TX high); call txEnd first");
    }
    if (len < 0 || len > 0xffffffffL) {
      throw new IllegalArgumentException("CHNL_TX_LEN must be an unsigned 32-bit word count: " + len);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("CHNL_TX_OFF must be 0..2^31-1 words: " + offset);
    }
    streamSrc = null;
    open = new Txn(len, offset, last);
    queue.add(open);
    kick();
  }

  boolean write(int[] beat) {
    int b = ep.wordsPerBeat();
    if (open != null && beat.length != b) {
      throw new IllegalArgumentException("a beat of this " + 32 * b + "-bit core has " + b + " words, not "
          + beat.length);
    }
    return write(beat, 0, b) == 1;
  }

  /**
   * Offers the beats made of {@code src[off, off + words)}, a final partial beat padded with zeros;
   * returns how many were taken. The same as offering them one by one until one is refused: the FIFO
   * check is per beat (its fill only grows by taken words), and one kick does what each beat's did.
   */
  int write(int[] src, int off, int words) {
    if (open == null) {
      throw new IllegalStateException("channel " + ch.channel() + ": txWrite without an open transmit (call txStart)");
    }
    int b = ep.wordsPerBeat();
    int beats = ep.beatsFor(words);
    int capacity = open.acked ? TX_FIFO_BEATS : TX_GATE_BEATS;
    IntQueue q = open.words;
    int taken = 0;
    while (taken < beats) {
      int used = ep.beatsFor(q.size());
      if (used >= capacity) {
        coreWaiting = true;
        break;
      }
      long room = open.len - open.accepted;
      if (room == 0) {
        taken = beats; // words beyond CHNL_TX_LEN are taken and dropped
        break;
      }
      // Each of these beats passes the FIFO check before it: the fill grows by at most a beat each.
      int k = Math.min(beats - taken, capacity - used);
      int keep = (int) Math.min((long) k * b, room);
      int from = taken * b;
      int fromSrc = Math.max(0, Math.min(keep, words - from)); // beyond words: the zero padding
      q.addAll(src, off + from, fromSrc);
      q.addZeros(keep - fromSrc);
      open.accepted += keep;
      taken += k;
    }
    if (taken > 0) {
      kick();
    }
    return taken;
  }

  /** {@link ChannelPort#txStream}: offers {@code src[from..]} and keeps the rest as the stream. */
  int stream(int[] src, int from) {
    if (src == streamSrc) {
      from = Math.max(from, streamPos); // words taken while the core slept are not taken again
    }
    int taken = write(src, from, src.length - from);
    int pos = (int) Math.min((long) from + (long) taken * ep.wordsPerBeat(), src.length);
    int[] next = pos < src.length ? src : null;
    if (streamSrc != next) {
      // Stored only when it changes: this runs per TLP, and a reference store into a long-lived object
      // costs a GC write barrier.
      streamSrc = next;
    }
    streamPos = pos;
    return pos;
  }

  /**
   * Whether taking from the stream now does all that waking the core would: the core's txReady would
   * stream again, and the FIFO cannot take the rest (nor reach the transmit's announced length, beyond
   * which words are taken and dropped), so it takes what fits, is refused, and waits again. The
   * transmit then stays unfinished and nothing else happens; when the rest may fit, the core is woken
   * as before and finishes the transmit itself.
   */
  private boolean streamWouldOnlyFill() {
    if (streamSrc == null || open == null) {
      return false;
    }
    int b = ep.wordsPerBeat();
    int capacity = open.acked ? TX_FIFO_BEATS : TX_GATE_BEATS;
    int free = Math.max(0, capacity - ep.beatsFor(open.words.size()));
    long restBeats = ep.beatsFor((long) streamSrc.length - streamPos);
    return restBeats > free && open.len - open.accepted > (long) free * b;
  }

  void end() {
    streamSrc = null;
    if (open != null) {
      open.closed = true;
      open = null;
      kick();
    }
  }

  boolean isOpen() {
    return open != null;
  }

  private void wakeCore() {
    if (coreWaiting) {
      coreWaiting = false;
      ep.later(0, renLabel, coreReady);
    }
  }

  // ---- the engine --------------------------------------------------------------------------------

  private void kick() {
    if (!stepQueued && !inFlight) {
      stepQueued = true;
      ep.later(0, writeLabel, writeStep);
    }
  }

  private void step() {
    while (!inFlight) {
      switch (state) {
        case IDLE -> {
          cur = queue.peek();
          if (cur == null) {
            return;
          }
          txLenReg = cur.len;
          offLastReg = cur.offset << 1 | (cur.last ? 1 : 0);
          sent = 0;
          error = false;
          elemLeft = 0;
          if (cur.len == 0 && !cur.last) {
            state = State.DROPPING; // tx_port_writer.v CHECK -> RESET: nothing is signalled
          } else {
            state = State.WAIT_ACK;
            ep.raise(ch.channel(), RiffaRegisters.IRQ_TX_TXN);
            return;
          }
        }
        case DROPPING, WAIT_CLOSE -> {
          if (!cur.closed) {
            return;
          }
          queue.poll();
          cur = null;
          state = State.IDLE;
        }
        case WAIT_ACK -> {
          return;
        }
        case WRITING -> {
          if (!writeStep()) {
            return;
          }
        }
        case WAIT_DONE_READ -> {
          if (!lastDoneRead) {
            return;
          }
          doneLen = sent;
          lastDoneRead = false;
          ep.raise(ch.channel(), RiffaRegisters.IRQ_TX_TXN_DONE);
          state = State.WAIT_CLOSE;
        }
      }
    }
  }

  /** One step of WRITING; false when the engine must wait (for an element, data or the link). */
  private boolean writeStep() {
    if (error || sent == cur.len) {
      state = State.WAIT_DONE_READ;
      return true;
    }
    if (elemLeft == 0) {
      SgElement e = sg.poll();
      if (e == null) {
        return false; // wait for the host's (next) SG list
      }
      if (e.words() == 0) {
        return true;
      }
      elemAddr = e.address();
      elemLeft = Math.min(e.words(), cur.len - sent); // truncated to the words still to send
    }
    int n = (int) Math.min(elemLeft, Math.min(RiffaEndpoint.pageRemainingWords(elemAddr), ep.maxPayloadWords()));
    int avail = cur.words.size();
    if (avail < n) {
      if (!cur.closed) {
        return false; // wait for the core's data
      }
      if (avail == 0) {
        state = State.WAIT_DONE_READ; // closed early: done with what was written
        return true;
      }
      n = avail; // closed early: write the remainder
    }
    if (avail >= n && writeBurst(n, avail)) {
      return false;
    }
    // Room freed: a waiting core is woken here (its place in the event order is taken now), unless it
    // streams and would only refill the FIFO, which the port then does itself once the write is out.
    boolean wake = coreWaiting;
    long wakeSeq = 0;
    if (wake) {
      coreWaiting = false;
      wakeSeq = ep.reserveStep();
    }
    DmaResult r = ep.dmaWriteFrom(elemAddr, cur.words, n); // the n words leave the FIFO, written or not
    if (!r.ok()) {
      ep.complain("channel %d: host-receive write of %d bytes at %#x failed (%s); receive ends after %d words",
          ch.channel(), 4 * n, elemAddr, r, sent);
      error = true;
      if (wake) {
        ep.laterReserved(wakeSeq, renLabel, coreReady);
      }
      return true;
    }
    sent += n;
    elemAddr += 4L * n;
    elemLeft -= n;
    txLenReg = cur.len - sent;
    inFlight = true;
    writtenStep.after(ep.writeLinkDelayNs(4L * n));
    if (wake) {
      if (streamWouldOnlyFill()) {
        // What the core's txReady would do at its place, done now: the same words from the same stream
        // fill the same room (only the core fills this FIFO, and only the next write empties it; the
        // one just issued is in flight, so the kick in write schedules nothing, as it would not there).
        // A core call in between is refused where it would have taken those words itself: the FIFO, the
        // stream position and the refusal afterwards are the same either way.
        stream(streamSrc, streamPos);
      } else {
        ep.laterReserved(wakeSeq, renLabel, coreReady);
      }
    }
    return false;
  }

  /**
   * A burst: this write of {@code first} words and the ones the next steps would send after it, back
   * to back, each when the link has carried the one before (its written event), all sent now if
   * nothing could tell. The steps of such a run do nothing but send the next write of the same SG
   * element from words already in the FIFO, and refill the FIFO from the core's stream
   * ({@link #streamWouldOnlyFill}); when, besides, nothing else on the machine happens until the last
   * of them ({@link RiffaEndpoint#quietThroughNs}: no other event, no CPU), and the fabric can move the
   * writes without TLP objects ({@link RiffaEndpoint#dmaWriteBurstFrom}), the data is written at once
   * and the port left as the steps would have left it: the same writes, link times, FIFO, stream
   * position, registers and, for the last write, the same written event. A step that would do anything else (wake
   * the core, poll the SG FIFO, wait for data) ends the burst before it and runs at its own time.
   * Returns false, having done nothing, if the burst would be this write alone or cannot be sent so.
   */
  private boolean writeBurst(int first, int avail) {
    boolean wake = coreWaiting;
    if (wake && (streamSrc == null || open != cur)) {
      return false; // the core would be woken to act, not only refilled from its stream
    }
    int b = ep.wordsPerBeat();
    int mpw = ep.maxPayloadWords();
    // The steps planned one by one, from their state: the FIFO's words (those taken out, refills in),
    // the stream's rest and the transmit's room left (for the refills), and where the link is free.
    long fifo = cur.words.size();
    long rest = wake ? streamSrc.length - streamPos : 0;
    long room = cur.len - cur.accepted;
    long addr = elemAddr;
    long left = elemLeft;
    long linkFree = ep.writeLinkFreeNs();
    long issueNs = ep.nowNs(); // when the planned step sends its write (the first: now)
    long quietNs = ep.quietThroughNs(); // (nothing the plan does changes it: it schedules nothing)
    long lastNs = issueNs;
    int words = 0;
    int writes = 0;
    int n = first;
    while (true) {
      if (writes > 0 && issueNs > quietNs) {
        break; // something else happens by the time this step would run
      }
      if (wake) {
        fifo -= n;
        long freeBeats = Math.max(0, TX_FIFO_BEATS - ep.beatsFor(fifo));
        if (ep.beatsFor(rest) <= freeBeats || room <= freeBeats * b) {
          break; // this step would wake the core (streamWouldOnlyFill false)
        }
        long refill = freeBeats * b; // what stream takes: the room freed, from the rest
        fifo += refill;
        rest -= refill;
        room -= refill;
      }
      words += n;
      writes++;
      lastNs = issueNs;
      addr += 4L * n;
      left -= n;
      linkFree = ep.writeLinkFreeAfter(linkFree, 4L * n);
      issueNs = linkFree; // the next step runs when this write is out
      if (left == 0) {
        break; // the next step polls the SG FIFO
      }
      int next = (int) Math.min(left, Math.min(RiffaEndpoint.pageRemainingWords(addr), mpw));
      if (words + next > avail) {
        break; // the next step's words are not all in the FIFO yet
      }
      n = next;
    }
    if (writes < 2 || !ep.dmaWriteBurstFrom(elemAddr, cur.words, words, lastNs)) {
      return false;
    }
    // Written: now what the steps would have left, with a write in flight (as there was when each
    // refill ran: the kick in write schedules nothing). The words out of the FIFO, the element and the
    // counts moved on, the link booked until the last write is out (the plan's own bookkeeping). The
    // refills at once, after the last write: each refill fills the FIFO to its last whole beat from the
    // stream (the plan made sure the stream and the transmit had more than that), so the FIFO ends as
    // full, with the same words, as after the last step's refill, and the stream has given the same.
    inFlight = true;
    cur.words.skip(words);
    sent += words;
    elemAddr = addr;
    elemLeft = left;
    long delay = ep.writeLinkBookedUntil(linkFree);
    if (coreWaiting) {
      coreWaiting = false;
      if (streamWouldOnlyFill()) {
        stream(streamSrc, streamPos);
      } else {
        ep.later(0, renLabel, coreReady); // (not planned: the plan ends before such a step)
      }
    }
    txLenReg = cur.len - sent;
    writtenStep.after(delay);
    return true;
  }

  @Override
  public void elementsArrived() {
    kick();
  }

  @Override
  public void fetchFailed() {
    if (state == State.WRITING) {
      error = true;
      kick();
    }
  }

  void reset() {
    sg.reset();
    queue.clear();
    open = null;
    cur = null;
    state = State.IDLE;
    txLenReg = 0;
    offLastReg = 0;
    doneLen = 0;
    lastDoneRead = true;
    sent = elemAddr = elemLeft = 0;
    error = inFlight = stepQueued = coreWaiting = false;
    streamSrc = null;
    streamPos = 0;
  }
}
