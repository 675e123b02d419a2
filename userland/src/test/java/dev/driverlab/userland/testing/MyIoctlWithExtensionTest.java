package dev.driverlab.userland.testing;

import static dev.driverlab.userland.testing.KernelAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driverlab.drivers.myioctl.MyIoctl;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.fs.Chrdev;
import dev.driverlab.kernel.uapi.Errno;
import dev.driverlab.kernel.uapi.Ioctl;
import dev.driverlab.userland.libc.Libc;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README's example: the myioctl driver tested through its /dev node, one booted machine per test.
 * A test fails by itself when the kernel reports a driver bug, unless it expects the bug.
 */
@DriverLabTest
class MyIoctlWithExtensionTest {

  @BeforeEach
  void loadTheDriver(TestMachine tm, Libc user) {
    tm.insmod(new MyIoctl());                                   // asserts insmod returned 0
    assertEquals(0, user.mknod("/dev/myioctl", Chrdev.MKDEV(MyIoctl.MAJOR_NUM, 0)));
  }

  @Test
  void setThenGetReturnsTheNewValue(TestMachine tm, Libc user) {
    int fd = user.open("/dev/myioctl", Libc.O_RDWR);
    long arg = user.malloc(4);

    user.putInt(arg, 456);
    assertEquals(0, user.ioctl(fd, MyIoctl.MY_IOCTL_SET, arg));
    user.putInt(arg, 0);
    assertEquals(0, user.ioctl(fd, MyIoctl.MY_IOCTL_GET, arg));

    assertEquals(456, user.getInt(arg));
    assertThat(tm).dmesgContains("My device loaded").hasNoBugReports();
  }

  @Test
  void anUnknownCommandFailsWithEnotty(Libc user) {
    int fd = user.open("/dev/myioctl", Libc.O_RDWR);
    assertEquals(-1, user.ioctl(fd, Ioctl._IO('x', 9), 0));
    assertEquals(Errno.ENOTTY, user.errno());
  }

  /**
   * A kernel address passed as the user pointer: copy_to_user refuses it (-EFAULT) and the kernel's
   * usercopy check reports the misuse. Without expecting it, that report would fail this test.
   */
  @Test
  void aKernelPointerAsTheArgumentIsEfaultAndReported(TestMachine tm, Libc user) {
    int fd = user.open("/dev/myioctl", Libc.O_RDWR);

    assertEquals(-1, user.ioctl(fd, MyIoctl.MY_IOCTL_GET, 0xffff_8880_0000_0000L));

    assertEquals(Errno.EFAULT, user.errno());
    assertThat(tm).hasBugReport(Check.USERCOPY, "not a user address");   // expected: the test passes
  }
}
