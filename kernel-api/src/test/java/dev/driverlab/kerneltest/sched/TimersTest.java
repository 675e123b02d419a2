package dev.driverlab.kerneltest.sched;

import static dev.driverlab.kernel.sched.Locks.*;
import static dev.driverlab.kernel.sched.Sched.*;
import static dev.driverlab.kernel.sched.Timers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.sched.Spinlock;
import dev.driverlab.kernel.sched.TimerList;
import dev.driverlab.kerneltest.KernelRig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Kernel timers (include/linux/timer.h) on jiffies of virtual time. */
class TimersTest {
  private final KernelRig rig = KernelRig.boot();
  private final TimerList timer = new TimerList();
  private final List<Long> firedAt = new ArrayList<>();

  @AfterEach
  void shutdown() {
    rig.close();
  }

  @Test
  void timerFiresAtTheRequestedJiffy() {
    timer_setup(timer, t -> firedAt.add(jiffies()), 0);
    long start = jiffies();
    assertEquals(0, mod_timer(timer, start + 10));
    assertTrue(timer_pending(timer));
    rig.kernel.runFor(39_999_999L);
    assertEquals(List.of(), firedAt);
    rig.kernel.runFor(1);
    assertEquals(List.of(start + 10), firedAt);
    assertEquals(40_000_000L, rig.nowNs());
    assertFalse(timer_pending(timer));
  }

  @Test
  void timerCallbackRunsInSoftirqContext() {
    boolean[] ctx = new boolean[3];
    timer_setup(timer, t -> {
      ctx[0] = in_interrupt();
      ctx[1] = in_atomic();
      ctx[2] = current().softirq > 0 && current().hardirq == 0;
    }, 0);
    mod_timer(timer, jiffies() + 1);
    rig.kernel.runFor(4_000_000L);
    assertArrayEquals(new boolean[] {true, true, true}, ctx);
    assertEquals(0, current().softirq, "softirq context ends with the callback");
  }

  @Test
  void sleepingInATimerCallbackIsReported() {
    timer_setup(timer, t -> msleep(1), 0);
    mod_timer(timer, jiffies() + 1);
    rig.kernel.runFor(4_000_000L);
    BugReport r = rig.onlyReport(Check.ATOMIC_SLEEP);
    assertEquals("BUG: sleeping function called from invalid context: msleep(1)", r.message());
    assertTrue(r.facts().contains("in_interrupt()=1"), r.facts().toString());
    assertTrue(r.callSite().startsWith("TimersTest.lambda$sleepingInATimerCallbackIsReported$"), r.callSite());
    assertTrue(rig.kernel.dmesg().contains("crashed: dev.driverlab.kernel.mm.KernelOops: BUG: scheduling while atomic"));
  }

  @Test
  @Tag("needs-lead-fix")
  void sleepingInATimerCallbackReportsInAtomicAsLinuxDoes() {
    timer_setup(timer, t -> msleep(1), 0);
    mod_timer(timer, jiffies() + 1);
    rig.kernel.runFor(4_000_000L);
    assertTrue(rig.onlyReport(Check.ATOMIC_SLEEP).facts().contains("in_atomic()=1"),
        "preempt_count() includes the softirq count");
  }

  @Test
  void aTimerThatExpiresDuringUdelayInProcessContextRunsThere() {
    timer_setup(timer, t -> firedAt.add(rig.nowNs()), 0);
    mod_timer(timer, jiffies() + 1);
    udelay(5_000);
    assertEquals(List.of(4_000_000L), firedAt);
  }

  @Test
  void aTimerThatExpiresWhileInterruptsAreOffWaitsForThemToComeBack() {
    Spinlock l = new Spinlock("hw_lock");
    timer_setup(timer, t -> firedAt.add(rig.nowNs()), 0);
    mod_timer(timer, jiffies() + 1);
    long flags = spin_lock_irqsave(l);
    mdelay(6);                                         // busy-waits past the expiry with interrupts off
    assertEquals(List.of(), firedAt);
    assertTrue(timer_pending(timer), "expired but not yet run still counts as pending");
    spin_unlock_irqrestore(l, flags);
    assertEquals(List.of(6_000_000L), firedAt);
    assertFalse(timer_pending(timer));
    rig.assertNoReports();
  }

  @Test
  void aTimerTakingTheSameLockDoesNotRunInsideSpinLockIrqsave() {
    Spinlock l = new Spinlock("shared_lock");
    timer_setup(timer, t -> {
      spin_lock(l);
      firedAt.add(rig.nowNs());
      spin_unlock(l);
    }, 0);
    mod_timer(timer, jiffies() + 1);
    long flags = spin_lock_irqsave(l);
    mdelay(5);
    spin_unlock_irqrestore(l, flags);
    assertEquals(List.of(5_000_000L), firedAt);
    rig.assertNoReports();
  }

  @Test
  void spinLockBhHoldsTimersOffToo() {
    Spinlock l = new Spinlock("bh_lock");
    timer_setup(timer, t -> firedAt.add(rig.nowNs()), 0);
    mod_timer(timer, jiffies() + 1);
    spin_lock_bh(l);
    assertTrue(in_atomic());
    mdelay(5);
    assertEquals(List.of(), firedAt);
    spin_unlock_bh(l);
    assertEquals(List.of(5_000_000L), firedAt);
    assertFalse(in_atomic());
  }

  @Test
  void aTimerTakingAPlainSpinlockHeldAcrossUdelayIsCaughtAsRecursion() {
    Spinlock l = new Spinlock("plain_lock");             // should have been spin_lock_bh
    timer_setup(timer, t -> {
      spin_lock(l);
      spin_unlock(l);
    }, 0);
    mod_timer(timer, jiffies() + 1);
    spin_lock(l);
    mdelay(5);
    spin_unlock(l);
    assertTrue(rig.onlyReport(Check.LOCKDEP).message().startsWith("BUG: spinlock recursion: init takes plain_lock"));
  }

  @Test
  void delTimerOfAnExpiredButNotYetRunTimerCancelsIt() {
    timer_setup(timer, t -> firedAt.add(rig.nowNs()), 0);
    mod_timer(timer, jiffies() + 1);
    long flags = local_irq_save();
    mdelay(5);
    assertEquals(1, del_timer(timer));
    local_irq_restore(flags);
    assertEquals(List.of(), firedAt);
  }

  @Test
  void localBhEnableWithoutDisableIsReported() {
    local_bh_enable();
    assertEquals("local_bh_enable without local_bh_disable", rig.onlyReport(Check.WARN).message());
  }

  @Test
  void delTimerSyncCancelsAPendingTimer() {
    timer_setup(timer, t -> firedAt.add(jiffies()), 0);
    mod_timer(timer, jiffies() + 2);
    assertEquals(1, del_timer_sync(timer));
    assertFalse(timer_pending(timer));
    rig.kernel.runFor(100_000_000L);
    assertEquals(List.of(), firedAt);
    assertEquals(0, del_timer_sync(timer), "not pending any more");
  }

  @Test
  void modTimerOnAPendingTimerMovesItAndReturnsOne() {
    timer_setup(timer, t -> firedAt.add(jiffies()), 0);
    long start = jiffies();
    mod_timer(timer, start + 2);
    assertEquals(1, mod_timer(timer, start + 5));
    rig.kernel.runFor(100_000_000L);
    assertEquals(List.of(start + 5), firedAt);
  }

  @Test
  void aTimerCanReArmItselfForPeriodicWork() {
    timer_setup(timer, t -> {
      firedAt.add(jiffies());
      if (firedAt.size() < 3) {
        mod_timer(t, jiffies() + 25);
      }
    }, 0);
    long start = jiffies();
    mod_timer(timer, start + 25);
    rig.kernel.runFor(1_000_000_000L);
    assertEquals(List.of(start + 25, start + 50, start + 75), firedAt);
  }

  @Test
  void expiryInThePastFiresAtTheNextChance() {
    timer_setup(timer, t -> firedAt.add(rig.nowNs()), 0);
    msleep(10);
    mod_timer(timer, jiffies() - 1);
    rig.kernel.runFor(1);
    assertEquals(List.of(10_000_000L), firedAt);
  }

  @Test
  void modTimerWithoutTimerSetupIsReported() {
    assertEquals(0, mod_timer(timer, jiffies() + 1));
    BugReport r = rig.onlyReport(Check.WARN);
    assertEquals("mod_timer on a timer that was never set up (timer_setup missing)", r.message());
  }

  @Test
  void addTimerUsesTheExpiresField() {
    timer_setup(timer, t -> firedAt.add(jiffies()), 0);
    timer.expires = jiffies() + 3;
    add_timer(timer);
    rig.kernel.runFor(12_000_000L);
    assertEquals(List.of(timer.expires), firedAt);
  }
}
