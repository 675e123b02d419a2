package dev.driverlab.devices.riffa;

/**
 * RIFFA's example user core {@code chnl_tester} ({@code fpga/riffa_hdl/chnl_tester.v}), with the reply
 * riffa.md §5.4 describes and users see on real boards (issues #35, #44). With B words per beat:
 *
 * <pre>
 *  Wait      CHNL_RX rises: rLen = CHNL_RX_LEN, count = 0                   (offset, last ignored)
 *  Receive   CHNL_RX_ACK, pop beats; each one overwrites the saved beat, count += B;
 *            once count ≥ rLen go on                        → only the LAST beat received is kept
 *  Prepare   count = B
 *  Transmit  CHNL_TX with LEN = rLen, OFF = 0, LAST = 1. First beat: the saved beat. After each
 *            accepted beat, if count ≥ rLen back to Wait; else the next beat is the words
 *            count+1 … count+B and count += B.
 * </pre>
 *
 * So a send of 1..N comes back as: words 0..B−1 = the last beat received ({@code kB+1 … N}, then
 * zeros), and every word {@code i ≥ B} equal to {@code i + 1}. A host send that arrives while the reply
 * is still going out waits (unacknowledged) until the tester is back in Wait.
 */
public final class ChnlTester implements ChannelCore {
  private enum State { WAIT, RECEIVE, TRANSMIT }

  private State state = State.WAIT;
  private long rLen;
  private long count;
  /** The saved beat register; like {@code rData} in the HDL it is not cleared by reset. */
  private int[] saved;
  private int[] next;
  private boolean pendingRx;
  private long pendingLen;

  @Override
  public void rxStart(ChannelPort port, long len, int offset, boolean last) {
    if (state != State.WAIT) {
      pendingRx = true; // CHNL_RX stays high; seen when the tester is back in Wait
      pendingLen = len;
      return;
    }
    beginReceive(port, len);
  }

  private void beginReceive(ChannelPort port, long len) {
    rLen = len;
    count = 0;
    state = State.RECEIVE;
    port.rxAck();
    receive(port);
  }

  @Override
  public void rxData(ChannelPort port) {
    receive(port);
  }

  /** True: in Receive it only takes beats, and transmits once it has the send's last one. */
  @Override
  public boolean rxDataOnlyReads() {
    return true;
  }

  private void receive(ChannelPort port) {
    if (state != State.RECEIVE) {
      return;
    }
    int b = port.wordsPerBeat();
    if (saved == null) {
      saved = new int[b];
    }
    while (count < rLen) {
      int[] beat = port.rxRead();
      if (beat == null) {
        return;
      }
      saved = beat;
      count += b;
    }
    // Prepare, then Transmit.
    count = b;
    next = saved;
    state = State.TRANSMIT;
    port.txStart(rLen, 0, true);
    transmit(port);
  }

  @Override
  public void txReady(ChannelPort port) {
    transmit(port);
  }

  private void transmit(ChannelPort port) {
    int b = port.wordsPerBeat();
    while (state == State.TRANSMIT) {
      if (!port.txWrite(next)) {
        return; // CHNL_TX_DATA_REN low: wait for txReady
      }
      if (count >= rLen) {
        port.txEnd();
        state = State.WAIT;
        if (pendingRx) {
          pendingRx = false;
          beginReceive(port, pendingLen);
        }
        return;
      }
      int[] beat = new int[b];
      for (int j = 0; j < b; j++) {
        beat[j] = (int) (count + 1 + j);
      }
      next = beat;
      count += b;
    }
  }

  @Override
  public void reset(ChannelPort port) {
    state = State.WAIT;
    rLen = 0;
    count = 0;
    next = null;
    pendingRx = false;
  }
}
