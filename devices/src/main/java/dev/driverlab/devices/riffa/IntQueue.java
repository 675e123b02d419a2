package dev.driverlab.devices.riffa;

import java.nio.IntBuffer;
import java.util.Arrays;

/**
 * A growable FIFO of ints (ring buffer): the word FIFOs of the RIFFA engines. Not thread-safe.
 *
 * <p>The capacity is always a power of two, so positions wrap with a mask; the bulk methods move a run
 * of words with at most two {@code System.arraycopy}s (the engines move whole TLP payloads and beats).
 */
final class IntQueue {
  private static final int INITIAL = 64;
  private int[] buf = new int[INITIAL];
  private int head;
  private int size;
  /**
   * Words written after the last value but not in the queue yet ({@link #putPending}): a read's data
   * lands in place when the read is issued and joins the queue when it arrives, instead of waiting in
   * a buffer of its own and being copied in then. Nothing may be added while some are pending.
   */
  private int pending;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Makes room for {@code more} values, keeping the order. */
  private void ensure(int more) {
    int need = size + pending + more;
    if (need <= buf.length) {
      return;
    }
    int cap = buf.length;
    while (cap < need) {
      cap *= 2;
    }
    int[] n = new int[cap];
    copyOut(n, 0, size + pending);
    buf = n;
    head = 0;
  }

  /** Copies the first {@code n} values (n ≤ size) to {@code dst[off..]}, leaving the queue as it is. */
  private void copyOut(int[] dst, int off, int n) {
    int first = Math.min(n, buf.length - head);
    System.arraycopy(buf, head, dst, off, first);
    System.arraycopy(buf, 0, dst, off + first, n - first);
  }

  private void noPending() {
    if (pending != 0) {
      throw new IllegalStateException(pending + " words are pending: commit them before adding");
    }
  }

  void add(int v) {
    noPending();
    ensure(1);
    buf[(head + size) & (buf.length - 1)] = v;
    size++;
  }

  void addAll(int[] values) {
    addAll(values, 0, values.length);
  }

  /** Appends {@code src[off, off + n)}. */
  void addAll(int[] src, int off, int n) {
    noPending();
    ensure(n);
    int tail = (head + size) & (buf.length - 1);
    int first = Math.min(n, buf.length - tail);
    System.arraycopy(src, off, buf, tail, first);
    System.arraycopy(src, off + first, buf, 0, n - first);
    size += n;
  }

  /** Appends {@code n} zeros. */
  void addZeros(int n) {
    noPending();
    ensure(n);
    int tail = (head + size) & (buf.length - 1);
    int first = Math.min(n, buf.length - tail);
    Arrays.fill(buf, tail, tail + first, 0);
    Arrays.fill(buf, 0, n - first, 0);
    size += n;
  }

  int poll() {
    if (size == 0) {
      throw new IllegalStateException("queue is empty");
    }
    int v = buf[head];
    head = (head + 1) & (buf.length - 1);
    size--;
    return v;
  }

  /** Removes the first {@code n} values into {@code dst[off, off + n)}. */
  void poll(int[] dst, int off, int n) {
    if (n > size) {
      throw new IllegalStateException("asked for " + n + " values, " + size + " queued");
    }
    copyOut(dst, off, n);
    head = (head + n) & (buf.length - 1);
    size -= n;
  }

  /**
   * Writes {@code src[0, n)} (little-endian words of a TLP's payload) after the last value without
   * queueing them: {@link #commitPending} does, later. At most one run is pending at a time.
   */
  void putPending(IntBuffer src, int n) {
    noPending();
    ensure(n);
    int tail = (head + size) & (buf.length - 1);
    int first = Math.min(n, buf.length - tail);
    src.get(0, buf, tail, first);
    src.get(first, buf, 0, n - first);
    pending = n;
  }

  /** Queues the words {@link #putPending} wrote; returns how many. */
  int commitPending() {
    int n = pending;
    size += n;
    pending = 0;
    return n;
  }

  /** Removes the first {@code n} values into {@code dst[0, n)} (a TLP payload seen as words). */
  void poll(IntBuffer dst, int n) {
    if (n > size) {
      throw new IllegalStateException("asked for " + n + " values, " + size + " queued");
    }
    int first = Math.min(n, buf.length - head);
    dst.put(0, buf, head, first);
    dst.put(first, buf, 0, n - first);
    head = (head + n) & (buf.length - 1);
    size -= n;
  }

  /** Drops the last {@code n} values (n ≤ size). */
  void dropLast(int n) {
    noPending();
    if (n > size) {
      throw new IllegalStateException("asked to drop " + n + " values, " + size + " queued");
    }
    size -= n;
  }

  void clear() {
    head = 0;
    size = 0;
    pending = 0;
    if (buf.length > 4096) {
      buf = new int[INITIAL];
    } else {
      Arrays.fill(buf, 0);
    }
  }
}
