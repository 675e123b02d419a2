package dev.driverlab.devices.time;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The clock's future events: a binary min-heap ordered by (time, sequence number), with the two keys
 * held in primitive arrays beside the events. A {@code PriorityQueue<Event>} compared events through
 * their fields, so each step of a sift loaded a parent or child event from wherever it lives in the
 * heap of the JVM (one scheduled per TLP, and cancelled wait timeouts wait among them); here a sift
 * reads two arrays and moves three entries.
 *
 * <p>Every event has its own sequence number (a reserved one is used once), so the keys are distinct:
 * the order of {@link #poll} is fully fixed by them, and any correct heap gives the same order.
 */
final class EventHeap {
  private long[] when = new long[64];
  private long[] seq = new long[64];
  private VirtualClock.Event[] events = new VirtualClock.Event[64];
  private int size;

  int size() {
    return size;
  }

  /** The event with the smallest key, or null. */
  VirtualClock.Event peek() {
    return size == 0 ? null : events[0];
  }

  void add(VirtualClock.Event e, long w, long s) {
    if (size == events.length) {
      when = Arrays.copyOf(when, size * 2);
      seq = Arrays.copyOf(seq, size * 2);
      events = Arrays.copyOf(events, size * 2);
    }
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      long pw = when[parent];
      if (pw < w || (pw == w && seq[parent] < s)) {
        break;
      }
      when[i] = pw;
      seq[i] = seq[parent];
      events[i] = events[parent];
      i = parent;
    }
    when[i] = w;
    seq[i] = s;
    events[i] = e;
  }

  /** Removes the head (the caller has peeked it). */
  void poll() {
    int n = --size;
    long w = when[n];
    long s = seq[n];
    VirtualClock.Event e = events[n];
    events[n] = null;
    if (n > 0) {
      siftDown(0, w, s, e, n);
    }
  }

  private void siftDown(int i, long w, long s, VirtualClock.Event e, int n) {
    int half = n >>> 1;
    while (i < half) {
      int c = 2 * i + 1;
      int r = c + 1;
      if (r < n && (when[r] < when[c] || (when[r] == when[c] && seq[r] < seq[c]))) {
        c = r;
      }
      long cw = when[c];
      if (w < cw || (w == cw && s < seq[c])) {
        break;
      }
      when[i] = cw;
      seq[i] = seq[c];
      events[i] = events[c];
      i = c;
    }
    when[i] = w;
    seq[i] = s;
    events[i] = e;
  }

  /** Drops the events {@code drop} accepts and restores the heap order. */
  void removeIf(java.util.function.Predicate<VirtualClock.Event> drop) {
    int n = 0;
    for (int i = 0; i < size; i++) {
      if (!drop.test(events[i])) {
        when[n] = when[i];
        seq[n] = seq[i];
        events[n] = events[i];
        n++;
      }
    }
    Arrays.fill(events, n, size, null);
    size = n;
    for (int i = (n >>> 1) - 1; i >= 0; i--) {
      siftDown(i, when[i], seq[i], events[i], n);
    }
  }

  /** Every queued event, in no particular order. */
  void forEach(Consumer<VirtualClock.Event> action) {
    for (int i = 0; i < size; i++) {
      action.accept(events[i]);
    }
  }
}
