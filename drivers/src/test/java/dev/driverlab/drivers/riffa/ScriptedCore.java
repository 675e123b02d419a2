package dev.driverlab.drivers.riffa;

import dev.driverlab.devices.riffa.ChannelCore;
import dev.driverlab.devices.riffa.ChannelPort;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A test-only RIFFA user core: takes every host send whole, then, after each send with {@code last}
 * set, plays its script of transmits. The words it transmits count up across the script: 1, 2, 3, ...
 * A step that writes fewer words than it announces never closes its transmit (the core "hangs").
 */
final class ScriptedCore implements ChannelCore {
  /** One transmit: CHNL_TX_LEN, CHNL_TX_OFF, CHNL_TX_LAST, and how many words actually come. */
  record Step(long len, int offset, boolean last, long words) {
    static Step full(long len, int offset, boolean last) {
      return new Step(len, offset, last, len);
    }
  }

  private final List<Step> script;
  private final ArrayDeque<Step> todo = new ArrayDeque<>();
  private long expecting = -1;
  private boolean lastSend;
  private Step cur;
  private long written;
  private int value;
  long wordsReceived;

  ScriptedCore(List<Step> script) {
    this.script = List.copyOf(script);
  }

  @Override
  public void rxStart(ChannelPort port, long len, int offset, boolean last) {
    expecting = len;
    lastSend = last;
    port.rxAck();
    rxData(port);
  }

  @Override
  public void rxData(ChannelPort port) {
    while (expecting > 0) {
      int[] beat = port.rxRead();
      if (beat == null) {
        return;
      }
      long n = Math.min(beat.length, expecting);
      expecting -= n;
      wordsReceived += n;
    }
    if (expecting == 0) {
      expecting = -1;
      if (lastSend) {
        todo.addAll(script);
        value = 0;
        emit(port);
      }
    }
  }

  @Override
  public void txReady(ChannelPort port) {
    emit(port);
  }

  private void emit(ChannelPort port) {
    int b = port.wordsPerBeat();
    while (true) {
      if (cur == null) {
        cur = todo.poll();
        if (cur == null) {
          return;
        }
        port.txStart(cur.len(), cur.offset(), cur.last());
        written = 0;
      }
      while (written < cur.words()) {
        int[] beat = new int[b];
        for (int j = 0; j < b; j++) {
          beat[j] = value + 1 + j;
        }
        if (!port.txWrite(beat)) {
          return;
        }
        long n = Math.min(b, cur.words() - written);
        written += n;
        value += (int) n;
      }
      if (cur.words() < cur.len()) {
        return; // hangs: CHNL_TX stays high, the rest never comes
      }
      port.txEnd();
      cur = null;
    }
  }

  @Override
  public void reset(ChannelPort port) {
    todo.clear();
    cur = null;
    expecting = -1;
    written = 0;
  }
}
