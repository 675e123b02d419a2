package dev.driverlab.devices.riffa;

import java.util.ArrayList;
import java.util.List;

/** A test core that records what the RX side delivers; it never transmits unless told to. */
final class RecordingCore implements ChannelCore {
  record Start(long len, int offset, boolean last, long timeNs) {}

  final List<Start> starts = new ArrayList<>();
  final List<int[]> beats = new ArrayList<>();
  final List<Long> ends = new ArrayList<>();
  int resets;
  boolean autoAck = true;
  boolean autoDrain = true;
  ChannelPort port;

  @Override
  public void rxStart(ChannelPort port, long len, int offset, boolean last) {
    this.port = port;
    starts.add(new Start(len, offset, last, port.nowNs()));
    if (autoAck) {
      port.rxAck();
    }
    rxData(port);
  }

  @Override
  public void rxData(ChannelPort port) {
    this.port = port;
    if (autoDrain) {
      drainNow();
    }
  }

  void drainNow() {
    int[] b;
    while ((b = port.rxRead()) != null) {
      beats.add(b);
    }
  }

  @Override
  public void rxEnd(ChannelPort port, long wordsReceived) {
    ends.add(wordsReceived);
  }

  @Override
  public void reset(ChannelPort port) {
    this.port = port;
    resets++;
  }

  /** All received words, beats concatenated (padding included). */
  int[] words() {
    return beats.stream().flatMapToInt(java.util.Arrays::stream).toArray();
  }
}
