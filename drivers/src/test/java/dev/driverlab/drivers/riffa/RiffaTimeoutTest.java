package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.RiffaRig.MS;
import static dev.driverlab.drivers.riffa.RiffaRig.asInt;
import static dev.driverlab.drivers.riffa.RiffaRig.counting;
import static dev.driverlab.kernel.uapi.Errno.ERESTARTSYS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.devices.riffa.SinkCore;
import dev.driverlab.kernel.sched.SimThread;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The inactivity timeout (riffa.md §4.2), signals, and what a transfer returns when it gives up. */
class RiffaTimeoutTest {

  private static RiffaEndpoint sinkFpga() {
    return new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> new SinkCore());
  }

  @Test
  void aCoreThatNeverAnswersEndsInTheTimeoutAndTheChannelStaysUsable() {
    try (RiffaRig r = new RiffaRig(sinkFpga())) {
      long buf = r.alloc(4096);
      long t0 = r.m.clock().nowNs();
      assertEquals(0, r.recv(0, 0, buf, 1024, 100), "no word came");
      long waited = r.m.clock().nowNs() - t0;
      assertTrue(waited >= 100 * MS && waited < 104 * MS, "100 ms = 25 jiffies, waited " + waited + " ns");
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:0, recv timed out"));

      r.putWords(buf, counting(1000));
      assertEquals(1000, r.send(0, 0, buf, 1000, 0, 1, 100), "a send on the same channel works");
      assertEquals(0, r.recv(0, 0, buf, 1024, 8), "and a second receive times out again, not -EBUSY");
      assertEquals(0, r.k.mem().pins().size());
      r.assertNoBugs();
    }
  }

  @Test
  void timeoutsUnderOneJiffyExpireAtTheFirstWait() {
    try (RiffaRig r = new RiffaRig(sinkFpga())) {
      long buf = r.alloc(4096);
      long t0 = r.m.clock().nowNs();
      assertEquals(0, r.recv(0, 0, buf, 16, 3), "3 ms * 250 / 1000 = 0 jiffies");
      assertEquals(t0, r.m.clock().nowNs());
      assertEquals(0, r.recv(0, 0, buf, 16, 4), "4 ms = 1 jiffy");
      assertEquals(4 * MS, r.m.clock().nowNs() - t0);
    }
  }

  @Test
  void theJiffiesConversionDividesAndClamps() {
    assertEquals(Long.MAX_VALUE, ChannelTransfer.toJiffies(0), "0 = MAX_SCHEDULE_TIMEOUT");
    assertEquals(0, ChannelTransfer.toJiffies(3));
    assertEquals(1, ChannelTransfer.toJiffies(7));
    assertEquals(6250, ChannelTransfer.toJiffies(25000));
    assertEquals(Long.MAX_VALUE, ChannelTransfer.toJiffies(-1L), "unsigned 2^64-1 ms clamps to LONG_MAX");
  }

  @Test
  void aCoreThatStopsHalfwayReturnsTheWordsOfTheListsTheFpgaFetched() {
    int n = 1 << 20; // 1024 pages: two SG lists of at most 800 pages on a 128-bit core
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(1, 128),
        c -> new ScriptedCore(List.of(new ScriptedCore.Step(n, 0, true, 900 * 1024)))))) {
      long src = r.alloc(4096);
      long dst = r.alloc(4L * n);
      r.putWords(src, counting(16));
      assertEquals(16, r.send(0, 0, src, 16, 0, 1, 100));
      // The FPGA fetched list 1 (800 pages), then list 2; at list 2's SG_BUF_READ the driver counted
      // list 1 as received. The core then stalls at 900 pages: nothing more is counted.
      assertEquals(800 * 1024, asInt(r.recv(0, 0, dst, n, 50)));
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:0, recv timed out"));
      int[] got = r.getWords(dst + 4L * (900 * 1024 - 2), 4);
      assertEquals(900 * 1024 - 1, got[0], "the words that came are in place");
      assertEquals(900 * 1024, got[1]);
      assertEquals(0, got[2], "the rest never came");
      assertEquals(0, r.k.mem().pins().size());
      assertEquals(16, r.send(0, 0, src, 16, 0, 1, 100), "the next call works");
      r.assertNoBugs();
    }
  }

  @Test
  void theTimeoutBoundsTheGapBetweenEventsNotTheWholeCall() {
    int n = 1 << 20;
    // Gen1 x1: 4 MiB takes tens of milliseconds; events (SG list fetched, done) come more often.
    Machine slow = Machine.builder().link(1, 1).build();
    try (RiffaRig r = new RiffaRig(slow, null, new RiffaEndpoint())) {
      long src = r.alloc(4L * n);
      long dst = r.alloc(4L * n);
      r.putWords(src, counting(n));
      long t0 = r.m.clock().nowNs();
      assertEquals(n, asInt(r.send(0, 0, src, n, 0, 1, 16)));
      long took = r.m.clock().nowNs() - t0;
      assertTrue(took > 16 * MS, "the send took " + took + " ns, longer than its 16 ms timeout");
      assertEquals(n, asInt(r.recv(0, 0, dst, n, 16)));
      assertEquals(RiffaRig.chnlTesterReply(n, 4)[n - 1], r.getWords(dst + 4L * (n - 1), 1)[0]);
      r.assertNoBugs();
    }
  }

  @Test
  void aSignalEndsTheWaitWithErestartsysThroughTheUnsignedReturn() {
    try (RiffaRig r = new RiffaRig(sinkFpga())) {
      long buf = r.alloc(4096);
      long[] result = new long[1];
      SimThread t = r.p.startThread("recv", () -> result[0] = r.recv(0, 0, buf, 16, 0));
      r.k.runFor(10 * MS);
      r.p.kill();
      r.p.join(t);
      assertNull(t.failure());
      assertEquals(0xFFFFFE00L, result[0], "(unsigned) -ERESTARTSYS: the syscall itself succeeds");
      assertEquals(-ERESTARTSYS, asInt(result[0]), "and the C library's int reads -512");
      r.p.clearSignal();
      assertEquals(0, r.k.mem().pins().size());
      r.putWords(buf, counting(16));
      assertEquals(16, r.send(0, 0, buf, 16, 0, 1, 100), "the channel works afterwards");
      r.assertNoBugs();
    }
  }
}
