package dev.driverlab.devices.simpledma;

import static dev.driverlab.devices.simpledma.SimpleDmaDevice.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Interrupts: INT_STATUS (write 1 to clear), INT_ENABLE, INTx levels with MSI off, one MSI per cause.
 */
class SimpleDmaInterruptTest {
  @Test
  void withMsiOffInterruptsAreIntxLevelsUntilAcknowledged() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.interruptsOn();
    r.program(DIR_FROM_DEVICE, 0, 0x0030_0000L, 32);
    r.ring();
    r.run();

    assertTrue(r.bm.msis().isEmpty());
    assertTrue(r.intx());
    List<Tlp> msgs = r.seenOf(TlpType.MSG);
    assertEquals(1, msgs.size(), r.trace());
    assertEquals(0x20, msgs.get(0).messageCode(), "Assert_INTA");
    assertEquals(INT_DONE, r.reg(REG_INT_STATUS));

    r.setReg(REG_INT_STATUS, 0);
    r.setReg(REG_INT_STATUS, INT_ERROR);
    assertTrue(r.intx(), "writing 0s, or 1s to clear bits, leaves the level up");
    assertEquals(INT_DONE, r.reg(REG_INT_STATUS));
    r.seen.clear();
    r.setReg(REG_INT_STATUS, INT_DONE);
    assertFalse(r.intx());
    assertEquals(0, r.reg(REG_INT_STATUS));
    assertEquals(0x24, r.seenOf(TlpType.MSG).get(0).messageCode(), "Deassert_INTA");
    assertEquals(STATUS_DONE, r.reg(REG_STATUS), "acknowledging does not touch STATUS");
  }

  @Test
  void maskedCausesStayPendingAndInterruptWhenEnabled() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.program(DIR_FROM_DEVICE, 0, 0x0030_0000L, 32);
    r.ring();
    r.run();
    assertEquals(INT_DONE, r.reg(REG_INT_STATUS));
    assertFalse(r.intx(), "INT_ENABLE resets to 0");
    r.setReg(REG_INT_ENABLE, INT_ERROR);
    assertFalse(r.intx(), "DONE is still masked");
    r.setReg(REG_INT_ENABLE, INT_DONE);
    assertTrue(r.intx());
    r.setReg(REG_INT_ENABLE, 0);
    assertFalse(r.intx(), "masking lowers the line");
    assertEquals(INT_DONE, r.reg(REG_INT_STATUS));
  }

  @Test
  void withMsiEachEnabledCauseSendsOneMessage() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.msiOn();
    r.program(DIR_FROM_DEVICE, 0, 0x0030_0000L, 32);
    r.ring();
    r.run();
    assertTrue(r.bm.msis().isEmpty(), "masked");
    r.setReg(REG_INT_ENABLE, INT_DONE);
    assertEquals(1, r.bm.msis().size(), "unmasking a pending cause sends it");
    r.ring(); // a driver may run again without acknowledging
    r.run();
    assertEquals(2, r.bm.msis().size());
    r.setReg(REG_INT_STATUS, INT_DONE);
    assertEquals(2, r.bm.msis().size(), "acknowledging sends nothing");
    assertFalse(r.intx(), "no INTx while MSI is on");
    assertTrue(r.seenOf(TlpType.MSG).isEmpty(), r.trace());
  }
}
