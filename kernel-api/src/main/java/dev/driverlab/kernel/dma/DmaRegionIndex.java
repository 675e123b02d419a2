package dev.driverlab.kernel.dma;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * DMA regions indexed by their start address on one side (bus address, or CPU physical address), so
 * the checks that run on every device TLP or kernel memory access find the region around an address
 * without scanning them all. Regions may overlap (one buffer mapped twice, or for two devices).
 */
final class DmaRegionIndex {
  private final TreeMap<Long, List<DmaCore.Entry>> byStart = new TreeMap<>();
  private final ToLongFunction<DmaCore.Entry> start;
  private long maxSize;
  /** Bumped by every add and remove: the lookup cache below is valid only while it is unchanged. */
  private long modCount;
  /**
   * The last start key a {@link #containing} search began at, its regions and the next start key above
   * it. Device TLPs walk a mapping in order, a page entry at a time, so most lookups land in the same
   * [key, next) span: while the index is unchanged, no region starts in (key, addr] for an address in
   * that span, so the newest-start-first search begins at key's regions, as the full search would.
   */
  private long cacheMod = -1;
  private long cacheKey;
  private long cacheNext;
  private List<DmaCore.Entry> cacheList;

  DmaRegionIndex(ToLongFunction<DmaCore.Entry> start) {
    this.start = start;
  }

  void add(DmaCore.Entry e) {
    byStart.computeIfAbsent(start.applyAsLong(e), k -> new ArrayList<>(1)).add(e);
    maxSize = Math.max(maxSize, e.size);
    modCount++;
  }

  void remove(DmaCore.Entry e) {
    long s = start.applyAsLong(e);
    List<DmaCore.Entry> l = byStart.get(s);
    if (l != null && l.remove(e) && l.isEmpty()) {
      byStart.remove(s);
    }
    modCount++;
  }

  /** The regions starting exactly at {@code start}, oldest first (a view; empty if none). */
  List<DmaCore.Entry> startingAt(long start) {
    List<DmaCore.Entry> l = byStart.get(start);
    return l != null ? l : List.of();
  }

  boolean isEmpty() {
    return byStart.isEmpty();
  }

  /** The first region (newest start first) containing all of [addr, addr+len) that {@code ok} accepts. */
  DmaCore.Entry containing(long addr, long len, Predicate<DmaCore.Entry> ok) {
    if (cacheMod == modCount && addr >= cacheKey && addr < cacheNext) {
      DmaCore.Entry x = firstContaining(cacheList, addr, len, ok);
      if (x != null) {
        return x;
      }
    }
    // Walk the start keys downwards from addr with floorKey/lowerKey (no map views or iterators).
    Long k = byStart.floorKey(addr);
    if (k != null) {
      Long next = byStart.higherKey(k);
      cacheKey = k;
      cacheNext = next != null ? next : Long.MAX_VALUE;
      cacheList = byStart.get(k);
      cacheMod = modCount;
    }
    while (k != null && k + maxSize > addr) {
      DmaCore.Entry x = firstContaining(byStart.get(k), addr, len, ok);
      if (x != null) {
        return x;
      }
      k = byStart.lowerKey(k);
    }
    return null;
  }

  private DmaCore.Entry firstContaining(List<DmaCore.Entry> l, long addr, long len, Predicate<DmaCore.Entry> ok) {
    for (int i = 0, n = l.size(); i < n; i++) {
      DmaCore.Entry x = l.get(i);
      long s = start.applyAsLong(x);
      if (addr >= s && addr + len <= s + x.size && ok.test(x)) {
        return x;
      }
    }
    return null;
  }

  /** Every region sharing at least one byte with [addr, addr+len) that {@code ok} accepts. */
  List<DmaCore.Entry> overlapping(long addr, long len, Predicate<DmaCore.Entry> ok) {
    List<DmaCore.Entry> out = null;
    for (Long k = byStart.lowerKey(addr + len); k != null && k + maxSize > addr; k = byStart.lowerKey(k)) {
      List<DmaCore.Entry> l = byStart.get(k);
      for (int i = 0, n = l.size(); i < n; i++) {
        DmaCore.Entry x = l.get(i);
        long s = start.applyAsLong(x);
        if (s < addr + len && addr < s + x.size && ok.test(x)) {
          if (out == null) {
            out = new ArrayList<>();
          }
          out.add(x);
        }
      }
    }
    return out != null ? out : List.of();
  }
}
