package dev.driverlab.kernel.mm;

import java.util.Map;
import java.util.TreeMap;

/**
 * Physical memory allocator over the machine's RAM ranges (from the firmware's E820 map): first fit,
 * byte-granular with power-of-two alignment, below an optional address limit (for DMA masks).
 * Freed ranges merge with their neighbours.
 */
public final class PageAllocator {
  public static final int PAGE_SIZE = 4096;
  public static final int PAGE_SHIFT = 12;

  private final TreeMap<Long, Long> free = new TreeMap<>(); // start -> length
  private long totalFree;

  public void addRange(long start, long length) {
    release(start, length);
  }

  /** Allocates {@code size} bytes aligned to {@code align} ending at or below {@code limit}; -1 if none. */
  public synchronized long alloc(long size, long align, long limit) {
    if (size <= 0) {
      throw new IllegalArgumentException("allocation size must be positive: " + size);
    }
    for (Map.Entry<Long, Long> e : free.entrySet()) {
      long start = e.getKey();
      long end = start + e.getValue();
      long a = (start + align - 1) & -align;
      if (a + size <= end && Long.compareUnsigned(a + size - 1, limit) <= 0) {
        free.remove(start);
        if (a > start) {
          free.put(start, a - start);
        }
        if (a + size < end) {
          free.put(a + size, end - (a + size));
        }
        totalFree -= size;
        return a;
      }
      if (Long.compareUnsigned(start, limit) > 0) {
        break;
      }
    }
    return -1;
  }

  public synchronized void release(long start, long length) {
    long end = start + length;
    Map.Entry<Long, Long> before = free.floorEntry(start);
    if (before != null && before.getKey() + before.getValue() == start) {
      start = before.getKey();
      free.remove(before.getKey());
    }
    Long afterLen = free.get(end);
    if (afterLen != null) {
      free.remove(end);
      end += afterLen;
    }
    free.put(start, end - start);
    totalFree += length;
  }

  public synchronized long freeBytes() {
    return totalFree;
  }
}
