package dev.driverlab.devices.edu;

import static dev.driverlab.devices.edu.EduDevice.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.Firmware;
import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.testing.BareMetal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** irq status / raise / ack, INTx versus MSI, and the factorial interrupt (edu-and-linux-api.md §A.5, §A.6). */
class EduInterruptTest {
  private static final int MSI_CAP = 0x40;

  private static void disableMsi(EduRig r) {
    int flags = (int) r.config(MSI_CAP + Capabilities.MSI_FLAGS, 2);
    r.configWrite(MSI_CAP + Capabilities.MSI_FLAGS, 2, flags & ~Capabilities.MSI_FLAGS_ENABLE);
  }

  private static boolean statusInterruptBit(EduRig r) {
    return (r.config(ConfigSpace.STATUS, 2) & ConfigSpace.STATUS_INTERRUPT) != 0;
  }

  @Test
  void theSlotsIntaReachesGsi17() {
    assertEquals(17, EduRig.GSI);
    assertEquals(Firmware.FIRST_PCI_GSI + 1, EduRig.GSI, "root port 00:01.0, INTA, no swizzle on the way");
  }

  @Test
  void raiseAccumulatesCausesAndHoldsTheIntxLevelUntilEveryBitIsAcked() {
    EduRig r = new EduRig();
    assertTrue(r.highLines().isEmpty());
    r.write32(REG_IRQ_RAISE, 0x1234);
    assertEquals(0x1234L, r.read32(REG_IRQ_STATUS));
    assertEquals(List.of(EduRig.GSI), r.highLines(), "only the edu's line is high");
    assertTrue(statusInterruptBit(r), "config Status bit 3 mirrors the level");
    r.write32(REG_IRQ_RAISE, 0x8000_0000L);
    assertEquals(0x8000_1234L, r.read32(REG_IRQ_STATUS), "raise ORs");
    r.write32(REG_IRQ_ACK, 0x0034);
    assertEquals(0x8000_1200L, r.read32(REG_IRQ_STATUS));
    assertTrue(r.intx(), "level-triggered: still high while causes remain");
    r.write32(REG_IRQ_ACK, 0x8000_1200L);
    assertEquals(0L, r.read32(REG_IRQ_STATUS));
    assertFalse(r.intx());
    assertFalse(statusInterruptBit(r));
    assertTrue(r.bm.msis().isEmpty(), "MSI is off: no messages");
  }

  @Test
  void raiseOfZeroWithNothingPendingDoesNothing() {
    EduRig r = new EduRig();
    r.write32(REG_IRQ_RAISE, 0);
    assertFalse(r.intx());
    BareMetal.enableMsi(r.ep, 0x41);
    r.write32(REG_IRQ_RAISE, 0);
    assertTrue(r.bm.msis().isEmpty());
  }

  @Test
  void ackOfBitsNotSetKeepsTheLineHigh() {
    EduRig r = new EduRig();
    r.write32(REG_IRQ_RAISE, FACT_IRQ);
    r.write32(REG_IRQ_ACK, DMA_IRQ);
    assertEquals((long) FACT_IRQ, r.read32(REG_IRQ_STATUS));
    assertTrue(r.intx());
  }

  @Test
  void factorialRaisesFactIrqOnCompletionWhenAskedBeforehand() {
    EduRig r = new EduRig();
    r.write32(REG_STATUS, STATUS_IRQFACT);
    r.write32(REG_FACTORIAL, 12);
    r.advance(FACTORIAL_DELAY_NS - 1);
    assertFalse(r.intx(), "not before the result");
    assertEquals(0L, r.read32(REG_IRQ_STATUS));
    r.advance(1);
    assertTrue(r.intx());
    assertEquals((long) FACT_IRQ, r.read32(REG_IRQ_STATUS));
    assertEquals(0x1C8CFC00L, r.read32(REG_FACTORIAL));
    assertEquals((long) STATUS_IRQFACT, r.read32(REG_STATUS), "IRQFACT stays set, COMPUTING clear");
    r.write32(REG_IRQ_ACK, FACT_IRQ);
    assertFalse(r.intx());
  }

  @Test
  void irqFactIsSampledOnceAtCompletion() {
    EduRig r = new EduRig();
    r.write32(REG_FACTORIAL, 3);
    r.advance(FACTORIAL_DELAY_NS);
    r.write32(REG_STATUS, STATUS_IRQFACT);               // too late: the result is already in
    r.advance(1_000_000);
    assertEquals(0L, r.read32(REG_IRQ_STATUS));
    assertFalse(r.intx());

    r.write32(REG_FACTORIAL, 4);
    r.write32(REG_STATUS, 0);                            // cleared while computing: no interrupt
    r.advance(FACTORIAL_DELAY_NS);
    assertEquals(24L, r.read32(REG_FACTORIAL));
    assertEquals(0L, r.read32(REG_IRQ_STATUS));

    r.write32(REG_FACTORIAL, 2);
    r.write32(REG_STATUS, STATUS_IRQFACT);               // set while computing: counts
    r.advance(FACTORIAL_DELAY_NS);
    assertEquals((long) FACT_IRQ, r.read32(REG_IRQ_STATUS));
  }

  @Test
  void withMsiEnabledARaiseSendsOneMessageAndNoIntx() {
    EduRig r = new EduRig();
    BareMetal.enableMsi(r.ep, 0x41);
    r.write32(REG_IRQ_RAISE, 0x10);
    assertEquals(1, r.bm.msis().size());
    BareMetal.Msi msi = r.bm.msis().get(0);
    assertEquals(0x41, msi.data());
    assertEquals(Firmware.MSI_BASE, msi.address());
    assertEquals(r.ep.id(), msi.requester());
    assertTrue(r.highLines().isEmpty());
    assertFalse(statusInterruptBit(r));

    r.write32(REG_IRQ_RAISE, 0);                         // status ≠ 0: a raise of 0 signals again
    assertEquals(2, r.bm.msis().size());
    r.write32(REG_IRQ_ACK, 0x10);                        // the ack only edits the register
    assertEquals(0L, r.read32(REG_IRQ_STATUS));
    assertEquals(2, r.bm.msis().size());
    r.write32(REG_IRQ_RAISE, 0);
    assertEquals(2, r.bm.msis().size(), "nothing pending: a raise of 0 sends nothing");
  }

  @Test
  void withMsiEnabledFactorialAndEachRaiseSendAMessageEvenWithoutAnAck() {
    EduRig r = new EduRig();
    BareMetal.enableMsi(r.ep, 0x22);
    r.write32(REG_STATUS, STATUS_IRQFACT);
    r.write32(REG_FACTORIAL, 5);
    r.advance(FACTORIAL_DELAY_NS);
    assertEquals(1, r.bm.msis().size());
    r.write32(REG_IRQ_RAISE, 0x2);
    assertEquals(2, r.bm.msis().size(), "MSI is an edge: every raise is a message");
    assertEquals(0x3L, r.read32(REG_IRQ_STATUS), "causes accumulate without acks");
  }

  @Test
  void intxOrMsiIsChosenFromTheLiveEnableBitAtEachRaise() {
    EduRig r = new EduRig();
    r.write32(REG_IRQ_RAISE, 0x1);
    assertTrue(r.intx());
    BareMetal.enableMsi(r.ep, 0x41);
    assertFalse(r.intx(), "enabling MSI takes the INTx wire down");
    r.write32(REG_IRQ_RAISE, 0x2);
    assertEquals(1, r.bm.msis().size());
    assertFalse(r.intx());
    r.write32(REG_IRQ_ACK, 0x3);
    disableMsi(r);
    assertFalse(r.intx(), "nothing pending after the ack: INTx is not re-asserted");
    assertFalse(statusInterruptBit(r));
    r.write32(REG_IRQ_RAISE, 0x4);
    assertTrue(r.intx(), "MSI off again: back to INTx");
    assertEquals(1, r.bm.msis().size());
  }

  @Test
  void disablingMsiWithCausesPendingDoesNotReassertIntxUntilTheNextRaise() {
    EduRig r = new EduRig();
    r.write32(REG_IRQ_RAISE, 0x1);                       // INTx high
    BareMetal.enableMsi(r.ep, 0x41);
    r.write32(REG_IRQ_RAISE, 0x2);                       // MSI; QEMU's INTx level is 0 from here on
    disableMsi(r);
    assertEquals(0x3L, r.read32(REG_IRQ_STATUS));
    assertFalse(r.intx(), "QEMU leaves INTx low when MSI is switched off (§A.6)");
    r.write32(REG_IRQ_RAISE, 0);
    assertTrue(r.intx(), "the next raise drives it");
  }

  @Test
  void msiIsLostWithoutBusMastering() {
    EduRig r = new EduRig();
    BareMetal.enableMsi(r.ep, 0x41);
    r.setCommand(ConfigSpace.COMMAND_MEMORY);            // pci_set_master never called
    r.write32(REG_IRQ_RAISE, 0x1);
    assertTrue(r.bm.msis().isEmpty(), "an MSI is a memory write: no bus mastering, no message");
    assertTrue(r.highLines().isEmpty(), "and no INTx either");
    assertEquals(0x1L, r.read32(REG_IRQ_STATUS), "the cause is still recorded");
    assertEquals(1, r.errorsContaining("MSI not sent: Bus Master Enable is clear").size(), r.errors.toString());

    r.setCommand(ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER);
    r.write32(REG_IRQ_RAISE, 0);
    assertEquals(1, r.bm.msis().size(), "with bus mastering back, the next raise gets through");
  }

  @Test
  void intxDisableBlocksTheWireButStatusStillTracksTheLevel() {
    EduRig r = new EduRig();
    r.setCommand(ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER | ConfigSpace.COMMAND_INTX_DISABLE);
    r.write32(REG_IRQ_RAISE, 0x1);
    assertFalse(r.intx());
    assertTrue(statusInterruptBit(r));
    r.setCommand(ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER);
    assertTrue(r.intx(), "released: the pending level reaches the controller");
    r.write32(REG_IRQ_ACK, 0x1);
    assertFalse(r.intx());
  }
}
