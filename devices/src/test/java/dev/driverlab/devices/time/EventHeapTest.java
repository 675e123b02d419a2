package dev.driverlab.devices.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EventHeapTest {
  /**
   * Events scheduled at random times (many at the same instant), some cancelled and purged on the
   * way, come out of the clock in (time, sequence) order: the order a sorted list of them gives.
   */
  @Test
  void runsEventsInTimeThenSequenceOrder() {
    for (long seed = 1; seed <= 10; seed++) {
      Random r = new Random(seed);
      VirtualClock clock = new VirtualClock();
      List<long[]> ran = new ArrayList<>();
      List<VirtualClock.Event> live = new ArrayList<>();
      long[] scheduled = {0};
      for (int step = 0; step < 5000; step++) {
        int op = r.nextInt(10);
        if (op < 6) {
          long delay = r.nextInt(4) == 0 ? 0 : r.nextInt(50);
          long n = scheduled[0]++;
          long when = clock.nowNs() + delay;
          live.add(clock.schedule(delay, "e" + n, () -> ran.add(new long[] {when, n, clock.nowNs()})));
        } else if (op < 8 && !live.isEmpty()) {
          live.remove(r.nextInt(live.size())).cancel();
        } else {
          clock.runNext();
        }
      }
      while (clock.runNext()) {
        // drain
      }
      for (int i = 0; i < ran.size(); i++) {
        assertEquals(ran.get(i)[0], ran.get(i)[2], "event runs at its time");
        if (i > 0) {
          long[] a = ran.get(i - 1);
          long[] b = ran.get(i);
          boolean ordered = a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]);
          assertEquals(true, ordered, "event " + b[1] + " after " + a[1]);
        }
      }
    }
  }

  @Test
  void heapPollsInKeyOrderAfterRemoveIf() {
    Random r = new Random(7);
    EventHeap h = new EventHeap();
    VirtualClock clock = new VirtualClock();
    List<VirtualClock.Event> all = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      VirtualClock.Event e = clock.scheduleAt(r.nextInt(200), "x", () -> {});
      all.add(e);
      h.add(e, e.when(), i);
    }
    h.removeIf(e -> all.indexOf(e) % 3 == 0);
    long lastWhen = -1;
    int lastSeq = -1;
    for (int k = 0; k < 666; k++) {
      VirtualClock.Event e = h.peek();
      int s = all.indexOf(e);
      assertEquals(true, s % 3 != 0);
      assertEquals(true, e.when() > lastWhen || (e.when() == lastWhen && s > lastSeq));
      lastWhen = e.when();
      lastSeq = s;
      h.poll();
    }
    assertNull(h.peek());
  }
}
