package dev.driverlab.devices.riffa;

import java.util.Arrays;

/** A growable FIFO of ints (ring buffer): the word FIFOs of the RIFFA engines. Not thread-safe. */
final class IntQueue {
  private int[] buf = new int[64];
  private int head;
  private int size;

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  void add(int v) {
    if (size == buf.length) {
      int[] n = new int[buf.length * 2];
      for (int i = 0; i < size; i++) {
        n[i] = buf[(head + i) % buf.length];
      }
      buf = n;
      head = 0;
    }
    buf[(head + size) % buf.length] = v;
    size++;
  }

  void addAll(int[] values) {
    for (int v : values) {
      add(v);
    }
  }

  int poll() {
    if (size == 0) {
      throw new IllegalStateException("queue is empty");
    }
    int v = buf[head];
    head = (head + 1) % buf.length;
    size--;
    return v;
  }

  /** Removes and returns the first {@code n} values. */
  int[] poll(int n) {
    if (n > size) {
      throw new IllegalStateException("asked for " + n + " values, " + size + " queued");
    }
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = poll();
    }
    return out;
  }

  void clear() {
    head = 0;
    size = 0;
    if (buf.length > 4096) {
      buf = new int[64];
    } else {
      Arrays.fill(buf, 0);
    }
  }
}
