package dev.driverlab.userland.labs;

import static dev.driverlab.kernel.uapi.Errno.EBUSY;
import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.ENOTTY;
import static dev.driverlab.kernel.uapi.Errno.ENXIO;
import static dev.driverlab.kernel.uapi.Ioctl._IO;
import static dev.driverlab.kernel.uapi.Ioctl._IOR;
import static dev.driverlab.kernel.uapi.Ioctl._IOW;
import static dev.driverlab.userland.labs.KernelRig.errno;

import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.fs.Chrdev;
import dev.driverlab.kernel.fs.File;
import java.util.List;

/**
 * Lab 1, the myioctl char device (shared/reference/seed-examples.md §1): major 240, "My device loaded",
 * GET/SET of one int through {@code _IOR('x', 0, int)} / {@code _IOW('x', 1, int)}, -ENOTTY and
 * -EFAULT, {@code .owner} pinning the module, a clean rmmod. The grader plays the user program: it
 * makes {@code /dev/myioctl} with mknod and calls ioctl on it.
 */
final class MyIoctlLab implements Lab {
  static final String CLASS = "dev.driverlab.labs.myioctl.MyIoctl";
  static final int MAJOR = 240;
  static final String NODE = "/dev/myioctl";
  /** 0x80047800 and 0x40047801 on x86-64 (seed-examples.md §1). */
  static final int GET = _IOR('x', 0, 4), SET = _IOW('x', 1, 4);
  /** An address no process maps (the first page is never mapped). */
  static final long UNMAPPED = 0x1000;

  @Override
  public int number() {
    return 1;
  }

  @Override
  public String folder() {
    return "01-myioctl";
  }

  @Override
  public String title() {
    return "myioctl: the smallest char device with ioctl";
  }

  @Override
  public String studentClass() {
    return CLASS;
  }

  @Override
  public List<GradedItem> items() {
    return List.of(
        new GradedItem("load", 1, "insmod registers major 240 and logs \"My device loaded\"", this::load),
        new GradedItem("get", 2, "MY_IOCTL_GET copies 123 to the user's int after loading", this::get),
        new GradedItem("set-get", 2, "MY_IOCTL_SET stores the user's int; GET returns it (all 32 bits)",
            this::setGet),
        new GradedItem("enotty", 1, "any other command fails with -ENOTTY", this::enotty),
        new GradedItem("efault", 2, "an unmapped user pointer gives -EFAULT and leaves the value alone",
            this::efault),
        new GradedItem("owner", 1, "rmmod is refused (-EBUSY) while /dev/myioctl is open (.owner)", this::owner),
        new GradedItem("unload", 1, "rmmod frees the major: no leak, open gives -ENXIO, insmod works again",
            this::unload));
  }

  /** A booted machine with the student's module loaded and /dev/myioctl made. */
  private static KernelRig loaded(StudentClasses s) throws ItemFailed {
    KernelRig rig = KernelRig.boot();
    try {
      rig.load(s, CLASS);
      int r = rig.proc.mknod(NODE, Chrdev.MKDEV(MAJOR, 0));
      rig.expect(r == 0, "grader: mknod " + NODE + " failed: " + errno(r));
      return rig;
    } catch (ItemFailed | RuntimeException e) {
      rig.close();
      throw e;
    }
  }

  private void load(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      rig.expect(rig.kernel.dmesg().contains("My device loaded"),
          "insmod succeeded but dmesg has no \"My device loaded\" line (printk at KERN_INFO in init)");
      int fd = rig.proc.open(NODE, File.O_RDWR);
      rig.expect(fd >= 0, "open(" + NODE + ") on c 240:0 returned " + errno(fd)
          + ": is the driver registered with major 240 and name \"myioctl\"?");
      rig.proc.close(fd);
    }
  }

  private void get(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      int fd = rig.open(NODE);
      long buf = rig.userBuffer(4);
      rig.pokeInt(buf, 0x5a5a5a5a);
      long r = rig.proc.ioctl(fd, GET, buf);
      rig.expect(r == 0, "ioctl(MY_IOCTL_GET = 0x80047800) returned " + errno(r) + ", expected 0");
      int v = rig.peekInt(buf);
      rig.expect(v == 123, "MY_IOCTL_GET left " + v + " in the user's int, expected 123");
    }
  }

  private void setGet(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      int fd = rig.open(NODE);
      long buf = rig.userBuffer(4);
      for (int value : new int[] {456, -2, 0x12345678}) {
        rig.pokeInt(buf, value);
        long r = rig.proc.ioctl(fd, SET, buf);
        rig.expect(r == 0, "ioctl(MY_IOCTL_SET = 0x40047801, " + value + ") returned " + errno(r));
        rig.pokeInt(buf, 0);
        r = rig.proc.ioctl(fd, GET, buf);
        rig.expect(r == 0, "ioctl(MY_IOCTL_GET) after SET returned " + errno(r));
        int got = rig.peekInt(buf);
        rig.expect(got == value, "SET " + value + " then GET gave " + got
            + (got == 123 ? " (SET did not store the value)" : ""));
      }
    }
  }

  private void enotty(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      int fd = rig.open(NODE);
      long buf = rig.userBuffer(4);
      for (int cmd : new int[] {_IO('x', 9), _IOR('x', 2, 4), _IOR('y', 0, 4)}) {
        long r = rig.proc.ioctl(fd, cmd, buf);
        rig.expect(r == -ENOTTY, String.format("ioctl(%#x), not a myioctl command, returned %s, expected -ENOTTY",
            cmd, errno(r)));
      }
    }
  }

  private void efault(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      int fd = rig.open(NODE);
      long buf = rig.userBuffer(4);
      rig.pokeInt(buf, 77);
      long r = rig.proc.ioctl(fd, SET, buf);
      rig.expect(r == 0, "ioctl(MY_IOCTL_SET, 77) returned " + errno(r));
      r = rig.proc.ioctl(fd, SET, UNMAPPED);
      rig.expect(r == -EFAULT, "MY_IOCTL_SET from unmapped address 0x1000 returned " + errno(r)
          + ", expected -EFAULT (copy_from_user returns the bytes it could not copy)");
      r = rig.proc.ioctl(fd, GET, UNMAPPED);
      rig.expect(r == -EFAULT, "MY_IOCTL_GET to unmapped address 0x1000 returned " + errno(r)
          + ", expected -EFAULT (copy_to_user returns the bytes it could not copy)");
      r = rig.proc.ioctl(fd, GET, buf);
      int v = rig.peekInt(buf);
      rig.expect(r == 0 && v == 77, "after a failed SET the value must stay 77; GET returned " + errno(r)
          + " and " + v);
      rig.expectNoBugs("during the ioctls", Check.USERCOPY, Check.OOPS);
    }
  }

  private void owner(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      int fd = rig.open(NODE);
      int r = rig.unload();
      rig.expect(r == -EBUSY, "rmmod while " + NODE + " is open returned " + errno(r)
          + ", expected -EBUSY: set .owner(this) in the FileOperations so an open file pins the module");
      rig.proc.close(fd);
    }
  }

  private void unload(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = loaded(s)) {
      int fd = rig.open(NODE);
      rig.proc.close(fd);
      int r = rig.unload();
      rig.expect(r == 0, "rmmod returned " + errno(r) + " with no file open");
      rig.expectNoBugs("at rmmod (what the module still held)", Check.LEAK);
      fd = rig.proc.open(NODE, File.O_RDWR);
      rig.expect(fd == -ENXIO, "open(" + NODE + ") after rmmod returned " + errno(fd)
          + ", expected -ENXIO: major 240 is still registered (unregister_chrdev in exit)");
      r = rig.kernel.modules().insmod(s.newModule(CLASS));
      rig.expect(r == 0, "insmod after rmmod returned " + errno(r) + ": the first load left major 240 taken");
    }
  }
}
