package dev.driverlab.userland.labs;

import static dev.driverlab.devices.riffa.RiffaRegisters.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.devices.testing.BareMetal;
import dev.driverlab.devices.time.VirtualClock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The grader's side of a RIFFA channel for lab 5, on bare metal: the machine is numbered and enabled by
 * {@link BareMetal}, and this class plays the host the way RIFFA's driver does, with MMIO to BAR0,
 * scatter-gather lists in RAM and the interrupt vector read on every MSI (riffa.md §3.3, §4.5, §4.6).
 * Each buffer is one contiguous range of RAM, so one SG element covers it.
 *
 * <pre>
 *  send part:   RX_OFFLAST ← (0 &lt;&lt; 1) | last, RX_LEN ← words, SG element {addr, words} in RAM,
 *               RX_SG_ADDR_LO/HI ← list, RX_SG_LEN ← 4        … RX_TXN_DONE: read RX_TNFR_LEN
 *  reply:       TX_TXN: read TX_OFFLAST, TX_LEN (the ack), SG element for TX_LEN words, TX_SG_*
 *                                                               … TX_TXN_DONE: read TX_TNFR_LEN
 * </pre>
 */
final class RiffaHost {
  /** MSI data the host programs; any value works, the host only counts MSIs. */
  private static final int MSI_DATA = 0x41;
  /** Events the clock may run for one exchange before the grader calls it a runaway core. */
  private static final long MAX_EVENTS = 2_000_000;

  /** What came back on one channel. */
  record Reply(int[] words, long announced, int offset, boolean last) {}

  private final Machine machine;
  private final BareMetal bm;
  private final long bar;
  private final int channels;
  private final List<String> errors = new ArrayList<>();
  private long nextRam = 0x0100_0000L;
  private int msisSeen;

  /** Plugs {@code endpoint} into a default machine, boots it bare-metal and resets the core (INFO read). */
  RiffaHost(RiffaEndpoint endpoint) {
    machine = Machine.createDefault();
    Slot slot = machine.plug(endpoint);
    bm = BareMetal.boot(machine);
    machine.fabric().addErrorSink(errors::add);
    Endpoint ep = (Endpoint) slot.functions().get(0);
    bar = BareMetal.barBase(ep, 0);
    BareMetal.enableMsi(ep, MSI_DATA);
    int info = reg(0, INFO_REG_OFF);                // reading INFO resets the core (riffa.md §2.3)
    channels = info & INFO_NUM_CHNLS_MASK;
    msisSeen = bm.msis().size();
  }

  private int reg(int c, int field) {
    return (int) bm.read(bar + regByteOffset(c, field), 4);
  }

  private void reg(int c, int field, long v) {
    bm.write(bar + regByteOffset(c, field), v & 0xffffffffL, 4);
  }

  private long alloc(long bytes) {
    long a = (nextRam + 4095) & ~4095L;
    nextRam = a + Math.max(bytes, 4);
    return a;
  }

  private void writeWords(long addr, int[] words) {
    byte[] b = new byte[4 * words.length];
    for (int i = 0; i < words.length; i++) {
      for (int k = 0; k < 4; k++) {
        b[4 * i + k] = (byte) (words[i] >>> (8 * k));
      }
    }
    machine.writeRam(addr, b, 0, b.length);
  }

  private int[] readWords(long addr, int n) {
    byte[] b = new byte[4 * n];
    machine.readRam(addr, b, 0, b.length);
    int[] w = new int[n];
    for (int i = 0; i < n; i++) {
      w[i] = (b[4 * i] & 0xff) | (b[4 * i + 1] & 0xff) << 8 | (b[4 * i + 2] & 0xff) << 16 | (b[4 * i + 3] & 0xff) << 24;
    }
    return w;
  }

  /** Writes a one-element SG list for {@code words} at {@code buf}; returns the list's address. */
  private long sgList(long buf, long words) {
    long list = alloc(SG_ELEM_BYTES);
    writeWords(list, new int[] {(int) buf, (int) (buf >>> 32), (int) words, 0});
    return list;
  }

  /** One channel's conversation: the parts to send, in order, then one reply to receive. */
  private final class Conversation {
    final int chnl;
    final ArrayDeque<int[]> parts;
    final int totalParts;
    int sentParts;
    boolean sending;
    long replyBuf;
    long announced = -1;
    int offset;
    boolean last;
    Reply reply;

    Conversation(int chnl, List<int[]> parts) {
      this.chnl = chnl;
      this.parts = new ArrayDeque<>(parts);
      this.totalParts = parts.size();
    }

    void sendNext() {
      int[] part = parts.poll();
      if (part == null) {
        return;
      }
      sending = true;
      boolean isLast = parts.isEmpty();
      long buf = alloc(4L * part.length);
      writeWords(buf, part);
      reg(chnl, RX_OFFLAST_REG_OFF, isLast ? 1 : 0);
      reg(chnl, RX_LEN_REG_OFF, part.length);
      long list = sgList(buf, part.length);
      reg(chnl, RX_SG_ADDR_LO_REG_OFF, list);
      reg(chnl, RX_SG_ADDR_HI_REG_OFF, list >>> 32);
      reg(chnl, RX_SG_LEN_REG_OFF, SG_ELEM_WORDS);
    }

    void onVector(int vector) {
      if ((vector & irqBit(chnl, IRQ_RX_TXN_DONE)) != 0) {
        reg(chnl, RX_TNFR_LEN_REG_OFF);
        sending = false;
        sentParts++;
        sendNext();
      }
      if ((vector & irqBit(chnl, IRQ_TX_TXN)) != 0) {
        int offLast = reg(chnl, TX_OFFLAST_REG_OFF);
        offset = offLast >>> 1;
        last = (offLast & 1) != 0;
        announced = reg(chnl, TX_LEN_REG_OFF) & 0xffffffffL;   // reading TX_LEN acks the transaction
        if (announced > 0) {
          replyBuf = alloc(4 * announced);
          long list = sgList(replyBuf, announced);
          reg(chnl, TX_SG_ADDR_LO_REG_OFF, list);
          reg(chnl, TX_SG_ADDR_HI_REG_OFF, list >>> 32);
          reg(chnl, TX_SG_LEN_REG_OFF, SG_ELEM_WORDS);
        }
      }
      if ((vector & irqBit(chnl, IRQ_TX_TXN_DONE)) != 0 && announced >= 0) {
        int moved = (int) Math.min(announced, reg(chnl, TX_TNFR_LEN_REG_OFF) & 0xffffffffL);
        reply = new Reply(moved == 0 ? new int[0] : readWords(replyBuf, moved), announced, offset, last);
      }
    }

    boolean done() {
      return reply != null && parts.isEmpty() && !sending;
    }

    String stuck() {
      if (sending || !parts.isEmpty()) {
        return "channel " + chnl + ": host send " + (sentParts + 1) + " of " + totalParts
            + " never completed (no RX_TXN_DONE): rxStart must call port.rxAck() and the core must pop every "
            + "beat with port.rxRead()";
      }
      if (announced < 0) {
        return "channel " + chnl + ": no reply: the core never called port.txStart after the message's last word";
      }
      return "channel " + chnl + ": the reply announced " + announced + " words but never finished (no "
          + "TX_TXN_DONE): write every beat (txWrite returning false means wait for txReady), then txEnd";
    }
  }

  /**
   * Sends each conversation's parts (the last with {@code last} set) and collects one reply per
   * conversation, all channels at once, within {@code maxNs} of simulated time.
   *
   * @param messages per channel (index = channel) the parts of one message; null for an idle channel
   */
  Reply[] exchange(List<List<int[]>> messages, long maxNs) throws ItemFailed {
    List<Conversation> convs = new ArrayList<>();
    for (int c = 0; c < messages.size(); c++) {
      if (messages.get(c) != null) {
        if (c >= channels) {
          throw new IllegalArgumentException("grader: channel " + c + " of a " + channels + "-channel core");
        }
        convs.add(new Conversation(c, messages.get(c)));
      }
    }
    convs.forEach(Conversation::sendNext);
    VirtualClock clock = machine.clock();
    long deadline = clock.nowNs() + maxNs;
    for (long events = 0; ; events++) {
      serviceInterrupts(convs);
      if (convs.stream().allMatch(Conversation::done)) {
        break;
      }
      VirtualClock.Event next = clock.peek();
      if (next == null || next.when() > deadline) {
        String why = convs.stream().filter(c -> !c.done()).map(Conversation::stuck).findFirst().orElse("?");
        throw new ItemFailed(why + (next == null ? " (the machine went idle)" : " (" + maxNs / 1_000_000
            + " ms of simulated time passed)") + errorSuffix());
      }
      if (events >= MAX_EVENTS) {
        throw new ItemFailed("the core kept the machine busy for " + MAX_EVENTS + " events without finishing"
            + " (a port.schedule loop?)" + errorSuffix());
      }
      clock.runNext();
    }
    Reply[] out = new Reply[messages.size()];
    for (Conversation c : convs) {
      out[c.chnl] = c.reply;
    }
    return out;
  }

  private void serviceInterrupts(List<Conversation> convs) {
    while (msisSeen < bm.msis().size()) {
      msisSeen++;
      int v0 = reg(0, IRQ_REG0_OFF);
      int v1 = channels > IRQ_CHNLS_PER_VECTOR ? reg(0, IRQ_REG1_OFF) : 0;
      for (Conversation c : convs) {
        c.onVector(irqVector(c.chnl) == 0 ? v0 : v1);
      }
    }
  }

  private String errorSuffix() {
    return errors.isEmpty() ? "" : "; fabric: " + String.join(" | ", errors.subList(0, Math.min(3, errors.size())));
  }
}
