package dev.driverlab.labs.riffasum;

import dev.driverlab.devices.riffa.ChannelCore;
import dev.driverlab.devices.riffa.ChannelPort;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Lab 5: a RIFFA user core that answers every message with the running sums of its words. Read
 * labs/05-riffa-core/README.md first.
 *
 * <pre>
 *   host send(s)  w0 w1 w2 ... wn-1 (last)      ──►  reply  s0 s1 s2 ... sn-1   (offset 0, last)
 *                                                     si = w0 + ... + wi  (mod 2^32)
 *
 *   CHNL_RX   rxStart ─► rxAck ─► rxData* (pop beats, add) ─► rxEnd
 *   CHNL_TX   txStart(n, 0, true) ─► txWrite per beat (false: wait for txReady) ─► txEnd
 * </pre>
 *
 * Keep the package, the class name and the public no-argument constructor: the grader puts one
 * {@code dev.driverlab.labs.riffasum.RunningSumCore} on every channel of a RIFFA endpoint. Implement
 * {@link ChannelCore} yourself (extending {@code BufferingCore} is not accepted).
 */
public final class RunningSumCore implements ChannelCore {
  /** Words of the current host send still to pop from the RX FIFO. */
  private long expecting;
  /** Whether the current host send ends the message. */
  private boolean lastSend;
  private int sum;
  private int[] sums = new int[64];
  private int count;

  private final ArrayDeque<int[]> replies = new ArrayDeque<>();

  @Override
  public void rxStart(ChannelPort port, long len, int offset, boolean last) {
    expecting = len;
    lastSend = last;
    port.rxAck();                        // CHNL_RX_ACK: without it the host send never completes
    drain(port);
  }

  @Override
  public void rxData(ChannelPort port) {
    drain(port);
  }

  @Override
  public void txReady(ChannelPort port) {
    // TODO 3: the TX FIFO has room again: carry on sending.
  }

  @Override
  public void reset(ChannelPort port) {
    // TODO 4: RST_OUT: forget the message in progress, the queued replies and a half-sent reply.
  }

  /** Pops the beats that wait, adds their words; when the message is complete, queues the reply. */
  private void drain(ChannelPort port) {
    // TODO 1: while words are expected: beat = port.rxRead() (null: wait for the next rxData); a beat
    //         holds port.wordsPerBeat() words, but only `expecting` of them belong to the message.
    //         Add each word to `sum` and keep every running sum (sums/count).
    //         When nothing more is expected and this send was the last one: queue the reply
    //         (Arrays.copyOf(sums, count)), start the next message at 0, and send.
  }

  /** Offers beats until the TX FIFO refuses one or every queued reply is out. */
  private void send(ChannelPort port) {
    // TODO 2: for the reply at the head of `replies`: port.txStart(reply.length, 0, true) once, then
    //         port.txWrite(beat) with port.wordsPerBeat() words per beat (zero-fill the last one).
    //         txWrite returning false means "FIFO full": stop and resume from the same word in
    //         txReady. After the last beat: port.txEnd().
  }
}
