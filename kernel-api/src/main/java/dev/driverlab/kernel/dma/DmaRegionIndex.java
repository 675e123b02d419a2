package dev.driverlab.kernel.dma;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  DmaRegionIndex(ToLongFunction<DmaCore.Entry> start) {
    this.start = start;
  }

  void add(DmaCore.Entry e) {
    byStart.computeIfAbsent(start.applyAsLong(e), k -> new ArrayList<>(1)).add(e);
    maxSize = Math.max(maxSize, e.size);
  }

  void remove(DmaCore.Entry e) {
    long s = start.applyAsLong(e);
    List<DmaCore.Entry> l = byStart.get(s);
    if (l != null && l.remove(e) && l.isEmpty()) {
      byStart.remove(s);
    }
  }

  boolean isEmpty() {
    return byStart.isEmpty();
  }

  /** The first region (newest start first) containing all of [addr, addr+len) that {@code ok} accepts. */
  DmaCore.Entry containing(long addr, long len, Predicate<DmaCore.Entry> ok) {
    for (Map.Entry<Long, List<DmaCore.Entry>> e : byStart.headMap(addr, true).descendingMap().entrySet()) {
      if (e.getKey() + maxSize <= addr) {
        break;
      }
      for (DmaCore.Entry x : e.getValue()) {
        long s = start.applyAsLong(x);
        if (addr >= s && addr + len <= s + x.size && ok.test(x)) {
          return x;
        }
      }
    }
    return null;
  }

  /** Every region sharing at least one byte with [addr, addr+len) that {@code ok} accepts. */
  List<DmaCore.Entry> overlapping(long addr, long len, Predicate<DmaCore.Entry> ok) {
    List<DmaCore.Entry> out = new ArrayList<>();
    for (Map.Entry<Long, List<DmaCore.Entry>> e : byStart.headMap(addr + len, false).descendingMap().entrySet()) {
      if (e.getKey() + maxSize <= addr) {
        break;
      }
      for (DmaCore.Entry x : e.getValue()) {
        long s = start.applyAsLong(x);
        if (s < addr + len && addr < s + x.size && ok.test(x)) {
          out.add(x);
        }
      }
    }
    return out;
  }
}
