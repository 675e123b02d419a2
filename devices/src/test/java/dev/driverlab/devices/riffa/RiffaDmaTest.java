package dev.driverlab.devices.riffa;

import static dev.driverlab.devices.riffa.RiffaRegisters.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.tlp.Tlp;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What crosses the link: request sizes, page boundaries, SG truncation, BME, time, replay. */
class RiffaDmaTest {
  static boolean crosses4K(Tlp t) {
    long a = t.address();
    return (a >>> 12) != ((a + t.requestByteLength() - 1) >>> 12);
  }

  @Test
  void sgElementsAreTruncatedToTheWordsStillNeededAndReadsStayInsideAPage() {
    RecordingCore core = new RecordingCore();
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> core));
    MiniDriver d = r.d();
    int n = 1000;
    // Element 0: 600 words starting 256 bytes before a page boundary. Element 1 advertises 5000 words
    // but only 400 are still needed; the words after them are poison the FPGA must not read.
    long a = d.allocAt(2400, 4096 - 256);
    long b = d.alloc(4 * 5000);
    d.writeWords(a, IntStream.rangeClosed(1, 600).toArray());
    int[] tail = new int[5000];
    Arrays.fill(tail, 0xdead);
    for (int i = 0; i < 400; i++) {
      tail[i] = 601 + i;
    }
    d.writeWords(b, tail);
    d.reg(0, RX_OFFLAST_REG_OFF, 1);
    d.reg(0, RX_LEN_REG_OFF, n);
    d.writeElement(d.sendSgBuf[0], 0, a, 600);
    d.writeElement(d.sendSgBuf[0], 1, b, 5000);
    d.reg(0, RX_SG_ADDR_LO_REG_OFF, d.sendSgBuf[0]);
    d.reg(0, RX_SG_ADDR_HI_REG_OFF, 0);
    d.reg(0, RX_SG_LEN_REG_OFF, 8);
    r.drain();
    assertArrayEquals(RiffaRig.counting(n), core.words());
    assertEquals(n, d.reg(0, RX_TNFR_LEN_REG_OFF));

    List<Tlp> reads = r.reads(0);
    assertTrue(reads.stream().noneMatch(RiffaDmaTest::crosses4K));
    assertTrue(reads.stream().allMatch(t -> t.requestByteLength() <= 512), "C_MAX_READ_REQ_BYTES and MRRS 512");
    List<Tlp> dataA = reads.stream().filter(t -> t.address() >= a && t.address() < a + 2400).toList();
    assertEquals(List.of(a, a + 256, a + 768, a + 1280, a + 1792, a + 2304),
        dataA.stream().map(Tlp::address).toList(), "256 bytes to the boundary, then 512-byte reads");
    assertEquals(2400, dataA.stream().mapToLong(Tlp::requestByteLength).sum());
    List<Tlp> dataB = reads.stream().filter(t -> t.address() >= b && t.address() < b + 20000).toList();
    assertEquals(1600, dataB.stream().mapToLong(Tlp::requestByteLength).sum(), "element 1 truncated to 400 words");
    List<Tlp> sg = reads.stream().filter(t -> t.address() == d.sendSgBuf[0]).toList();
    assertEquals(1, sg.size());
    assertEquals(32, sg.get(0).requestByteLength(), "the SG list: two 16-byte elements in one read");
  }

  @Test
  void writesTruncateTheElementSplitAtPagesAndPayloadAndTouchNothingElse() {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 64))); // chnl_tester
    MiniDriver d = r.d();
    int n = 700;
    assertEquals(n, r.send(0, RiffaRig.counting(n), 25 * RiffaRig.MS));
    long a = d.allocAt(4 * 300, 4096 - 128);
    long b = d.alloc(4 * 5000);
    int[] sentinel = new int[5000];
    Arrays.fill(sentinel, 0x5e5e5e5e);
    d.writeWords(b, sentinel);
    r.drain();
    d.serviceInterrupts(); // the ISR reads TX_OFFLAST and TX_LEN: chnl_tester's transmit is acked
    assertEquals(List.of(new MiniDriver.Msg(MiniDriver.EVENT_TXN_OFFLAST, 1),
            new MiniDriver.Msg(MiniDriver.EVENT_TXN_LEN, n)),
        List.copyOf(d.recvQ[0]));
    d.writeElement(d.recvSgBuf[0], 0, a, 300);
    d.writeElement(d.recvSgBuf[0], 1, b, 5000);
    d.reg(0, TX_SG_ADDR_LO_REG_OFF, d.recvSgBuf[0]);
    d.reg(0, TX_SG_ADDR_HI_REG_OFF, 0);
    d.reg(0, TX_SG_LEN_REG_OFF, 8);
    r.drain();
    int[] reply = RiffaRecvTest.chnlTesterReply(n, 2);
    assertArrayEquals(Arrays.copyOf(reply, 300), d.readWords(a, 300));
    assertArrayEquals(Arrays.copyOfRange(reply, 300, 700), d.readWords(b, 400));
    assertArrayEquals(Arrays.copyOf(sentinel, 4600), d.readWords(b + 1600, 4600), "past the 400 words: untouched");

    List<Tlp> writes = r.writes(0);
    assertTrue(writes.stream().noneMatch(RiffaDmaTest::crosses4K));
    assertTrue(writes.stream().allMatch(t -> t.requestByteLength() <= 128), "reset MPS is 128 bytes");
    assertEquals(4L * n, writes.stream().mapToLong(Tlp::requestByteLength).sum());
    assertEquals(List.of(a, a + 128), writes.stream().limit(2).map(Tlp::address).toList(),
        "128 bytes to the page boundary, then the next page");
  }

  @Test
  void aChainedListIsFetchedOnlyOnceTheSgFifoHasRoomForAFullList() {
    RecordingCore core = new RecordingCore();
    core.autoDrain = false;
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> core));
    MiniDriver d = r.d();
    // 600 elements of one page each, all pointing at the same page; two lists of 300.
    long page = d.alloc(4096);
    long list1 = d.alloc(300 * SG_ELEM_BYTES);
    long list2 = d.alloc(300 * SG_ELEM_BYTES);
    for (int i = 0; i < 300; i++) {
      d.writeElement(list1, i, page, 1024);
      d.writeElement(list2, i, page, 1024);
    }
    d.reg(0, RX_OFFLAST_REG_OFF, 1);
    d.reg(0, RX_LEN_REG_OFF, 600 * 1024);
    d.reg(0, RX_SG_ADDR_LO_REG_OFF, list1);
    d.reg(0, RX_SG_ADDR_HI_REG_OFF, 0);
    d.reg(0, RX_SG_LEN_REG_OFF, 300 * SG_ELEM_WORDS);
    r.drain();
    assertEquals(irqBit(0, IRQ_RX_SG_BUF_RECVD), d.reg(0, IRQ_REG0_OFF));
    // The core does not drain: the 1024-beat RX FIFO takes 4 pages (16 KiB at 128 bits); the reader
    // has popped a 5th element it cannot read yet, so 295 beats of list 1 wait in the SG FIFO.
    d.reg(0, RX_SG_ADDR_LO_REG_OFF, list2);
    d.reg(0, RX_SG_LEN_REG_OFF, 300 * SG_ELEM_WORDS);
    r.drain();
    assertTrue(r.reads(0).stream().noneMatch(t -> t.address() >= list2 && t.address() < list2 + 4800),
        "list 2 must wait for room");
    assertEquals(0, d.reg(0, IRQ_REG0_OFF));
    // Each page the core drains lets the reader pop one more element. After 71 pages 224 beats are
    // left, not below SG_FETCH_THRESHOLD_BEATS; after 72, 223 are and the fetch goes ahead.
    for (int i = 0; i < 72; i++) {
      assertTrue(r.reads(0).stream().noneMatch(t -> t.address() == list2), "not yet after " + i + " pages");
      for (int k = 0; k < 256; k++) {
        assertNotNull(core.port.rxRead());
      }
      r.drain();
    }
    assertTrue(r.reads(0).stream().anyMatch(t -> t.address() == list2), "list 2 fetched");
    assertEquals(irqBit(0, IRQ_RX_SG_BUF_RECVD), d.reg(0, IRQ_REG0_OFF));
  }

  @Test
  void requestSizesFollowTheProgrammedMrrsAndMpsAndTheEngineCap() {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 128).withMaxReadRequestBytes(4096)));
    RiffaRegisterTest.setDevCtl(r.ep(), 1, 5); // MPS 256, MRRS 4096
    int n = 4096;
    assertEquals(n, r.send(0, RiffaRig.counting(n), 25 * RiffaRig.MS));
    int[] got = new int[1];
    assertArrayEquals(RiffaRecvTest.chnlTesterReply(n, 4), r.recv(0, n, 25 * RiffaRig.MS, got));
    assertEquals(2048, r.reads(0).stream().mapToInt(Tlp::requestByteLength).max().orElseThrow(),
        "32 words << min(code, 4): 2048 bytes at most, even with MRRS 4096");
    assertEquals(256, r.writes(0).stream().mapToInt(Tlp::requestByteLength).max().orElseThrow());
    assertTrue(r.reads(0).stream().noneMatch(RiffaDmaTest::crosses4K));
    assertTrue(r.writes(0).stream().noneMatch(RiffaDmaTest::crosses4K));

    r.tlps.clear();
    RiffaRegisterTest.setDevCtl(r.ep(), 0, 0); // MPS 128, MRRS 128
    assertEquals(n, r.send(0, RiffaRig.counting(n), 25 * RiffaRig.MS));
    r.recv(0, n, 25 * RiffaRig.MS, got);
    assertEquals(128, r.reads(0).stream().mapToInt(Tlp::requestByteLength).max().orElseThrow());
    assertEquals(128, r.writes(0).stream().mapToInt(Tlp::requestByteLength).max().orElseThrow());
    assertEquals(4L * n, r.writes(0).stream().mapToLong(Tlp::requestByteLength).sum());
  }

  @Test
  void withBusMasteringOffTheDmaIsRefusedVisiblyAndTheCoreRecoversAfterReset() {
    RecordingCore core = new RecordingCore();
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.defaults(), c -> core));
    MiniDriver d = r.d();
    r.ep().config().write(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY);
    int msis = r.bm.msis().size();
    long buf = RiffaSendTest.writeCounting(d, 16);
    MiniDriver.SendOp op = d.startSend(0, buf, 16, 0, true, 5 * RiffaRig.MS);
    assertTrue(r.run(op));
    assertTrue(op.timedOut);
    assertEquals(0, op.words());
    assertTrue(r.reads(0).isEmpty(), "not a single MRd left the device");
    assertTrue(core.beats.isEmpty());
    assertEquals(msis, r.bm.msis().size(), "MSI is a memory write too");
    String all = String.join("\n", r.errors);
    assertTrue(all.contains("DMA read of 16 bytes at " + String.format("%#x", d.sendSgBuf[0])
        + " not issued: Bus Master Enable is clear"), all);
    assertTrue(all.contains("RiffaEndpoint: channel 0: RX SG list read of 16 bytes at "
        + String.format("%#x", d.sendSgBuf[0]) + " failed (BUS_MASTER_DISABLED); list abandoned"), all);
    assertTrue(all.contains("MSI not sent: Bus Master Enable is clear"), all);
    // The send ended early: SG read and done (0 words) are in the vector for a polling host.
    assertEquals(irqBit(0, IRQ_RX_SG_BUF_RECVD) | irqBit(0, IRQ_RX_TXN_DONE), d.reg(0, IRQ_REG0_OFF));
    assertEquals(0, d.reg(0, RX_TNFR_LEN_REG_OFF));

    r.ep().config().write(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER);
    d.reset();
    assertEquals(16, r.send(0, RiffaRig.counting(16), 25 * RiffaRig.MS));
    assertArrayEquals(RiffaRig.counting(16), core.words());
  }

  @Test
  void simulatedTimeGrowsWithTheBytesMovedAtTheLinkRate() {
    long t1 = timeToSend(1024);
    long t4 = timeToSend(4096);
    RiffaRig r = new RiffaRig(new RiffaEndpoint());
    long linkTime = r.ep().transferTimeNs(4 * 4096);
    assertTrue(t4 >= linkTime, "4096 words need at least the link time of 16 KiB: " + t4 + " < " + linkTime);
    assertTrue(t4 > 3 * t1, "time grows with size: " + t1 + " vs " + t4);
    assertTrue(t4 < 3 * linkTime, "and stays near the link rate: " + t4 + " vs " + linkTime);
  }

  private static long timeToSend(int n) {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.defaults(), c -> new SinkCore()));
    long buf = RiffaSendTest.writeCounting(r.d(), n);
    long start = r.m.clock().nowNs();
    MiniDriver.SendOp op = r.d().startSend(0, buf, n, 0, true, 25 * RiffaRig.MS);
    assertTrue(r.run(op));
    assertEquals(n, op.words());
    return r.m.clock().nowNs() - start;
  }

  @Test
  void theSameRunReplaysTheSameTlpsAtTheSameTimes() {
    assertEquals(trace(), trace());
  }

  private static List<String> trace() {
    RiffaRig r = new RiffaRig(Machine.createDefault(), new RiffaEndpoint(RiffaConfig.xilinx(2, 64)),
        new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> new EchoCore()));
    r.drivers.get(0).probe();
    r.drivers.get(1).probe();
    MiniDriver a = r.drivers.get(0);
    MiniDriver b = r.drivers.get(1);
    MiniDriver.SendOp s0 = a.startSend(0, RiffaSendTest.writeCounting(a, 777), 777, 0, true, 25 * RiffaRig.MS);
    MiniDriver.SendOp s1 = a.startSend(1, RiffaSendTest.writeCounting(a, 333), 333, 0, true, 25 * RiffaRig.MS);
    MiniDriver.SendOp s2 = b.startSend(0, RiffaSendTest.writeCounting(b, 500), 500, 0, true, 25 * RiffaRig.MS);
    assertTrue(r.run(s0, s1, s2));
    MiniDriver.RecvOp r0 = a.startRecv(0, a.alloc(4 * 777), 777, 25 * RiffaRig.MS);
    MiniDriver.RecvOp r1 = a.startRecv(1, a.alloc(4 * 333), 333, 25 * RiffaRig.MS);
    MiniDriver.RecvOp r2 = b.startRecv(0, b.alloc(4 * 500), 500, 25 * RiffaRig.MS);
    assertTrue(r.run(r0, r1, r2));
    assertTrue(r.tlps.size() > 100);
    return r.tlps.stream().map(s -> s.timeNs() + " " + s.link() + " " + s.dir() + " " + s.tlp()).toList();
  }
}
