package dev.driverlab.devices.riffa;

import static dev.driverlab.devices.riffa.RiffaRegisters.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.testing.BareMetal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Channels in flight together, a core that never answers, five FPGAs in one machine. */
class RiffaMultiTest {
  @Test
  void twoChannelsTransferAtTheSameTimeAndShareTheLink() {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(2, 128),
        c -> c == 0 ? new EchoCore() : new AddConstantCore(1_000_000)));
    MiniDriver d = r.d();
    int n0 = 3000;
    int n1 = 2000;
    long b0 = RiffaSendTest.writeCounting(d, n0);
    long b1 = RiffaSendTest.writeCounting(d, n1);
    MiniDriver.SendOp s0 = d.startSend(0, b0, n0, 0, true, 25 * RiffaRig.MS);
    MiniDriver.SendOp s1 = d.startSend(1, b1, n1, 0, true, 25 * RiffaRig.MS);
    assertTrue(r.run(s0, s1));
    assertEquals(n0, s0.words());
    assertEquals(n1, s1.words());
    // Both channels' reads interleave on the link: channel 1 started before channel 0 finished.
    List<Tlp> reads = r.reads(0);
    int lastOf0 = lastIndex(reads, b0, 4L * n0);
    int firstOf1 = firstIndex(reads, b1, 4L * n1);
    assertTrue(firstOf1 < lastOf0, "interleaved: " + firstOf1 + " < " + lastOf0);

    long o0 = d.alloc(4L * n0);
    long o1 = d.alloc(4L * n1);
    MiniDriver.RecvOp r0 = d.startRecv(0, o0, n0, 25 * RiffaRig.MS);
    MiniDriver.RecvOp r1 = d.startRecv(1, o1, n1, 25 * RiffaRig.MS);
    assertTrue(r.run(r1, r0));
    assertEquals(n0, r0.words());
    assertEquals(n1, r1.words());
    assertArrayEquals(RiffaRig.counting(n0), d.readWords(o0, n0));
    assertArrayEquals(IntStream.rangeClosed(1_000_001, 1_000_000 + n1).toArray(), d.readWords(o1, n1));
    List<Tlp> writes = r.writes(0);
    assertTrue(firstIndex(writes, o1, 4L * n1) < lastIndex(writes, o0, 4L * n0), "writes interleave too");
  }

  private static int firstIndex(List<Tlp> tlps, long base, long len) {
    return IntStream.range(0, tlps.size()).filter(i -> inside(tlps.get(i), base, len)).findFirst().orElseThrow();
  }

  private static int lastIndex(List<Tlp> tlps, long base, long len) {
    return IntStream.range(0, tlps.size()).filter(i -> inside(tlps.get(i), base, len)).max().orElseThrow();
  }

  private static boolean inside(Tlp t, long base, long len) {
    return t.address() >= base && t.address() < base + len;
  }

  @Test
  void sendAndReceiveOnOneChannelMayOverlap() {
    // fpga_recv waiting before fpga_send starts, as a two-thread program does it.
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 64)));
    MiniDriver d = r.d();
    int n = 1500;
    long out = d.alloc(4L * n);
    MiniDriver.RecvOp rc = d.startRecv(0, out, n, 25 * RiffaRig.MS);
    MiniDriver.SendOp sd = d.startSend(0, RiffaSendTest.writeCounting(d, n), n, 0, true, 25 * RiffaRig.MS);
    assertTrue(r.run(rc, sd));
    assertEquals(n, sd.words());
    assertEquals(n, rc.words());
    assertArrayEquals(RiffaRecvTest.chnlTesterReply(n, 2), d.readWords(out, n));
  }

  @Test
  void aCoreThatNeverAnswersLeavesTheReceiveToItsTimeout() {
    SinkCore sink = new SinkCore();
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.defaults(), c -> sink));
    MiniDriver d = r.d();
    assertEquals(100, r.send(0, RiffaRig.counting(100), 25 * RiffaRig.MS));
    assertEquals(100, sink.wordsSwallowed());
    int msis = r.bm.msis().size();
    long start = r.m.clock().nowNs();
    MiniDriver.RecvOp op = d.startRecv(0, d.alloc(400), 100, 25 * RiffaRig.MS);
    assertTrue(r.run(op));
    assertTrue(op.timedOut);
    assertEquals(0, op.words());
    assertEquals(start + 25 * RiffaRig.MS, r.m.clock().nowNs(), "the whole inactivity timeout passed");
    assertTrue(op.seen.isEmpty(), "no TX event at all");
    assertEquals(msis, r.bm.msis().size(), "no completion interrupt");
    int txBits = irqBit(0, IRQ_TX_TXN) | irqBit(0, IRQ_TX_SG_BUF_RECVD) | irqBit(0, IRQ_TX_TXN_DONE);
    assertTrue(d.vectorsRead.stream().allMatch(v -> (v & txBits) == 0), d.vectorsRead.toString());
    assertFalse(r.m.clock().hasPending(), "the device is idle, not busy-looping");
  }

  @Test
  void fiveFpgasInOneMachineWorkIndependently() {
    RiffaEndpoint[] devs = {
        new RiffaEndpoint(RiffaConfig.xilinx(1, 128)),
        new RiffaEndpoint(RiffaConfig.xilinx(2, 64)),
        new RiffaEndpoint(RiffaConfig.altera(3, 128)),
        new RiffaEndpoint(RiffaConfig.altera(7, 64)),
        new RiffaEndpoint(RiffaConfig.xilinx(12, 128), c -> new AddConstantCore(c)),
    };
    RiffaRig r = new RiffaRig(Machine.createDefault(), devs);
    Set<Integer> buses = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      MiniDriver d = r.drivers.get(i).probe();
      assertEquals(devs[i].config().channels(), d.numChnls);
      assertEquals(devs[i].config().vendorId(), r.eps.get(i).config().read16(ConfigSpace.VENDOR_ID));
      buses.add(r.eps.get(i).id().bus());
    }
    assertEquals(5, buses.size(), "four switch slots and one direct slot, each its own bus");

    List<MiniDriver.Op> ops = new ArrayList<>();
    List<long[]> outs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      MiniDriver d = r.drivers.get(i);
      int chnl = d.numChnls - 1; // the last channel of each
      int n = 100 + 37 * i;
      ops.add(d.startSend(chnl, RiffaSendTest.writeCounting(d, n), n, 0, true, 25 * RiffaRig.MS));
      long out = d.alloc(4L * n);
      ops.add(d.startRecv(chnl, out, n, 25 * RiffaRig.MS));
      outs.add(new long[] {out, n, chnl});
    }
    assertTrue(r.run(ops.toArray(MiniDriver.Op[]::new)));
    for (int i = 0; i < 5; i++) {
      MiniDriver d = r.drivers.get(i);
      int n = (int) outs.get(i)[1];
      int chnl = (int) outs.get(i)[2];
      assertEquals(n, ops.get(2 * i).words(), "fpga " + i + " sent");
      assertEquals(n, ops.get(2 * i + 1).words(), "fpga " + i + " received");
      int[] expected = i == 4 ? IntStream.rangeClosed(1 + chnl, n + chnl).toArray()
          : RiffaRecvTest.chnlTesterReply(n, devs[i].config().wordsPerBeat());
      assertArrayEquals(expected, d.readWords(outs.get(i)[0], n), "fpga " + i);
    }
    for (BareMetal.Msi msi : r.bm.msis()) {
      int i = msi.data() - 0x40;
      assertEquals(r.eps.get(i).id(), msi.requester(), "each FPGA signals with its own MSI data");
    }
    assertEquals(List.of(), r.errors);
  }
}
