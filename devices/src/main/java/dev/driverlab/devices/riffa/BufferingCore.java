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
  /**
   * A message array handed to {@link #reply} whole (no copy) and come back as the reply once sent:
   * reused as {@link #collected} for a later message. A host that sends messages of one size then
   * costs no copy and no allocation per message (a 64 MiB message was a 64 MiB copy each).
   */
  private int[] handedOver;
  private int[] spare;

  /**
   * The answer to one message; may return {@code words} itself, changed or not. {@code words} is the
   * subclass's to keep, unless {@link #repliesInPlace} says otherwise.
   */
  protected abstract int[] reply(int[] words);

  /**
   * Whether {@link #reply} keeps nothing of {@code words} past the call (true for {@link EchoCore}).
   * Then a message that exactly fills the collection buffer is handed over without a copy, and once a
   * reply that is that very array has been sent, the array collects a later message: a host sending
   * messages of one size costs no copy and no allocation per message. The default, false, hands
   * {@code reply} a copy it may keep.
   */
  protected boolean repliesInPlace() {
    return false;
  }

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

  /**
   * True: rxData only collects words until the message's last one is in (a subclass that overrides
   * rxData and does more must override this too).
   */
  @Override
  public boolean rxDataOnlyReads() {
    return true;
  }

  @Override
  public void rxEnd(ChannelPort port, long wordsReceived) {
    if (expecting > wordsReceived) {
      expecting = wordsReceived; // cut short by an error: the message ends with what came
    }
    drain(port);
  }

  private void drain(ChannelPort port) {
    int b = port.wordsPerBeat();
    // A beat is 2 or 4 words: divide by shifting when it is a power of two (this runs for every TLP's
    // data, and a long division by a value the JIT does not know costs tens of cycles).
    int sh = Integer.numberOfTrailingZeros(b);
    boolean pow2 = b == 1 << sh;
    while (expecting > 0) {
      // Whole beats straight into the message: as many as the words still expected need (the last
      // one may carry padding past them, which is read and then not counted).
      long need = pow2 ? (expecting + b - 1) >> sh : (expecting + b - 1) / b;
      int beats = (int) Math.min(need, pow2 ? (Integer.MAX_VALUE / 2) >> sh : Integer.MAX_VALUE / 2 / b);
      int want = beats * b;
      if (collected.length - collectedWords < want) {
        collected = Arrays.copyOf(collected, Math.max(collected.length * 2, collectedWords + Math.min(want, 1 << 20)));
        want = Math.min(want, (collected.length - collectedWords) / b * b);
      }
      int got = port.rxRead(collected, collectedWords, want);
      if (got == 0) {
        return;
      }
      int used = (int) Math.min(got, expecting);
      collectedWords += used;
      expecting -= used;
    }
    if (expecting == 0) {
      expecting = -1;
      if (currentLast) {
        int[] message;
        if (collectedWords == collected.length && repliesInPlace()) {
          // The buffer is exactly the message: hand it over, and collect the next one elsewhere.
          message = collected;
          handedOver = message;
          collected = spare != null ? spare : new int[256];
          spare = null;
        } else {
          message = Arrays.copyOf(collected, collectedWords);
        }
        replies.add(reply(message));
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
    while (true) {
      if (sending == null) {
        sending = replies.poll();
        if (sending == null) {
          return;
        }
        sendIndex = 0;
        port.txStart(sending.length, 0, true);
      }
      if (sendIndex < sending.length) {
        // The port takes what fits and streams the rest from the array as room frees up; txReady
        // comes when the rest may fit.
        sendIndex = port.txStream(sending, sendIndex);
        if (sendIndex < sending.length) {
          return; // a beat was refused: wait for txReady
        }
      }
      port.txEnd();
      if (sending == handedOver) {
        // Sent: the port copied its words, and reply gave it back, so nobody else holds it.
        spare = null;
        collected = collectedWords == 0 && collected.length < sending.length ? sending : collected;
        if (collected != sending) {
          spare = sending;
        }
        handedOver = null;
      }
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
    handedOver = null;
  }
}
