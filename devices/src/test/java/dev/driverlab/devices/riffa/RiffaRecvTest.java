package dev.driverlab.devices.riffa;

import static dev.driverlab.devices.riffa.RiffaRegisters.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Host receive (CHNL_TX → fpga_recv): chnl_tester's reply, other cores, early close, gate, spill. */
class RiffaRecvTest {
  /** riffa.md §5.4: the reply to a send of 1..n from a core with b words per beat. */
  static int[] chnlTesterReply(int n, int b) {
    int[] out = new int[n];
    int k = (n - 1) / b; // the last beat received holds k*b+1 .. n, then zeros
    for (int j = 0; j < Math.min(b, n); j++) {
      int v = k * b + 1 + j;
      out[j] = v <= n ? v : 0;
    }
    for (int i = b; i < n; i++) {
      out[i] = i + 1;
    }
    return out;
  }

  @Test
  void theFormulaMatchesWhatUsersReported() {
    // issue #44 (N = 200, 128-bit): 197, 198, 199, 200, 5, 6, ...
    int[] r = chnlTesterReply(200, 4);
    assertArrayEquals(new int[] {197, 198, 199, 200, 5, 6, 7}, Arrays.copyOf(r, 7));
    assertArrayEquals(new int[] {5, 0, 0, 0, 5}, chnlTesterReply(5, 4));
  }

  @ParameterizedTest(name = "{0}-bit chnl_tester, {1} words")
  @CsvSource({"64,1", "64,3", "64,4", "64,5", "64,200", "64,4096",
      "128,1", "128,3", "128,4", "128,5", "128,200", "128,4096"})
  void loopbackThroughChnlTesterGivesTheReferenceReplyWordForWord(int width, int n) {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, width)));
    assertEquals(n, r.send(0, RiffaRig.counting(n), 25 * RiffaRig.MS), "words sent");
    MiniDriver d = r.d();
    long buf = d.alloc(4L * n + 64);
    MiniDriver.RecvOp op = d.startRecv(0, buf, n, 25 * RiffaRig.MS);
    assertTrue(r.run(op));
    assertFalse(op.timedOut);
    assertEquals(n, op.words(), "words recv");
    assertArrayEquals(chnlTesterReply(n, width / 32), d.readWords(buf, n));
    assertEquals(0, d.readWords(buf + 4L * n, 1)[0], "nothing written past the reply");
    assertEquals(new MiniDriver.Msg(MiniDriver.EVENT_TXN_OFFLAST, 1), op.seen.get(0), "offset 0, last 1");
    assertEquals(new MiniDriver.Msg(MiniDriver.EVENT_TXN_LEN, n), op.seen.get(1));
    assertEquals(new MiniDriver.Msg(MiniDriver.EVENT_TXN_DONE, n), op.seen.get(op.seen.size() - 1));
    if (n >= 4) {
      // what testutil checks: every word from index 4 on equals index + 1
      int[] got = d.readWords(buf, n);
      assertTrue(IntStream.range(4, n).allMatch(i -> got[i] == i + 1));
    }
  }

  @Test
  void echoCoreReturnsExactlyWhatWasSent() {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> new EchoCore()));
    int[] data = IntStream.range(0, 1001).map(i -> i * 7919 ^ 0x5a5a5a5a).toArray();
    assertEquals(1001, r.send(0, data, 25 * RiffaRig.MS));
    int[] n = new int[1];
    int[] got = r.recv(0, 1001, 25 * RiffaRig.MS, n);
    assertEquals(1001, n[0]);
    assertArrayEquals(data, got);
  }

  /** Returns each message as it came and keeps it, as a core recording what it was sent might. */
  static final class KeepingEcho extends BufferingCore {
    final List<int[]> kept = new ArrayList<>();

    @Override
    protected int[] reply(int[] words) {
      kept.add(words);
      return words;
    }
  }

  @Test
  void aCoreMayKeepTheMessagesItWasHandedUnlessItRepliesInPlace() {
    KeepingEcho[] core = new KeepingEcho[1];
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> core[0] = new KeepingEcho()));
    int[] first = IntStream.range(0, 256).map(i -> i * 31 + 1).toArray(); // exactly the core's first buffer
    int[] second = IntStream.range(0, 256).map(i -> -i).toArray();
    int[] third = IntStream.range(0, 256).map(i -> i ^ 0x5a5a).toArray();
    int[] n = new int[1];
    for (int[] data : List.of(first, second, third)) {
      assertEquals(256, r.send(0, data, 25 * RiffaRig.MS));
      assertArrayEquals(data, r.recv(0, 256, 25 * RiffaRig.MS, n));
    }
    assertEquals(3, core[0].kept.size());
    assertArrayEquals(first, core[0].kept.get(0), "a later message must not be collected into a kept one");
    assertArrayEquals(second, core[0].kept.get(1));
    assertArrayEquals(third, core[0].kept.get(2));
  }

  /** An echo whose first rxData fails after it has drained what came (a user core with a bug). */
  static final class FailsOnce implements ChannelCore {
    final EchoCore echo = new EchoCore();
    boolean failed;

    @Override
    public void rxStart(ChannelPort port, long len, int offset, boolean last) {
      echo.rxStart(port, len, offset, last);
    }

    @Override
    public void rxData(ChannelPort port) {
      echo.rxData(port);
      if (!failed) {
        failed = true;
        throw new IllegalStateException("core bug");
      }
    }

    @Override
    public void rxEnd(ChannelPort port, long wordsReceived) {
      echo.rxEnd(port, wordsReceived);
    }

    @Override
    public void txReady(ChannelPort port) {
      echo.txReady(port);
    }
  }

  @Test
  void aCoreThatThrowsInRxDataDoesNotStallTheReceiveEngine() {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> new FailsOnce()));
    int[] data = IntStream.range(0, 4000).map(i -> i * 3 + 1).toArray();
    MiniDriver d = r.d();
    long buf = d.alloc(4L * data.length);
    d.writeWords(buf, data);
    MiniDriver.SendOp op = d.startSend(0, buf, data.length, 0, true, 25 * RiffaRig.MS);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.run(op));
    assertEquals("core bug", e.getMessage());
    assertTrue(r.run(op), "the send goes on after the core's failure");
    assertEquals(data.length, op.words());
    int[] n = new int[1];
    assertArrayEquals(data, r.recv(0, data.length, 25 * RiffaRig.MS, n));
    assertEquals(data.length, n[0]);
  }

  @Test
  void addConstantCoreAddsToEveryWord() {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 64), c -> new AddConstantCore(100)));
    assertEquals(13, r.send(0, RiffaRig.counting(13), 25 * RiffaRig.MS));
    int[] n = new int[1];
    int[] got = r.recv(0, 13, 25 * RiffaRig.MS, n);
    assertEquals(13, n[0]);
    assertArrayEquals(IntStream.rangeClosed(101, 113).toArray(), got);
  }

  @Test
  void bufferingCoreConcatenatesSendsUntilLast() {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> new EchoCore()));
    MiniDriver d = r.d();
    MiniDriver.SendOp a = d.startSend(0, SendBuf.of(d, 1, 2, 3), 3, 0, false, RiffaRig.MS);
    assertTrue(r.run(a));
    MiniDriver.SendOp b = d.startSend(0, SendBuf.of(d, 4, 5), 2, 3, true, RiffaRig.MS);
    assertTrue(r.run(b));
    int[] n = new int[1];
    assertArrayEquals(new int[] {1, 2, 3, 4, 5, 0}, r.recv(0, 6, 25 * RiffaRig.MS, n));
    assertEquals(5, n[0]);
  }

  /** Announces {@code announced} words, writes {@code written}, then closes the transmit. */
  static final class EarlyCloser implements ChannelCore {
    final long announced;
    final int written;
    final List<Boolean> accepted = new ArrayList<>();

    EarlyCloser(long announced, int written) {
      this.announced = announced;
      this.written = written;
    }

    @Override
    public void rxStart(ChannelPort port, long len, int offset, boolean last) {
      port.rxAck();
      rxData(port);
      port.txStart(announced, 5, true);
      for (int i = 0; i < written; i += port.wordsPerBeat()) {
        int[] beat = new int[port.wordsPerBeat()];
        for (int j = 0; j < beat.length; j++) {
          beat[j] = 1000 + i + j;
        }
        accepted.add(port.txWrite(beat));
      }
      port.txEnd();
    }

    @Override
    public void rxData(ChannelPort port) {
      while (port.rxRead() != null) {
        // drop
      }
    }
  }

  @Test
  void closingTheTransmitEarlyEndsTheReceiveWithTheWordsWritten() {
    EarlyCloser core = new EarlyCloser(100, 32);
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> core));
    assertEquals(1, r.send(0, new int[] {1}, RiffaRig.MS));
    assertEquals(List.of(true, true, true, true, true, true, true, true), core.accepted, "8 beats fit the gate");
    MiniDriver d = r.d();
    long buf = d.alloc(4 * 200);
    MiniDriver.RecvOp op = d.startRecv(0, buf, 200, 25 * RiffaRig.MS);
    assertTrue(r.run(op));
    assertEquals(32, op.words(), "TX_TNFR_LEN counts what was written");
    int[] got = d.readWords(buf, 200);
    // offset 5 (words): the driver placed the first element 5 words into the buffer
    assertArrayEquals(new int[5], Arrays.copyOf(got, 5));
    assertArrayEquals(IntStream.range(1000, 1032).toArray(), Arrays.copyOfRange(got, 5, 37));
    assertArrayEquals(new int[200 - 37], Arrays.copyOfRange(got, 37, 200));
  }

  @Test
  void beforeTheHostAcksOnlyTheGateBuffersThenTheFifoOpens() {
    EarlyCloser core = new EarlyCloser(64, 64); // offers 16 beats while nobody has read TX_LEN
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> core));
    MiniDriver d = r.d();
    d.reg(0, RX_OFFLAST_REG_OFF, 1);
    d.reg(0, RX_LEN_REG_OFF, 0); // a zero-length send with last triggers the core's reply
    r.drain();
    assertEquals(16, core.accepted.size());
    assertEquals(8, core.accepted.stream().filter(a -> a).count(), "TX_GATE_BEATS before the ack");
    assertEquals(irqBit(0, IRQ_TX_TXN) | irqBit(0, IRQ_RX_TXN_DONE), d.reg(0, IRQ_REG0_OFF));
    assertEquals(1 | 5 << 1, d.reg(0, TX_OFFLAST_REG_OFF));
    assertEquals(64, d.reg(0, TX_LEN_REG_OFF), "the read acknowledges the transmit");
    long buf = d.rawRecvList(0, 64);
    r.drain();
    assertEquals(irqBit(0, IRQ_TX_SG_BUF_RECVD) | irqBit(0, IRQ_TX_TXN_DONE), d.reg(0, IRQ_REG0_OFF));
    assertEquals(32, d.reg(0, TX_TNFR_LEN_REG_OFF), "the core closed after 8 accepted beats");
    assertArrayEquals(IntStream.range(1000, 1032).toArray(), d.readWords(buf, 32));
    assertEquals(32, d.reg(0, TX_LEN_REG_OFF), "TX_LEN counts down (tx_port_writer.v rWords): 32 never came");
  }

  @Test
  void zeroLengthTransmitWithLastIsAnnouncedAndDoneWithoutData() {
    EarlyCloser core = new EarlyCloser(0, 0);
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 64), c -> core));
    MiniDriver d = r.d();
    d.rawSend(0, new int[] {1, 2}, 0, true);
    r.drain();
    assertEquals(irqBit(0, IRQ_RX_SG_BUF_RECVD) | irqBit(0, IRQ_RX_TXN_DONE) | irqBit(0, IRQ_TX_TXN),
        d.reg(0, IRQ_REG0_OFF));
    assertEquals(1 | 5 << 1, d.reg(0, TX_OFFLAST_REG_OFF));
    assertEquals(0, d.reg(0, TX_LEN_REG_OFF));
    r.drain();
    assertEquals(irqBit(0, IRQ_TX_TXN_DONE), d.reg(0, IRQ_REG0_OFF), "done straight after the ack");
    assertEquals(0, d.reg(0, TX_TNFR_LEN_REG_OFF));
    assertTrue(r.writes(0).isEmpty());
  }

  @Test
  void zeroLengthTransmitWithoutLastIsDroppedSilently() {
    ChannelCore core = new ChannelCore() {
      @Override
      public void rxStart(ChannelPort port, long len, int offset, boolean last) {
        port.rxAck();
        port.txStart(0, 0, false);
        port.txEnd();
        port.txStart(3, 0, true);
        port.txWrite(new int[] {7, 8});
        port.txWrite(new int[] {9, 10});
        port.txEnd();
      }

      @Override
      public void rxData(ChannelPort port) {
        while (port.rxRead() != null) {
          // drop
        }
      }
    };
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 64), c -> core));
    assertEquals(1, r.send(0, new int[] {1}, RiffaRig.MS));
    int[] n = new int[1];
    assertArrayEquals(new int[] {7, 8, 9, 0}, r.recv(0, 4, 25 * RiffaRig.MS, n), "the 4th word was beyond TX_LEN");
    assertEquals(3, n[0]);
  }

  @Test
  void aReplyLargerThanTheBufferGoesToTheSpillBufferAndIsCounted() {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 128)));
    int n = 3000;
    assertEquals(n, r.send(0, RiffaRig.counting(n), 25 * RiffaRig.MS));
    int[] got = new int[1];
    int[] words = r.recv(0, 1000, 25 * RiffaRig.MS, got);
    assertEquals(n, got[0], "chnl_recv returns the FPGA's count, not capped by the buffer");
    assertArrayEquals(Arrays.copyOf(chnlTesterReply(n, 4), 1000), words);
    // SG list: [buffer, 1000 words] [spill, 1024] [spill, 1024]. Reply words 1000..2023 go to the
    // spill buffer, then 2024..2999 over its start (truncated to the 976 words still due).
    int[] spill = r.d().readWords(r.d().spillBuf, 1024);
    assertEquals(2025, spill[0]);
    assertEquals(3000, spill[975]);
    assertEquals(1977, spill[976]);
    assertEquals(2024, spill[1023]);
  }

  /** Allocates a send buffer holding {@code words}. */
  static final class SendBuf {
    static long of(MiniDriver d, int... words) {
      long b = d.alloc(4L * words.length);
      d.writeWords(b, words);
      return b;
    }
  }
}
