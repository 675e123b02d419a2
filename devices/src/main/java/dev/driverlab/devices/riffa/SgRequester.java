package dev.driverlab.devices.riffa;

import static dev.driverlab.devices.riffa.RiffaRegisters.SG_ELEM_WORDS;
import static dev.driverlab.devices.riffa.RiffaRegisters.SG_FETCH_THRESHOLD_BEATS;

import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.PciDeviceModel.EventLabel;

/**
 * One channel direction's scatter-gather list fetcher and SG FIFO ({@code sg_list_requester.v},
 * {@code sg_list_reader_*.v}; riffa.md §4.4, §5.1 step 3, §5.3).
 *
 * <pre>
 *  *_SG_ADDR_LO/HI write ─► latch address
 *  *_SG_LEN write ─► wait until SG FIFO &lt; 224 beats (checked once per list)
 *                    ─► MRd (≤ max read, no 4 KiB crossing) ─► ...
 *                    every completion's words go into the SG FIFO; the port pops 4-word elements
 *                    all list data in ─► *_SG_BUF_RECVD interrupt
 *  port flush (new transaction) ─► FIFO emptied, a fetch in progress abandoned without interrupt
 * </pre>
 */
final class SgRequester {
  /** What the port behind this FIFO needs to hear. */
  interface Listener {
    /** Words arrived in the SG FIFO; an element may be ready. */
    void elementsArrived();

    /** A list read failed (the HDL's {@code SG_ERR}): the transaction in progress ends early. */
    void fetchFailed();
  }

  private final RiffaEndpoint ep;
  private final int channel;
  private final boolean hostSend;
  private final EventLabel fetchLabel;
  private final EventLabel dataLabel;
  private final Listener listener;
  private final IntQueue fifo = new IntQueue();
  private long addrLo;
  private long addrHi;
  private boolean busy;
  private boolean waitingForSpace;
  /** The room check passed for the list being fetched (sg_list_requester.v checks once, in CHECK). */
  private boolean admitted;
  private long nextAddr;
  private long wordsLeft;
  /** Bumped on flush so a fetch in flight drops its data. */
  private int generation;

  SgRequester(RiffaEndpoint ep, int channel, boolean hostSend, Listener listener) {
    this.ep = ep;
    this.channel = channel;
    this.hostSend = hostSend;
    String name = "ch" + channel + (hostSend ? " RX" : " TX");
    this.fetchLabel = ep.label(name + " SG fetch");
    this.dataLabel = ep.label(name + " SG data");
    this.listener = listener;
  }

  void writeAddrLo(int v) {
    addrLo = v & 0xffffffffL;
  }

  void writeAddrHi(int v) {
    addrHi = v & 0xffffffffL;
  }

  /** The {@code *_SG_LEN} write: fetch {@code v} words (4 per element) from the latched address. */
  void writeLen(int v) {
    if (busy) {
      ep.complain("channel %d: %s_SG_LEN written while the previous list is still being fetched; write ignored",
          channel, hostSend ? "RX" : "TX");
      return;
    }
    long addr = addrHi << 32 | addrLo;
    if ((addr & 3) != 0) {
      ep.complain("channel %d: %s SG list address %#x is not 4-byte aligned; bits 1:0 ignored",
          channel, hostSend ? "RX" : "TX", addr);
      addr &= ~3L;
    }
    busy = true;
    admitted = false;
    nextAddr = addr;
    wordsLeft = v & 0xffffffffL;
    long fits = (long) (RiffaRegisters.SG_FIFO_BEATS - SG_FETCH_THRESHOLD_BEATS) * ep.wordsPerBeat();
    if (wordsLeft > fits) {
      // The HDL admits a list when fewer than 224 beats wait, sized for 200 elements per width unit;
      // a longer list would overrun its SG FIFO. We fetch it anyway and say so.
      ep.complain("channel %d: %s SG list of %d words is longer than the %d the SG FIFO takes (driver num_sg)",
          channel, hostSend ? "RX" : "TX", wordsLeft, fits);
    }
    int gen = generation;
    ep.later(0, fetchLabel, () -> step(gen));
  }

  private void step(int gen) {
    if (gen != generation || !busy) {
      return;
    }
    if (wordsLeft == 0) {
      finish();
      return;
    }
    if (!admitted) {
      if (fifoBeats() >= SG_FETCH_THRESHOLD_BEATS) {
        waitingForSpace = true; // re-checked when the port pops an element
        return;
      }
      admitted = true; // a whole list (at most 800 beats) fits from here on
    }
    int n = (int) Math.min(wordsLeft, Math.min(RiffaEndpoint.pageRemainingWords(nextAddr), ep.maxReadWords()));
    int[] words = new int[n];
    DmaResult r = ep.dmaReadWords(nextAddr, words, 0, n);
    if (!r.ok()) {
      ep.complain("channel %d: %s SG list read of %d bytes at %#x failed (%s); list abandoned",
          channel, hostSend ? "RX" : "TX", 4 * n, nextAddr, r);
      // The HDL still reports the list as received (sg_list_requester.v raises BUF_RECVD after its
      // outstanding reads, failed or not) and the port ends its transaction on SG_ERR.
      finish();
      listener.fetchFailed();
      return;
    }
    ep.later(ep.readLinkDelayNs(4L * n), dataLabel, () -> {
      if (gen != generation) {
        return;
      }
      fifo.addAll(words);
      nextAddr += 4L * n;
      wordsLeft -= n;
      listener.elementsArrived();
      step(gen);
    });
  }

  private void finish() {
    busy = false;
    waitingForSpace = false;
    ep.raise(channel, hostSend ? RiffaRegisters.IRQ_RX_SG_BUF_RECVD : RiffaRegisters.IRQ_TX_SG_BUF_RECVD);
  }

  /** The next element, or null if fewer than four words wait. Zero-length elements are returned too. */
  SgElement poll() {
    if (fifo.size() < SG_ELEM_WORDS) {
      return null;
    }
    long lo = fifo.poll() & 0xffffffffL;
    long hi = fifo.poll() & 0xffffffffL;
    long len = fifo.poll() & 0xffffffffL;
    fifo.poll(); // the fourth word is never written by the driver and ignored by the FPGA
    long addr = hi << 32 | lo;
    if ((addr & 3) != 0) {
      ep.complain("channel %d: %s SG element address %#x is not 4-byte aligned; bits 1:0 ignored",
          channel, hostSend ? "RX" : "TX", addr);
      addr &= ~3L;
    }
    if (waitingForSpace && fifoBeats() < SG_FETCH_THRESHOLD_BEATS) {
      waitingForSpace = false;
      int gen = generation;
      ep.later(0, fetchLabel, () -> step(gen));
    }
    return new SgElement(addr, len);
  }

  /** {@code SG_RST} at the start of a transaction: drop stale elements and any fetch in progress. */
  void flush() {
    generation++;
    fifo.clear();
    busy = false;
    waitingForSpace = false;
  }

  void reset() {
    flush();
    addrLo = 0;
    addrHi = 0;
  }

  private int fifoBeats() {
    return ep.beatsFor(fifo.size());
  }
}
