package dev.driverlab.kernel.mm;

/**
 * Page frame number → pin count, for {@link UserMm}: an open-addressed table of primitive longs and
 * ints. Every page of every transfer a driver pins is counted in and out here; a {@code HashMap<Long,
 * Integer>} boxed the frame and the count and made a node for each page pinned.
 *
 * <p>Linear probing; a removal shifts the rest of its cluster back (no tombstones), so a lookup stops at
 * the first empty slot. A slot holds {@code pfn + 1} (0 = empty: frame 0 is a frame like the others).
 * Not thread-safe (as the map it replaces: the process's address space is touched on the CPU only).
 */
final class PinCounts {
  private long[] keys = new long[64];
  private int[] counts = new int[64];
  private int size;

  private static int slot(long key, int mask) {
    long h = key * 0x9E3779B97F4A7C15L; // frames of one buffer are scattered, but may be dense: mix
    return (int) (h >>> 40) & mask;
  }

  /** The pin count of {@code pfn} (0 if not pinned). */
  int get(long pfn) {
    long k = pfn + 1;
    int mask = keys.length - 1;
    for (int i = slot(k, mask); ; i = (i + 1) & mask) {
      long x = keys[i];
      if (x == k) {
        return counts[i];
      }
      if (x == 0) {
        return 0;
      }
    }
  }

  boolean contains(long pfn) {
    return get(pfn) != 0;
  }

  /** One more pin of {@code pfn}. */
  void increment(long pfn) {
    if (2 * (size + 1) > keys.length) {
      grow();
    }
    long k = pfn + 1;
    int mask = keys.length - 1;
    int i = slot(k, mask);
    while (keys[i] != 0 && keys[i] != k) {
      i = (i + 1) & mask;
    }
    if (keys[i] == 0) {
      keys[i] = k;
      size++;
    }
    counts[i]++;
  }

  /** One pin of {@code pfn} less; false (and nothing changes) if it was not pinned. */
  boolean decrement(long pfn) {
    long k = pfn + 1;
    int mask = keys.length - 1;
    int i = slot(k, mask);
    while (keys[i] != k) {
      if (keys[i] == 0) {
        return false;
      }
      i = (i + 1) & mask;
    }
    if (--counts[i] == 0) {
      removeAt(i);
    }
    return true;
  }

  /** Total pins over all frames. */
  int total() {
    int n = 0;
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != 0) {
        n += counts[i];
      }
    }
    return n;
  }

  /** Empties slot {@code i} and moves back the entries after it whose probe passed through it. */
  private void removeAt(int i) {
    int mask = keys.length - 1;
    keys[i] = 0;
    counts[i] = 0;
    size--;
    int hole = i;
    for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
      int home = slot(keys[j], mask);
      // The entry at j may fill the hole if its home is not cyclically in (hole, j].
      boolean homeAfterHole = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!homeAfterHole) {
        keys[hole] = keys[j];
        counts[hole] = counts[j];
        keys[j] = 0;
        counts[j] = 0;
        hole = j;
      }
    }
  }

  private void grow() {
    long[] oldKeys = keys;
    int[] oldCounts = counts;
    keys = new long[oldKeys.length * 2];
    counts = new int[oldKeys.length * 2];
    int mask = keys.length - 1;
    for (int i = 0; i < oldKeys.length; i++) {
      long k = oldKeys[i];
      if (k != 0) {
        int j = slot(k, mask);
        while (keys[j] != 0) {
          j = (j + 1) & mask;
        }
        keys[j] = k;
        counts[j] = oldCounts[i];
      }
    }
  }
}
