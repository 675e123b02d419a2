package dev.driverlab.devices.time;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.PriorityQueue;

/**
 * One machine's simulated time, in nanoseconds since power-on. Work that takes time on real hardware
 * (an edu factorial, a DMA transfer, a timer) is an {@link Event} scheduled here; the kernel runs the
 * clock forward to the next event when every simulated thread waits. Events at the same instant run in
 * the order they were scheduled, so every run replays identically.
 *
 * <p>Not thread-safe by itself: the kernel's scheduler lets only one simulated thread touch a machine at
 * a time (see DESIGN.md "Time and concurrency").
 */
public final class VirtualClock {
  /** A scheduled action; cancel it to drop it. */
  public static final class Event implements Comparable<Event> {
    private final long when;
    private final long seq;
    private final String what;
    private final Runnable action;
    private boolean cancelled;
    private boolean fired;

    private Event(long when, long seq, String what, Runnable action) {
      this.when = when;
      this.seq = seq;
      this.what = what;
      this.action = action;
    }

    public long when() {
      return when;
    }

    public String what() {
      return what;
    }

    public boolean pending() {
      return !cancelled && !fired;
    }

    /** Returns true if the event was pending and now will not run. */
    public boolean cancel() {
      boolean was = pending();
      cancelled = true;
      return was;
    }

    @Override
    public int compareTo(Event o) {
      int c = Long.compare(when, o.when);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public String toString() {
      return what + "@" + when + "ns";
    }
  }

  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private long now;
  private long seq;

  public long nowNs() {
    return now;
  }

  public Event schedule(long delayNs, String what, Runnable action) {
    checkArgument(delayNs >= 0, "negative delay %s for %s", delayNs, what);
    return scheduleAt(now + delayNs, what, action);
  }

  public Event scheduleAt(long whenNs, String what, Runnable action) {
    checkArgument(whenNs >= now, "event %s at %s is in the past (now %s)", what, whenNs, now);
    Event e = new Event(whenNs, seq++, what, action);
    queue.add(e);
    return e;
  }

  /** The next pending event, or null. */
  public Event peek() {
    Event e;
    while ((e = queue.peek()) != null && !e.pending()) {
      queue.poll();
    }
    return e;
  }

  public boolean hasPending() {
    return peek() != null;
  }

  /** Number of pending events (walks the queue; for reports and tests). */
  public int pendingCount() {
    int n = 0;
    for (Event e : queue) {
      if (e.pending()) {
        n++;
      }
    }
    return n;
  }

  /** Advances time to the next event and runs it. Returns false if nothing was pending. */
  public boolean runNext() {
    Event e = peek();
    if (e == null) {
      return false;
    }
    queue.poll();
    now = Math.max(now, e.when);
    e.fired = true;
    e.action.run();
    return true;
  }

  /** Runs every event due at or before {@code whenNs}, then sets the time to {@code whenNs}. */
  public void advanceTo(long whenNs) {
    checkArgument(whenNs >= now, "cannot go back in time to %s (now %s)", whenNs, now);
    Event e;
    while ((e = peek()) != null && e.when <= whenNs) {
      runNext();
    }
    now = whenNs;
  }

  /** Busy-wait style advance (udelay): time passes, due events run. */
  public void advance(long deltaNs) {
    advanceTo(now + deltaNs);
  }
}
