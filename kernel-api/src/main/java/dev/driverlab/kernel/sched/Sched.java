package dev.driverlab.kernel.sched;

import dev.driverlab.devices.time.VirtualClock;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kernel.proc.Process;

/**
 * Time and sleeping with Linux names (include/linux/jiffies.h, delay.h, timekeeping.h). Everything is
 * on the machine's virtual clock: {@code msleep(100)} lets 100 ms of simulated time pass, running
 * device work and other threads, and returns at once in wall-clock terms.
 */
public final class Sched {
  private Sched() {}

  public static final int HZ = TimerCore.HZ;
  public static final long MAX_SCHEDULE_TIMEOUT = Long.MAX_VALUE;

  public static long jiffies() {
    return Kernel.current().timers().jiffies();
  }

  /** The largest timeout in jiffies (include/linux/jiffies.h): what a negative time converts to. */
  public static final long MAX_JIFFY_OFFSET = (Long.MAX_VALUE >> 1) - 1;

  /**
   * msecs_to_jiffies: rounded up, as Linux does (kernel/time/time.c, _msecs_to_jiffies for HZ dividing
   * 1000); a negative time is MAX_JIFFY_OFFSET, so a bad timeout waits "forever" rather than not at all.
   */
  public static long msecs_to_jiffies(long ms) {
    if (ms < 0) {
      return MAX_JIFFY_OFFSET;
    }
    return ms >= MAX_JIFFY_OFFSET / HZ ? MAX_JIFFY_OFFSET : (ms * HZ + 999) / 1000;
  }

  /** usecs_to_jiffies: rounded up; negative is MAX_JIFFY_OFFSET. */
  public static long usecs_to_jiffies(long us) {
    if (us < 0) {
      return MAX_JIFFY_OFFSET;
    }
    return us >= MAX_JIFFY_OFFSET / HZ ? MAX_JIFFY_OFFSET : (us * HZ + 999_999) / 1_000_000;
  }

  public static long jiffies_to_msecs(long j) {
    return j * 1000 / HZ;
  }

  /** time_after(a, b): true if a is after b, wrap-safe. */
  public static boolean time_after(long a, long b) {
    return b - a < 0;
  }

  public static boolean time_before(long a, long b) {
    return time_after(b, a);
  }

  /** ktime_get(): nanoseconds of simulated time since boot. */
  public static long ktime_get() {
    return Kernel.current().machine().clock().nowNs();
  }

  public static long ktime_get_ns() {
    return ktime_get();
  }

  public static long ktime_to_us(long kt) {
    return kt / 1000;
  }

  public static long ktime_to_ms(long kt) {
    return kt / 1_000_000;
  }

  /** The running task. */
  public static SimThread current() {
    return Kernel.current().sched().current();
  }

  /** signal_pending(current). */
  public static boolean signal_pending(SimThread t) {
    Process p = Kernel.current().currentProcess();
    return p != null && p.signalPending();
  }

  static void sleep(long ns, String what) {
    Kernel k = Kernel.current();
    if (!k.mightSleep(what)) {
      throw new KernelOops("BUG: scheduling while atomic: " + what);
    }
    k.sched().sleepUntil(k.machine().clock().nowNs() + ns, what + " at " + k.callSite());
  }

  /** msleep: sleeps at least {@code ms} milliseconds of simulated time. May sleep. */
  public static void msleep(long ms) {
    sleep(ms * 1_000_000L, "msleep(" + ms + ")");
  }

  /** msleep_interruptible: returns the milliseconds left if a signal ended the sleep early. */
  public static long msleep_interruptible(long ms) {
    Kernel k = Kernel.current();
    if (!k.mightSleep("msleep_interruptible")) {
      throw new KernelOops("BUG: scheduling while atomic: msleep_interruptible");
    }
    long end = k.machine().clock().nowNs() + ms * 1_000_000L;
    Process p = k.currentProcess();
    k.sched().block(() -> p != null && p.signalPending(), end, "msleep_interruptible(" + ms + ")");
    return Math.max(0, (end - k.machine().clock().nowNs()) / 1_000_000L);
  }

  public static void usleep_range(long min, long max) {
    sleep(min * 1000L, "usleep_range(" + min + ", " + max + ")");
  }

  /** schedule_timeout: sleeps {@code jiffies}; returns 0 (no wake-ups other than time). */
  public static long schedule_timeout(long timeoutJiffies) {
    sleep(timeoutJiffies * TimerCore.NS_PER_JIFFY, "schedule_timeout");
    return 0;
  }

  /** What one schedule() costs when no other thread wants the CPU: time a polling loop lets pass. */
  static final long SCHEDULE_IDLE_NS = 1_000;

  /**
   * Lets other threads run (a cooperative yield point) and returns when this thread runs again. If no
   * other thread can run, one microsecond of simulated time passes (due device events run), so a
   * {@code while (!done) cond_resched();} loop polling hardware still sees it progress.
   */
  public static void schedule() {
    Kernel k = Kernel.current();
    if (!k.mightSleep("schedule")) {
      throw new KernelOops("BUG: scheduling while atomic: schedule");
    }
    if (!k.sched().yieldCpu()) {
      busyWait(SCHEDULE_IDLE_NS);
    }
  }

  public static void cond_resched() {
    schedule();
  }

  /** udelay: busy-waits; time passes and devices work, but no other thread runs. Atomic-safe. */
  public static void udelay(long us) {
    busyWait(us * 1000L);
  }

  public static void ndelay(long ns) {
    busyWait(ns);
  }

  public static void mdelay(long ms) {
    busyWait(ms * 1_000_000L);
  }

  static void busyWait(long ns) {
    Kernel k = Kernel.current();
    VirtualClock c = k.machine().clock();
    long target = c.nowNs() + ns;
    while (c.hasPending() && c.peek().when() <= target) {
      c.runNext();
      k.sched().afterEvent();
    }
    c.advanceTo(target);
  }
}
