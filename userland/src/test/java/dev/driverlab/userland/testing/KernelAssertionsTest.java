package dev.driverlab.userland.testing;

import static dev.driverlab.userland.testing.KernelAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.drivers.myioctl.MyIoctl;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.fs.Chrdev;
import dev.driverlab.userland.libc.Libc;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Kernel assertions over a machine running myioctl: what they accept, and how each failure reads. */
@DriverLabTest
class KernelAssertionsTest {

  @BeforeEach
  void load(TestMachine tm, Libc user) {
    tm.insmod(new MyIoctl());
    assertEquals(0, user.mknod("/dev/myioctl", Chrdev.MKDEV(MyIoctl.MAJOR_NUM, 0)));
  }

  private static void provokeUsercopyReport(Libc user) {
    int fd = user.open("/dev/myioctl", Libc.O_RDWR);
    assertEquals(-1, user.ioctl(fd, MyIoctl.MY_IOCTL_SET, 0xffff_8880_0000_1000L));
  }

  @Test
  void dmesgAssertionsPassOnTheLog(TestMachine tm) {
    assertThat(tm)
        .dmesgContains("My device loaded")
        .dmesgMatches("^Linux version \\S+-driverlab ")
        .dmesgContainsInOrder("Linux version", "PCI", "My device loaded")
        .dmesgDoesNotContain("Oops")
        .hasModule("myioctl")
        .hasNoModule("edu")
        .hasNoBugReports();
  }

  @Test
  void dmesgFailuresQuoteTheLog(TestMachine tm) {
    AssertionError e = assertThrows(AssertionError.class, () -> assertThat(tm).dmesgContains("Your device"));
    assertTrue(e.getMessage().startsWith("dmesg has no line containing \"Your device\"; last 10 lines:\n  ["),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("] My device loaded"), e.getMessage());

    e = assertThrows(AssertionError.class, () -> assertThat(tm).dmesgDoesNotContain("My device"));
    assertEquals("dmesg has 1 line(s) containing \"My device\":\n  [    0.000000] My device loaded", e.getMessage());

    e = assertThrows(AssertionError.class, () -> assertThat(tm).dmesgContainsInOrder("My device loaded", "Linux"));
    assertTrue(e.getMessage().startsWith("dmesg has no line containing \"Linux\" after the lines before it in "
        + "[My device loaded, Linux]"), e.getMessage());

    e = assertThrows(AssertionError.class, () -> assertThat(tm).dmesgMatches("^My device unloaded$"));
    assertTrue(e.getMessage().startsWith("no dmesg line matches /^My device unloaded$/; last 10 lines:"),
        e.getMessage());
  }

  @Test
  void moduleFailuresShowLsmod(TestMachine tm) {
    AssertionError e = assertThrows(AssertionError.class, () -> assertThat(tm).hasModule("edu"));
    assertEquals("module edu is not loaded; lsmod:\nModule                 Size  Used by\n"
        + "myioctl               16384  0\n", e.getMessage());
    e = assertThrows(AssertionError.class, () -> assertThat(tm).hasNoModule("myioctl"));
    assertEquals("module myioctl is still loaded", e.getMessage());
  }

  @Test
  void aBugReportFoundByAnAssertionIsExpectedFromThenOn(TestMachine tm, Libc user) {
    AssertionError e = assertThrows(AssertionError.class,
        () -> assertThat(tm).hasBugReport(Check.USERCOPY, "not a user address"));
    assertEquals("no usercopy report containing \"not a user address\"; reports: none", e.getMessage());

    provokeUsercopyReport(user);

    e = assertThrows(AssertionError.class, () -> assertThat(tm).hasBugReport(Check.DMA_API, "not a user address"));
    assertTrue(e.getMessage().startsWith("no DMA-API report containing \"not a user address\"; reports: \n"
        + "  usercopy: myioctl copy_from_user with a pointer that is not a user address"), e.getMessage());
    e = assertThrows(AssertionError.class, () -> assertThat(tm).hasNoBugReports());
    assertTrue(e.getMessage().startsWith("1 bug report(s):\n  usercopy: myioctl copy_from_user"), e.getMessage());

    assertThat(tm).hasBugReport(Check.USERCOPY, "[address=0xffff888000001000]");
    assertEquals(1, tm.bugReports().size());
    assertTrue(tm.unexpectedReports().isEmpty(), "the assertion accepted the report: the test passes");
  }

  @Test
  void expectBugAllowsEveryReportOfThatCheck(TestMachine tm, Libc user) {
    tm.expectBug(Check.USERCOPY);
    provokeUsercopyReport(user);
    provokeUsercopyReport(user);
    assertEquals(2, tm.bugReports().size());
    assertTrue(tm.unexpectedReports().isEmpty());
    assertTrue(tm.describeState().contains("\nbug reports (2):\n    (expected) usercopy: "), tm.describeState());
  }
}
