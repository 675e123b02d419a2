package dev.driverlab.devices.time;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The clock's future events: a binary min-heap ordered by (time, sequence number) whose entries are
 * primitives only: the two keys and the number of the slot that holds the event.
 *
 * <p>Why not a {@code PriorityQueue<Event>}: it compared events through their fields, so each step of a
 * sift loaded a parent or child event from wherever it lives in the JVM's heap, and it moved event
 * references, each move a store of a young object into a long-lived array, which the collector's write
 * barrier must record (a memory fence and a dirty-card entry when the card is clean). Device engines
 * schedule an event per TLP, and cancelled wait timeouts far in the future sit among them, so a new
 * event often climbs several levels. Here a sift moves longs and ints; an event reference is stored
 * once, into its slot, when it is queued, and cleared when it leaves.
 *
 * <p>Every event has its own sequence number (a reserved one is used once), so the keys are distinct:
 * the order of {@link #poll} is fully fixed by them, and any correct heap gives the same order.
 */
final class EventHeap {
  private long[] when = new long[64];
  private long[] seq = new long[64];
  /** Heap position → slot of {@link #slots} holding the event. */
  private int[] slotAt = new int[64];
  /**
   * The queued events, at fixed slots; free slots are null and listed in {@link #free}. A reusable
   * event ({@link VirtualClock#timer}) keeps its own slot for good ({@link #permanent}): arming it
   * again stores no reference at all.
   */
  private VirtualClock.Event[] slots = new VirtualClock.Event[64];
  private boolean[] permanent = new boolean[64];
  private int[] free = new int[64];
  private int freeCount;
  /** Slots never used yet start here (slots below are in use, permanent, or listed as free). */
  private int fresh;
  private int size;

  int size() {
    return size;
  }

  /** The event with the smallest key, or null. */
  VirtualClock.Event peek() {
    return size == 0 ? null : slots[slotAt[0]];
  }

  /** A slot for {@code e} alone, for as long as this heap lives (a reusable event's). */
  int reserveSlot(VirtualClock.Event e) {
    int slot = newSlot();
    slots[slot] = e;
    permanent[slot] = true;
    return slot;
  }

  private int newSlot() {
    if (fresh == slots.length) {
      int n = slots.length * 2;
      slots = Arrays.copyOf(slots, n);
      permanent = Arrays.copyOf(permanent, n);
      free = Arrays.copyOf(free, n);
    }
    return fresh++;
  }

  void add(VirtualClock.Event e, long w, long s) {
    int slot = freeCount > 0 ? free[--freeCount] : newSlot();
    slots[slot] = e;
    addAt(slot, w, s);
  }

  /** Queues the event in {@code slot} (its own, {@link #reserveSlot}) with the key (w, s). */
  void addAt(int slot, long w, long s) {
    if (size == when.length) {
      int n = size * 2;
      when = Arrays.copyOf(when, n);
      seq = Arrays.copyOf(seq, n);
      slotAt = Arrays.copyOf(slotAt, n);
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
      slotAt[i] = slotAt[parent];
      i = parent;
    }
    when[i] = w;
    seq[i] = s;
    slotAt[i] = slot;
  }

  private void release(int slot) {
    if (!permanent[slot]) {
      slots[slot] = null;
      free[freeCount++] = slot;
    }
  }

  /** Removes the head (the caller has peeked it). */
  void poll() {
    release(slotAt[0]);
    int n = --size;
    if (n > 0) {
      siftDown(0, when[n], seq[n], slotAt[n], n);
    }
  }

  private void siftDown(int i, long w, long s, int slot, int n) {
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
      slotAt[i] = slotAt[c];
      i = c;
    }
    when[i] = w;
    seq[i] = s;
    slotAt[i] = slot;
  }

  /** Drops the events {@code drop} accepts and restores the heap order. */
  void removeIf(Predicate<VirtualClock.Event> drop) {
    int n = 0;
    for (int i = 0; i < size; i++) {
      int slot = slotAt[i];
      if (drop.test(slots[slot])) {
        release(slot);
      } else {
        when[n] = when[i];
        seq[n] = seq[i];
        slotAt[n] = slot;
        n++;
      }
    }
    size = n;
    for (int i = (n >>> 1) - 1; i >= 0; i--) {
      siftDown(i, when[i], seq[i], slotAt[i], n);
    }
  }

  /** Every queued event, in no particular order. */
  void forEach(Consumer<VirtualClock.Event> action) {
    for (int i = 0; i < size; i++) {
      action.accept(slots[slotAt[i]]);
    }
  }
}
