package dev.driverlab.devices.time;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The clock's contract: events run in (time, scheduling order), whether they were scheduled for now
 * (kept in a FIFO beside the heap) or for later; cancelled events never run, however many pile up;
 * labels given as suppliers are built only when asked for.
 */
class VirtualClockTest {
  private final VirtualClock clock = new VirtualClock();
  private final List<String> ran = new ArrayList<>();

  private Runnable log(String name) {
    return () -> ran.add(name + "@" + clock.nowNs());
  }

  @Test
  void eventsForNowAndForLaterRunInTimeThenSchedulingOrder() {
    clock.schedule(5, "x", () -> {
      ran.add("x@" + clock.nowNs());
      clock.schedule(0, "w", log("w"));           // scheduled at 5 after v: runs after v
    });
    clock.schedule(5, "v", log("v"));
    clock.schedule(0, "y", () -> {
      ran.add("y@" + clock.nowNs());
      clock.schedule(0, "z", log("z"));           // due now: before x, which is later
    });
    clock.schedule(0, "u", log("u"));
    while (clock.runNext()) {
      // run everything
    }
    assertEquals(List.of("y@0", "u@0", "z@0", "x@5", "v@5", "w@5"), ran);
    assertEquals(5, clock.nowNs());
  }

  @Test
  void cancelledEventsNeverRunAndThePurgeKeepsTheOrder() {
    List<VirtualClock.Event> events = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      events.add(clock.schedule(1000 - i, "e" + i, log("e" + i)));   // later ones first in time
    }
    for (int i = 0; i < 100; i++) {
      if (i % 5 != 0) {
        assertTrue(events.get(i).cancel());
        assertFalse(events.get(i).cancel(), "a second cancel reports it was no longer pending");
      }
    }
    assertEquals(20, clock.pendingCount());
    clock.schedule(0, "now", log("now"));           // scheduling prunes the 80 cancelled events
    assertEquals(21, clock.pendingCount());
    clock.advanceTo(2000);
    List<String> want = new ArrayList<>(List.of("now@0"));
    for (int i = 95; i >= 0; i -= 5) {
      want.add("e" + i + "@" + (1000 - i));
    }
    assertEquals(want, ran);
    assertFalse(clock.hasPending());
  }

  @Test
  void cancelFromAnotherJavaThreadOnlyMarksTheEvent() throws InterruptedException {
    List<VirtualClock.Event> events = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      events.add(clock.schedule(10 + i, "t" + i, log("t" + i)));
    }
    Thread killer = new Thread(() -> events.subList(0, 30).forEach(VirtualClock.Event::cancel));
    killer.start();
    killer.join();
    assertEquals(10, clock.pendingCount());
    clock.advanceTo(100);
    assertEquals(10, ran.size());
    assertEquals("t30@40", ran.get(0));
  }

  @Test
  void advanceRunsWhatIsDueAndTimeNeverGoesBack() {
    clock.schedule(10, "a", log("a"));
    clock.schedule(30, "b", log("b"));
    clock.advance(20);
    assertEquals(List.of("a@10"), ran);
    assertEquals(20, clock.nowNs());
    IllegalArgumentException back = assertThrows(IllegalArgumentException.class, () -> clock.advanceTo(19));
    assertEquals("cannot go back in time to 19 (now 20)", back.getMessage());
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
        () -> clock.schedule(-1, "late", log("late")));
    assertEquals("negative delay -1 for late", negative.getMessage());
    IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
        () -> clock.scheduleAt(5, () -> "lazy label", log("past")));
    assertEquals("event lazy label at 5 is in the past (now 20)", past.getMessage());
    assertEquals(1, clock.pendingCount(), "refused events are not queued");
  }

  @Test
  void aSupplierLabelIsBuiltOnlyWhenAskedFor() {
    AtomicInteger built = new AtomicInteger();
    VirtualClock.Event e = clock.schedule(1, () -> "label " + built.incrementAndGet(), log("e"));
    clock.runNext();
    assertEquals(0, built.get(), "running the event does not build its label");
    assertEquals("label 1", e.what());
    assertEquals("label 2@1ns", e.toString());
  }
  @Test
  void aReservedPlaceRunsWhereAnEventScheduledThenWouldHaveRun() {
    clock.schedule(0, "a", () -> {
      ran.add("a@" + clock.nowNs());
      long place = clock.reserveSeq();             // between b and c
      clock.schedule(0, "c", log("c"));
      clock.schedule(3, "d", log("d"));
      clock.scheduleReserved(place, 0, () -> "r", log("r"), null);
      long unused = clock.reserveSeq();            // never used: a gap, nothing else
      assertTrue(unused > place);
    });
    clock.schedule(0, "b", log("b"));
    while (clock.runNext()) {
      // run everything
    }
    assertEquals(List.of("a@0", "b@0", "r@0", "c@0", "d@3"), ran);
    assertThrows(IllegalArgumentException.class,
        () -> clock.scheduleReserved(Long.MAX_VALUE, 0, () -> "never", log("never"), null));
  }

  @Test
  void cancelOwnedByDropsExactlyThatOwnersPendingEvents() {
    Object dev = new Object();
    Object other = new Object();
    clock.schedule(0, () -> "mine now", log("mine now"), dev);
    clock.schedule(4, () -> "mine later", log("mine later"), dev);
    clock.schedule(4, () -> "theirs", log("theirs"), other);
    clock.schedule(2, "plain", log("plain"));
    assertEquals(2, clock.cancelOwnedBy(dev));
    assertEquals(0, clock.cancelOwnedBy(dev), "already cancelled");
    while (clock.runNext()) {
      // run everything
    }
    assertEquals(List.of("plain@2", "theirs@4"), ran);
  }

  /**
   * quietThroughNs tells up to when an event may do now what its own follow-ups would do: until just
   * before any other event is due (a cancelled one does not count), and no later than the time a CPU
   * busy-waiting in advanceTo goes on, however deep the advances nest.
   */
  @Test
  void quietThroughSeesEveryPendingEventAndWhereABusyWaitingCpuGoesOn() {
    assertEquals(Long.MAX_VALUE, clock.quietThroughNs(), "nothing pending");
    VirtualClock.Event at100 = clock.schedule(100, "a", log("a"));
    assertEquals(99, clock.quietThroughNs(), "an event due at 100 runs before a follow-up scheduled for then");
    at100.cancel();
    assertEquals(Long.MAX_VALUE, clock.quietThroughNs(), "a cancelled event never runs");

    List<String> seen = new ArrayList<>();
    clock.schedule(30, "in a busy wait", () -> seen.add("at 30: " + clock.quietThroughNs())); // the CPU goes on at 50
    clock.schedule(20, "nested", () -> clock.advanceTo(clock.nowNs() + 5)); // a nested busy wait to 25
    clock.schedule(22, "inside the nested wait", () -> seen.add("at 22: " + clock.quietThroughNs()));
    clock.schedule(12, "early", () -> seen.add("at 12: " + clock.quietThroughNs())); // the nested wait's event is due at 20
    clock.advanceTo(50);
    assertEquals(List.of("at 12: 19", "at 22: 25", "at 30: 50"), seen);
    assertEquals(Long.MAX_VALUE, clock.quietThroughNs(), "no busy wait under way any more");
  }
}
