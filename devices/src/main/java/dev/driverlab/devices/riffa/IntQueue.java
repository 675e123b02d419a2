package dev.driverlab.devices.riffa;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.util.Arrays;

/**
 * A growable FIFO of 32-bit words (ring buffer): the word FIFOs of the RIFFA engines. Not thread-safe.
 *
 * <p>The words are kept as little-endian bytes, the order they have in a TLP's payload, so the engines
 * move payloads between the FIFO and the bus without converting them: a read's completion data is
 * written straight into the ring ({@link #pendingSlot}), and a write's payload is sent straight from
 * it ({@link #headSlot}); words are converted only where the user core hands them in or takes them out
 * as ints. Each word in the FIFO used to be copied once more, between an int ring and a TLP's bytes.
 *
 * <p>The capacity is always a power of two words, so positions wrap with a mask; the bulk methods move a
 * run of words with at most two copies (the engines move whole TLP payloads and beats).
 */
final class IntQueue {
  private static final int INITIAL = 64;
  private static final VarHandle LE_INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  /** The ring: word {@code i} at bytes {@code [4i, 4i + 4)}, little-endian. */
  private byte[] buf = new byte[4 * INITIAL];
  /** {@link #buf} seen as words (remade when buf grows): bulk conversion to and from int arrays. */
  private IntBuffer words = view(buf);
  /** Capacity in words minus one (a power of two minus one). */
  private int mask = INITIAL - 1;
  private int head;
  private int size;
  /**
   * Words written after the last value but not in the queue yet ({@link #pendingSlot}): a read's data
   * lands in place when the read is issued and joins the queue when it arrives, instead of waiting in
   * a buffer of its own and being copied in then. Nothing may be added while some are pending.
   */
  private int pending;

  private static IntBuffer view(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  private int capacity() {
    return mask + 1;
  }

  /** Makes room for {@code more} values after the queued and pending ones, keeping the order. */
  private void ensure(int more) {
    int need = size + pending + more;
    if (need <= capacity()) {
      return;
    }
    int cap = capacity();
    while (cap < need) {
      cap *= 2;
    }
    byte[] n = new byte[4 * cap];
    int keep = size + pending;
    int first = Math.min(keep, capacity() - head);
    System.arraycopy(buf, 4 * head, n, 0, 4 * first);
    System.arraycopy(buf, 0, n, 4 * first, 4 * (keep - first));
    buf = n;
    words = view(n);
    mask = cap - 1;
    head = 0;
  }

  private void noPending() {
    if (pending != 0) {
      throw new IllegalStateException(pending + " words are pending: commit them before adding");
    }
  }

  private int tail() {
    return (head + size) & mask;
  }

  void add(int v) {
    noPending();
    ensure(1);
    LE_INT.set(buf, 4 * tail(), v);
    size++;
  }

  void addAll(int[] values) {
    addAll(values, 0, values.length);
  }

  /** Appends {@code src[off, off + n)}. */
  void addAll(int[] src, int off, int n) {
    noPending();
    ensure(n);
    int tail = tail();
    int first = Math.min(n, capacity() - tail);
    words.put(tail, src, off, first);
    words.put(0, src, off + first, n - first);
    size += n;
  }

  /** Appends {@code n} zeros. */
  void addZeros(int n) {
    noPending();
    ensure(n);
    int tail = tail();
    int first = Math.min(n, capacity() - tail);
    Arrays.fill(buf, 4 * tail, 4 * (tail + first), (byte) 0);
    Arrays.fill(buf, 0, 4 * (n - first), (byte) 0);
    size += n;
  }

  int poll() {
    if (size == 0) {
      throw new IllegalStateException("queue is empty");
    }
    int v = (int) LE_INT.get(buf, 4 * head);
    head = (head + 1) & mask;
    size--;
    return v;
  }

  /** Removes the first {@code n} values into {@code dst[off, off + n)}. */
  void poll(int[] dst, int off, int n) {
    if (n > size) {
      throw new IllegalStateException("asked for " + n + " values, " + size + " queued");
    }
    int first = Math.min(n, capacity() - head);
    words.get(head, dst, off, first);
    words.get(0, dst, off + first, n - first);
    head = (head + n) & mask;
    size -= n;
  }

  // ---- payloads: the ring's bytes as the bus sees them -----------------------------------------

  /** The ring's bytes, for a TLP to fill at {@link #pendingSlot} or be sent from at {@link #headSlot}. */
  byte[] bytes() {
    return buf;
  }

  /**
   * Makes room for {@code n} words after the last value and returns the byte offset in {@link #bytes()}
   * where they would go, if they lie there in one piece; -1 if they would wrap (then use
   * {@link #putPending}). Write them there and call {@link #markPending}.
   */
  int pendingSlot(int n) {
    noPending();
    ensure(n);
    int tail = tail();
    return tail + n <= capacity() ? 4 * tail : -1;
  }

  /** The {@code n} words after the last value were written in place ({@link #pendingSlot}): pending now. */
  void markPending(int n) {
    pending = n;
  }

  /**
   * Writes the {@code n} words at {@code src[srcOff..]} (little-endian bytes) after the last value
   * without queueing them: {@link #commitPending} does, later. At most one run is pending at a time.
   */
  void putPending(byte[] src, int srcOff, int n) {
    noPending();
    ensure(n);
    int tail = tail();
    int first = Math.min(n, capacity() - tail);
    System.arraycopy(src, srcOff, buf, 4 * tail, 4 * first);
    System.arraycopy(src, srcOff + 4 * first, buf, 0, 4 * (n - first));
    pending = n;
  }

  /** Queues the words written as pending; returns how many. */
  int commitPending() {
    return commitPending(pending);
  }

  /**
   * Queues the first {@code n} of the words written as pending (a read's, when several were written
   * ahead at once); the rest stay pending. Returns {@code n}.
   */
  int commitPending(int n) {
    if (n < 0 || n > pending) {
      throw new IllegalStateException("asked to commit " + n + " values, " + pending + " pending");
    }
    size += n;
    pending -= n;
    return n;
  }

  /**
   * The byte offset in {@link #bytes()} of the first {@code n} values if they lie there in one piece,
   * or -1 if they wrap (then use {@link #poll(byte[], int, int)}). Send them, then {@link #skip} them.
   */
  int headSlot(int n) {
    if (n > size) {
      throw new IllegalStateException("asked for " + n + " values, " + size + " queued");
    }
    return head + n <= capacity() ? 4 * head : -1;
  }

  /** Drops the first {@code n} values (n ≤ size). */
  void skip(int n) {
    if (n > size) {
      throw new IllegalStateException("asked to skip " + n + " values, " + size + " queued");
    }
    head = (head + n) & mask;
    size -= n;
  }

  /** Removes the first {@code n} values into {@code dst[dstOff..]} as little-endian bytes. */
  void poll(byte[] dst, int dstOff, int n) {
    peek(dst, dstOff, n);
    head = (head + n) & mask;
    size -= n;
  }

  /** Copies the first {@code n} values into {@code dst[dstOff..]} as little-endian bytes, leaving them queued. */
  void peek(byte[] dst, int dstOff, int n) {
    if (n > size) {
      throw new IllegalStateException("asked for " + n + " values, " + size + " queued");
    }
    int first = Math.min(n, capacity() - head);
    System.arraycopy(buf, 4 * head, dst, dstOff, 4 * first);
    System.arraycopy(buf, 0, dst, dstOff + 4 * first, 4 * (n - first));
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
    if (capacity() > 4096) {
      buf = new byte[4 * INITIAL];
      words = view(buf);
      mask = INITIAL - 1;
    } else {
      Arrays.fill(buf, (byte) 0);
    }
  }
}
