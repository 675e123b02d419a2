package dev.driverlab.labs.riffasum;

import dev.driverlab.devices.riffa.ChannelCore;
import dev.driverlab.devices.riffa.ChannelPort;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Lab 5 reference solution: a RIFFA user core that answers every message with the running sums of its
 * words (labs/05-riffa-core/README.md; the CHNL_* handshake is shared/reference/riffa.md §5.1, §5.2).
 *
 * <pre>
 *   host send(s)  w0 w1 w2 ... wn-1 (last)      ──►  reply  s0 s1 s2 ... sn-1   (offset 0, last)
 *                                                     si = w0 + ... + wi  (mod 2^32)
 *
 *   CHNL_RX   rxStart ─► rxAck ─► rxData* (pop beats, add) ─► rxEnd
 *   CHNL_TX   txStart(n, 0, true) ─► txWrite per beat (false: wait for txReady) ─► txEnd
 * </pre>
 *
 * A message is every host send up to and including one with {@code last} set; its sums go out in one
 * transmit once its final word is in. The sum starts again at 0 for the next message.
 */
public final class RunningSumCore implements ChannelCore {
  /** Words of the current host send still to pop from the RX FIFO. */
  private long expecting;
  /** Whether the current host send ends the message. */
  private boolean lastSend;
  /** Words of the current send popped so far (to reconcile with rxEnd's count). */
  private long poppedThisSend;
  private int sum;
  private int[] sums = new int[64];
  private int count;

  private final ArrayDeque<int[]> replies = new ArrayDeque<>();
  private int[] sending;
  private int sent;

  @Override
  public void rxStart(ChannelPort port, long len, int offset, boolean last) {
    expecting = len;
    lastSend = last;
    poppedThisSend = 0;
    port.rxAck();
    drain(port);
  }

  @Override
  public void rxData(ChannelPort port) {
    drain(port);
  }

  @Override
  public void rxEnd(ChannelPort port, long wordsReceived) {
    // A DMA error may cut a send short: then fewer words than announced ever reach the FIFO.
    expecting = Math.min(expecting, Math.max(0, wordsReceived - poppedThisSend));
    drain(port);
  }

  @Override
  public void txReady(ChannelPort port) {
    send(port);
  }

  @Override
  public void reset(ChannelPort port) {
    expecting = 0;
    lastSend = false;
    poppedThisSend = 0;
    sum = 0;
    count = 0;
    replies.clear();
    sending = null;
    sent = 0;
  }

  /** Pops the beats that wait, adds their words; when the message is complete, queues the reply. */
  private void drain(ChannelPort port) {
    while (expecting > 0) {
      int[] beat = port.rxRead();
      if (beat == null) {
        return;                          // more beats come with the next rxData
      }
      for (int i = 0; i < beat.length && expecting > 0; i++) {
        sum += beat[i];                  // int arithmetic wraps at 2^32, as the hardware adder does
        if (count == sums.length) {
          sums = Arrays.copyOf(sums, 2 * count);
        }
        sums[count++] = sum;
        expecting--;
        poppedThisSend++;
      }
    }
    if (lastSend) {
      lastSend = false;
      replies.add(Arrays.copyOf(sums, count));
      count = 0;
      sum = 0;
      send(port);
    }
  }

  /** Offers beats until the TX FIFO refuses one or every queued reply is out. */
  private void send(ChannelPort port) {
    int width = port.wordsPerBeat();
    while (true) {
      if (sending == null) {
        sending = replies.poll();
        if (sending == null) {
          return;
        }
        sent = 0;
        port.txStart(sending.length, 0, true);
      }
      while (sent < sending.length) {
        int[] beat = new int[width];
        System.arraycopy(sending, sent, beat, 0, Math.min(width, sending.length - sent));
        if (!port.txWrite(beat)) {
          return;                        // FIFO full: txReady calls us again
        }
        sent += width;
      }
      port.txEnd();
      sending = null;
    }
  }
}
