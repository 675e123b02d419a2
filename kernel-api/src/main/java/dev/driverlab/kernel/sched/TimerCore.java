package dev.driverlab.kernel.sched;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Jiffies, kernel timers and the system workqueue on the machine's virtual clock. HZ is 250 and
 * jiffies start five minutes before 32-bit wrap, as Linux's INITIAL_JIFFIES does, so wrap bugs show.
 */
public final class TimerCore {
  public static final int HZ = 250;
  public static final long NS_PER_JIFFY = 1_000_000_000L / HZ;
  public static final long INITIAL_JIFFIES = (-300L * HZ) & 0xffff_ffffL;

  private final Kernel kernel;
  private final List<TimerList> timers = new ArrayList<>();
  private final ArrayDeque<TimerList> expired = new ArrayDeque<>();
  /**
   * Set when a timer expires, cleared when {@link #runExpired} finds none left: that runs after every
   * clock event, and most events expire no timer, so it returns here without a lock or a thread lookup.
   */
  private volatile boolean anyExpired;
  private final ArrayDeque<WorkStruct> workQueue = new ArrayDeque<>();
  private final List<WorkStruct> queued = new ArrayList<>();
  private SimThread kworker;

  public TimerCore(Kernel kernel) {
    this.kernel = kernel;
    kernel.sched().addAfterEvent(this::runExpired);
  }

  public long jiffies() {
    return INITIAL_JIFFIES + kernel.machine().clock().nowNs() / NS_PER_JIFFY;
  }

  /** Virtual time at which {@code jiffies} is reached. */
  public long jiffiesToDeadlineNs(long j) {
    long delta = j - jiffies();
    long now = kernel.machine().clock().nowNs();
    long base = now - now % NS_PER_JIFFY;
    return delta <= 0 ? now : base + delta * NS_PER_JIFFY;
  }

  // ---- timers -----------------------------------------------------------------------------------

  public void setup(TimerList t, java.util.function.Consumer<TimerList> fn, int flags) {
    t.function = fn;
    t.flags = flags;
    t.event = null;
    t.owner = kernel.currentModule();
    t.site = kernel.callSite();
  }

  /** mod_timer: (re)arms; returns 1 if the timer was pending. */
  public int mod(TimerList t, long expires) {
    if (t.function == null) {
      kernel.bugs().report(Check.WARN, null, "mod_timer on a timer that was never set up (timer_setup missing)");
      return 0;
    }
    int was = del(t);
    t.expires = expires;
    t.event = kernel.machine().clock().scheduleAt(jiffiesToDeadlineNs(expires), "timer " + t.site, () -> {
      synchronized (timers) {
        t.due = true;
        expired.add(t);
        anyExpired = true;
      }
      runExpired();
    });
    synchronized (timers) {
      timers.add(t);
    }
    return was;
  }

  /**
   * The timer softirq: runs expired timers if the CPU may take a softirq now. With local interrupts or
   * bottom halves off, or inside a hard or soft interrupt, they wait (Linux raises TIMER_SOFTIRQ but
   * runs it only on interrupt exit with interrupts and bottom halves on): for the next clock event,
   * local_irq_restore, spin_unlock_irqrestore or spin_unlock_bh. Callbacks run in softirq context:
   * sleeping there is reported.
   */
  public void runExpired() {
    if (!anyExpired) {
      return;
    }
    SimThread cpu = kernel.sched().currentOrNull();
    if (cpu == null || cpu.irqsDisabled > 0 || cpu.hardirq > 0 || cpu.softirq > 0 || cpu.bhDisabled > 0) {
      return;
    }
    while (true) {
      TimerList t;
      synchronized (timers) {
        t = expired.poll();
        if (t == null) {
          anyExpired = false;
          return;
        }
        t.due = false;
        timers.remove(t);
      }
      cpu.softirq++;
      try {
        kernel.callDriver(t.owner, () -> {
          t.function.accept(t);
          return 0;
        });
      } catch (RuntimeException e) {
        kernel.dmesg().log(1, "BUG: timer callback " + t.site + " crashed: " + e);
      } finally {
        cpu.softirq--;
      }
    }
  }

  /** del_timer: returns 1 if it was pending (armed, or expired and waiting for its softirq). */
  public int del(TimerList t) {
    boolean wasDue;
    synchronized (timers) {
      timers.remove(t);
      wasDue = t.due;
      if (wasDue) {
        expired.remove(t);
        t.due = false;
      }
    }
    boolean wasArmed = t.event != null && t.event.cancel();
    return wasDue || wasArmed ? 1 : 0;
  }

  // ---- workqueue --------------------------------------------------------------------------------

  public void init(WorkStruct w, java.util.function.Consumer<WorkStruct> fn) {
    w.func = fn;
    w.pending = false;
    w.owner = kernel.currentModule();
    w.site = kernel.callSite();
  }

  /** schedule_work: false if already pending. */
  public boolean schedule(WorkStruct w) {
    if (w.func == null) {
      kernel.bugs().report(Check.WARN, null, "schedule_work on work that was never initialised (INIT_WORK missing)");
      return false;
    }
    synchronized (workQueue) {
      if (w.pending) {
        return false;
      }
      w.pending = true;
      workQueue.add(w);
      queued.add(w);
    }
    if (kworker == null || kworker.finished()) {
      kworker = kernel.spawnDaemon("kworker/0:1", this::worker);
    }
    return true;
  }

  private void worker() {
    SimThread self = kernel.sched().current();
    while (true) {
      self.idle = true;
      try {
        kernel.sched().block(() -> {
          synchronized (workQueue) {
            return !workQueue.isEmpty();
          }
        }, -1, "work to do (kworker idle)");
      } finally {
        self.idle = false;
      }
      WorkStruct w;
      synchronized (workQueue) {
        w = workQueue.poll();
        w.pending = false;
        w.running = true;
      }
      try {
        kernel.callDriver(w.owner, () -> {
          w.func.accept(w);
          return 0;
        });
      } catch (RuntimeException e) {
        kernel.dmesg().log(1, "BUG: work function " + w.site + " crashed: " + e);
      } finally {
        synchronized (workQueue) {
          w.running = false;
          queued.remove(w);
        }
      }
    }
  }

  /** flush_work: waits until {@code w} is neither pending nor running; true if it had to wait. */
  public boolean flush(WorkStruct w) {
    kernel.mightSleep("flush_work");
    boolean busy = w.pending || w.running;
    kernel.sched().block(() -> !w.pending && !w.running, -1, "flush_work(" + w.site + ")");
    return busy;
  }

  public boolean cancel(WorkStruct w) {
    boolean was;
    synchronized (workQueue) {
      was = workQueue.remove(w);
      if (was) {
        w.pending = false;
        queued.remove(w);
      }
    }
    flush(w);
    return was;
  }

  public List<String> leftoversOf(Object module) {
    List<String> out = new ArrayList<>();
    synchronized (timers) {
      for (TimerList t : timers) {
        if (t.owner == module && t.pending()) {
          out.add("timer still pending (set up at " + t.site + ")");
        }
      }
    }
    synchronized (workQueue) {
      for (WorkStruct w : queued) {
        if (w.owner == module) {
          out.add("work still queued (initialised at " + w.site + ")");
        }
      }
    }
    return out;
  }
}
