package dev.driverlab.kerneltest.sched;

import static dev.driverlab.kernel.sched.Wait.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.sched.Completion;
import dev.driverlab.kernel.sched.SimThread;
import dev.driverlab.kernel.sched.Timers;
import dev.driverlab.kernel.sched.TimerList;
import dev.driverlab.kerneltest.KernelRig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** struct completion as include/linux/completion.h. */
class CompletionTest {
  private final KernelRig rig = KernelRig.boot();
  private final Completion c = new Completion();
  private final List<String> woke = new ArrayList<>();

  @AfterEach
  void shutdown() {
    rig.close();
  }

  private SimThread waiter(String name) {
    return rig.kernel.spawn(name, null, () -> {
      wait_for_completion(c);
      woke.add(name);
    });
  }

  @Test
  void completeReleasesExactlyOneWaiter() {
    init_completion(c);
    SimThread a = waiter("a");
    SimThread b = waiter("b");
    rig.kernel.runFor(1_000);
    assertEquals(List.of(), woke);
    complete(c);
    rig.kernel.runFor(1_000);
    assertEquals(List.of("a"), woke);
    assertTrue(a.finished());
    assertFalse(b.finished());
    complete(c);
    rig.kernel.sched().join(b);
    assertEquals(List.of("a", "b"), woke);
    assertEquals(0, c.done());
  }

  @Test
  void completeAllReleasesEveryWaiterAndStaysDone() {
    init_completion(c);
    SimThread a = waiter("a");
    SimThread b = waiter("b");
    rig.kernel.runFor(1_000);
    complete_all(c);
    rig.kernel.sched().join(a);
    rig.kernel.sched().join(b);
    assertEquals(List.of("a", "b"), woke);
    assertTrue(completion_done(c));
    wait_for_completion(c);                 // still done: does not block
    assertEquals(1_000L, rig.nowNs());
  }

  @Test
  void completeBeforeWaitIsRemembered() {
    init_completion(c);
    complete(c);
    assertTrue(completion_done(c));
    wait_for_completion(c);
    assertFalse(completion_done(c));
    assertEquals(0, rig.nowNs());
  }

  @Test
  void waitForCompletionTimeoutReturnsZeroOnTimeout() {
    init_completion(c);
    assertEquals(0, wait_for_completion_timeout(c, 25));
    assertEquals(100_000_000L, rig.nowNs());
  }

  @Test
  void waitForCompletionTimeoutReturnsJiffiesLeftAndConsumesTheCompletion() {
    init_completion(c);
    TimerList t = new TimerList();
    Timers.timer_setup(t, x -> complete(c), 0);
    Timers.mod_timer(t, dev.driverlab.kernel.sched.Sched.jiffies() + 5);
    assertEquals(20, wait_for_completion_timeout(c, 25));
    assertEquals(0, c.done());
  }

  @Test
  void reinitCompletionForgetsAnEarlierComplete() {
    init_completion(c);
    complete(c);
    reinit_completion(c);
    assertFalse(completion_done(c));
    assertEquals(0, wait_for_completion_timeout(c, 1));
  }

  @Test
  void waitForCompletionInterruptibleEndsOnASignal() {
    var p = rig.process();
    int[] r = {1};
    SimThread t = p.startThread("w", () -> r[0] = wait_for_completion_interruptible(c));
    rig.kernel.runFor(1_000);
    p.kill();
    p.join(t);
    assertEquals(-dev.driverlab.kernel.uapi.Errno.ERESTARTSYS, r[0]);
  }
}
