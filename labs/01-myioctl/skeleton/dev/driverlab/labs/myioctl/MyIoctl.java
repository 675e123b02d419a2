package dev.driverlab.labs.myioctl;

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
 * Lab 1: the smallest char device with ioctl. Read labs/01-myioctl/README.md first.
 *
 * <pre>
 *   /dev/myioctl  (c 240:0)     MY_IOCTL_GET  _IOR('x', 0, int) = 0x80047800   value → user int
 *                               MY_IOCTL_SET  _IOW('x', 1, int) = 0x40047801   user int → value
 * </pre>
 *
 * Keep the package, the class name and the public no-argument constructor: the grader loads
 * {@code dev.driverlab.labs.myioctl.MyIoctl}.
 */
public final class MyIoctl extends KernelModule {
  public static final int MAJOR_NUM = 240;
  public static final String DEVICE_NAME = "myioctl";
  public static final int MY_IOCTL_GET = _IOR('x', 0, 4);
  public static final int MY_IOCTL_SET = _IOW('x', 1, 4);

  /** The driver's one int; 123 after every load. */
  private int value = 123;

  private final FileOperations fops = FileOperations.builder()
      .owner(this)                       // THIS_MODULE: rmmod is refused while a file is open
      .unlocked_ioctl(this::ioctl)
      .build();

  @Override
  public String name() {
    return DEVICE_NAME;
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
    // TODO 1: give the major number back (unregister_chrdev), or rmmod leaks it and the next insmod
    //         fails with -EBUSY.
  }

  private long ioctl(File file, int cmd, long arg) {
    byte[] buf = new byte[4];
    // TODO 2: MY_IOCTL_GET: put `value` into buf (little-endian) and copy_to_user(arg, buf, 4).
    //         copy_to_user returns the number of bytes it could NOT copy: anything but 0 is -EFAULT.
    // TODO 3: MY_IOCTL_SET: copy_from_user(buf, arg, 4); on failure return -EFAULT and keep the old
    //         value; otherwise store the int and return 0.
    return -ENOTTY;                      // any other command
  }

  /** An int as an x86-64 program keeps it in memory: little-endian. */
  private static void putLe32(byte[] b, int v) {
    for (int i = 0; i < 4; i++) {
      b[i] = (byte) (v >>> (8 * i));
    }
  }

  private static int getLe32(byte[] b) {
    return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
  }
}
