package dev.driverlab.devices.time;

import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * One machine's simulated time, in nanoseconds since power-on. Work that takes time on real hardware
 * (an edu factorial, a DMA transfer, a timer) is an {@link Event} scheduled here; the kernel runs the
 * clock forward to the next event when every simulated thread waits. Events at the same instant run in
 * the order they were scheduled, so every run replays identically.
 *
 * <p>Not thread-safe by itself: the kernel's scheduler lets only one simulated thread touch a machine at
 * a time (see DESIGN.md "Time and concurrency"). The one exception is {@link Event#cancel}, which only
 * marks the event, so a thread being shut down may call it from its own Java thread.
 */
public final class VirtualClock {
  /** A scheduled action; cancel it to drop it. */
  public static final class Event implements Comparable<Event> {
    private final VirtualClock clock;
    /** Final but for a reusable event ({@link #timer}), which {@link #arm} sets anew each time. */
    private long when;
    private long seq;
    /** The label: a String, or a {@code Supplier<String>} rendered only when someone asks. */
    private final Object what;
    private final Runnable action;
    /** Who may cancel it wholesale ({@link #cancelOwnedBy}); null for most events. */
    private final Object owner;
    private boolean cancelled;
    private boolean fired;
    /** A reusable event's own slot in the heap ({@link EventHeap#reserveSlot}); -1 for a one-off event. */
    private int slot = -1;
    /** A reusable event is in one of the queues (pending, or cancelled and not yet dropped). */
    private boolean queued;

    private Event(VirtualClock clock, long when, long seq, Object what, Runnable action, Object owner) {
      this.clock = clock;
      this.when = when;
      this.seq = seq;
      this.what = what;
      this.action = action;
      this.owner = owner;
    }

    public long when() {
      return when;
    }

    public String what() {
      return what instanceof Supplier<?> s ? String.valueOf(s.get()) : (String) what;
    }

    public boolean pending() {
      return !cancelled && !fired;
    }

    /**
     * Returns true if the event was pending and now will not run. Only marks the event: a thread the
     * scheduler is killing cancels its timeout from its own Java thread, so cancel must not touch the
     * queues (the thread holding the simulated CPU prunes them; see {@link #scheduleAt}).
     */
    public boolean cancel() {
      boolean was = pending();
      cancelled = true;
      if (was) {
        clock.cancelled++; // a count for a heuristic: an update lost to such a race only delays a purge
      }
      return was;
    }

    @Override
    public int compareTo(Event o) {
      int c = Long.compare(when, o.when);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public String toString() {
      return what() + "@" + when + "ns";
    }
  }

  /** Events due later than now, or scheduled now out of sequence order (see {@link #insert}). */
  private final EventHeap queue = new EventHeap();
  /**
   * Events due at the current instant (scheduled with no delay), in the order they were scheduled.
   * Device engines schedule most of their events this way; keeping them out of the heap saves a
   * sift through it each. Time cannot move on while any wait here (they are the earliest events), so
   * all of them are due {@code now}; {@link #peek} takes whichever of the two heads comes first in
   * (time, sequence) order, so events run in exactly the order one queue would give.
   */
  private final ArrayDeque<Event> immediate = new ArrayDeque<>();
  private long now;
  private long seq;
  /**
   * While {@link #advanceTo} runs the events due on the way (a CPU busy-waiting), the time it stops at:
   * its caller goes on then, even if events are due later. Long.MAX_VALUE when no advance is under way.
   */
  private long advanceStop = Long.MAX_VALUE;
  /**
   * Cancelled events still in the queues. A cancelled event leaves a queue only when it reaches the
   * head, and a wait's timeout is often far in the future (every timed wait schedules one and cancels
   * it when the wait ends), so they would pile up and slow every insertion and removal. When they are
   * more than half the queue it is rebuilt without them; they would never run, so nothing else changes.
   */
  private int cancelled;

  /** Drops the cancelled events when they are most of the queue (run by the thread scheduling). */
  private void purgeCancelled() {
    if (cancelled > 16 && cancelled > (queue.size() + immediate.size()) / 2) {
      queue.removeIf(VirtualClock::dropIfCancelled);
      immediate.removeIf(VirtualClock::dropIfCancelled);
      cancelled = 0;
    }
  }

  /** For the purge: true if {@code e} is cancelled, and then it leaves its queue. */
  private static boolean dropIfCancelled(Event e) {
    if (e.cancelled) {
      e.queued = false;
      return true;
    }
    return false;
  }

  public long nowNs() {
    return now;
  }

  public Event schedule(long delayNs, String what, Runnable action) {
    return schedule(delayNs, (Object) what, action);
  }

  /**
   * As {@link #schedule(long, String, Runnable)} with a label built only if it is asked for (reports,
   * {@link Event#what()}): hot device paths schedule an event per TLP and should not build strings for
   * it. A label object reused for many events costs nothing per event.
   */
  public Event schedule(long delayNs, Supplier<String> what, Runnable action) {
    return schedule(delayNs, (Object) what, action);
  }

  public Event scheduleAt(long whenNs, String what, Runnable action) {
    return scheduleAt(whenNs, (Object) what, action);
  }

  /** As {@link #scheduleAt(long, String, Runnable)} with a lazily built label. */
  public Event scheduleAt(long whenNs, Supplier<String> what, Runnable action) {
    return scheduleAt(whenNs, (Object) what, action);
  }

  /**
   * As {@link #schedule(long, Supplier, Runnable)} for an event that {@link #cancelOwnedBy}({@code owner})
   * cancels while it is pending: a device model that drops all its work on reset need not keep a list
   * of the events it scheduled (that cost a queue entry per event, and device engines make one per TLP).
   */
  public Event schedule(long delayNs, Supplier<String> what, Runnable action, Object owner) {
    checkDelay(delayNs, what);
    return insert(now + delayNs, seq++, what, action, owner);
  }

  /**
   * Takes the next sequence number now for an event that may be scheduled later in the same instant
   * with {@link #scheduleReserved}: it then runs exactly where an event scheduled at this moment would
   * have run among the events at its time. A model that would schedule a step that often turns out to
   * have nothing to do reserves its place instead, and schedules the step only if it still has work
   * once it knows (an unused number is a gap in the sequence, which orders events and nothing else).
   */
  public long reserveSeq() {
    return seq++;
  }

  /**
   * Schedules an event in the place {@code reservedSeq} ({@link #reserveSeq}) holds. Must be called in
   * the same instant the number was reserved in (time has not moved since).
   */
  public Event scheduleReserved(long reservedSeq, long delayNs, Supplier<String> what, Runnable action,
      Object owner) {
    checkDelay(delayNs, what);
    if (reservedSeq >= seq) {
      throw new IllegalArgumentException("sequence number " + reservedSeq + " was never reserved");
    }
    return insert(now + delayNs, reservedSeq, what, action, owner);
  }

  /**
   * A reusable event for a device engine that has at most one such step pending at a time (the data
   * of its one read in flight, say), armed with {@link #arm} for every TLP. Scheduling a fresh event
   * each time stored a new object into the clock's long-lived queue, and every such store paid the
   * collector's write barrier (a memory fence); this one keeps its own slot in the heap, so arming it
   * stores only its key. It runs, orders, is cancelled ({@link #cancelOwnedBy}) and reported exactly
   * as an event scheduled at the same moment with the same label, action and owner would be.
   */
  public Event timer(Supplier<String> what, Runnable action, Object owner) {
    Event t = new Event(this, 0, -1, what, action, owner);
    t.fired = true; // not pending until armed
    t.slot = queue.reserveSlot(t);
    return t;
  }

  /**
   * Schedules reusable event {@code t} ({@link #timer}) {@code delayNs} from now, as
   * {@link #schedule(long, Supplier, Runnable, Object)} would schedule its label, action and owner,
   * taking the same sequence number. If {@code t} is still queued (pending, or cancelled and not yet
   * dropped from a queue), a one-off event is scheduled instead: the order and the result are the same.
   */
  public void arm(Event t, long delayNs) {
    checkDelay(delayNs, t.what);
    if (t.queued || t.clock != this) {
      insert(now + delayNs, seq++, t.what, t.action, t.owner); // what schedule(delay, what, action, owner) does
      return;
    }
    purgeCancelled();
    long whenNs = now + delayNs;
    long seqNo = seq++;
    t.when = whenNs;
    t.seq = seqNo;
    t.fired = false;
    t.cancelled = false;
    t.queued = true;
    Event tail;
    if (whenNs == now && ((tail = immediate.peekLast()) == null || tail.seq < seqNo)) {
      immediate.addLast(t);
    } else {
      queue.addAt(t.slot, whenNs, seqNo);
    }
  }

  /**
   * Cancels every pending event scheduled with {@code owner} (a device reset dropping its work); returns
   * how many. Walks both queues: resets are rare, scheduling is not.
   */
  public int cancelOwnedBy(Object owner) {
    int[] n = {0};
    queue.forEach(e -> {
      if (e.owner == owner && e.cancel()) {
        n[0]++;
      }
    });
    for (Event e : immediate) {
      if (e.owner == owner && e.cancel()) {
        n[0]++;
      }
    }
    return n[0];
  }

  private void checkDelay(long delayNs, Object what) {
    if (delayNs < 0) {
      throw new IllegalArgumentException("negative delay " + delayNs + " for " + label(what));
    }
  }

  private Event schedule(long delayNs, Object what, Runnable action) {
    checkDelay(delayNs, what);
    return scheduleAt(now + delayNs, what, action);
  }

  private Event scheduleAt(long whenNs, Object what, Runnable action) {
    if (whenNs < now) {
      throw new IllegalArgumentException(
          "event " + label(what) + " at " + whenNs + " is in the past (now " + now + ")");
    }
    return insert(whenNs, seq++, what, action, null);
  }

  private Event insert(long whenNs, long seqNo, Object what, Runnable action, Object owner) {
    purgeCancelled();
    Event e = new Event(this, whenNs, seqNo, what, action, owner);
    // The immediate queue must stay in sequence order: a reserved number may be older than its tail,
    // and then the event waits in the heap, which orders by (time, sequence) like peek does.
    Event tail;
    if (whenNs == now && ((tail = immediate.peekLast()) == null || tail.seq < seqNo)) {
      immediate.addLast(e);
    } else {
      queue.add(e, whenNs, seqNo);
    }
    return e;
  }

  private static String label(Object what) {
    return what instanceof Supplier<?> s ? String.valueOf(s.get()) : String.valueOf(what);
  }

  /** The next pending event, or null. */
  public Event peek() {
    Event e;
    while ((e = queue.peek()) != null && !e.pending()) {
      queue.poll();
      e.queued = false;
      if (e.cancelled) {
        cancelled--;
      }
    }
    Event i;
    while ((i = immediate.peekFirst()) != null && !i.pending()) {
      immediate.pollFirst();
      i.queued = false;
      if (i.cancelled) {
        cancelled--;
      }
    }
    if (i == null) {
      return e;
    }
    return e != null && e.compareTo(i) < 0 ? e : i;
  }

  /**
   * Up to which time, inclusive, nothing but the running event's own follow-ups can happen: the time
   * before the next pending event is due, or at which a CPU that busy-waits ({@link #advanceTo}) goes
   * on, whichever comes first; Long.MAX_VALUE if neither. An event may do at once what follow-ups of
   * its own would have done by then, one after the other, with no other event and no CPU in between:
   * nothing could have seen the states in between. A device's engine uses this to send a burst of
   * TLPs that would go out back to back (see {@code Endpoint.dmaWriteBurst}).
   */
  public long quietThroughNs() {
    Event e = peek();
    return e == null ? advanceStop : Math.min(advanceStop, e.when - 1);
  }

  public boolean hasPending() {
    return peek() != null;
  }

  /** Number of pending events (walks the queue; for reports and tests). */
  public int pendingCount() {
    int[] n = {0};
    queue.forEach(e -> {
      if (e.pending()) {
        n[0]++;
      }
    });
    for (Event e : immediate) {
      if (e.pending()) {
        n[0]++;
      }
    }
    return n[0];
  }

  /** Advances time to the next event and runs it. Returns false if nothing was pending. */
  public boolean runNext() {
    Event e = peek();
    if (e == null) {
      return false;
    }
    if (e == immediate.peekFirst()) {
      immediate.pollFirst();
    } else {
      queue.poll();
    }
    now = Math.max(now, e.when);
    e.fired = true;
    e.queued = false; // out of the queues: its action may arm it again
    e.action.run();
    return true;
  }

  /** Runs every event due at or before {@code whenNs}, then sets the time to {@code whenNs}. */
  public void advanceTo(long whenNs) {
    if (whenNs < now) {
      throw new IllegalArgumentException("cannot go back in time to " + whenNs + " (now " + now + ")");
    }
    long outer = advanceStop;
    advanceStop = Math.min(outer, whenNs);
    try {
      Event e;
      while ((e = peek()) != null && e.when <= whenNs) {
        runNext();
      }
    } finally {
      advanceStop = outer;
    }
    now = whenNs;
  }

  /** Busy-wait style advance (udelay): time passes, due events run. */
  public void advance(long deltaNs) {
    advanceTo(now + deltaNs);
  }
}
