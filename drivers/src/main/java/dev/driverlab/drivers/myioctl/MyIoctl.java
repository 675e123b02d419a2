package dev.driverlab.drivers.myioctl;

import static dev.driverlab.kernel.fs.Chrdev.register_chrdev;
import static dev.driverlab.kernel.fs.Chrdev.unregister_chrdev;
import static dev.driverlab.kernel.mm.Uaccess.copy_from_user;
import static dev.driverlab.kernel.mm.Uaccess.copy_to_user;
import static dev.driverlab.kernel.printk.Printk.KERN_INFO;
import static dev.driverlab.kernel.printk.Printk.printk;
import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.ENOTTY;
import static dev.driverlab.kernel.uapi.Ioctl._IOR;
import static dev.driverlab.kernel.uapi.Ioctl._IOW;

import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.fs.FileOperations;
import dev.driverlab.kernel.module.KernelModule;

/**
 * The smallest char device with ioctl (shared/reference/seed-examples.md §1): major 240, name
 * "myioctl", only {@code unlocked_ioctl}; GET copies the driver's int (initially 123) to the user, SET
 * copies one in. A failed copy is -EFAULT, an unknown command -ENOTTY.
 */
public final class MyIoctl extends KernelModule {
  public static final int MAJOR_NUM = 240;
  public static final String DEVICE_NAME = "myioctl";
  /** {@code _IOR('x', 0, int)} = 0x80047800 on x86-64. */
  public static final int MY_IOCTL_GET = _IOR('x', 0, 4);
  /** {@code _IOW('x', 1, int)} = 0x40047801 on x86-64. */
  public static final int MY_IOCTL_SET = _IOW('x', 1, 4);

  private int value = 123;

  private final FileOperations fops = FileOperations.builder()
      .owner(this)
      .unlocked_ioctl(this::myIoctl)
      .build();

  @Override
  public String name() {
    return DEVICE_NAME;
  }

  @Override
  public String description() {
    return "ioctl example: get and set one int";
  }

  private long myIoctl(File file, int cmd, long arg) {
    byte[] buf = new byte[4];
    if (cmd == MY_IOCTL_GET) {                     // _IOR('x', 0, int) = 0x80047800
      putIntLe(buf, value);
      return copy_to_user(arg, buf, 4) != 0 ? -EFAULT : 0;
    }
    if (cmd == MY_IOCTL_SET) {                     // _IOW('x', 1, int) = 0x40047801
      if (copy_from_user(buf, arg, 4) != 0) {
        return -EFAULT;
      }
      value = getIntLe(buf);
      return 0;
    }
    return -ENOTTY;
  }

  /** An int as the x86-64 user sees it in memory (little-endian). */
  private static void putIntLe(byte[] b, int v) {
    b[0] = (byte) v;
    b[1] = (byte) (v >>> 8);
    b[2] = (byte) (v >>> 16);
    b[3] = (byte) (v >>> 24);
  }

  private static int getIntLe(byte[] b) {
    return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
  }

  @Override
  protected int init() {
    int ret = register_chrdev(MAJOR_NUM, DEVICE_NAME, fops);
    if (ret < 0) {
      return ret;
    }
    printk(KERN_INFO + "My device loaded\n");
    return 0;
  }

  @Override
  protected void exit() {
    unregister_chrdev(MAJOR_NUM, DEVICE_NAME);
  }
}
