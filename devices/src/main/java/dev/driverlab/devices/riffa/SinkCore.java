package dev.driverlab.devices.riffa;

/**
 * Takes every host send and never answers: host sends complete, a host receive on this channel waits
 * for a TX_TXN that never comes and ends in the driver's inactivity timeout. Counts what it swallowed.
 */
public final class SinkCore implements ChannelCore {
  private long wordsSwallowed;
  private long transactions;

  @Override
  public void rxStart(ChannelPort port, long len, int offset, boolean last) {
    transactions++;
    port.rxAck();
    rxData(port);
  }

  @Override
  public void rxData(ChannelPort port) {
    while (port.rxRead() != null) {
      wordsSwallowed += port.wordsPerBeat();
    }
  }

  /** Words popped from the RX FIFO, counting whole beats (padding of a final partial beat included). */
  public long wordsSwallowed() {
    return wordsSwallowed;
  }

  /** Host sends seen (CHNL_RX rises). */
  public long transactions() {
    return transactions;
  }
}
