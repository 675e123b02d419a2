package dev.driverlab.kernel.fs;

import static dev.driverlab.kernel.uapi.Errno.*;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.debug.Check;
import java.util.ArrayList;
import java.util.List;

/**
 * fs/char_dev.c and the device-class half of drivers/base: device-number regions, cdevs, classes and
 * the /dev nodes device_create makes. Every object records the module that made it so rmmod can name
 * what was left behind.
 */
public final class CharDevices {
  public static final int MINORBITS = 20;
  public static final int MINORMASK = (1 << MINORBITS) - 1;
  public static final int CHRDEV_MAJOR_MAX = 512;

  public static int MKDEV(int major, int minor) {
    return major << MINORBITS | minor;
  }

  public static int MAJOR(int dev) {
    return dev >>> MINORBITS;
  }

  public static int MINOR(int dev) {
    return dev & MINORMASK;
  }

  /** A registered range of device numbers. */
  public record Region(int major, int baseminor, int count, String name, Cdev cdev, Object owner, String site) {
    boolean overlaps(int maj, int base, int cnt) {
      return maj == major && base < baseminor + count && baseminor < base + cnt;
    }
  }

  /** A device made by device_create, with its /dev node. */
  public record Made(DeviceClass cls, int devt, String name, Device device, Object owner, String site) {}

  private final Kernel kernel;
  private final List<Region> regions = new ArrayList<>();
  private final List<Cdev> cdevs = new ArrayList<>();
  private final List<DeviceClass> classes = new ArrayList<>();
  private final List<Made> made = new ArrayList<>();

  public CharDevices(Kernel kernel) {
    this.kernel = kernel;
  }

  // ---- device numbers ---------------------------------------------------------------------------

  private synchronized int register(int major, int baseminor, int count, String name, Cdev cdev) {
    if (count <= 0 || baseminor < 0 || (long) baseminor + count > (1L << MINORBITS)) {
      return -EINVAL;
    }
    if (major < 0 || major >= CHRDEV_MAJOR_MAX) {
      kernel.dmesg().log(3, String.format("CHRDEV \"%s\" major requested (%d) is greater than the maximum (%d)",
          name, major, CHRDEV_MAJOR_MAX - 1));
      return -EINVAL;
    }
    if (major == 0) {
      major = findDynamicMajor();
      if (major < 0) {
        kernel.dmesg().log(3, String.format("CHRDEV \"%s\" dynamic allocation region is full", name));
        return -EBUSY;
      }
    }
    for (Region r : regions) {
      if (r.overlaps(major, baseminor, count)) {
        return -EBUSY;
      }
    }
    regions.add(new Region(major, baseminor, count, name, cdev, kernel.currentModule(), kernel.callSite()));
    return major;
  }

  private int findDynamicMajor() {
    for (int m = 254; m >= 234; m--) {
      if (majorFree(m)) {
        return m;
      }
    }
    for (int m = 511; m >= 384; m--) {
      if (majorFree(m)) {
        return m;
      }
    }
    return -1;
  }

  private boolean majorFree(int m) {
    return regions.stream().noneMatch(r -> r.major == m);
  }

  /** register_chrdev: major 0 allocates one and returns it; else 0; -EBUSY if taken. */
  public int registerChrdev(int major, String name, FileOperations fops) {
    Cdev c = new Cdev();
    c.ops = fops;
    c.owner = fops.owner;
    int got = register(major, 0, 256, name, c);
    if (got < 0) {
      return got;
    }
    c.dev = MKDEV(got, 0);
    c.count = 256;
    c.added = true;
    synchronized (this) {
      cdevs.add(c);
    }
    return major == 0 ? got : 0;
  }

  public void unregisterChrdev(int major, String name) {
    Region r = findRegion(major, 0, 256);
    if (r == null) {
      kernel.bugs().report(Check.WARN, null, "unregister_chrdev of a major that is not registered", "major", major,
          "name", name);
      return;
    }
    synchronized (this) {
      regions.remove(r);
      if (r.cdev != null) {
        r.cdev.added = false;
        cdevs.remove(r.cdev);
      }
    }
  }

  /** alloc_chrdev_region: dev[0] receives the first number. */
  public int allocChrdevRegion(int[] dev, int baseminor, int count, String name) {
    int got = register(0, baseminor, count, name, null);
    if (got < 0) {
      return got;
    }
    dev[0] = MKDEV(got, baseminor);
    return 0;
  }

  public int registerChrdevRegion(int from, int count, String name) {
    int got = register(MAJOR(from), MINOR(from), count, name, null);
    return got < 0 ? got : 0;
  }

  public void unregisterChrdevRegion(int from, int count) {
    Region r = findRegion(MAJOR(from), MINOR(from), count);
    if (r == null) {
      kernel.bugs().report(Check.WARN, null, "unregister_chrdev_region of a range that is not registered",
          "dev", String.format("%d:%d", MAJOR(from), MINOR(from)), "count", count);
      return;
    }
    synchronized (this) {
      regions.remove(r);
    }
  }

  private synchronized Region findRegion(int major, int baseminor, int count) {
    for (Region r : regions) {
      if (r.major == major && r.baseminor == baseminor && r.count == count) {
        return r;
      }
    }
    return null;
  }

  // ---- cdevs ------------------------------------------------------------------------------------

  public void cdevInit(Cdev cdev, FileOperations fops) {
    cdev.ops = fops;
    cdev.owner = fops.owner;
    cdev.added = false;
    cdev.dev = 0;
    cdev.count = 0;
  }

  public int cdevAdd(Cdev cdev, int dev, int count) {
    if (count <= 0) {
      return -EINVAL;
    }
    synchronized (this) {
      for (Cdev c : cdevs) {
        if (c.added && MAJOR(c.dev) == MAJOR(dev) && MINOR(dev) < MINOR(c.dev) + c.count
            && MINOR(c.dev) < MINOR(dev) + count) {
          return -EBUSY;
        }
      }
      cdev.dev = dev;
      cdev.count = count;
      cdev.added = true;
      if (cdev.owner == null) {
        cdev.owner = kernel.currentModule();
      }
      cdev.site = kernel.callSite();
      cdevs.add(cdev);
    }
    return 0;
  }

  public synchronized void cdevDel(Cdev cdev) {
    if (!cdevs.remove(cdev)) {
      kernel.bugs().report(Check.WARN, null, "cdev_del of a cdev that was never added");
    }
    cdev.added = false;
  }

  /** The live cdev serving {@code dev}, or null (open then fails with -ENXIO). */
  public synchronized Cdev lookup(int dev) {
    for (Cdev c : cdevs) {
      if (c.added && MAJOR(c.dev) == MAJOR(dev) && MINOR(dev) >= MINOR(c.dev) && MINOR(dev) < MINOR(c.dev) + c.count) {
        return c;
      }
    }
    return null;
  }

  // ---- classes and device nodes -----------------------------------------------------------------

  public DeviceClass classCreate(String name) {
    synchronized (this) {
      for (DeviceClass c : classes) {
        if (c.name.equals(name)) {
          return new DeviceClass(name, -EEXIST, null, null);
        }
      }
      DeviceClass c = new DeviceClass(name, 0, kernel.currentModule(), kernel.callSite());
      classes.add(c);
      kernel.vfs().add("/sys/class/" + name, Vfs.AttrNode.text(() -> ""));
      return c;
    }
  }

  public void classDestroy(DeviceClass cls) {
    if (cls == null || cls.err != 0) {
      return;
    }
    synchronized (this) {
      if (!classes.remove(cls)) {
        kernel.bugs().report(Check.WARN, null, "class_destroy of a class that does not exist", "class", cls.name);
        return;
      }
    }
    kernel.vfs().removeTree("/sys/class/" + cls.name);
  }

  public Device deviceCreate(DeviceClass cls, Device parent, int devt, Object drvdata, String name) {
    if (cls == null || cls.err != 0) {
      return Device.errPtr(-EINVAL);
    }
    synchronized (this) {
      if (kernel.vfs().lookup("/dev/" + name) != null) {
        kernel.dmesg().log(3, "sysfs: cannot create duplicate filename '/dev/" + name + "'");
        return Device.errPtr(-EEXIST);
      }
      Device d = new Device(name, parent);
      d.setDrvdata(drvdata);
      made.add(new Made(cls, devt, name, d, kernel.currentModule(), kernel.callSite()));
      kernel.vfs().add("/dev/" + name, new Vfs.CharNode(devt, cls));
      kernel.vfs().add("/sys/class/" + cls.name + "/" + name + "/dev",
          Vfs.AttrNode.text(() -> MAJOR(devt) + ":" + MINOR(devt) + "\n"));
      return d;
    }
  }

  public void deviceDestroy(DeviceClass cls, int devt) {
    Made m = null;
    synchronized (this) {
      for (Made x : made) {
        if (x.cls == cls && x.devt == devt) {
          m = x;
          break;
        }
      }
      if (m == null) {
        kernel.bugs().report(Check.WARN, null, "device_destroy of a device that does not exist",
            "dev", MAJOR(devt) + ":" + MINOR(devt));
        return;
      }
      made.remove(m);
    }
    kernel.vfs().remove("/dev/" + m.name);
    kernel.vfs().removeTree("/sys/class/" + cls.name + "/" + m.name);
  }

  // ---- what a module left behind ----------------------------------------------------------------

  public synchronized List<String> leftoversOf(Object module) {
    List<String> out = new ArrayList<>();
    for (Region r : regions) {
      if (r.owner == module) {
        out.add(String.format("char device region %d:%d-%d \"%s\" (registered at %s)", r.major, r.baseminor,
            r.baseminor + r.count - 1, r.name, r.site));
      }
    }
    for (Cdev c : cdevs) {
      if (c.owner == module && findRegionFor(c) == null) {
        out.add(String.format("cdev %d:%d (added at %s)", MAJOR(c.dev), MINOR(c.dev), c.site));
      }
    }
    for (Made m : made) {
      if (m.owner == module) {
        out.add(String.format("device /dev/%s (created at %s)", m.name, m.site));
      }
    }
    for (DeviceClass c : classes) {
      if (c.owner == module) {
        out.add(String.format("class %s (created at %s)", c.name, c.site));
      }
    }
    return out;
  }

  private Region findRegionFor(Cdev c) {
    for (Region r : regions) {
      if (r.cdev == c) {
        return r;
      }
    }
    return null;
  }

  /** /proc/devices contents. */
  public synchronized String procDevices() {
    StringBuilder sb = new StringBuilder("Character devices:\n");
    regions.stream().map(r -> String.format("%3d %s%n", r.major, r.name)).distinct().sorted().forEach(sb::append);
    return sb.toString();
  }
}
