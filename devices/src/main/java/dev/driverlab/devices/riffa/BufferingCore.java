package dev.driverlab.devices.riffa;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * A skeleton for user cores that work on whole messages: it acknowledges and drains every host send,
 * collects the words of a message (all sends up to and including one with {@code last} set,
 * concatenated; offsets are ignored), and answers with one transmit of {@link #reply(int[])}'s words at
 * offset 0 with {@code last} set. Extend it and implement {@code reply}; {@link EchoCore} and
 * {@link AddConstantCore} do.
 *
 * <p>Because it takes the whole message before it answers, a host that sends first and receives
 * afterwards (as RIFFA's sample programs do) never stalls on it, whatever the length.
 */
public abstract class BufferingCore implements ChannelCore {
  private int[] collected = new int[256];
  private int collectedWords;
  /** Words of the current host send still expected; -1 when no send is in progress. */
  private long expecting = -1;
  private boolean currentLast;
  private final ArrayDeque<int[]> replies = new ArrayDeque<>();
  private int[] sending;
  private int sendIndex;

  /** The answer to one message; may return {@code words} itself, changed or not. */
  protected abstract int[] reply(int[] words);

  @Override
  public void rxStart(ChannelPort port, long len, int offset, boolean last) {
    expecting = len;
    currentLast = last;
    port.rxAck();
    drain(port);
  }

  @Override
  public void rxData(ChannelPort port) {
    drain(port);
  }

  @Override
  public void rxEnd(ChannelPort port, long wordsReceived) {
    if (expecting > wordsReceived) {
      expecting = wordsReceived; // cut short by an error: the message ends with what came
    }
    drain(port);
  }

  private void drain(ChannelPort port) {
    while (expecting > 0) {
      int[] beat = port.rxRead();
      if (beat == null) {
        return;
      }
      for (int j = 0; j < beat.length && expecting > 0; j++, expecting--) {
        if (collectedWords == collected.length) {
          collected = Arrays.copyOf(collected, collected.length * 2);
        }
        collected[collectedWords++] = beat[j];
      }
    }
    if (expecting == 0) {
      expecting = -1;
      if (currentLast) {
        replies.add(reply(Arrays.copyOf(collected, collectedWords)));
        collectedWords = 0;
        send(port);
      }
    }
  }

  @Override
  public void txReady(ChannelPort port) {
    send(port);
  }

  private void send(ChannelPort port) {
    int b = port.wordsPerBeat();
    while (true) {
      if (sending == null) {
        sending = replies.poll();
        if (sending == null) {
          return;
        }
        sendIndex = 0;
        port.txStart(sending.length, 0, true);
      }
      while (sendIndex < sending.length) {
        int[] beat = new int[b];
        System.arraycopy(sending, sendIndex, beat, 0, Math.min(b, sending.length - sendIndex));
        if (!port.txWrite(beat)) {
          return; // wait for txReady
        }
        sendIndex += b;
      }
      port.txEnd();
      sending = null;
    }
  }

  @Override
  public void reset(ChannelPort port) {
    collectedWords = 0;
    expecting = -1;
    replies.clear();
    sending = null;
    sendIndex = 0;
  }
}
