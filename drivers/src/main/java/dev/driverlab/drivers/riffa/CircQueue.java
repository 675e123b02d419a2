package dev.driverlab.drivers.riffa;

import static dev.driverlab.kernel.sched.Locks.atomic_cmpxchg;
import static dev.driverlab.kernel.sched.Locks.atomic_inc;
import static dev.driverlab.kernel.sched.Locks.atomic_read;

import dev.driverlab.kernel.sched.AtomicT;

/**
 * RIFFA's lock-free message queue between the interrupt handler (the only producer) and the thread in
 * the ioctl (the only consumer) of one channel direction ({@code circ_queue.c}; riffa.md §1.8).
 *
 * <pre>
 *   slots:  [ (type, value) | (type, value) | ... ]      len slots
 *   writeIndex, readIndex: atomic counters that only grow; slot = counter mod len
 *   full  when (write + 1) mod len == read mod len  → push drops the message, returns 1
 *   empty when  read mod len == write mod len       → pop returns 1
 * </pre>
 *
 * One slot always stays free, so a queue of length 5 (recv) holds 4 messages and one of length 4
 * (send) holds 3. Push stores the pair before it publishes the new write index; pop reads the pair and
 * then advances the read index with compare-and-swap, as the C code does.
 */
final class CircQueue {
  /** EVENT_* message types (riffa_driver.h). */
  static final int EVENT_TXN_LEN = 1, EVENT_TXN_OFFLAST = 2, EVENT_TXN_DONE = 3, EVENT_SG_BUF_READ = 4;

  private final int len;
  private final int[] types;
  private final int[] values;
  private final AtomicT writeIndex = new AtomicT(0);
  private final AtomicT readIndex = new AtomicT(0);

  /** {@code init_circ_queue(len)}. */
  CircQueue(int len) {
    if (len < 2) {
      throw new IllegalArgumentException("a circ_queue needs at least 2 slots (one stays free): " + len);
    }
    this.len = len;
    this.types = new int[len];
    this.values = new int[len];
  }

  int capacity() {
    return len - 1;
  }

  private int slot(int counter) {
    return Integer.remainderUnsigned(counter, len);
  }

  /** {@code push_circ_queue}: 0 if stored, 1 if the queue is full (the message is dropped). */
  int push(int type, int value) {
    int w = atomic_read(writeIndex);
    if (slot(w + 1) == slot(atomic_read(readIndex))) {
      return 1;
    }
    types[slot(w)] = type;
    values[slot(w)] = value;
    atomic_inc(writeIndex);
    return 0;
  }

  /** {@code pop_circ_queue}: 0 with {@code out[0]} = type, {@code out[1]} = value, or 1 if empty. */
  int pop(int[] out) {
    while (true) {
      int r = atomic_read(readIndex);
      if (slot(r) == slot(atomic_read(writeIndex))) {
        return 1;
      }
      int type = types[slot(r)];
      int value = values[slot(r)];
      if (atomic_cmpxchg(readIndex, r, r + 1) == r) {
        out[0] = type;
        out[1] = value;
        return 0;
      }
    }
  }

  boolean isEmpty() {
    return slot(atomic_read(readIndex)) == slot(atomic_read(writeIndex));
  }

  /** Pops until empty (stale events at the start of a send, and at reset). */
  void drain() {
    int[] scratch = new int[2];
    while (pop(scratch) == 0) {
      // discard
    }
  }

  /** Messages waiting. */
  int size() {
    return Integer.remainderUnsigned(atomic_read(writeIndex) - atomic_read(readIndex), len);
  }
}
