package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.RiffaRig.MS;
import static dev.driverlab.drivers.riffa.RiffaRig.chnlTesterReply;
import static dev.driverlab.drivers.riffa.RiffaRig.counting;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.devices.riffa.SinkCore;
import dev.driverlab.kernel.sched.SimThread;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** IOCTL_RESET (riffa.md §4.7, §2.3): read INFO to reset the core, drain, wake, clear busy bits. */
class RiffaResetTest {

  @Test
  void resetInTheMiddleOfASendEndsItAtItsTimeoutAndTheFpgaWorksAfterwards() {
    int n = 1 << 20;
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint())) {
      long src = r.alloc(4L * n);
      long dst = r.alloc(4L * n);
      r.putWords(src, counting(n));
      long[] sent = new long[1];
      long[] doneAt = new long[1];
      SimThread t = r.p.startThread("send", () -> {
        sent[0] = r.sendAt(4, 0, 0, src, n, 0, 1, 40);
        doneAt[0] = r.m.clock().nowNs();
      });
      r.k.runFor(MS / 2); // the send is a third of the way through
      long resetAt = r.m.clock().nowNs();
      assertEquals(0, r.p.ioctl(r.fd, RiffaUapi.IOCTL_RESET, 0));
      r.p.join(t);
      assertNull(t.failure());

      assertTrue(sent[0] < n, "the reset cut the send short: " + sent[0]);
      assertEquals(0, sent[0] % 1024, "words are counted per fetched SG list of whole pages: " + sent[0]);
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:0, send timed out"));
      long waited = doneAt[0] - resetAt;
      assertTrue(waited >= 36 * MS && waited <= 40 * MS,
          "woken by the reset, it found no message and slept on until its 40 ms ran out: " + waited);
      assertEquals(0, r.k.mem().pins().size(), "its SG mappings were released on the timeout");

      int m = 4096;
      assertEquals(m, r.send(0, 0, src, m, 0, 1, 100));
      assertEquals(m, r.recv(0, 0, dst, m, 100));
      assertArrayEquals(chnlTesterReply(m, 4), r.getWords(dst, m));
      r.assertNoBugs();
    }
  }

  @Test
  void resetReadsInfoOnceAndClearsTheBusyBits() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(2, 64), c -> new SinkCore()))) {
      AtomicInteger infoReads = new AtomicInteger();
      long bar0 = r.k.pci().devices().stream().filter(d -> d.vendor == RiffaDriver.VENDOR_ID0).findFirst()
          .orElseThrow().resource[0].start;
      String cardLink = r.m.slots().get(0).link().name(); // each TLP is seen on every link it crosses
      r.m.fabric().addObserver((time, dir, link, tlp) -> {
        if (link.equals(cardLink) && tlp.type() == TlpType.MRD && tlp.address() == bar0 + 4L * RiffaRegs.INFO_REG_OFF) {
          infoReads.incrementAndGet();
        }
      });
      long buf = r.alloc(4096);
      long[] got = new long[1];
      SimThread t = r.p.startThread("recv", () -> got[0] = r.recvAt(4, 0, 1, buf, 16, 30));
      r.k.runFor(MS);
      assertTrue(r.drv.fpgas[0].recv[1].busy());
      assertEquals(0, r.p.ioctl(r.fd, RiffaUapi.IOCTL_RESET, 0));
      assertEquals(1, infoReads.get(), "one INFO read: the core reset");
      assertTrue(!r.drv.fpgas[0].recv[1].busy(), "busy bit cleared under the sleeping receiver");
      assertEquals(0, r.recv(0, 1, buf, 16, 4), "a second receiver now waits (and times out) instead of -EBUSY");
      r.p.join(t);
      assertEquals(0, got[0]);
      r.assertNoBugs();
    }
  }

  @Test
  void resetOfAnIdWithoutAnFpgaDoesNothing() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint())) {
      for (long id : new long[] {1, 4, 5, -1, 1L << 33}) {
        assertEquals(0, r.p.ioctl(r.fd, RiffaUapi.IOCTL_RESET, id), "reset " + id);
      }
      long buf = r.alloc(4096);
      r.putWords(buf, counting(8));
      assertEquals(8, r.send(0, 0, buf, 8, 0, 1, 100));
      r.assertNoBugs();
    }
  }
}
