package dev.driverlab.kernel.check;

import static dev.driverlab.kernel.uapi.Ioctl._IOC_DIR;
import static dev.driverlab.kernel.uapi.Ioctl._IOC_READ;
import static dev.driverlab.kernel.uapi.Ioctl._IOC_SIZE;
import static dev.driverlab.kernel.uapi.Ioctl._IOC_WRITE;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.UserMm;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.sched.SimThread;
import dev.driverlab.kernel.uapi.Ioctl;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * User-pointer misuse that Linux catches only partly (hardened usercopy, SMAP) or not at all:
 *
 * <ul>
 *   <li><b>ioctl argument sizes.</b> An ioctl command encodes the size and direction of the structure
 *       its argument points to ({@code _IOWR('S', 1, struct sdma_transfer)}: 40 bytes, both ways). A
 *       driver whose {@code copy_from_user}/{@code copy_to_user} at the argument runs past that size,
 *       or copies against the encoded direction, disagrees with its own UAPI: user space built from
 *       the header allocates the encoded size. Reported as {@link Check#USERCOPY}:
 *       <pre>usercopy: myioctl: ioctl _IOR('x', 0, 4) copies 8 bytes to user space at its argument,
 *       but the command encodes 4 [cmd=0x80047800] [copy=copy_to_user of 8 bytes at offset 0]</pre>
 *       Copies elsewhere (a buffer whose address is inside the structure) are not the argument's and
 *       are not checked; {@code _IO} commands encode no size and are not checked.
 *   <li><b>A user pointer dereferenced directly</b> ({@code get32(arg)} instead of
 *       {@code get_user}): with SMAP, Linux oopses; here too, with a report that says what to use.
 * </ul>
 *
 * Hooks (wired by the kernel): {@link #ioctl} around the driver's {@code unlocked_ioctl},
 * {@link #onUserCopy} in every copy to or from user space, {@link #onKernelFault} where a kernel
 * access finds no mapping.
 *
 * <p>A faithful port of a driver whose released UAPI has such a mismatch (RIFFA encodes the size of a
 * pointer, 8, for structures of 40 and 164 bytes) is told so with {@link #tolerate}; the tolerated
 * mismatches of the drivers in this tree are listed in {@link #KNOWN_UAPI_QUIRKS}.
 */
public final class UsercopyCheck {
  /** One ioctl in progress on a thread. */
  private record Frame(int cmd, long arg) {}

  /**
   * Mismatches in released user ABIs that a faithful port must keep, as "driver:cmd" → why. RIFFA
   * 2.2's {@code riffa_driver.h} passes pointer types to {@code _IOW}/{@code _IOR}, so its numbers
   * encode 8 bytes (riffa.md §1.3), and its direction bits are cosmetic.
   */
  public static final Map<String, String> KNOWN_UAPI_QUIRKS = Map.of(
      "riffa:" + 0x40086401, "RIFFA 2.2 IOCTL_SEND = _IOW(100, 1, fpga_chnl_io *): encodes a pointer's size",
      "riffa:" + 0x80086402, "RIFFA 2.2 IOCTL_RECV = _IOR(100, 2, fpga_chnl_io *): encodes a pointer's size and "
          + "copies from user space",
      "riffa:" + 0x80086403, "RIFFA 2.2 IOCTL_LIST = _IOR(100, 3, fpga_info_list *): encodes a pointer's size");

  private final Kernel kernel;
  private final Map<SimThread, Deque<Frame>> frames = new WeakHashMap<>();
  private final Map<String, String> tolerated = new HashMap<>(KNOWN_UAPI_QUIRKS);
  private final Set<String> reported = new HashSet<>();
  private long ioctls;
  private long copies;
  private long faults;

  UsercopyCheck(Kernel kernel) {
    this.kernel = kernel;
  }

  // ---- hooks -----------------------------------------------------------------------------------

  /**
   * Marks the driver's {@code unlocked_ioctl(file, cmd, arg)} as running on the calling thread until
   * the returned scope closes (nested calls stack).
   */
  public static Kernel.Scope ioctl(Kernel k, int cmd, long arg) {
    return KernelChecks.of(k).usercopy().enter(cmd, arg);
  }

  /**
   * A copy of {@code n} bytes between the kernel and user address {@code uaddr}: {@code toUser} for
   * copy_to_user/put_user, false for copy_from_user/get_user. Call before copying.
   */
  public static void onUserCopy(Kernel k, long uaddr, long n, boolean toUser) {
    KernelChecks.of(k).usercopy().copy(uaddr, n, toUser);
  }

  /**
   * A kernel load or store at {@code va} found no kernel mapping. If {@code va} is a user address, the
   * driver dereferenced a user pointer: reports it and returns the exception to throw (the oops);
   * otherwise returns null and the caller oopses as usual.
   */
  public static RuntimeException onKernelFault(Kernel k, long va, int len, boolean write) {
    return KernelChecks.of(k).usercopy().fault(va, len, write);
  }

  /** Stops reporting {@code cmd} of {@code driver} (a module name): its UAPI is fixed as released. */
  public synchronized void tolerate(String driver, int cmd, String why) {
    tolerated.put(driver + ":" + cmd, why);
  }

  /** Counts of what the hooks have seen: ioctls, user copies, kernel faults (tells which are wired). */
  public synchronized long[] seen() {
    return new long[] {ioctls, copies, faults};
  }

  // ---- checks ----------------------------------------------------------------------------------

  private Kernel.Scope enter(int cmd, long arg) {
    SimThread t = kernel.sched().current();
    Deque<Frame> d;
    synchronized (this) {
      ioctls++;
      d = frames.computeIfAbsent(t, x -> new ArrayDeque<>());
      d.push(new Frame(cmd, arg));
    }
    return () -> {
      synchronized (this) {
        d.pop();
      }
    };
  }

  private void copy(long uaddr, long n, boolean toUser) {
    SimThread t = kernel.sched().currentOrNull();
    Frame f;
    synchronized (this) {
      copies++;
      Deque<Frame> d = t == null ? null : frames.get(t);
      f = d == null ? null : d.peek();
    }
    int size = f == null ? 0 : _IOC_SIZE(f.cmd);
    if (size == 0 || n <= 0 || uaddr < f.arg || uaddr >= f.arg + size) {
      return; // no ioctl, an _IO command, or not a copy of the argument's structure
    }
    // The texts (the command's _IOWR(...) description among them) are built only for a report: this
    // runs for every copy of an ioctl's argument, nearly always a correct one.
    String fn = toUser ? "copy_to_user" : "copy_from_user";
    long off = uaddr - f.arg;
    if (off + n > size && fresh(f, "size")) {
      report(f, String.format("ioctl %s copies %d bytes %s user space at its argument%s, but the command "
          + "encodes %d", Ioctl.describe(f.cmd), n, toUser ? "to" : "from", off == 0 ? "" : " + " + off, size), fn,
          off, n);
    }
    int dir = _IOC_DIR(f.cmd);
    if (toUser && (dir & _IOC_READ) == 0) {
      if (fresh(f, "direction")) {
        report(f, String.format("ioctl %s copies its argument to user space, but the command is not "
            + "encoded _IOC_READ (use _IOR or _IOWR)", Ioctl.describe(f.cmd)), fn, off, n);
      }
    } else if (!toUser && (dir & _IOC_WRITE) == 0) {
      if (fresh(f, "direction")) {
        report(f, String.format("ioctl %s copies its argument from user space, but the command is not "
            + "encoded _IOC_WRITE (use _IOW or _IOWR)", Ioctl.describe(f.cmd)), fn, off, n);
      }
    }
  }

  /**
   * Whether a finding of {@code kind} about {@code f}'s command is to be reported: not a tolerated
   * command of the running driver, and not reported before (it is marked reported now). Asked before
   * the message is built: a tolerated quirk (RIFFA's IOCTL_LIST) is found on every copy of its ioctl.
   */
  private boolean fresh(Frame f, String kind) {
    Object m = kernel.currentModule();
    String driver = m instanceof KernelModule km ? km.name() : "?";
    synchronized (this) {
      return !tolerated.containsKey(driver + ":" + f.cmd) && reported.add(driver + "|" + f.cmd + "|" + kind);
    }
  }

  /** Reports a finding {@link #fresh} let through. */
  private void report(Frame f, String message, String fn, long off, long n) {
    kernel.bugs().report(Check.USERCOPY, null, message, "cmd", String.format("%#010x", f.cmd), "copy",
        String.format("%s of %d bytes at offset %d", fn, n, off));
  }

  private RuntimeException fault(long va, int len, boolean write) {
    synchronized (this) {
      faults++;
    }
    if (va < 0 || va >= UserMm.TASK_SIZE) {
      return null;
    }
    return Oopses.oops(kernel, Check.USERCOPY, null, va, write, String.format("kernel %s a user pointer directly "
        + "(SMAP forbids it): use %s", write ? "wrote through" : "read through",
        write ? "copy_to_user or put_user" : "copy_from_user or get_user"), null, "address",
        String.format("%#x", va), "size", len);
  }
}
