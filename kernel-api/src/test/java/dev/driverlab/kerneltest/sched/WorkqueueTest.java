package dev.driverlab.kerneltest.sched;

import static dev.driverlab.kernel.sched.Locks.*;
import static dev.driverlab.kernel.sched.Sched.*;
import static dev.driverlab.kernel.sched.Timers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.sched.TimerList;
import dev.driverlab.kernel.sched.WorkStruct;
import dev.driverlab.kerneltest.KernelRig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The system workqueue (include/linux/workqueue.h): work runs later, in process context, on a kworker. */
class WorkqueueTest {
  private final KernelRig rig = KernelRig.boot();
  private final WorkStruct work = new WorkStruct();
  private final List<String> log = new ArrayList<>();

  @AfterEach
  void shutdown() {
    rig.close();
  }

  @Test
  void workRunsInProcessContextOnAKworkerAndMaySleep() {
    INIT_WORK(work, w -> {
      log.add(current().name() + " atomic=" + in_atomic() + " irq=" + in_interrupt());
      msleep(10);
      log.add("slept until " + ktime_get());
    });
    assertTrue(schedule_work(work));
    assertTrue(flush_work(work));
    assertEquals(List.of("kworker/0:1 atomic=false irq=false", "slept until 10000000"), log);
    assertEquals(10_000_000L, rig.nowNs());
    rig.assertNoReports();
  }

  @Test
  void workDoesNotRunUntilTheSchedulerGetsAChance() {
    INIT_WORK(work, w -> log.add("ran"));
    schedule_work(work);
    assertTrue(work.pending());
    assertEquals(List.of(), log);
    flush_work(work);
    assertEquals(List.of("ran"), log);
    assertFalse(work.pending());
  }

  @Test
  void schedulingPendingWorkAgainReturnsFalseAndRunsItOnce() {
    INIT_WORK(work, w -> log.add("ran"));
    assertTrue(schedule_work(work));
    assertFalse(schedule_work(work));
    flush_work(work);
    assertEquals(List.of("ran"), log);
  }

  @Test
  void flushOfIdleWorkReturnsFalseAtOnce() {
    INIT_WORK(work, w -> log.add("ran"));
    assertFalse(flush_work(work));
    assertEquals(List.of(), log);
  }

  @Test
  void cancelWorkSyncDropsQueuedWork() {
    INIT_WORK(work, w -> log.add("ran"));
    schedule_work(work);
    assertTrue(cancel_work_sync(work));
    rig.kernel.runFor(1_000_000L);
    assertEquals(List.of(), log);
    assertFalse(cancel_work_sync(work));
  }

  @Test
  void aTimerCanDeferSleepingWorkToTheWorkqueue() {
    TimerList t = new TimerList();
    INIT_WORK(work, w -> {
      msleep(1);
      log.add("work at " + ktime_get());
    });
    timer_setup(t, x -> schedule_work(work), 0);
    mod_timer(t, jiffies() + 1);
    rig.kernel.runFor(10_000_000L);
    assertEquals(List.of("work at 5000000"), log);
    rig.assertNoReports();
  }

  @Test
  void flushingWorkThatWaitsForeverIsAHangThatNamesTheWorkersWait() {
    var stuck = new dev.driverlab.kernel.sched.WaitQueueHead("stuck_wq");
    INIT_WORK(work, w -> dev.driverlab.kernel.sched.Wait.wait_event(stuck, () -> false));
    schedule_work(work);
    var hang = assertThrows(dev.driverlab.kernel.sched.KernelHang.class, () -> flush_work(work));
    assertTrue(hang.getMessage().startsWith("hang: init[1] waits for flush_work(WorkqueueTest."), hang.getMessage());
    assertTrue(hang.getMessage().contains("\n  kernel thread kworker/0:1[2] waits for wait_event on stuck_wq at "
        + "WorkqueueTest.lambda$flushingWorkThatWaitsForeverIsAHangThatNamesTheWorkersWait$"), hang.getMessage());
  }

  @Test
  void anIdleKworkerIsLeftOutOfHangReports() {
    INIT_WORK(work, w -> log.add("ran"));
    schedule_work(work);
    flush_work(work);
    var wq = new dev.driverlab.kernel.sched.WaitQueueHead("q");
    var hang = assertThrows(dev.driverlab.kernel.sched.KernelHang.class,
        () -> dev.driverlab.kernel.sched.Wait.wait_event(wq, () -> false));
    assertFalse(hang.getMessage().contains("kworker"), hang.getMessage());
  }

  @Test
  void scheduleWorkWithoutInitWorkIsReported() {
    assertFalse(schedule_work(work));
    assertEquals("schedule_work on work that was never initialised (INIT_WORK missing)",
        rig.onlyReport(dev.driverlab.kernel.debug.Check.WARN).message());
  }
}
