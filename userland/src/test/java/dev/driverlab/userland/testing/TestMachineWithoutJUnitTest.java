package dev.driverlab.userland.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.drivers.myioctl.MyIoctl;
import org.junit.jupiter.api.Test;

/** The harness used by hand, without the extension: boot, work, finish, close. */
class TestMachineWithoutJUnitTest {

  @Test
  void aCleanSessionFinishesQuietlyAndUnloadsItsModules() {
    TestMachine tm = TestMachine.boot(Machine.createDefault());
    try {
      tm.insmod(new MyIoctl());
      tm.finish();
      assertEquals(null, tm.kernel().modules().find("myioctl"), "finish unloaded the module");
      assertTrue(tm.kernel().dmesg().contains("My device loaded"));
    } finally {
      tm.close();
      tm.close();   // idempotent
    }
  }

  @Test
  void finishFailsWithTheMachineStateWhenAModuleLeaks() {
    TestMachine tm = TestMachine.boot(Machine.createDefault(),
        new TestMachine.Options(true, 16, "leaky-host"));
    try {
      tm.insmod(new DriverLabFailureTest.LeakyModule());
      AssertionError e = assertThrows(AssertionError.class, tm::finish);
      String m = e.getMessage();
      assertTrue(m.startsWith("the kernel reported a driver bug: leak: module leaky unloaded but left: kmalloc'ed 64 "
          + "bytes at 0x"), m);
      assertTrue(m.contains("\nif the test provokes this on purpose, declare @ExpectBugs(Check.LEAK) or call "
          + "expectBug(...)\n\n── DriverLab machine state at 0.000000 s (virtual) ──\nbug reports (1):\n  ! leak: "), m);
      assertTrue(tm.kernel().dmesg().lines().get(0).text().contains("(driverlab@leaky-host)"));
      assertTrue(m.contains("\nTLPs (last 16 of "), "a 16-TLP history shows 16: " + m);
      tm.finish();   // runs once
    } finally {
      tm.close();
    }
  }

  @Test
  void optionsRefuseNonsense() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TestMachine.Options(true, 0, "h"));
    assertEquals("tlpHistory must be at least 1: 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new TestMachine.Options(true, 1, " "));
    assertEquals("hostname must not be blank: \" \"", e.getMessage());
    assertThrows(NullPointerException.class, () -> TestMachine.boot(null));
  }
}
