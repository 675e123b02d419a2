package dev.driverlab.devices.riffa;

import static dev.driverlab.devices.riffa.RiffaRegisters.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.pcie.tlp.Tlp;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Host send (fpga_send → CHNL_RX): data, lengths, offsets, zero lengths, chained lists, flow control. */
class RiffaSendTest {
  static RiffaRig rigWith(RecordingCore core, int width) {
    return RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, width), c -> core));
  }

  @ParameterizedTest(name = "{0}-bit core, {1} words")
  @CsvSource({"64,1", "64,3", "64,4", "64,5", "64,200", "64,4096",
      "128,1", "128,3", "128,4", "128,5", "128,200", "128,4096"})
  void sentWordsArriveAtTheUserCoreInBeats(int width, int n) {
    RecordingCore core = new RecordingCore();
    RiffaRig r = rigWith(core, width);
    int b = width / 32;
    assertEquals(n, r.send(0, RiffaRig.counting(n), 25 * RiffaRig.MS));
    assertEquals(List.of(new RecordingCore.Start(n, 0, true, core.starts.get(0).timeNs())), core.starts);
    assertEquals((n + b - 1) / b, core.beats.size(), "whole beats of " + b + " words");
    assertTrue(core.beats.stream().allMatch(beat -> beat.length == b));
    int[] expected = Arrays.copyOf(RiffaRig.counting(n), core.beats.size() * b); // partial beat zero-filled
    assertArrayEquals(expected, core.words());
    assertEquals(List.of((long) n), core.ends);
    long bytesRead = r.reads(0).stream().mapToLong(Tlp::requestByteLength).sum();
    long elements = (4L * n + 4095) / 4096; // the buffer is page aligned: one element per page
    assertEquals(4L * n + SG_ELEM_BYTES * elements, bytesRead, "the data once, plus the SG list");
  }

  @Test
  void offsetAndLastReachTheCoreUnchanged() {
    RecordingCore core = new RecordingCore();
    RiffaRig r = rigWith(core, 128);
    MiniDriver d = r.d();
    long buf = d.alloc(64);
    d.writeWords(buf, RiffaRig.counting(16));
    MiniDriver.SendOp op = d.startSend(0, buf, 16, 0x1234567, false, RiffaRig.MS);
    assertTrue(r.run(op));
    assertEquals(16, op.words());
    assertEquals(0x1234567, core.starts.get(0).offset());
    assertFalse(core.starts.get(0).last());
    assertEquals(List.of(new MiniDriver.Msg(MiniDriver.EVENT_SG_BUF_READ, 0),
            new MiniDriver.Msg(MiniDriver.EVENT_TXN_DONE, 16)),
        op.seen);
  }

  @Test
  void zeroLengthSendWithLastCompletesWithoutUpdatingTheDoneLength() {
    RecordingCore core = new RecordingCore();
    RiffaRig r = rigWith(core, 128);
    MiniDriver d = r.d();
    d.rawSend(0, RiffaRig.counting(8), 0, true);
    r.drain();
    assertEquals(irqBit(0, IRQ_RX_SG_BUF_RECVD) | irqBit(0, IRQ_RX_TXN_DONE), d.reg(0, IRQ_REG0_OFF));
    assertEquals(8, d.reg(0, RX_TNFR_LEN_REG_OFF));

    d.reg(0, RX_OFFLAST_REG_OFF, 1);
    d.reg(0, RX_LEN_REG_OFF, 0);
    r.drain();
    assertEquals(0, core.starts.get(1).len());
    assertTrue(core.starts.get(1).last());
    assertEquals(irqBit(0, IRQ_RX_TXN_DONE), d.reg(0, IRQ_REG0_OFF), "done at once, no SG list involved");
    assertEquals(8, d.reg(0, RX_TNFR_LEN_REG_OFF), "rx_port_reader.v leaves the done length alone");
    assertEquals(List.of(8L, 0L), core.ends);
  }

  @Test
  void zeroLengthSendWithoutLastDoesNothingAtAll() {
    RecordingCore core = new RecordingCore();
    RiffaRig r = rigWith(core, 64);
    int msis = r.bm.msis().size();
    MiniDriver.SendOp op = r.d().startSend(0, r.d().alloc(4), 0, 0, false, RiffaRig.MS);
    assertTrue(op.done, "chnl_send returns 0 at once for len 0");
    assertEquals(0, op.words());
    r.drain();
    assertTrue(core.starts.isEmpty());
    assertEquals(msis, r.bm.msis().size());
    assertEquals(0, r.d().reg(0, IRQ_REG0_OFF));
  }

  @Test
  void longSendsChainSgListsAfterEachSgReadInterrupt() {
    RecordingCore core = new RecordingCore();
    RiffaRig r = rigWith(core, 64);
    MiniDriver d = r.d();
    d.sgElemsLimit = 3; // three pages per list: ten pages need four lists
    int n = 10 * 1024 + 100;
    long buf = d.allocAt(4L * n, 0x200); // starts mid-page: eleven pages, first and last partial
    d.writeWords(buf, RiffaRig.counting(n));
    MiniDriver.SendOp op = d.startSend(0, buf, n, 0, true, 25 * RiffaRig.MS);
    assertTrue(r.run(op));
    assertEquals(n, op.words());
    assertArrayEquals(RiffaRig.counting(n), Arrays.copyOf(core.words(), n));
    long sgReads = op.seen.stream().filter(m -> m.type() == MiniDriver.EVENT_SG_BUF_READ).count();
    assertEquals(4, sgReads, "lists of 3, 3, 3 and 2 elements: " + op.seen);
  }

  @Test
  void aCoreThatDoesNotDrainStallsTheSendAtTheFifoDepth() {
    RecordingCore core = new RecordingCore();
    core.autoDrain = false;
    RiffaRig r = rigWith(core, 64);
    MiniDriver d = r.d();
    int n = 4096; // 2048 beats of 64 bits; the RX FIFO holds 1024
    long buf = d.alloc(4L * n);
    d.writeWords(buf, RiffaRig.counting(n));
    MiniDriver.SendOp op = d.startSend(0, buf, n, 0, true, 0);
    assertFalse(r.run(op), "no DONE while the FIFO is full: the wait would hang");
    long dataBytes = r.reads(0).stream().filter(t -> t.address() >= buf).mapToLong(Tlp::requestByteLength).sum();
    assertEquals(RX_FIFO_BEATS * 8L, dataBytes, "reads stop when 1024 beats wait");
    assertTrue(core.port.rxValid());

    core.autoDrain = true;
    core.drainNow(); // the core wakes up and takes the data
    assertTrue(r.run(op));
    assertEquals(n, op.words());
    assertArrayEquals(RiffaRig.counting(n), core.words());
  }

  @Test
  void aCoreThatNeverAcksHoldsTheDoneBackButNotTheData() {
    RecordingCore core = new RecordingCore();
    core.autoAck = false;
    RiffaRig r = rigWith(core, 128);
    MiniDriver.SendOp op = r.d().startSend(0, writeCounting(r.d(), 64), 64, 0, true, 2 * RiffaRig.MS);
    assertTrue(r.run(op));
    assertTrue(op.timedOut, "no RX_TXN_DONE without CHNL_RX_ACK");
    assertEquals(64, core.words().length);
    assertEquals(0, op.words(), "chnl_send on timeout: bytes counted from SG reads so far (one list, not freed)");
    core.port.rxAck();
    r.drain();
    assertEquals(List.of(64L), core.ends);
  }

  static long writeCounting(MiniDriver d, int n) {
    long buf = d.alloc(4L * n);
    d.writeWords(buf, RiffaRig.counting(n));
    return buf;
  }
}
