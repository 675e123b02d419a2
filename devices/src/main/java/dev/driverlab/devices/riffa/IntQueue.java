package dev.driverlab.devices.riffa;

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

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Makes room for {@code more} values, keeping the order. */
  private void ensure(int more) {
    int need = size + more;
    if (need <= buf.length) {
      return;
    }
    int cap = buf.length;
    while (cap < need) {
      cap *= 2;
    }
    int[] n = new int[cap];
    copyOut(n, 0, size);
    buf = n;
    head = 0;
  }

  /** Copies the first {@code n} values (n ≤ size) to {@code dst[off..]}, leaving the queue as it is. */
  private void copyOut(int[] dst, int off, int n) {
    int first = Math.min(n, buf.length - head);
    System.arraycopy(buf, head, dst, off, first);
    System.arraycopy(buf, 0, dst, off + first, n - first);
  }

  void add(int v) {
    ensure(1);
    buf[(head + size) & (buf.length - 1)] = v;
    size++;
  }

  void addAll(int[] values) {
    addAll(values, 0, values.length);
  }

  /** Appends {@code src[off, off + n)}. */
  void addAll(int[] src, int off, int n) {
    ensure(n);
    int tail = (head + size) & (buf.length - 1);
    int first = Math.min(n, buf.length - tail);
    System.arraycopy(src, off, buf, tail, first);
    System.arraycopy(src, off + first, buf, 0, n - first);
    size += n;
  }

  /** Appends {@code n} zeros. */
  void addZeros(int n) {
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

  /** Drops the last {@code n} values (n ≤ size). */
  void dropLast(int n) {
    if (n > size) {
      throw new IllegalStateException("asked to drop " + n + " values, " + size + " queued");
    }
    size -= n;
  }

  void clear() {
    head = 0;
    size = 0;
    if (buf.length > 4096) {
      buf = new int[INITIAL];
    } else {
      Arrays.fill(buf, 0);
    }
  }
}
