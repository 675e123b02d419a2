package dev.driverlab.devices.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Reusable events ({@link VirtualClock#timer}, {@link VirtualClock#arm}) run as one-off ones would. */
class ReusableEventTest {
  /**
   * The same random program (events now and later, re-arming from their own actions, owner
   * cancellations) run once with one-off events and once with reusable ones gives the same trace.
   */
  @Test
  void runLikeOneOffEvents() {
    for (long seed = 1; seed <= 10; seed++) {
      assertEquals(run(seed, false), run(seed, true), "seed " + seed);
    }
  }

  private static List<String> run(long seed, boolean reusable) {
    VirtualClock clock = new VirtualClock();
    Random r = new Random(seed);
    List<String> trace = new ArrayList<>();
    Object owner = new Object();
    VirtualClock.Event[] timers = new VirtualClock.Event[4];
    Runnable[] actions = new Runnable[4];
    for (int k = 0; k < 4; k++) {
      int id = k;
      Supplier<String> label = () -> "t" + id;
      actions[k] = () -> {
        trace.add("t" + id + "@" + clock.nowNs());
        if (r.nextInt(3) != 0) {
          long delay = r.nextInt(3) == 0 ? 0 : r.nextInt(20);
          if (reusable) {
            clock.arm(timers[id], delay);
          } else {
            clock.schedule(delay, label, actions[id], owner);
          }
        }
      };
      timers[k] = clock.timer(label, actions[k], owner);
    }
    for (int step = 0; step < 3000; step++) {
      int op = r.nextInt(12);
      if (op < 4) {
        int id = r.nextInt(4);
        long delay = r.nextInt(3) == 0 ? 0 : r.nextInt(30);
        if (reusable) {
          clock.arm(timers[id], delay); // may still be queued: then a one-off event takes its place
        } else {
          clock.schedule(delay, () -> "t" + id, actions[id], owner);
        }
      } else if (op < 6) {
        long n = step;
        clock.schedule(r.nextInt(25), "o" + n, () -> trace.add("o" + n + "@" + clock.nowNs()));
      } else if (op == 6) {
        trace.add("cancelled " + clock.cancelOwnedBy(owner));
      } else {
        clock.runNext();
      }
      if (step % 100 == 0) {
        trace.add("pending " + clock.pendingCount());
      }
    }
    while (clock.runNext()) {
      // drain
    }
    return trace;
  }

  @Test
  void notPendingUntilArmedAndAfterRunning() {
    VirtualClock clock = new VirtualClock();
    int[] runs = {0};
    VirtualClock.Event t = clock.timer(() -> "t", () -> runs[0]++, null);
    assertFalse(t.pending());
    assertFalse(clock.hasPending());
    clock.arm(t, 5);
    assertTrue(t.pending());
    assertEquals(5, t.when());
    assertTrue(clock.runNext());
    assertEquals(1, runs[0]);
    assertFalse(t.pending());
    clock.arm(t, 3);
    assertTrue(t.cancel());
    clock.arm(t, 1); // the cancelled arming is still queued: a one-off event runs instead
    assertTrue(clock.runNext());
    assertEquals(2, runs[0]);
    assertEquals(6, clock.nowNs());
    assertFalse(clock.runNext());
  }
}
