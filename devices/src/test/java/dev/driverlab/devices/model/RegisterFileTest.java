package dev.driverlab.devices.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegisterFileTest {
  final List<String> errors = new ArrayList<>();
  final RegisterFile regs = new RegisterFile((fmt, args) -> errors.add(String.format(fmt, args)));

  @Test
  void readOnlyRegisterKeepsItsResetValueAndReportsWrites() {
    regs.reg("IDENT", 0x00, 4).reset(0x010000ed).readOnly();
    regs.write(0, 0x1234, 4);
    assertEquals(0x010000ed, regs.read(0, 4));
    assertEquals(List.of("write of 0x1234 to read-only register IDENT"), errors);
  }

  @Test
  void writableMaskAndWriteOneToClear() {
    RegisterFile.Register st = regs.reg("STATUS", 0x20, 4).reset(0x1).writable(0x80);
    regs.write(0x20, 0xff, 4);
    assertEquals(0x81, regs.read(0x20, 4), "only bit 7 is writable");
    RegisterFile.Register irq = regs.reg("IRQ_STATUS", 0x24, 4).w1c(0xffffffffL);
    irq.setBits(0x101);
    regs.write(0x24, 0x100, 4);
    assertEquals(0x1, regs.read(0x24, 4));
    assertEquals(0x81, st.value());
  }

  @Test
  void wrongWidthOrUnclaimedOffsetReadsAllOnesAndIsReported() {
    regs.reg("A", 0x00, 4).reset(5);
    assertEquals(0xffff, regs.read(0x0, 2));
    assertEquals(0xffffffffL, regs.read(0x40, 4));
    regs.write(0x40, 1, 4);
    assertEquals(3, errors.size(), errors.toString());
  }

  @Test
  void onReadAndOnWriteHooks() {
    long[] seen = new long[1];
    regs.reg("LIVE", 0x04, 4).onWrite(v -> seen[0] = v);
    regs.reg("COUNTER", 0x08, 8).onRead(() -> 0x1_0000_0002L);
    regs.write(0x04, 0xcafe, 4);
    assertEquals(0xcafe, seen[0]);
    assertEquals(0x1_0000_0002L, regs.read(0x08, 8));
  }

  @Test
  void overlappingOrMisalignedDeclarationsAreRefused() {
    regs.reg("A", 0x00, 8);
    assertThrows(IllegalStateException.class, () -> regs.reg("B", 0x04, 4));
    assertThrows(IllegalArgumentException.class, () -> regs.reg("C", 0x0a, 4));
  }
}
