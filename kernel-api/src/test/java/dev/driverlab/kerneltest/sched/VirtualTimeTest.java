package dev.driverlab.kerneltest.sched;

import static dev.driverlab.kernel.sched.Sched.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.sched.TimerCore;
import dev.driverlab.kerneltest.KernelRig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sleeping and busy-waiting on the machine's virtual clock; jiffies as include/linux/jiffies.h. */
class VirtualTimeTest {
  private final KernelRig rig = KernelRig.boot();

  @AfterEach
  void shutdown() {
    rig.close();
  }

  @Test
  void msleepAdvancesVirtualTimeByExactlyTheRequestedMilliseconds() {
    long before = rig.nowNs();
    msleep(100);
    assertEquals(100_000_000L, rig.nowNs() - before);
  }

  @Test
  void aLongSleepTakesNoWallClockTime() {
    long wall = System.nanoTime();
    msleep(3_600_000);                     // one simulated hour
    assertEquals(3_600_000_000_000L, rig.nowNs());
    assertTrue(System.nanoTime() - wall < 5_000_000_000L, "an hour of virtual time must not take real time");
  }

  @Test
  void usleepRangeSleepsTheMinimum() {
    usleep_range(50, 100);
    assertEquals(50_000L, rig.nowNs());
  }

  @Test
  void ktimeIsVirtualNanosecondsSinceBoot() {
    msleep(3);
    assertEquals(3_000_000L, ktime_get());
    assertEquals(3_000L, ktime_to_us(ktime_get()));
    assertEquals(3L, ktime_to_ms(ktime_get()));
  }

  @Test
  void jiffiesStartFiveMinutesBeforeThirtyTwoBitWrap() {
    assertEquals(250, HZ);
    assertEquals(0xFFFE_DB08L, TimerCore.INITIAL_JIFFIES);   // (unsigned int)(-300 * HZ)
    assertEquals(TimerCore.INITIAL_JIFFIES, jiffies());
  }

  @Test
  void jiffiesTickEveryFourMilliseconds() {
    long j0 = jiffies();
    msleep(3);
    assertEquals(j0, jiffies());
    msleep(1);
    assertEquals(j0 + 1, jiffies());
    msleep(400);
    assertEquals(j0 + 101, jiffies());
  }

  @Test
  void msecsToJiffiesRoundsUp() {
    assertEquals(0, msecs_to_jiffies(0));
    assertEquals(1, msecs_to_jiffies(1));
    assertEquals(1, msecs_to_jiffies(4));
    assertEquals(2, msecs_to_jiffies(5));
    assertEquals(250, msecs_to_jiffies(1000));
    assertEquals(1, usecs_to_jiffies(1));
    assertEquals(1, usecs_to_jiffies(4000));
    assertEquals(2, usecs_to_jiffies(4001));
    assertEquals(400, jiffies_to_msecs(100));
  }

  @Test
  void negativeTimesConvertToTheLargestTimeout() {
    assertEquals(MAX_JIFFY_OFFSET, msecs_to_jiffies(-1));
    assertEquals(MAX_JIFFY_OFFSET, usecs_to_jiffies(-1));
    assertEquals(MAX_JIFFY_OFFSET, msecs_to_jiffies(Long.MAX_VALUE));
  }

  @Test
  void timeAfterStaysRightWhenJiffiesPassThirtyTwoBits() {
    long start = jiffies();
    msleep(301_000);                       // past 2^32 jiffies
    long now = jiffies();
    assertTrue(now > 0xffff_ffffL, "jiffies " + now);
    assertTrue(time_after(now, start));
    assertTrue(time_before(start, now));
    assertTrue((now & 0xffff_ffffL) < start, "a driver that keeps jiffies in a u32 would see time go back");
  }

  @Test
  void timeAfterIsWrapSafeAtSixtyFourBits() {
    assertTrue(time_after(Long.MIN_VALUE, Long.MAX_VALUE));
    assertFalse(time_after(Long.MAX_VALUE, Long.MIN_VALUE));
    assertFalse(time_after(5, 5));
    assertTrue(time_before(Long.MAX_VALUE, Long.MIN_VALUE));
  }

  @Test
  void udelayBusyWaitsAndRunsDueDeviceEvents() {
    List<Long> ran = new ArrayList<>();
    rig.machine.clock().schedule(5_000, "device work", () -> ran.add(rig.nowNs()));
    rig.machine.clock().schedule(20_000, "later device work", () -> ran.add(rig.nowNs()));
    udelay(10);
    assertEquals(List.of(5_000L), ran);
    assertEquals(10_000L, rig.nowNs());
  }

  @Test
  void udelayIsAllowedUnderASpinlock() {
    var lock = new dev.driverlab.kernel.sched.Spinlock("hw_lock");
    dev.driverlab.kernel.sched.Locks.spin_lock(lock);
    udelay(5);
    mdelay(1);
    ndelay(100);
    dev.driverlab.kernel.sched.Locks.spin_unlock(lock);
    assertEquals(1_005_100L, rig.nowNs());
    rig.assertNoReports();
  }

  @Test
  void runForLetsTimePassWithoutAnyThreadWork() {
    rig.kernel.runFor(1_234);
    assertEquals(1_234L, rig.nowNs());
  }

  @Test
  void scheduleWithNothingElseToRunLetsOneMicrosecondPass() {
    schedule();
    cond_resched();
    assertEquals(2_000L, rig.nowNs());
  }

  @Test
  void pollingWithCondReschedSeesDeviceEvents() {
    boolean[] ready = {false};
    rig.machine.clock().schedule(50_000, "device sets ready", () -> ready[0] = true);
    int loops = 0;
    while (!ready[0]) {
      cond_resched();
      loops++;
    }
    assertEquals(50, loops);
    assertEquals(50_000L, rig.nowNs());
  }

  @Test
  void msleepInterruptibleEndsEarlyOnASignal() {
    var p = rig.process();
    long[] left = {-1};
    var t = p.startThread("sleeper", () -> left[0] = msleep_interruptible(1000));
    rig.kernel.runFor(300_000_000L);
    p.kill();
    p.join(t);
    assertEquals(700, left[0]);
    assertEquals(300_000_000L, rig.nowNs());
  }
}
