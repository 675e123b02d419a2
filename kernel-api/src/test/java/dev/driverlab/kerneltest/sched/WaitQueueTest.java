package dev.driverlab.kerneltest.sched;

import static dev.driverlab.kernel.sched.Sched.*;
import static dev.driverlab.kernel.sched.Timers.*;
import static dev.driverlab.kernel.sched.Wait.*;
import static dev.driverlab.kernel.uapi.Errno.ERESTARTSYS;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kernel.sched.KernelHang;
import dev.driverlab.kernel.sched.Locks;
import dev.driverlab.kernel.sched.SimThread;
import dev.driverlab.kernel.sched.Spinlock;
import dev.driverlab.kernel.sched.TimerList;
import dev.driverlab.kernel.sched.WaitQueueHead;
import dev.driverlab.kerneltest.KernelRig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Wait queues as include/linux/wait.h: who wakes whom, and what each variant returns. */
class WaitQueueTest {
  private final KernelRig rig = KernelRig.boot();
  private final WaitQueueHead wq = new WaitQueueHead("test_wq");
  private final TimerList timer = new TimerList();
  private boolean done;

  @AfterEach
  void shutdown() {
    rig.close();
  }

  /** A timer that sets {@code done} after {@code ticks} jiffies, and wakes the queue if {@code wake}. */
  private void finishIn(long ticks, boolean wake) {
    timer_setup(timer, t -> {
      done = true;
      if (wake) {
        wake_up(wq);
      }
    }, 0);
    mod_timer(timer, jiffies() + ticks);
  }

  @Test
  void waitEventReturnsWhenATimerSetsTheConditionAndWakesTheQueue() {
    finishIn(5, true);
    wait_event(wq, () -> done);
    assertTrue(done);
    assertEquals(20_000_000L, rig.nowNs());
  }

  @Test
  void waitEventWithTheConditionAlreadyTrueDoesNotSleep() {
    done = true;
    wait_event(wq, () -> done);
    assertEquals(0, rig.nowNs());
  }

  @Test
  void aWaiterThatIsNeverWokenIsReportedAsAHangNamingTheWait() {
    finishIn(5, false);                    // sets the condition but forgets wake_up
    KernelHang h = assertThrows(KernelHang.class, () -> wait_event(wq, () -> done));
    assertTrue(h.getMessage().startsWith("hang: init[1] waits for wait_event on test_wq at WaitQueueTest."),
        h.getMessage());
    assertTrue(h.getMessage().contains("(WaitQueueTest.java:"), h.getMessage());
    assertTrue(h.getMessage().endsWith("and no pending event (device work, timer or timeout) can ever end the wait"),
        h.getMessage());
    assertTrue(done, "the condition became true, but nobody woke the queue");
  }

  @Test
  void waitEventTimeoutReturnsZeroWhenTimeRunsOutWithTheConditionFalse() {
    assertEquals(0, wait_event_timeout(wq, () -> done, 10));
    assertEquals(40_000_000L, rig.nowNs());
  }

  @Test
  void waitEventTimeoutReturnsTheJiffiesLeftWhenWoken() {
    finishIn(2, true);
    assertEquals(8, wait_event_timeout(wq, () -> done, 10));
    assertEquals(8_000_000L, rig.nowNs());
  }

  @Test
  void waitEventTimeoutWithTheConditionAlreadyTrueReturnsTheWholeTimeout() {
    done = true;
    assertEquals(10, wait_event_timeout(wq, () -> done, 10));
    assertEquals(1, wait_event_timeout(wq, () -> done, 0));
  }

  @Test
  void waitEventTimeoutReturnsOneWhenTheConditionTurnsTrueAtTheDeadline() {
    finishIn(10, false);                   // set at the deadline itself, no wake-up needed
    assertEquals(1, wait_event_timeout(wq, () -> done, 10));
  }

  @Test
  void maxScheduleTimeoutNeverTimesOutSoANeverEndingWaitIsAHang() {
    assertThrows(KernelHang.class, () -> wait_event_timeout(wq, () -> done, MAX_SCHEDULE_TIMEOUT));
    assertEquals(0, rig.nowNs(), "the clock did not jump ahead");
  }

  @Test
  void maxScheduleTimeoutReturnsItselfWhenWoken() {
    finishIn(3, true);
    assertEquals(MAX_SCHEDULE_TIMEOUT, wait_event_timeout(wq, () -> done, MAX_SCHEDULE_TIMEOUT));
    assertEquals(12_000_000L, rig.nowNs());
  }

  @Test
  void waitEventInterruptibleReturnsErestartsysWhenTheProcessIsKilled() {
    var p = rig.process();
    int[] r = {1};
    SimThread t = p.startThread("reader", () -> r[0] = wait_event_interruptible(wq, () -> done));
    rig.kernel.runFor(1_000_000L);
    assertFalse(t.finished());
    p.kill();
    p.join(t);
    assertEquals(-ERESTARTSYS, r[0]);
    assertNull(t.failure());
  }

  @Test
  void waitEventInterruptibleReturnsZeroWhenWoken() {
    finishIn(1, true);
    assertEquals(0, wait_event_interruptible(wq, () -> done));
  }

  @Test
  void wakeUpInterruptibleDoesNotWakeAnUninterruptibleWaiter() {
    timer_setup(timer, t -> {
      done = true;
      wake_up_interruptible(wq);
    }, 0);
    mod_timer(timer, jiffies() + 1);
    assertThrows(KernelHang.class, () -> wait_event(wq, () -> done));
  }

  @Test
  void waitQueueIsActiveOnlyWhileSomebodyWaits() {
    assertFalse(wq.waitqueueActive());
    boolean[] seen = {false};
    timer_setup(timer, t -> {
      seen[0] = wq.waitqueueActive();
      done = true;
      wake_up(wq);
    }, 0);
    mod_timer(timer, jiffies() + 1);
    wait_event(wq, () -> done);
    assertTrue(seen[0]);
    assertFalse(wq.waitqueueActive());
  }

  @Test
  void waitingUnderASpinlockIsReportedAndFails() {
    Spinlock l = new Spinlock("dev_lock");
    Locks.spin_lock(l);
    try {
      KernelOops oops = assertThrows(KernelOops.class, () -> wait_event(wq, () -> done));
      assertEquals("BUG: scheduling while atomic: wait_event", oops.getMessage());
    } finally {
      Locks.spin_unlock(l);
    }
    BugReport r = rig.onlyReport(Check.ATOMIC_SLEEP);
    assertEquals("BUG: sleeping function called from invalid context: wait_event", r.message());
  }
}
