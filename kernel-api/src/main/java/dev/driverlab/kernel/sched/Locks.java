package dev.driverlab.kernel.sched;

import static dev.driverlab.kernel.uapi.Errno.EINTR;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kernel.proc.Process;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Spinlocks, mutexes, atomics and local IRQ masking with Linux names. With one simulated CPU and
 * cooperative threads a spinlock never spins: it marks its holder atomic, so sleeping under it is
 * reported, and lockdep-style checks catch recursion, lock-order inversions and bad unlocks.
 */
public final class Locks {
  private Locks() {}

  // ---- lockdep ----------------------------------------------------------------------------------

  private static void lockdepAcquire(Kernel k, SimThread me, Object lock) {
    Map<Object, Set<Object>> g = k.lockGraph();
    synchronized (g) {
      for (Object held : me.heldLocks) {
        Set<Object> afterLock = g.get(lock);
        if (afterLock != null && afterLock.contains(held)) {
          k.bugs().report(Check.LOCKDEP, null, "possible circular locking dependency detected: " + me.name()
              + " takes " + lock + " while holding " + held + ", but elsewhere " + held + " was taken while holding "
              + lock);
        }
        g.computeIfAbsent(held, x -> new HashSet<>()).add(lock);
      }
    }
    me.heldLocks.addLast(lock);
  }

  private static void lockdepRelease(Kernel k, SimThread me, Object lock) {
    if (!me.heldLocks.removeLastOccurrence(lock)) {
      k.bugs().report(Check.LOCKDEP, null, "releasing a lock that is not held: " + lock);
    }
  }

  // ---- spinlocks --------------------------------------------------------------------------------

  public static void spin_lock_init(Spinlock l) {
    l.owner = null;
  }

  public static void spin_lock(Spinlock l) {
    Kernel k = Kernel.current();
    SimThread me = k.sched().current();
    if (l.owner == me) {
      k.bugs().report(Check.LOCKDEP, null, "BUG: spinlock recursion: " + me.name() + " takes " + l
          + " which it already holds (taken at " + l.site + ")");
      throw new KernelOops("spinlock recursion on " + l);
    }
    if (l.owner != null) {
      k.bugs().report(Check.LOCKDEP, null, "BUG: spinlock lockup: " + l + " is held by " + l.owner.name()
          + ", which is not running (it slept while holding it)");
      throw new KernelOops("spinlock lockup on " + l);
    }
    me.preemptCount++;
    l.owner = me;
    l.site = k.callSite();
    lockdepAcquire(k, me, l);
  }

  public static void spin_unlock(Spinlock l) {
    Kernel k = Kernel.current();
    SimThread me = k.sched().current();
    if (l.owner != me) {
      k.bugs().report(Check.LOCKDEP, null, "BUG: spinlock wrong owner on unlock of " + l
          + (l.owner == null ? " (not locked)" : " (held by " + l.owner.name() + ")"));
      return;
    }
    l.owner = null;
    me.preemptCount--;
    lockdepRelease(k, me, l);
  }

  /** spin_lock_irqsave: returns the flags to pass to spin_unlock_irqrestore. */
  public static long spin_lock_irqsave(Spinlock l) {
    long flags = local_irq_save();
    try {
      spin_lock(l);
    } catch (RuntimeException e) {
      local_irq_restore(flags); // a reported recursion must not leave interrupts off for good
      throw e;
    }
    return flags;
  }

  public static void spin_unlock_irqrestore(Spinlock l, long flags) {
    spin_unlock(l);
    local_irq_restore(flags);
  }

  public static void spin_lock_irq(Spinlock l) {
    local_irq_disable();
    spin_lock(l);
  }

  public static void spin_unlock_irq(Spinlock l) {
    spin_unlock(l);
    local_irq_enable();
  }

  /** spin_lock_bh: also holds off softirqs (timer callbacks) on this CPU until spin_unlock_bh. */
  public static void spin_lock_bh(Spinlock l) {
    local_bh_disable();
    try {
      spin_lock(l);
    } catch (RuntimeException e) {
      local_bh_enable();
      throw e;
    }
  }

  public static void spin_unlock_bh(Spinlock l) {
    spin_unlock(l);
    local_bh_enable();
  }

  /** local_bh_disable: softirqs (timer callbacks) wait until local_bh_enable; sleeping is a bug meanwhile. */
  public static void local_bh_disable() {
    Kernel.current().sched().current().bhDisabled++;
  }

  /** local_bh_enable: runs timers that expired meanwhile. */
  public static void local_bh_enable() {
    Kernel k = Kernel.current();
    SimThread me = k.sched().current();
    if (me.bhDisabled <= 0) {
      k.bugs().report(Check.WARN, null, "local_bh_enable without local_bh_disable");
      return;
    }
    if (--me.bhDisabled == 0) {
      k.timers().runExpired();
    }
  }

  public static int spin_trylock(Spinlock l) {
    if (l.owner != null) {
      return 0;
    }
    spin_lock(l);
    return 1;
  }

  // ---- local interrupts -------------------------------------------------------------------------

  public static long local_irq_save() {
    SimThread me = Kernel.current().sched().current();
    long flags = me.irqsDisabled;
    me.irqsDisabled++;
    return flags;
  }

  public static void local_irq_restore(long flags) {
    Kernel k = Kernel.current();
    SimThread me = k.sched().current();
    me.irqsDisabled = (int) flags;
    if (me.irqsDisabled == 0) {
      k.irq().deliverPending();
      k.timers().runExpired();
    }
  }

  public static void local_irq_disable() {
    Kernel.current().sched().current().irqsDisabled = 1;
  }

  public static void local_irq_enable() {
    Kernel k = Kernel.current();
    k.sched().current().irqsDisabled = 0;
    k.irq().deliverPending();
    k.timers().runExpired();
  }

  public static boolean irqs_disabled() {
    return Kernel.current().sched().current().irqsDisabled > 0;
  }

  public static boolean in_interrupt() {
    return Kernel.current().sched().current().inInterrupt();
  }

  public static boolean in_atomic() {
    return Kernel.current().sched().current().atomic();
  }

  // ---- mutexes ----------------------------------------------------------------------------------

  public static void mutex_init(Mutex m) {
    m.owner = null;
  }

  public static void mutex_lock(Mutex m) {
    Kernel k = Kernel.current();
    SimThread me = k.sched().current();
    if (!k.mightSleep("mutex_lock(" + m + ")")) {
      throw new KernelOops("BUG: scheduling while atomic: mutex_lock");
    }
    if (m.owner == me) {
      k.bugs().report(Check.LOCKDEP, null, "possible recursive locking detected: " + me.name() + " takes " + m
          + " which it already holds (taken at " + m.site + ")");
      throw new KernelOops("mutex recursion on " + m);
    }
    k.sched().block(() -> m.owner == null, -1, "mutex_lock(" + m + ") held by " + m.owner);
    m.owner = me;
    m.site = k.callSite();
    lockdepAcquire(k, me, m);
  }

  /** 0, or -EINTR if a signal arrived while waiting. */
  public static int mutex_lock_interruptible(Mutex m) {
    Kernel k = Kernel.current();
    SimThread me = k.sched().current();
    if (!k.mightSleep("mutex_lock_interruptible(" + m + ")")) {
      throw new KernelOops("BUG: scheduling while atomic: mutex_lock_interruptible");
    }
    Process p = k.currentProcess();
    k.sched().block(() -> m.owner == null || (p != null && p.signalPending()), -1, "mutex_lock_interruptible(" + m + ")");
    if (m.owner != null) {
      return -EINTR;
    }
    m.owner = me;
    m.site = k.callSite();
    lockdepAcquire(k, me, m);
    return 0;
  }

  /** 1 if acquired, 0 if busy. */
  public static int mutex_trylock(Mutex m) {
    if (m.owner != null) {
      return 0;
    }
    Kernel k = Kernel.current();
    SimThread me = k.sched().current();
    m.owner = me;
    m.site = k.callSite();
    lockdepAcquire(k, me, m);
    return 1;
  }

  public static void mutex_unlock(Mutex m) {
    Kernel k = Kernel.current();
    SimThread me = k.sched().current();
    if (m.owner != me) {
      k.bugs().report(Check.LOCKDEP, null, "DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current): " + m
          + (m.owner == null ? " is not locked" : " is held by " + m.owner.name()));
      return;
    }
    m.owner = null;
    lockdepRelease(k, me, m);
  }

  public static boolean mutex_is_locked(Mutex m) {
    return m.owner != null;
  }

  // ---- atomics ----------------------------------------------------------------------------------

  public static int atomic_read(AtomicT v) {
    return v.counter;
  }

  public static void atomic_set(AtomicT v, int i) {
    v.counter = i;
  }

  public static void atomic_inc(AtomicT v) {
    v.counter++;
  }

  public static void atomic_dec(AtomicT v) {
    v.counter--;
  }

  public static void atomic_add(int i, AtomicT v) {
    v.counter += i;
  }

  public static void atomic_sub(int i, AtomicT v) {
    v.counter -= i;
  }

  public static int atomic_inc_return(AtomicT v) {
    return ++v.counter;
  }

  public static int atomic_dec_return(AtomicT v) {
    return --v.counter;
  }

  public static boolean atomic_dec_and_test(AtomicT v) {
    return --v.counter == 0;
  }

  public static int atomic_cmpxchg(AtomicT v, int old, int nu) {
    int prev = v.counter;
    if (prev == old) {
      v.counter = nu;
    }
    return prev;
  }

  public static int atomic_xchg(AtomicT v, int nu) {
    int prev = v.counter;
    v.counter = nu;
    return prev;
  }
}
