package dev.driverlab.kerneltest.sched;

import static dev.driverlab.kernel.sched.Locks.*;
import static dev.driverlab.kernel.sched.Sched.*;
import static dev.driverlab.kernel.uapi.Errno.EINTR;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kernel.sched.AtomicT;
import dev.driverlab.kernel.sched.Mutex;
import dev.driverlab.kernel.sched.SimThread;
import dev.driverlab.kernel.sched.Spinlock;
import dev.driverlab.kerneltest.KernelRig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Spinlocks, mutexes and the lockdep-style checks on them. */
class LocksTest {
  private final KernelRig rig = KernelRig.boot();
  private final Spinlock lock = new Spinlock("dev_lock");

  @AfterEach
  void shutdown() {
    rig.close();
  }

  @Test
  void sleepingUnderASpinlockIsReportedWithTheCallSite() {
    spin_lock(lock);
    KernelOops oops;
    try {
      oops = assertThrows(KernelOops.class, () -> msleep(1));
    } finally {
      spin_unlock(lock);
    }
    assertEquals("BUG: scheduling while atomic: msleep(1)", oops.getMessage());
    BugReport r = rig.onlyReport(Check.ATOMIC_SLEEP);
    assertEquals("BUG: sleeping function called from invalid context: msleep(1)", r.message());
    assertEquals(List.of("in_atomic()=1", "irqs_disabled()=0", "in_interrupt()=0", "pid=1", "name=init"), r.facts());
    assertTrue(r.callSite().startsWith("LocksTest.lambda$sleepingUnderASpinlockIsReportedWithTheCallSite$"),
        r.callSite());
    assertTrue(r.callSite().contains("(LocksTest.java:"), r.callSite());
    assertTrue(rig.kernel.dmesg().contains("might_sleep: BUG: sleeping function called from invalid context: msleep(1)"));
  }

  @Test
  void sleepingWithInterruptsDisabledNamesIrqsDisabled() {
    long flags = spin_lock_irqsave(lock);
    try {
      assertTrue(irqs_disabled());
      assertThrows(KernelOops.class, () -> mutex_lock(new Mutex("m")));
    } finally {
      spin_unlock_irqrestore(lock, flags);
    }
    assertFalse(irqs_disabled());
    BugReport r = rig.onlyReport(Check.ATOMIC_SLEEP);
    assertEquals("BUG: sleeping function called from invalid context: mutex_lock(m)", r.message());
    assertTrue(r.facts().contains("irqs_disabled()=1"), r.facts().toString());
  }

  @Test
  void takingAHeldSpinlockAgainIsRecursion() {
    spin_lock(lock);
    KernelOops oops = assertThrows(KernelOops.class, () -> spin_lock(lock));
    assertEquals("spinlock recursion on dev_lock", oops.getMessage());
    BugReport r = rig.onlyReport(Check.LOCKDEP);
    assertTrue(r.message().startsWith("BUG: spinlock recursion: init takes dev_lock which it already holds (taken at "
        + "LocksTest.takingAHeldSpinlockAgainIsRecursion(LocksTest.java:"), r.message());
    spin_unlock(lock);
  }

  @Test
  void unlockingASpinlockThatIsNotHeldIsReported() {
    spin_unlock(lock);
    assertEquals("BUG: spinlock wrong owner on unlock of dev_lock (not locked)", rig.onlyReport(Check.LOCKDEP).message());
  }

  @Test
  void spinTrylockFailsWhileHeld() {
    assertEquals(1, spin_trylock(lock));
    assertTrue(lock.isLocked());
    assertTrue(in_atomic());
    spin_unlock(lock);
    assertFalse(in_atomic());
    Spinlock other = new Spinlock("other");
    SimThread t = rig.kernel.spawn("holder", null, () -> {
      spin_lock(other);
      // ends while still holding it: the lock stays taken
    });
    rig.kernel.sched().join(t);
    assertEquals(0, spin_trylock(other));
  }

  @Test
  void takingLocksInBothOrdersIsACircularDependency() {
    Mutex a = new Mutex("lock_a");
    Mutex b = new Mutex("lock_b");
    mutex_lock(a);
    mutex_lock(b);
    mutex_unlock(b);
    mutex_unlock(a);
    rig.assertNoReports();
    mutex_lock(b);
    mutex_lock(a);
    mutex_unlock(a);
    mutex_unlock(b);
    assertEquals("possible circular locking dependency detected: init takes lock_a while holding lock_b, but "
        + "elsewhere lock_b was taken while holding lock_a", rig.onlyReport(Check.LOCKDEP).message());
  }

  @Test
  void theSameOrderEveryTimeIsFine() {
    Spinlock a = new Spinlock("a");
    Spinlock b = new Spinlock("b");
    for (int i = 0; i < 3; i++) {
      spin_lock(a);
      spin_lock(b);
      spin_unlock(b);
      spin_unlock(a);
    }
    rig.assertNoReports();
  }

  @Test
  void mutexUnlockByANonOwnerIsReportedAndLeavesItLocked() {
    Mutex m = new Mutex("cfg_mutex");
    SimThread t = rig.kernel.spawn("owner", null, () -> mutex_lock(m));
    rig.kernel.sched().join(t);
    mutex_unlock(m);
    assertEquals("DEBUG_LOCKS_WARN_ON(__owner_task(owner) != current): cfg_mutex is held by owner",
        rig.onlyReport(Check.LOCKDEP).message());
    assertTrue(mutex_is_locked(m));
  }

  @Test
  void mutexLockWaitsForTheOwnerToUnlock() {
    Mutex m = new Mutex("m");
    List<String> log = new ArrayList<>();
    mutex_lock(m);
    SimThread t = rig.kernel.spawn("waiter", null, () -> {
      mutex_lock(m);
      log.add("got it at " + ktime_get());
      mutex_unlock(m);
    });
    msleep(5);
    assertEquals(List.of(), log);
    mutex_unlock(m);
    rig.kernel.sched().join(t);
    assertEquals(List.of("got it at 5000000"), log);
    rig.assertNoReports();
  }

  @Test
  void mutexLockInterruptibleReturnsEintrWhenTheProcessIsKilled() {
    Mutex m = new Mutex("m");
    mutex_lock(m);
    var p = rig.process();
    int[] r = {1};
    SimThread t = p.startThread("locker", () -> r[0] = mutex_lock_interruptible(m));
    rig.kernel.runFor(1_000_000L);
    assertFalse(t.finished());
    p.kill();
    p.join(t);
    assertEquals(-EINTR, r[0]);
    mutex_unlock(m);
    rig.assertNoReports();
  }

  @Test
  void mutexLockInterruptibleTakesAFreeMutex() {
    Mutex m = new Mutex("m");
    assertEquals(0, mutex_lock_interruptible(m));
    assertTrue(mutex_is_locked(m));
    assertEquals(0, mutex_trylock(m));
    mutex_unlock(m);
    assertEquals(1, mutex_trylock(m));
    mutex_unlock(m);
  }

  @Test
  void lockingAMutexTwiceIsRecursion() {
    Mutex m = new Mutex("m");
    mutex_lock(m);
    assertThrows(KernelOops.class, () -> mutex_lock(m));
    assertTrue(rig.onlyReport(Check.LOCKDEP).message().startsWith(
        "possible recursive locking detected: init takes m which it already holds"));
    mutex_unlock(m);
  }

  @Test
  void localIrqSaveNestsAndRestores() {
    long f1 = local_irq_save();
    long f2 = local_irq_save();
    assertTrue(irqs_disabled());
    local_irq_restore(f2);
    assertTrue(irqs_disabled());
    local_irq_restore(f1);
    assertFalse(irqs_disabled());
  }

  @Test
  void atomicsBehaveAsAtomicT() {
    AtomicT v = AtomicT.ATOMIC_INIT(1);
    atomic_inc(v);
    atomic_add(5, v);
    assertEquals(7, atomic_read(v));
    assertEquals(6, atomic_dec_return(v));
    atomic_sub(5, v);
    assertTrue(atomic_dec_and_test(v));
    assertEquals(0, atomic_cmpxchg(v, 0, 9));
    assertEquals(9, atomic_cmpxchg(v, 0, 1));
    assertEquals(9, atomic_xchg(v, 2));
    atomic_set(v, Integer.MAX_VALUE);
    assertEquals(Integer.MIN_VALUE, atomic_inc_return(v), "atomic_t wraps");
  }
}
