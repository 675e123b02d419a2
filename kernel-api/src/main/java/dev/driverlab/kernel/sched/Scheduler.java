package dev.driverlab.kernel.sched;

import dev.driverlab.devices.time.VirtualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One simulated CPU shared by the kernel's threads, run cooperatively and deterministically.
 *
 * <p>Exactly one {@link SimThread} runs at a time. A thread gives up the CPU only when it waits
 * ({@link #block}); the CPU then goes to the next thread, in creation order, that might have been
 * unblocked since it last looked. When every thread has looked and still waits, the virtual clock runs
 * its next event (device work, timers, timeouts) and everybody looks again. When no event is left, the
 * wait can never end: {@link KernelHang} reports who waits for what. The same program therefore always
 * interleaves the same way, with the same timestamps, and never sleeps on the wall clock.
 */
public final class Scheduler {
  private final VirtualClock clock;
  private final String cpuName;
  private final Object lock = new Object();
  private final List<SimThread> threads = new ArrayList<>();
  private final ThreadLocal<SimThread> self = new ThreadLocal<>();
  private SimThread running;
  /**
   * The only simulated thread, or null when there are none or several; set under {@link #lock} after
   * every change to {@link #threads}. A thread that finds itself here when it waits runs the clock's
   * events without taking the lock for each: with nobody to hand the CPU to, the pick, the stall epoch
   * and the bump of {@link #epoch} that the locked path does per event decide nothing (an event that
   * spawns a thread changes this field under the lock, so the next round takes the locked path).
   */
  private volatile SimThread sole;
  private long epoch;
  private int nextTid = 1;
  private Runnable afterEvent = () -> {};
  /** The extra after-event hooks, as a plain array: it is walked after every clock event. */
  private volatile Runnable[] moreAfterEvent = new Runnable[0];

  public Scheduler(VirtualClock clock, String cpuName) {
    this.clock = clock;
    this.cpuName = cpuName;
  }

  public VirtualClock clock() {
    return clock;
  }

  /** Run after every clock event, on the CPU (the kernel delivers pending interrupts here). */
  public void setAfterEvent(Runnable r) {
    this.afterEvent = r;
  }

  /** Also run after every clock event, after the {@link #setAfterEvent} hook (timers run softirqs here). */
  public void addAfterEvent(Runnable r) {
    synchronized (lock) {
      Runnable[] more = java.util.Arrays.copyOf(moreAfterEvent, moreAfterEvent.length + 1);
      more[more.length - 1] = r;
      moreAfterEvent = more;
    }
  }

  /** Runs the after-event hooks: pending interrupts first, then whatever else registered. */
  public void afterEvent() {
    afterEvent.run();
    for (Runnable r : moreAfterEvent) {
      r.run();
    }
  }

  /** Recomputes {@link #sole}; called under {@link #lock} after every change to {@link #threads}. */
  private void threadsChanged() {
    sole = threads.size() == 1 ? threads.get(0) : null;
  }

  /** Makes the calling Java thread a simulated thread holding the CPU (the booting thread). */
  public SimThread adoptCurrentThread(String name, Object process) {
    synchronized (lock) {
      SimThread existing = self.get();
      if (existing != null) {
        return existing;
      }
      if (running != null) {
        throw new IllegalStateException(cpuName + ": the CPU is held by " + running + "; "
            + Thread.currentThread().getName() + " cannot join");
      }
      SimThread t = new SimThread(name, nextTid++, false, process, Thread.currentThread());
      threads.add(t);
      threadsChanged();
      running = t;
      self.set(t);
      return t;
    }
  }

  /** The simulated thread of the caller; throws if the Java thread is not one of this CPU's. */
  public SimThread current() {
    SimThread t = self.get();
    if (t == null) {
      throw new IllegalStateException("thread " + Thread.currentThread().getName() + " is not a thread of "
          + cpuName + " (boot the kernel on this thread, or start threads with Kernel.spawn)");
    }
    return t;
  }

  public SimThread currentOrNull() {
    return self.get();
  }

  /**
   * Creates a thread that will run {@code body} when it first gets the CPU. The caller keeps running;
   * the new thread runs when the caller waits.
   */
  public SimThread spawn(String name, Object process, boolean daemon, Runnable body) {
    synchronized (lock) {
      SimThread[] holder = new SimThread[1];
      Thread jt = new Thread(() -> run(holder[0], body), cpuName + "/" + name);
      jt.setDaemon(true);
      SimThread t = new SimThread(name, nextTid++, daemon, process, jt);
      holder[0] = t;
      threads.add(t);
      threadsChanged();
      epoch++;
      jt.start();
      return t;
    }
  }

  private void run(SimThread t, Runnable body) {
    self.set(t);
    synchronized (lock) {
      while (running != t && !t.killed) {
        waitOnLock();
      }
    }
    try {
      if (!t.killed) {
        body.run();
      }
    } catch (Throwable e) {
      t.failure = e;
    } finally {
      exit(t);
    }
  }

  private void exit(SimThread t) {
    synchronized (lock) {
      t.finished = true;
      threads.remove(t);
      threadsChanged();
      epoch++;
      if (running == t) {
        running = threads.isEmpty() ? null : pickAfter(t, true);
        lock.notifyAll();
      }
    }
  }

  /**
   * Stops every other simulated thread (they end with {@link KernelHang} "killed" at their wait) and
   * releases the caller: the machine is switched off. Parked Java threads do not outlive it.
   */
  public void shutdown() {
    SimThread me = self.get();
    synchronized (lock) {
      for (SimThread t : threads) {
        if (t != me) {
          t.killed = true;
        }
      }
      threads.clear();
      threadsChanged();
      running = null;
      lock.notifyAll();
    }
    self.remove();
  }

  /** Called when an adopted thread (e.g. a test's main thread) leaves the machine for good. */
  public void release(SimThread t) {
    self.remove();
    exit(t);
  }

  /**
   * Waits until {@code ready} holds or the virtual time reaches {@code deadlineNs} (−1: no deadline).
   * Returns true if ready, false on timeout. {@code what} names the wait in hang reports.
   */
  public boolean block(BooleanSupplier ready, long deadlineNs, String what) {
    return block(ready, deadlineNs, () -> what);
  }

  /** As {@link #block(BooleanSupplier, long, String)}; {@code what} is built only for a hang report. */
  public boolean block(BooleanSupplier ready, long deadlineNs, java.util.function.Supplier<String> lazyWhat) {
    SimThread me = current();
    VirtualClock.Event timeout = null;
    if (deadlineNs >= 0) {
      timeout = clock.scheduleAt(Math.max(deadlineNs, clock.nowNs()), "wait timeout", () -> {});
    }
    try {
      synchronized (lock) {
        epoch++; // this thread ran since it last looked: others may be unblocked now
      }
      while (true) {
        if (me.killed) {
          throw new KernelHang("killed: " + me + " was waiting for " + lazyWhat.get() + " when the machine hung");
        }
        if (me.hangReport != null) {
          String report = me.hangReport;
          me.hangReport = null;
          throw new KernelHang(report);
        }
        if (ready.getAsBoolean()) {
          return true;
        }
        if (deadlineNs >= 0 && clock.nowNs() >= deadlineNs) {
          return false;
        }
        if (sole == me) {
          // Alone on the CPU (see sole): the clock's next event is due, as the locked path below would
          // find; if none is pending, that path reports the hang.
          if (me.waitingFor != lazyWhat) {
            me.waitingFor = lazyWhat; // once per wait, not per event (a reference store has a GC barrier)
          }
          if (clock.runNext()) {
            afterEvent();
            continue;
          }
        }
        SimThread next;
        boolean eventDue;
        synchronized (lock) {
          me.stalledEpoch = epoch;
          me.waitingFor = lazyWhat;
          next = pickAfter(me, false);
          if (next != null) {
            if (lazyWhat instanceof WaitLabel label) {
              label.resolve(); // others may report this wait; only this thread's stack names its caller
            }
            running = next;
            lock.notifyAll();
            while (running != me && !me.killed) {
              waitOnLock();
            }
            me.waitingFor = null;
            continue;
          }
          // Nobody else can run: the clock's next event is due. (Checked under the same lock hold
          // as the pick; only this thread runs here, so nothing changes between the two.)
          eventDue = clock.hasPending();
          if (eventDue) {
            epoch++;
          }
        }
        if (eventDue) {
          clock.runNext();
          afterEvent();
          continue;
        }
        hang(me, lazyWhat.get());
      }
    } finally {
      me.waitingFor = null;
      if (timeout != null) {
        timeout.cancel();
      }
    }
  }

  /** The next thread after {@code me} in creation order that may make progress (any, if {@code any}). */
  private SimThread pickAfter(SimThread me, boolean any) {
    int n = threads.size();
    if (n == 1 && threads.get(0) == me) {
      return null; // alone on the CPU (the usual case between device events): nobody else to pick
    }
    int start = threads.indexOf(me);
    for (int i = 1; i <= n; i++) {
      SimThread t = threads.get(((start < 0 ? -1 : start) + i + n) % n);
      if (t == me || t.finished || t.killed) {
        continue;
      }
      if (any || t.stalledEpoch != epoch) {
        return t;
      }
    }
    return null;
  }

  /**
   * Nothing can run and nothing is scheduled. A non-daemon waiter (preferably the caller) gets the
   * report as a {@link KernelHang}; other non-daemon waiters are killed; idle daemons keep waiting.
   */
  private void hang(SimThread me, String what) {
    synchronized (lock) {
      SimThread victim = me.daemon() ? null : me;
      if (victim == null) {
        for (SimThread t : threads) {
          if (!t.daemon() && !t.finished) {
            victim = t;
            break;
          }
        }
      }
      if (victim == null) { // only idle daemons: the machine is simply idle
        running = null;
        while (running != me && !me.killed) {
          waitOnLock();
        }
        return;
      }
      StringBuilder sb = new StringBuilder();
      sb.append("hang: ").append(victim).append(" waits for ").append(victim == me ? what : victim.waitingForText())
          .append(", and no pending event (device work, timer or timeout) can ever end the wait");
      for (SimThread t : threads) {
        if (t != victim && !t.daemon()) {
          sb.append("\n  also waiting: ").append(t).append(" for ").append(t == me ? what : t.waitingForText());
        }
      }
      // Kernel threads are never the victim, but a work item or threaded handler stuck in a wait is
      // often the reason the others wait: name what each one waits for.
      for (SimThread t : threads) {
        if (t != victim && t.daemon() && !t.idle) {
          sb.append("\n  kernel thread ").append(t).append(" waits for ").append(t == me ? what : t.waitingForText());
        }
      }
      for (SimThread t : List.copyOf(threads)) {
        if (t != victim && !t.daemon()) {
          t.killed = true;
          threads.remove(t);
        }
      }
      threadsChanged();
      if (victim == me) {
        lock.notifyAll();
        throw new KernelHang(sb.toString());
      }
      victim.hangReport = sb.toString();
      running = victim;
      lock.notifyAll();
      while (running != me && !me.killed) {
        waitOnLock();
      }
    }
  }

  /**
   * Gives the CPU to the next thread that may make progress, in creation order, and returns when this
   * thread gets it back (the others ran until they waited). Returns at once if no other thread can run.
   * Time does not pass here.
   */
  public boolean yieldCpu() {
    SimThread me = current();
    synchronized (lock) {
      epoch++; // this thread ran since the others last looked
      SimThread next = pickAfter(me, false);
      if (next == null) {
        return false;
      }
      running = next;
      lock.notifyAll();
      while (running != me && !me.killed) {
        waitOnLock();
      }
    }
    if (me.killed) {
      throw new KernelHang("killed: " + me + " was yielding the CPU when the machine hung");
    }
    return true;
  }

  /** Waits for {@code t} to finish; rethrows nothing (see {@link SimThread#failure()}). */
  public void join(SimThread t) {
    block(() -> t.finished, -1, "thread " + t + " to finish");
  }

  /** Lets simulated time pass until {@code deadlineNs}, running due events (and other threads). */
  public void sleepUntil(long deadlineNs, String what) {
    block(() -> false, deadlineNs, what);
  }

  /** Live threads (for reports). */
  public List<SimThread> threads() {
    synchronized (lock) {
      return List.copyOf(threads);
    }
  }

  private void waitOnLock() {
    try {
      lock.wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KernelHang("interrupted while waiting for the CPU");
    }
  }
}
