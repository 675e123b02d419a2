package dev.driverlab.kernel.dma;

import java.util.Arrays;

/**
 * A sorted map from {@code long} to objects for {@link DmaRegionIndex}: keys in sorted chunks of at most
 * {@value #CHUNK} (primitive arrays), found by a binary search over the chunks' first keys and then
 * within one chunk.
 *
 * <p>Why not a {@code TreeMap<Long, Object>}: the DMA checks look a region up for every device TLP and
 * the DMA API files and drops a region for every page of every scatterlist. A tree walk is a chain of
 * dependent loads through nodes and boxed keys scattered over the heap; here a search touches a few
 * cache lines of two arrays, an insert or removal moves at most a chunk's worth of keys (chunks split
 * when full and go when empty), and the next and previous keys are beside each other.
 *
 * <p>Positions ({@link #floor}, {@link #lower}, {@link #next}, {@link #prev}) are {@code chunk << 32 |
 * index}, or -1 for none; any insert or removal invalidates them.
 */
final class LongSortedMap {
  static final int CHUNK = 64;

  private long[][] keys = new long[4][];
  private Object[][] vals = new Object[4][];
  private int[] sizes = new int[4];
  /** First key of each chunk, for the search over chunks. */
  private long[] firsts = new long[4];
  private int chunks;
  /**
   * The position {@link #get} last found {@link #memoKey} at, or -1; any insert or removal clears it.
   * An unmap looks its region up and then removes it: the removal starts from here instead of
   * searching again (primitives only: setting them costs no GC barrier).
   */
  private long memoPos = -1;
  private long memoKey;
  /**
   * The arrays of the last chunk that emptied, for the next chunk to open: scattered pages come and
   * go with every scatterlist, and chunks with them (all of {@code spareVals} is null).
   */
  private long[] spareKeys;
  private Object[] spareVals;

  boolean isEmpty() {
    return chunks == 0;
  }

  private static long pos(int chunk, int index) {
    return (long) chunk << 32 | index;
  }

  private static int chunkOf(long pos) {
    return (int) (pos >>> 32);
  }

  private static int indexOf(long pos) {
    return (int) pos;
  }

  long keyAt(long pos) {
    return keys[chunkOf(pos)][indexOf(pos)];
  }

  Object valueAt(long pos) {
    return vals[chunkOf(pos)][indexOf(pos)];
  }

  /** The last chunk whose first key is at most {@code k} ({@code strict}: below {@code k}); -1 if none. */
  private int chunkFloor(long k, boolean strict) {
    return lastAtMost(firsts, chunks, k, strict);
  }

  /** In chunk {@code c}, the last index whose key is at most {@code k} (strict: below); -1 if none. */
  private int indexFloor(int c, long k, boolean strict) {
    return lastAtMost(keys[c], sizes[c], k, strict);
  }

  /**
   * The last index of sorted {@code a[0, n)} whose value is at most {@code k} (strict: below); -1 if none.
   * Written without a branch on the comparison (the halving keeps a[base] qualifying and the answer in
   * [base, base + n)), so the JIT can use a conditional move: the keys are DMA addresses of scattered
   * pages, the comparisons are coin tosses, and a mispredicted branch per level cost more than the rest
   * of the search.
   */
  private static int lastAtMost(long[] a, int n, long k, boolean strict) {
    if (strict) {
      if (k == Long.MIN_VALUE) {
        return -1;
      }
      k--; // below k is at most k - 1
    }
    if (n == 0 || a[0] > k) {
      return -1;
    }
    int base = 0;
    while (n > 1) {
      int half = n >>> 1;
      base = a[base + half] <= k ? base + half : base;
      n -= half;
    }
    return base;
  }

  /** Position of the greatest key at most {@code k}, or -1. */
  long floor(long k) {
    int c = chunkFloor(k, false);
    return c < 0 ? -1 : pos(c, indexFloor(c, k, false)); // the chunk's first key qualifies: index ≥ 0
  }

  /** Position of the greatest key below {@code k}, or -1. */
  long lower(long k) {
    int c = chunkFloor(k, true);
    return c < 0 ? -1 : pos(c, indexFloor(c, k, true));
  }

  /** The position after {@code p} ({@code p} = -1: the first), or -1 at the end. */
  long next(long p) {
    if (p < 0) {
      return chunks == 0 ? -1 : pos(0, 0);
    }
    int c = chunkOf(p);
    int i = indexOf(p) + 1;
    if (i < sizes[c]) {
      return pos(c, i);
    }
    return c + 1 < chunks ? pos(c + 1, 0) : -1;
  }

  /** The position before {@code p}, or -1 at the start. */
  long prev(long p) {
    int c = chunkOf(p);
    int i = indexOf(p);
    if (i > 0) {
      return pos(c, i - 1);
    }
    return c > 0 ? pos(c - 1, sizes[c - 1] - 1) : -1;
  }

  Object get(long k) {
    long p = floor(k);
    if (p >= 0 && keyAt(p) == k) {
      memoKey = k;
      memoPos = p;
      return valueAt(p);
    }
    return null;
  }

  /** Maps {@code k} to {@code v} unless it is mapped; returns the value it had (null: none, now v). */
  Object putIfAbsent(long k, Object v) {
    long p = floor(k);
    if (p >= 0 && keyAt(p) == k) {
      return valueAt(p);
    }
    insertAfter(p, k, v);
    return null;
  }

  /** Maps {@code k} to {@code v}, replacing any value. */
  void put(long k, Object v) {
    long p = floor(k);
    if (p >= 0 && keyAt(p) == k) {
      vals[chunkOf(p)][indexOf(p)] = v;
    } else {
      insertAfter(p, k, v);
    }
  }

  /** Removes {@code k}; returns its value, or null if it was not mapped. */
  Object remove(long k) {
    long p = memoPos >= 0 && memoKey == k ? memoPos : floor(k); // the memo is valid: nothing changed since
    if (p < 0 || keyAt(p) != k) {
      return null;
    }
    memoPos = -1;
    int c = chunkOf(p);
    int i = indexOf(p);
    Object old = vals[c][i];
    int n = sizes[c];
    System.arraycopy(keys[c], i + 1, keys[c], i, n - i - 1);
    System.arraycopy(vals[c], i + 1, vals[c], i, n - i - 1);
    vals[c][n - 1] = null;
    sizes[c] = n - 1;
    if (n == 1) {
      removeChunk(c);
    } else if (i == 0) {
      firsts[c] = keys[c][0];
    }
    return old;
  }

  /** Inserts {@code k} (not present) just after position {@code p} (-1: at the very start). */
  private void insertAfter(long p, long k, Object v) {
    memoPos = -1;
    int c;
    int i;
    if (chunks == 0) {
      addChunk(0);
      c = 0;
      i = 0;
    } else if (p < 0) {
      c = 0; // below every key: the front of the first chunk
      i = 0;
    } else {
      c = chunkOf(p);
      i = indexOf(p) + 1;
    }
    if (sizes[c] == CHUNK) {
      // Split: the upper half moves to a new chunk after c.
      addChunk(c + 1);
      int half = CHUNK / 2;
      System.arraycopy(keys[c], half, keys[c + 1], 0, CHUNK - half);
      System.arraycopy(vals[c], half, vals[c + 1], 0, CHUNK - half);
      Arrays.fill(vals[c], half, CHUNK, null);
      sizes[c] = half;
      sizes[c + 1] = CHUNK - half;
      firsts[c + 1] = keys[c + 1][0];
      if (i > half) {
        c++;
        i -= half;
      }
    }
    int n = sizes[c];
    System.arraycopy(keys[c], i, keys[c], i + 1, n - i);
    System.arraycopy(vals[c], i, vals[c], i + 1, n - i);
    keys[c][i] = k;
    vals[c][i] = v;
    sizes[c] = n + 1;
    if (i == 0) {
      firsts[c] = k;
    }
  }

  /** Opens an empty chunk at {@code c}. */
  private void addChunk(int c) {
    if (chunks == keys.length) {
      int cap = 2 * chunks;
      keys = Arrays.copyOf(keys, cap);
      vals = Arrays.copyOf(vals, cap);
      sizes = Arrays.copyOf(sizes, cap);
      firsts = Arrays.copyOf(firsts, cap);
    }
    int move = chunks - c;
    System.arraycopy(keys, c, keys, c + 1, move);
    System.arraycopy(vals, c, vals, c + 1, move);
    System.arraycopy(sizes, c, sizes, c + 1, move);
    System.arraycopy(firsts, c, firsts, c + 1, move);
    if (spareKeys != null) {
      keys[c] = spareKeys;
      vals[c] = spareVals;
      spareKeys = null;
      spareVals = null;
    } else {
      keys[c] = new long[CHUNK];
      vals[c] = new Object[CHUNK];
    }
    sizes[c] = 0;
    chunks++;
  }

  private void removeChunk(int c) {
    spareKeys = keys[c];
    spareVals = vals[c]; // empty: its last value was cleared before it is removed
    int move = chunks - c - 1;
    System.arraycopy(keys, c + 1, keys, c, move);
    System.arraycopy(vals, c + 1, vals, c, move);
    System.arraycopy(sizes, c + 1, sizes, c, move);
    System.arraycopy(firsts, c + 1, firsts, c, move);
    chunks--;
    keys[chunks] = null;
    vals[chunks] = null;
  }
}
