package dev.driverlab.kernel.fs;

import static dev.driverlab.kernel.uapi.Errno.*;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.mm.UserMm;

/**
 * Char devices, classes and device nodes with Linux names (fs/char_dev.c, drivers/base/class.c, core.c,
 * include/linux/kdev_t.h, mm/memory.c for remap_pfn_range).
 */
public final class Chrdev {
  private Chrdev() {}

  public static int MKDEV(int major, int minor) {
    return CharDevices.MKDEV(major, minor);
  }

  public static int MAJOR(int dev) {
    return CharDevices.MAJOR(dev);
  }

  public static int MINOR(int dev) {
    return CharDevices.MINOR(dev);
  }

  public static int iminor(Inode inode) {
    return Inode.iminor(inode);
  }

  public static int imajor(Inode inode) {
    return Inode.imajor(inode);
  }

  private static CharDevices core() {
    return Kernel.current().chrdev();
  }

  /** register_chrdev: with major 0 returns the allocated major, else 0; -EBUSY if taken, -EINVAL if bad. */
  public static int register_chrdev(int major, String name, FileOperations fops) {
    return core().registerChrdev(major, name, fops);
  }

  public static void unregister_chrdev(int major, String name) {
    core().unregisterChrdev(major, name);
  }

  /** dev[0] receives the first device number. 0, -EBUSY (no major free), -EINVAL. */
  public static int alloc_chrdev_region(int[] dev, int baseminor, int count, String name) {
    return core().allocChrdevRegion(dev, baseminor, count, name);
  }

  public static int register_chrdev_region(int from, int count, String name) {
    return core().registerChrdevRegion(from, count, name);
  }

  public static void unregister_chrdev_region(int from, int count) {
    core().unregisterChrdevRegion(from, count);
  }

  public static void cdev_init(Cdev cdev, FileOperations fops) {
    core().cdevInit(cdev, fops);
  }

  /** Live at once: opens may arrive before this returns. 0, -EBUSY, -EINVAL. */
  public static int cdev_add(Cdev cdev, int dev, int count) {
    return core().cdevAdd(cdev, dev, count);
  }

  public static void cdev_del(Cdev cdev) {
    core().cdevDel(cdev);
  }

  /** class_create(name): a class, or ERR_PTR(-EEXIST) — check with IS_ERR. */
  public static DeviceClass class_create(String name) {
    return core().classCreate(name);
  }

  public static void class_destroy(DeviceClass cls) {
    core().classDestroy(cls);
  }

  /** device_create: makes /dev/NAME (NAME from the printf-style format). ERR_PTR on failure, never null. */
  public static Device device_create(DeviceClass cls, Device parent, int devt, Object drvdata, String fmt,
      Object... args) {
    return core().deviceCreate(cls, parent, devt, drvdata, dev.driverlab.kernel.printk.CFormat.format(fmt, args));
  }

  public static void device_destroy(DeviceClass cls, int devt) {
    core().deviceDestroy(cls, devt);
  }

  /** nonseekable_open: marks the file as not seekable; always 0. */
  public static int nonseekable_open(Inode inode, File file) {
    return 0;
  }

  /** noop_llseek: leaves the position alone. */
  public static long noop_llseek(File file, long offset, int whence) {
    return file.f_pos;
  }

  /** fixed_size_llseek: seeks within [0, size]; -EINVAL outside. */
  public static long fixed_size_llseek(File file, long offset, int whence, long size) {
    long base = switch (whence) {
      case File.SEEK_SET -> 0;
      case File.SEEK_CUR -> file.f_pos;
      case File.SEEK_END -> size;
      default -> -1;
    };
    if (base < 0) {
      return -EINVAL;
    }
    long pos = base + offset;
    if (pos < 0 || pos > size) {
      return -EINVAL;
    }
    file.f_pos = pos;
    return pos;
  }

  /** remap_pfn_range: maps physical pages starting at {@code pfn} into {@code vma}. 0 or -EINVAL. */
  public static int remap_pfn_range(UserMm.Vma vma, long addr, long pfn, long size, int prot) {
    if (addr != vma.vmStart() || size > vma.vmEnd() - vma.vmStart() || size <= 0) {
      return -EINVAL;
    }
    Kernel.current().currentProcess().mm().installPfnMap(vma, pfn << 12);
    return 0;
  }
}
