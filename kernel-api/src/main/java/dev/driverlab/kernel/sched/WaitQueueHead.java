package dev.driverlab.kernel.sched;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code wait_queue_head_t}. A waiter re-checks its condition only after a {@code wake_up} on its
 * queue (or a timeout or signal), as on Linux: a driver that forgets to wake the queue hangs here, and
 * the scheduler reports that hang instead of letting the test spin.
 */
public final class WaitQueueHead {
  final List<boolean[]> waiters = new ArrayList<>();
  final List<Boolean> interruptible = new ArrayList<>();
  String name = "wait queue";

  public WaitQueueHead() {}

  public WaitQueueHead(String name) {
    this.name = name;
  }

  boolean[] add(boolean isInterruptible) {
    boolean[] flag = {false};
    waiters.add(flag);
    interruptible.add(isInterruptible);
    return flag;
  }

  void remove(boolean[] flag) {
    int i = waiters.indexOf(flag);
    if (i >= 0) {
      waiters.remove(i);
      interruptible.remove(i);
    }
  }

  /** Wakes every waiter ({@code onlyInterruptible}: only those in interruptible sleeps). */
  void wake(boolean onlyInterruptible) {
    for (int i = 0; i < waiters.size(); i++) {
      if (!onlyInterruptible || interruptible.get(i)) {
        waiters.get(i)[0] = true;
      }
    }
  }

  public boolean waitqueueActive() {
    return !waiters.isEmpty();
  }

  @Override
  public String toString() {
    return name;
  }
}
