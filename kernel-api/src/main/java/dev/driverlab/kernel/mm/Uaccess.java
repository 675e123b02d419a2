package dev.driverlab.kernel.mm;

import static dev.driverlab.kernel.uapi.Errno.EFAULT;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.proc.Process;

/**
 * User memory access with Linux names (include/linux/uaccess.h). User pointers are {@code long}
 * addresses in the calling process; copies return the number of bytes NOT copied, as in C. Passing a
 * kernel address as the user pointer is refused (access_ok) and reported.
 */
public final class Uaccess {
  private Uaccess() {}

  /** access_ok(addr, size): the range lies in user space (it may still be unmapped). */
  public static boolean access_ok(long addr, long size) {
    return addr >= 0 && size >= 0 && addr + size <= UserMm.TASK_SIZE && addr + size >= addr;
  }

  private static UserMm mm(Kernel k) {
    Process p = k.currentProcess();
    return p == null ? null : p.mm();
  }

  private static boolean check(Kernel k, long uaddr, long n, String fn) {
    k.mightSleep(fn);
    if (!access_ok(uaddr, n)) {
      k.bugs().report(Check.USERCOPY, null, fn + " with a pointer that is not a user address (a kernel pointer "
          + "passed where a __user pointer belongs?)", "address", String.format("%#x", uaddr), "size", n);
      return false;
    }
    dev.driverlab.kernel.check.UsercopyCheck.onUserCopy(k, uaddr, n, fn.startsWith("copy_to"));
    return true;
  }

  /** copy_to_user from a Java array: bytes not copied (0 on success). */
  public static long copy_to_user(long to, byte[] from, long n) {
    return copy_to_user(to, from, 0, n);
  }

  public static long copy_to_user(long to, byte[] from, int off, long n) {
    Kernel k = Kernel.current();
    if (!check(k, to, n, "copy_to_user")) {
      return n;
    }
    UserMm mm = mm(k);
    return mm == null ? n : mm.write(to, from, off, (int) n);
  }

  /** copy_to_user from kernel memory at {@code kfrom}. */
  public static long copy_to_user(long to, long kfrom, long n) {
    Kernel k = Kernel.current();
    if (!check(k, to, n, "copy_to_user")) {
      return n;
    }
    byte[] buf = new byte[(int) n];
    k.mem().readBytes(kfrom, buf, 0, (int) n);
    UserMm mm = mm(k);
    return mm == null ? n : mm.write(to, buf, 0, (int) n);
  }

  /** copy_from_user into a Java array; on a short copy the rest of {@code to} is zeroed. */
  public static long copy_from_user(byte[] to, long from, long n) {
    Kernel k = Kernel.current();
    if (!check(k, from, n, "copy_from_user")) {
      java.util.Arrays.fill(to, 0, (int) Math.min(n, to.length), (byte) 0);
      return n;
    }
    UserMm mm = mm(k);
    long left = mm == null ? n : mm.read(from, to, 0, (int) n);
    if (left > 0) {
      java.util.Arrays.fill(to, (int) (n - left), (int) n, (byte) 0);
    }
    return left;
  }

  /** copy_from_user into kernel memory at {@code kto}. */
  public static long copy_from_user(long kto, long from, long n) {
    byte[] buf = new byte[(int) n];
    long left = copy_from_user(buf, from, n);
    Kernel.current().mem().writeBytes(kto, buf, 0, (int) n);
    return left;
  }

  /** get_user(x, ptr) for a 32-bit value: x[0] receives it (0 on fault); returns 0 or -EFAULT. */
  public static int get_user(int[] x, long ptr) {
    byte[] b = new byte[4];
    if (copy_from_user(b, ptr, 4) != 0) {
      x[0] = 0;
      return -EFAULT;
    }
    x[0] = (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    return 0;
  }

  /** get_user for a 64-bit value. */
  public static int get_user(long[] x, long ptr) {
    byte[] b = new byte[8];
    if (copy_from_user(b, ptr, 8) != 0) {
      x[0] = 0;
      return -EFAULT;
    }
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | (b[i] & 0xffL);
    }
    x[0] = v;
    return 0;
  }

  /** put_user(x, ptr) for a 32-bit value: 0 or -EFAULT. */
  public static int put_user(int x, long ptr) {
    byte[] b = {(byte) x, (byte) (x >>> 8), (byte) (x >>> 16), (byte) (x >>> 24)};
    return copy_to_user(ptr, b, 4) == 0 ? 0 : -EFAULT;
  }

  public static int put_user(long x, long ptr) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (x >>> (8 * i));
    }
    return copy_to_user(ptr, b, 8) == 0 ? 0 : -EFAULT;
  }
}
