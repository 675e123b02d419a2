package dev.driverlab.kernel.sched;

import dev.driverlab.kernel.Kernel;
import java.util.function.Consumer;

/** Kernel timers and the system workqueue with Linux names (include/linux/timer.h, workqueue.h). */
public final class Timers {
  private Timers() {}

  public static void timer_setup(TimerList t, Consumer<TimerList> fn, int flags) {
    Kernel.current().timers().setup(t, fn, flags);
  }

  /** mod_timer: arms {@code t} to fire at {@code expires} jiffies; 1 if it was pending. */
  public static int mod_timer(TimerList t, long expires) {
    return Kernel.current().timers().mod(t, expires);
  }

  public static void add_timer(TimerList t) {
    Kernel.current().timers().mod(t, t.expires);
  }

  public static int del_timer(TimerList t) {
    return Kernel.current().timers().del(t);
  }

  /** del_timer_sync: as del_timer; the callback is never running concurrently on one CPU. */
  public static int del_timer_sync(TimerList t) {
    return Kernel.current().timers().del(t);
  }

  public static int timer_delete_sync(TimerList t) {
    return del_timer_sync(t);
  }

  public static boolean timer_pending(TimerList t) {
    return t.pending();
  }

  public static void INIT_WORK(WorkStruct w, Consumer<WorkStruct> fn) {
    Kernel.current().timers().init(w, fn);
  }

  public static boolean schedule_work(WorkStruct w) {
    return Kernel.current().timers().schedule(w);
  }

  public static boolean flush_work(WorkStruct w) {
    return Kernel.current().timers().flush(w);
  }

  public static boolean cancel_work_sync(WorkStruct w) {
    return Kernel.current().timers().cancel(w);
  }
}
