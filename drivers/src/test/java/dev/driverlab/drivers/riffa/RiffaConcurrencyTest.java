package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.RiffaRig.MS;
import static dev.driverlab.drivers.riffa.RiffaRig.asInt;
import static dev.driverlab.drivers.riffa.RiffaRig.chnlTesterReply;
import static dev.driverlab.drivers.riffa.RiffaRig.counting;
import static dev.driverlab.kernel.uapi.Errno.EBUSY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.riffa.ChnlTester;
import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.devices.riffa.SinkCore;
import dev.driverlab.kernel.sched.SimThread;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Threads of one process on several channels and FPGAs at once, and the busy bit (riffa.md §4.1). */
class RiffaConcurrencyTest {

  @Test
  void twoThreadsOnOneChannelAndDirectionGetEbusyWhileTheOtherDirectionWorks() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> new SinkCore()))) {
      int n = 1 << 20;
      long big = r.alloc(4L * n);
      long small = r.alloc(4096);
      r.putWords(small, counting(64));
      long[] got = new long[2];
      SimThread recv = r.p.startThread("recv", () -> got[0] = r.recvAt(2, 0, 0, small, 64, 20));
      SimThread send = r.p.startThread("send", () -> got[1] = r.sendAt(3, 0, 0, big, n, 0, 1, 100));
      r.k.runFor(100_000); // both threads are now waiting in the driver

      long ebusy = Integer.toUnsignedLong(-EBUSY);
      assertEquals(ebusy, r.recv(0, 0, small, 64, 20), "second receiver on channel 0");
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:0, recv conflict between threads!"));
      assertEquals(ebusy, r.send(0, 0, small, 64, 0, 1, 20), "second sender on channel 0");
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:0, send conflict between threads!"));
      assertEquals(-EBUSY, asInt(ebusy));

      r.p.join(recv);
      r.p.join(send);
      assertNull(recv.failure());
      assertNull(send.failure());
      assertEquals(0, got[0], "the receiver timed out: the sink never answers");
      assertEquals(n, got[1], "the sender was not disturbed");
      assertEquals(64, r.send(0, 0, small, 64, 0, 1, 20), "the busy bits are clear again");
      r.assertNoBugs();
    }
  }

  /** One receiver thread and one sender thread per channel, on every channel of two FPGAs. */
  @Test
  void channelsAndFpgasRunConcurrentlyFromUserThreads() {
    RiffaConfig wide = RiffaConfig.xilinx(3, 128);
    RiffaConfig narrow = RiffaConfig.altera(3, 64);
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint(wide), new RiffaEndpoint(narrow))) {
      record Job(int fpga, int chnl, int n, int beat, long src, long dst, long[] result) {}
      List<Job> jobs = new ArrayList<>();
      List<SimThread> threads = new ArrayList<>();
      int slot = 0;
      for (int fpga = 0; fpga < 2; fpga++) {
        for (int chnl = 0; chnl < 3; chnl++) {
          int n = 3000 * (1 + 3 * fpga + chnl) + 7;
          Job j = new Job(fpga, chnl, n, fpga == 0 ? 4 : 2, r.alloc(4L * n), r.alloc(4L * n), new long[2]);
          r.putWords(j.src(), counting(n));
          jobs.add(j);
          int rs = slot++;
          int ss = slot++;
          // The receiver waits first; chnl_recv does not drain, so an early TX_TXN is not lost either way.
          threads.add(r.p.startThread("recv" + fpga + "." + chnl,
              () -> j.result()[1] = r.recvAt(rs, j.fpga(), j.chnl(), j.dst(), j.n(), 1000)));
          threads.add(r.p.startThread("send" + fpga + "." + chnl,
              () -> j.result()[0] = r.sendAt(ss, j.fpga(), j.chnl(), j.src(), j.n(), 0, 1, 1000)));
        }
      }
      for (SimThread t : threads) {
        r.p.join(t);
        assertNull(t.failure(), () -> t + " failed: " + t.failure());
      }
      for (Job j : jobs) {
        String what = "FPGA " + j.fpga() + " channel " + j.chnl();
        assertEquals(j.n(), j.result()[0], what + " words sent");
        assertEquals(j.n(), j.result()[1], what + " words recv");
        assertArrayEquals(chnlTesterReply(j.n(), j.beat()), r.getWords(j.dst(), j.n()), what);
      }
      assertEquals(0, r.k.mem().pins().size());
      r.assertNoBugs();
    }
  }

  @Test
  void channelsSixToElevenInterruptThroughVectorOne() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(12, 128)))) {
      for (int chnl : new int[] {0, 5, 6, 11}) {
        int n = 100 + chnl;
        long src = r.alloc(4L * n);
        long dst = r.alloc(4L * n);
        r.putWords(src, counting(n));
        assertEquals(n, r.send(0, chnl, src, n, 0, 1, 100), "send on channel " + chnl);
        assertEquals(n, r.recv(0, chnl, dst, n, 100), "recv on channel " + chnl);
        assertArrayEquals(chnlTesterReply(n, 4), r.getWords(dst, n));
      }
      assertTrue(r.k.dmesg().contains("riffa: number of channels: 12"));
      r.assertNoBugs();
    }
  }

  /**
   * With the IOMMU a page the driver has unmapped is gone for the device. The C driver unmaps list 1
   * when list 2 is fetched, while list 1's last elements still wait in the FPGA's SG FIFO: that send
   * stopped at 590848 of 1048576 words. This port releases a list one SG_BUF_READ later.
   */
  @Test
  void withTheIommuOnEveryPageIsMappedForTheFpgaAlone() {
    dev.driverlab.devices.Machine m = dev.driverlab.devices.Machine.builder().iommu(true).build();
    try (RiffaRig r = new RiffaRig(m, null, new RiffaEndpoint(new RiffaConfig(1, 128, 0x10EE, 0x7028, 2, 8, 512,
        "REGT", 0), c -> new ChnlTester()))) {
      int n = 1 << 20; // two SG lists: the second is fetched while the first still has elements queued
      long src = r.alloc(4L * n);
      long dst = r.alloc(4L * n);
      r.putWords(src, counting(n));
      assertEquals(n, r.send(0, 0, src, n, 0, 1, 100));
      assertEquals(n, r.recv(0, 0, dst, n, 100));
      assertArrayEquals(chnlTesterReply(n, 4), r.getWords(dst, n));
      assertTrue(r.k.dmesg().contains("DMAR: IOMMU enabled"));
      assertTrue(r.k.dmesg().lines().stream().noneMatch(l -> l.text().contains("fault")), r.k.dmesg().text());
      assertEquals(0, r.k.dma().liveEntries().stream().filter(e -> !"coherent".equals(e.type)).count(),
          "every streaming mapping was unmapped");
      r.assertNoBugs();
    }
  }

  @Test
  void sendAndReceiveOnOneChannelMayOverlap() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint())) {
      int n = 500_000;
      long src = r.alloc(4L * n);
      long dst = r.alloc(4L * n);
      r.putWords(src, counting(n));
      long[] got = new long[1];
      SimThread recv = r.p.startThread("recv", () -> got[0] = r.recvAt(5, 0, 0, dst, n, 100));
      r.k.runFor(MS / 10);
      assertEquals(n, r.send(0, 0, src, n, 0, 1, 100));
      r.p.join(recv);
      assertEquals(n, got[0]);
      assertArrayEquals(chnlTesterReply(n, 4), r.getWords(dst, n));
      r.assertNoBugs();
    }
  }
}
