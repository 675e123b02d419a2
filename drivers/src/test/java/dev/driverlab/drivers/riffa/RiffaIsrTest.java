package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.CircQueue.EVENT_SG_BUF_READ;
import static dev.driverlab.drivers.riffa.CircQueue.EVENT_TXN_DONE;
import static dev.driverlab.drivers.riffa.CircQueue.EVENT_TXN_LEN;
import static dev.driverlab.drivers.riffa.CircQueue.EVENT_TXN_OFFLAST;
import static dev.driverlab.drivers.riffa.FakeRiffaCard.GOOD_INFO;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The interrupt handler's decode and bit order (riffa.md §3.3), driven by a fake card's vectors. */
class RiffaIsrTest {

  private static List<int[]> drain(CircQueue q) {
    List<int[]> out = new ArrayList<>();
    int[] m = new int[2];
    while (q.pop(m) == 0) {
      out.add(m.clone());
    }
    return out;
  }

  private static RiffaRig rig(FakeRiffaCard fake) {
    return new RiffaRig(Machine.createDefault(), null, fake);
  }

  @Test
  void bitsAreHandledInTheOrderOneTwoZeroThreeFour() {
    FakeRiffaCard fake = FakeRiffaCard.withInfo(GOOD_INFO);
    try (RiffaRig r = rig(fake)) {
      fake.regValue = 77; // every length / offlast register reads 77
      fake.fire(0x1F, 0); // all five events of channel 0
      r.k.runFor(RiffaRig.MS);
      FpgaState sc = r.drv.fpgas[0];
      List<int[]> recv = drain(sc.recv[0].msgs);
      List<int[]> send = drain(sc.send[0].msgs);
      assertEquals(4, recv.size());
      assertArrayEquals(new int[] {EVENT_SG_BUF_READ, 0}, recv.get(0), "+1 first");
      assertArrayEquals(new int[] {EVENT_TXN_DONE, 77}, recv.get(1), "+2: TX_TNFR_LEN");
      assertArrayEquals(new int[] {EVENT_TXN_OFFLAST, 77}, recv.get(2), "+0: offlast, then");
      assertArrayEquals(new int[] {EVENT_TXN_LEN, 77}, recv.get(3), "the length");
      assertEquals(2, send.size());
      assertArrayEquals(new int[] {EVENT_SG_BUF_READ, 0}, send.get(0), "+3");
      assertArrayEquals(new int[] {EVENT_TXN_DONE, 77}, send.get(1), "+4: RX_TNFR_LEN");
      r.assertNoBugs();
    }
  }

  @Test
  void aFullQueueDropsTheMessageWithAnError() {
    FakeRiffaCard fake = FakeRiffaCard.withInfo(GOOD_INFO);
    try (RiffaRig r = rig(fake)) {
      fake.fire(0x1F, 0);
      r.k.runFor(RiffaRig.MS);
      fake.fire(0x1F, 0); // nobody consumed the first batch: recv holds 4 (full), send 2 of 3
      r.k.runFor(RiffaRig.MS);
      for (String what : new String[] {"recv sg buf read", "recv txn done", "recv txn offlast", "recv txn len",
          "send txn done"}) {
        assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:0, " + what + " msg queue full"), what);
      }
      assertTrue(!r.k.dmesg().contains("send sg buf read msg queue full"), "the send queue had one slot left");
      assertEquals(4, r.drv.fpgas[0].recv[0].msgs.size());
      assertEquals(3, r.drv.fpgas[0].send[0].msgs.size());
    }
  }

  @Test
  void aVectorWithBit30Or31IsIgnoredWhole() {
    FakeRiffaCard fake = FakeRiffaCard.withInfo(GOOD_INFO);
    try (RiffaRig r = rig(fake)) {
      fake.fire(0x4000_001F, 0);
      r.k.runFor(RiffaRig.MS);
      assertTrue(r.k.dmesg().contains("riffa: fpga:0, received bad interrupt vector:4000001f"));
      assertEquals(0, r.drv.fpgas[0].recv[0].msgs.size());
      assertEquals(0, r.drv.fpgas[0].send[0].msgs.size());
    }
  }

  @Test
  void vectorOneCarriesChannelsSixToElevenAndIsReadOnlyWithMoreThanSix() {
    FakeRiffaCard twelve = FakeRiffaCard.withInfo((GOOD_INFO & ~0xF) | 12);
    try (RiffaRig r = rig(twelve)) {
      // channel 7 = vector 1, slot 1: bits 5..9; channel 2 = vector 0, slot 2: bits 10..14
      twelve.fire(1 << (5 * 2 + 3), 1 << (5 + 1));
      r.k.runFor(RiffaRig.MS);
      FpgaState sc = r.drv.fpgas[0];
      assertEquals(1, sc.send[2].msgs.size(), "channel 2's RX_SG_BUF_RECVD");
      assertEquals(1, sc.recv[7].msgs.size(), "channel 7's TX_SG_BUF_RECVD");
      assertEquals(0, twelve.vector1, "vector 1 was read");
    }
    FakeRiffaCard six = FakeRiffaCard.withInfo((GOOD_INFO & ~0xF) | 6);
    try (RiffaRig r = rig(six)) {
      six.fire(0, 0x3FF);
      r.k.runFor(RiffaRig.MS);
      assertEquals(0x3FF, six.vector1, "a six-channel core's vector 1 is never read");
    }
  }

  @Test
  void interruptsAreIgnoredWhileIntrDisabledIsSet() {
    FakeRiffaCard fake = FakeRiffaCard.withInfo(GOOD_INFO);
    try (RiffaRig r = rig(fake)) {
      dev.driverlab.kernel.sched.Locks.atomic_set(r.drv.fpgas[0].intr_disabled, 1);
      fake.fire(0x1F, 0);
      r.k.runFor(RiffaRig.MS);
      assertEquals(0x1F, fake.vector0, "the handler left the vector alone");
      assertEquals(0, r.drv.fpgas[0].recv[0].msgs.size());
    }
  }
}
