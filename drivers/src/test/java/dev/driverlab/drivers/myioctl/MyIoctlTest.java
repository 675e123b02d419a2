package dev.driverlab.drivers.myioctl;

import static dev.driverlab.kernel.uapi.Errno.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.fs.Chrdev;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.kernel.uapi.Ioctl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MyIoctlTest {
  Kernel k;
  Process p;
  long buf;

  @BeforeEach
  void boot() {
    k = Kernel.boot(Machine.createDefault());
    assertEquals(0, k.modules().insmod(new MyIoctl()));
    p = k.createProcess("myioctl");
    assertEquals(0, p.mknod("/dev/myioctl", Chrdev.MKDEV(240, 0)));
    buf = p.mmapAnonymous(4096);
  }

  @AfterEach
  void down() {
    k.shutdown();
  }

  private int readInt(long at) {
    byte[] b = new byte[4];
    assertEquals(0, p.mm().read(at, b, 0, 4));
    return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
  }

  @Test
  void commandsEncodeAsOnX86() {
    assertEquals(0x80047800, MyIoctl.MY_IOCTL_GET);
    assertEquals(0x40047801, MyIoctl.MY_IOCTL_SET);
  }

  @Test
  void getSetGetRoundTrip() {
    assertTrue(k.dmesg().contains("My device loaded"));
    int fd = p.open("/dev/myioctl", File.O_RDWR);
    assertTrue(fd >= 0, "fd " + fd);
    assertEquals(0, p.ioctl(fd, MyIoctl.MY_IOCTL_GET, buf));
    assertEquals(123, readInt(buf));
    p.mm().write(buf, new byte[] {(byte) 0xc8, 1, 0, 0}, 0, 4);
    assertEquals(0, p.ioctl(fd, MyIoctl.MY_IOCTL_SET, buf));
    p.mm().write(buf, new byte[4], 0, 4);
    assertEquals(0, p.ioctl(fd, MyIoctl.MY_IOCTL_GET, buf));
    assertEquals(456, readInt(buf));
    assertEquals(0, p.close(fd));
  }

  @Test
  void unknownCommandIsEnotty() {
    int fd = p.open("/dev/myioctl", File.O_RDWR);
    assertEquals(-ENOTTY, p.ioctl(fd, Ioctl._IO('x', 9), 0));
  }

  @Test
  void badUserPointerIsEfaultAndValueUnchanged() {
    int fd = p.open("/dev/myioctl", File.O_RDWR);
    assertEquals(-EFAULT, p.ioctl(fd, MyIoctl.MY_IOCTL_SET, 0x1000));
    assertEquals(-EFAULT, p.ioctl(fd, MyIoctl.MY_IOCTL_GET, 0xffff_8880_0000_0000L));
    assertEquals(0, p.ioctl(fd, MyIoctl.MY_IOCTL_GET, buf));
    assertEquals(123, readInt(buf));
    assertFalse(k.bugs().reports().isEmpty(), "a kernel pointer as __user pointer is reported");
  }

  @Test
  void missingNodeIsEnoentAndNodeWithoutDriverIsEnxio() {
    assertEquals(-ENOENT, p.open("/dev/nothere", File.O_RDWR));
    assertEquals(0, p.mknod("/dev/orphan", Chrdev.MKDEV(241, 0)));
    assertEquals(-ENXIO, p.open("/dev/orphan", File.O_RDWR));
  }

  @Test
  void majorAlreadyTakenIsEbusy() {
    dev.driverlab.kernel.module.KernelModule other = new dev.driverlab.kernel.module.KernelModule() {
      @Override
      public String name() {
        return "other";
      }

      @Override
      protected int init() {
        return Chrdev.register_chrdev(240, "other", dev.driverlab.kernel.fs.FileOperations.builder().build());
      }

      @Override
      protected void exit() {}
    };
    assertEquals(-EBUSY, k.modules().insmod(other));
    assertNull(k.modules().find("other"));
  }

  @Test
  void moduleInUseCannotBeRemovedAndUnloadsCleanly() {
    int fd = p.open("/dev/myioctl", File.O_RDWR);
    assertEquals(-EBUSY, k.modules().rmmod("myioctl"));
    p.close(fd);
    assertEquals(0, k.modules().rmmod("myioctl"));
    assertEquals(-ENXIO, p.open("/dev/myioctl", File.O_RDWR));
    assertTrue(k.bugs().reports().isEmpty(), k.bugs().reports().toString());
  }
}
