package dev.driverlab.kernel.sched;

import static dev.driverlab.kernel.uapi.Errno.ERESTARTSYS;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kernel.proc.Process;
import java.util.function.BooleanSupplier;

/**
 * Wait queues and completions with Linux names (include/linux/wait.h, completion.h). Conditions are
 * lambdas: {@code wait_event(wq, () -> done)}. Timeouts are in jiffies. All waits may sleep; in atomic
 * context they are reported ("BUG: sleeping function called from invalid context") and fail.
 */
public final class Wait {
  private Wait() {}

  public static void init_waitqueue_head(WaitQueueHead wq) {
    wq.waiters.clear();
    wq.interruptible.clear();
  }

  /**
   * The one wait loop behind every variant. {@code timeoutJiffies} −1 means no timeout (the void and
   * int variants); MAX_SCHEDULE_TIMEOUT also never times out (schedule_timeout treats it as "forever"),
   * so a wait nothing can end is reported as a hang rather than jumping the clock decades ahead. Returns
   * 0 (no timeout, condition true), jiffies left ≥ 1, 0 on timeout, or -ERESTARTSYS.
   */
  private static long wait(WaitQueueHead wq, BooleanSupplier cond, boolean interruptible, long timeoutJiffies,
      String what) {
    Kernel k = Kernel.current();
    if (cond.getAsBoolean()) {
      return timeoutJiffies < 0 ? 0 : Math.max(1, timeoutJiffies);
    }
    if (!k.mightSleep(what)) {
      throw new KernelOops("BUG: scheduling while atomic: " + what);
    }
    WaitLabel label = new WaitLabel(k, what, wq); // text (and its stack walk) only for a report
    boolean forever = timeoutJiffies == Sched.MAX_SCHEDULE_TIMEOUT;
    long deadline = timeoutJiffies < 0 || forever ? -1
        : k.machine().clock().nowNs() + Math.min(timeoutJiffies, Long.MAX_VALUE / 2 / TimerCore.NS_PER_JIFFY)
            * TimerCore.NS_PER_JIFFY;
    Process p = interruptible ? k.currentProcess() : null;
    boolean[] flag = wq.add(interruptible);
    try {
      while (true) {
        flag[0] = false;
        boolean woken = k.sched().block(() -> flag[0] || (p != null && p.signalPending()), deadline, label);
        if (cond.getAsBoolean()) {
          if (deadline < 0) {
            return forever ? timeoutJiffies : 0;
          }
          long left = (deadline - k.machine().clock().nowNs() + TimerCore.NS_PER_JIFFY - 1) / TimerCore.NS_PER_JIFFY;
          return Math.max(1, left);
        }
        if (p != null && p.signalPending()) {
          return -ERESTARTSYS;
        }
        if (!woken) {
          return 0; // timed out, condition false
        }
      }
    } finally {
      wq.remove(flag);
    }
  }

  /** wait_event: uninterruptible, no timeout. */
  public static void wait_event(WaitQueueHead wq, BooleanSupplier cond) {
    wait(wq, cond, false, -1, "wait_event");
  }

  /** wait_event_interruptible: 0, or -ERESTARTSYS if a signal arrived first. */
  public static int wait_event_interruptible(WaitQueueHead wq, BooleanSupplier cond) {
    return (int) wait(wq, cond, true, -1, "wait_event_interruptible");
  }

  /** wait_event_timeout: 0 if timed out with the condition false, else the jiffies left (≥ 1). */
  public static long wait_event_timeout(WaitQueueHead wq, BooleanSupplier cond, long timeout) {
    return wait(wq, cond, false, timeout, "wait_event_timeout");
  }

  /** As wait_event_timeout, or -ERESTARTSYS on a signal. */
  public static long wait_event_interruptible_timeout(WaitQueueHead wq, BooleanSupplier cond, long timeout) {
    return wait(wq, cond, true, timeout, "wait_event_interruptible_timeout");
  }

  public static void wake_up(WaitQueueHead wq) {
    wq.wake(false);
  }

  public static void wake_up_all(WaitQueueHead wq) {
    wq.wake(false);
  }

  public static void wake_up_interruptible(WaitQueueHead wq) {
    wq.wake(true);
  }

  // ---- completions ------------------------------------------------------------------------------

  public static void init_completion(Completion c) {
    c.done = 0;
  }

  public static void reinit_completion(Completion c) {
    c.done = 0;
  }

  public static void complete(Completion c) {
    if (c.done != Integer.MAX_VALUE) {
      c.done++;
    }
    c.wait.wake(false);
  }

  public static void complete_all(Completion c) {
    c.done = Integer.MAX_VALUE;
    c.wait.wake(false);
  }

  private static void consume(Completion c) {
    if (c.done != Integer.MAX_VALUE) {
      c.done--;
    }
  }

  public static void wait_for_completion(Completion c) {
    wait(c.wait, () -> c.done > 0, false, -1, "wait_for_completion");
    consume(c);
  }

  /** 0 if timed out, else jiffies left (≥ 1). */
  public static long wait_for_completion_timeout(Completion c, long timeout) {
    long r = wait(c.wait, () -> c.done > 0, false, timeout, "wait_for_completion_timeout");
    if (r > 0) {
      consume(c);
    }
    return r;
  }

  /** 0, or -ERESTARTSYS on a signal. */
  public static int wait_for_completion_interruptible(Completion c) {
    long r = wait(c.wait, () -> c.done > 0, true, -1, "wait_for_completion_interruptible");
    if (r == 0) {
      consume(c);
    }
    return (int) r;
  }

  public static long wait_for_completion_interruptible_timeout(Completion c, long timeout) {
    long r = wait(c.wait, () -> c.done > 0, true, timeout, "wait_for_completion_interruptible_timeout");
    if (r > 0) {
      consume(c);
    }
    return r;
  }

  public static boolean completion_done(Completion c) {
    return c.done > 0;
  }
}
