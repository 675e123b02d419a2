package dev.driverlab.devices.riffa;

import static dev.driverlab.devices.riffa.RiffaRegisters.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.testing.BareMetal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sticky clear-on-read vectors and one MSI per batch (riffa.md §3). */
class RiffaInterruptTest {
  @Test
  void eventsOfABatchShareOneMsiAndTheVectorClearsOnRead() {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint()); // chnl_tester
    MiniDriver d = r.d();
    int before = r.bm.msis().size();
    d.rawSend(0, RiffaRig.counting(16), 0, true);
    r.drain();
    // SG read, send done and chnl_tester's new transmit: three events, the later two while the
    // controller waited for the host to read vector 0.
    assertEquals(before + 1, r.bm.msis().size());
    BareMetal.Msi msi = r.bm.msis().get(before);
    assertEquals(0x40, msi.data());
    assertEquals(0xfee00000L, msi.address());
    assertEquals(r.ep().id(), msi.requester());
    int v = d.reg(0, IRQ_REG0_OFF);
    assertEquals(irqBit(0, IRQ_RX_SG_BUF_RECVD) | irqBit(0, IRQ_RX_TXN_DONE) | irqBit(0, IRQ_TX_TXN), v);
    assertEquals(0x19, v);
    assertEquals(0, d.reg(0, IRQ_REG0_OFF), "the bits returned were cleared");
    r.drain();
    assertEquals(before + 1, r.bm.msis().size(), "nothing new: no MSI");

    // Next batch: acknowledge the transmit and give it a list.
    assertEquals(16, d.reg(0, RX_TNFR_LEN_REG_OFF));
    assertEquals(16, d.reg(0, TX_LEN_REG_OFF));
    d.rawRecvList(0, 16);
    r.drain();
    assertEquals(before + 2, r.bm.msis().size());
    assertEquals(irqBit(0, IRQ_TX_SG_BUF_RECVD) | irqBit(0, IRQ_TX_TXN_DONE), d.reg(0, IRQ_REG0_OFF));
  }

  @Test
  void eventsWhileTheHostHasNotReadTheVectorWaitForTheNextBatch() {
    RecordingCore core = new RecordingCore();
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.defaults(), c -> core));
    MiniDriver d = r.d();
    int before = r.bm.msis().size();
    core.port.txStart(4, 0, true); // TX_TXN
    core.port.txEnd(); // closed without data
    r.drain();
    assertEquals(before + 1, r.bm.msis().size());
    d.rawSend(0, RiffaRig.counting(4), 0, true); // two more events before the host reads
    r.drain();
    assertEquals(before + 1, r.bm.msis().size(), "still the first batch");
    assertEquals(0, d.reg(0, IRQ_REG1_OFF), "with six channels or fewer, vector 1 is not the re-arming read");
    r.drain();
    assertEquals(before + 1, r.bm.msis().size());
    assertEquals(0x19, d.reg(0, IRQ_REG0_OFF), "all three events in the one read");
    r.drain();
    assertEquals(before + 1, r.bm.msis().size(), "vector empty: the controller stays idle");

    assertEquals(4, d.reg(0, TX_LEN_REG_OFF)); // ack
    d.rawRecvList(0, 4);
    r.drain();
    assertEquals(before + 2, r.bm.msis().size(), "new events after the read: a new batch");
    assertEquals(irqBit(0, IRQ_TX_SG_BUF_RECVD) | irqBit(0, IRQ_TX_TXN_DONE), d.reg(0, IRQ_REG0_OFF));
    assertEquals(0, d.reg(0, TX_TNFR_LEN_REG_OFF), "closed before any data");
  }

  @Test
  void withMoreThanSixChannelsBothVectorsMustBeRead() {
    RecordingCore c0 = new RecordingCore();
    RecordingCore c7 = new RecordingCore();
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(8, 64),
        c -> c == 0 ? c0 : c == 7 ? c7 : new SinkCore()));
    MiniDriver d = r.d();
    int before = r.bm.msis().size();
    c7.port.txStart(2, 0, true);
    r.drain();
    assertEquals(before + 1, r.bm.msis().size());
    assertEquals(0, d.reg(0, IRQ_REG0_OFF));
    c0.port.txStart(2, 0, true);
    r.drain();
    assertEquals(before + 1, r.bm.msis().size(), "vector 1 not read yet: no new MSI");
    assertEquals(irqBit(7, IRQ_TX_TXN), d.reg(0, IRQ_REG1_OFF));
    assertEquals(1 << 5, irqBit(7, IRQ_TX_TXN), "channel 7 is the second channel of vector 1");
    r.drain();
    assertEquals(before + 2, r.bm.msis().size(), "re-armed, and channel 0's bit is waiting");
    assertEquals(irqBit(0, IRQ_TX_TXN), d.reg(0, IRQ_REG0_OFF));
  }

  @Test
  void aFullSendAndReceiveRaisesEachEventOnceAndEveryMsiHasBits() {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint());
    MiniDriver d = r.d();
    assertEquals(300, r.send(0, RiffaRig.counting(300), 25 * RiffaRig.MS));
    int[] n = new int[1];
    r.recv(0, 300, 25 * RiffaRig.MS, n);
    assertEquals(300, n[0]);
    assertEquals(r.bm.msis().size(), d.isrRuns, "one ISR run per MSI");
    assertTrue(d.vectorsRead.stream().allMatch(v -> v != 0), "no spurious MSI: " + d.vectorsRead);
    int all = d.vectorsRead.stream().reduce(0, (a, b) -> {
      assertEquals(0, a & b, "an event was reported twice");
      return a | b;
    });
    assertEquals(0x1f, all, "TX_TXN, TX_SG_BUF_RECVD, TX_TXN_DONE, RX_SG_BUF_RECVD, RX_TXN_DONE");
    assertTrue(d.vectorsRead.size() < 5, "batched into fewer MSIs than events: " + d.vectorsRead);
  }

  @Test
  void withMsiDisabledNothingIsSentButTheVectorStillFills() {
    RiffaRig r = new RiffaRig(new RiffaEndpoint());
    MiniDriver d = r.d();
    d.probe();
    int cap = r.ep().config().findCapability(Capabilities.ID_MSI);
    r.ep().config().write(cap + Capabilities.MSI_FLAGS, 2, 0); // MSI Enable off again
    int before = r.bm.msis().size();
    d.rawSend(0, RiffaRig.counting(4), 0, true);
    r.drain();
    assertEquals(before, r.bm.msis().size());
    assertEquals(0x19, d.reg(0, IRQ_REG0_OFF), "a polling driver still sees the events");
    assertEquals(List.of(), r.errors);
  }
}
