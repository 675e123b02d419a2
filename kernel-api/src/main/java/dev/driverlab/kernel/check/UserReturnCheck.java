package dev.driverlab.kernel.check;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.sched.SimThread;
import java.util.ArrayList;
import java.util.List;

/**
 * What must be true when a system call returns to user space (lockdep_sys_exit in
 * kernel/locking/lockdep.c, and the entry code's checks): no lock held, interrupts enabled, preemption
 * enabled. A driver that returns from ioctl or read with a mutex or spinlock still taken leaves the
 * next caller hanging or spinning; Linux prints
 *
 * <pre>
 * ================================================
 * WARNING: lock held when returning to user space!
 * myioctl/100 is leaving the kernel with locks still held!
 * 1 lock held by myioctl/100:
 *  #0: myioctl->lock
 * </pre>
 *
 * Here the same lines go to dmesg and one {@link Check#LOCKDEP} report per lock (a lock stays held
 * across later system calls; it is reported the first time only). Nothing is released: the lock stays
 * held, as it would on Linux.
 */
public final class UserReturnCheck {
  private final Kernel kernel;
  private final List<Object> reportedLocks = new ArrayList<>();
  private boolean irqsReported;
  private long exits;

  UserReturnCheck(Kernel kernel) {
    this.kernel = kernel;
  }

  /**
   * The hook: call on the system call's own thread after the driver returned and before the process
   * runs again ({@code Process.syscall}). {@code syscall} names it for the report ("ioctl").
   */
  public static void onSyscallExit(Kernel k, String syscall) {
    KernelChecks.of(k).userReturn().check(syscall);
  }

  /** How many system-call exits were checked (tells whether the hook is wired). */
  public synchronized long exits() {
    return exits;
  }

  void check(String syscall) {
    SimThread t = kernel.sched().currentOrNull();
    synchronized (this) {
      exits++;
    }
    if (t == null) {
      return;
    }
    List<Object> fresh = new ArrayList<>();
    synchronized (this) {
      for (Object l : t.heldLocks) {
        if (reportedLocks.stream().noneMatch(x -> x == l)) {
          reportedLocks.add(l);
          fresh.add(l);
        }
      }
    }
    String who = kernel.currentProcess() == null ? t.name() : kernel.currentProcess().name();
    int pid = kernel.currentPid();
    if (!fresh.isEmpty()) {
      kernel.dmesg().log(4, "================================================");
      kernel.dmesg().log(4, "WARNING: lock held when returning to user space!");
      kernel.dmesg().log(4, who + "/" + pid + " is leaving the kernel with locks still held!");
      kernel.dmesg().log(4, t.heldLocks.size() + " lock" + (t.heldLocks.size() == 1 ? "" : "s") + " held by " + who
          + "/" + pid + ":");
      int i = 0;
      for (Object l : t.heldLocks) {
        kernel.dmesg().log(4, " #" + i++ + ": " + l);
      }
      for (Object l : fresh) {
        kernel.bugs().report(Check.LOCKDEP, null, "lock held when returning to user space: " + who + "/" + pid
            + " leaves " + syscall + " with " + l + " still held", "lock", l, "syscall", syscall);
      }
    }
    if (t.irqsDisabled > 0 && t.hardirq == 0) {
      boolean first;
      synchronized (this) {
        first = !irqsReported;
        irqsReported = true;
      }
      if (first) {
        kernel.bugs().report(Check.LOCKDEP, null, "returning to user space with interrupts disabled: " + who + "/"
            + pid + " leaves " + syscall + " after local_irq_save/spin_lock_irqsave without the restore",
            "irqs_disabled()", 1, "syscall", syscall);
      }
    }
  }
}
