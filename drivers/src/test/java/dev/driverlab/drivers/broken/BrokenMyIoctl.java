package dev.driverlab.drivers.broken;

import static dev.driverlab.kernel.fs.Chrdev.*;
import static dev.driverlab.kernel.mm.Mm.*;
import static dev.driverlab.kernel.mm.Uaccess.copy_from_user;
import static dev.driverlab.kernel.mm.Uaccess.copy_to_user;
import static dev.driverlab.kernel.sched.Locks.*;
import static dev.driverlab.kernel.sched.Sched.jiffies;
import static dev.driverlab.kernel.sched.Sched.msecs_to_jiffies;
import static dev.driverlab.kernel.sched.Timers.*;
import static dev.driverlab.kernel.uapi.Errno.*;
import static dev.driverlab.kernel.uapi.Ioctl._IOR;
import static dev.driverlab.kernel.uapi.Ioctl._IOW;

import dev.driverlab.kernel.fs.Cdev;
import dev.driverlab.kernel.fs.DeviceClass;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.fs.FileOperations;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.sched.Mutex;
import dev.driverlab.kernel.sched.Spinlock;
import dev.driverlab.kernel.sched.TimerList;
import dev.driverlab.kernel.sched.WorkStruct;

/**
 * The myioctl example (seed-examples.md §1: GET and SET one int) grown into a modern char driver, with
 * one deliberate bug at a time, for the catalogue entries that need no hardware: user copies, locks,
 * and what a module must undo in its exit.
 *
 * <pre>
 *   init   kmalloc the value → alloc_chrdev_region → cdev_add → class_create → device_create("bmyioctl")
 *          → a 10 s housekeeping timer
 *   GET    _IOR('x', 0, int): value → user (mutex "bmyioctl->value", then "bmyioctl->stats")
 *   SET    _IOW('x', 1, int): user → value; negative values are -EINVAL
 *   exit   everything undone in reverse
 * </pre>
 */
public final class BrokenMyIoctl extends KernelModule {
  public enum Bug {
    NONE,
    // ---- user pointers ----
    /** GET passes its kernel buffer to copy_to_user as the destination. */
    KERNEL_POINTER_AS_USER,
    /** GET copies a long (8 bytes) for a command that encodes an int. */
    IOCTL_COPIES_TOO_MUCH,
    /** SET reads the user's int with get32(arg) instead of copy_from_user. */
    DEREFERENCES_USER_POINTER,
    // ---- locks ----
    /** SET takes the locks in the opposite order from GET. */
    LOCK_ORDER_INVERSION,
    /** SET returns -EINVAL for a negative value without unlocking. */
    LOCK_HELD_ON_RETURN,
    /** SET copies from user space (which may fault and sleep) under a spinlock. */
    SLEEP_UNDER_SPINLOCK,
    // ---- what exit must undo ----
    LEAK_KMALLOC,
    DOUBLE_KFREE,
    LEAK_VMALLOC,
    LEAK_TIMER,
    /** Queues a final work item in exit and does not flush it. */
    LEAK_WORK,
    LEAK_CHRDEV_REGION,
    LEAK_CDEV,
    LEAK_CLASS,
    LEAK_DEVICE_NODE
  }

  public static final String NAME = "bmyioctl";
  public static final String DEVICE_PATH = "/dev/bmyioctl";
  public static final int GET = _IOR('x', 0, 4);
  public static final int SET = _IOW('x', 1, 4);

  final Bug bug;
  private final FileOperations fops = FileOperations.builder().owner(this).unlocked_ioctl(this::ioctl).build();
  private final Cdev cdev = new Cdev();
  private final Mutex valueLock = new Mutex("bmyioctl->value");
  private final Mutex statsLock = new Mutex("bmyioctl->stats");
  private final Spinlock spin = new Spinlock("bmyioctl->spin");
  private final TimerList housekeeping = new TimerList();
  private final WorkStruct farewell = new WorkStruct();
  private DeviceClass cls;
  private int devt;
  /** The value, in kmalloc'ed memory (a C driver's {@code struct myioctl_state *}). */
  private long state;
  private long scratch;
  private int gets;

  public BrokenMyIoctl(Bug bug) {
    this.bug = bug;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected int init() {
    state = kzalloc(64, GFP_KERNEL);
    if (state == 0) {
      return -ENOMEM;
    }
    put32(state, 123);
    if (bug == Bug.LEAK_VMALLOC) {
      scratch = vmalloc(3 * 4096);
    }
    int[] dev = new int[1];
    int rc = alloc_chrdev_region(dev, 0, 1, NAME);
    if (rc != 0) {
      kfree(state);
      return rc;
    }
    devt = dev[0];
    cdev_init(cdev, fops);
    cdev_add(cdev, devt, 1);
    cls = class_create(NAME);
    device_create(cls, null, devt, null, NAME);
    timer_setup(housekeeping, t -> mod_timer(housekeeping, jiffies() + msecs_to_jiffies(10_000)), 0);
    mod_timer(housekeeping, jiffies() + msecs_to_jiffies(10_000));
    INIT_WORK(farewell, w -> { });
    return 0;
  }

  @Override
  protected void exit() {
    if (bug != Bug.LEAK_TIMER) {
      del_timer_sync(housekeeping);
    }
    if (bug == Bug.LEAK_WORK) {
      schedule_work(farewell); // BUG: queued and never flushed: it would run after the module is gone
    }
    if (bug != Bug.LEAK_DEVICE_NODE && bug != Bug.LEAK_CLASS) {
      device_destroy(cls, devt);
    }
    if (bug != Bug.LEAK_CLASS) {
      class_destroy(cls);
    }
    if (bug != Bug.LEAK_CDEV) {
      cdev_del(cdev);
    }
    if (bug != Bug.LEAK_CHRDEV_REGION) {
      unregister_chrdev_region(devt, 1);
    }
    if (bug != Bug.LEAK_KMALLOC) {
      kfree(state);
    }
    if (bug == Bug.DOUBLE_KFREE) {
      kfree(state); // BUG: freed twice
    }
  }

  private long ioctl(File f, int cmd, long arg) {
    if (cmd == GET) {
      return get(arg);
    }
    if (cmd == SET) {
      return set(arg);
    }
    return -ENOTTY;
  }

  private long get(long arg) {
    mutex_lock(valueLock);
    mutex_lock(statsLock);
    gets++;
    mutex_unlock(statsLock);
    long rc;
    if (bug == Bug.KERNEL_POINTER_AS_USER) {
      rc = copy_to_user(state, state, 4); // BUG: the destination is the kernel's own buffer
    } else if (bug == Bug.IOCTL_COPIES_TOO_MUCH) {
      rc = copy_to_user(arg, state, 8); // BUG: 8 bytes for _IOR('x', 0, int)
    } else {
      rc = copy_to_user(arg, state, 4);
    }
    mutex_unlock(valueLock);
    return rc != 0 ? -EFAULT : 0;
  }

  private long set(long arg) {
    byte[] b = new byte[4];
    if (bug == Bug.DEREFERENCES_USER_POINTER) {
      int v = get32(arg); // BUG: arg is a user pointer
      b = new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    } else if (bug == Bug.SLEEP_UNDER_SPINLOCK) {
      spin_lock(spin);
      long left = copy_from_user(b, arg, 4); // BUG: may fault and sleep, under a spinlock
      spin_unlock(spin);
      if (left != 0) {
        return -EFAULT;
      }
    } else if (copy_from_user(b, arg, 4) != 0) {
      return -EFAULT;
    }
    int v = (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    if (bug == Bug.LOCK_ORDER_INVERSION) {
      mutex_lock(statsLock); // BUG: GET takes value, then stats
      mutex_lock(valueLock);
      mutex_unlock(valueLock);
      mutex_unlock(statsLock);
    }
    mutex_lock(valueLock);
    if (v < 0) {
      if (bug != Bug.LOCK_HELD_ON_RETURN) {
        mutex_unlock(valueLock);
      }
      return -EINVAL;
    }
    put32(state, v);
    mutex_unlock(valueLock);
    return 0;
  }
}
