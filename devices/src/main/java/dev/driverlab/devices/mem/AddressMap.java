package dev.driverlab.devices.mem;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.collect.Range;
import com.google.common.collect.RangeMap;
import com.google.common.collect.TreeRangeMap;
import java.util.Map;

/**
 * The CPU's physical address map: which {@link MemoryRegion} answers which range. Built from a Guava
 * {@link RangeMap}; overlapping regions are a wiring mistake and are refused.
 */
public final class AddressMap {
  /** A decoded address: the region and the offset inside it. */
  public record Hit(MemoryRegion region, long base, long offset) {}

  private final RangeMap<Long, Entry> map = TreeRangeMap.create();
  /**
   * The entry the last decode found: consecutive CPU accesses mostly hit the same region (a driver's
   * register loop, a memcpy), and a range compare is far cheaper than the tree walk. Entries are
   * immutable (final fields), so even a racing reader sees a whole one; {@link #add} clears it. The map
   * is wired when the machine is built; one CPU at a time drives it afterwards.
   */
  private Entry last;

  private record Entry(MemoryRegion region, long base, long end) {
    boolean holds(long address) {
      return address >= base && address < end;
    }
  }

  public void add(long base, long size, MemoryRegion region) {
    checkArgument(size > 0, "region %s: size must be positive", region.name());
    Range<Long> r = Range.closedOpen(base, base + size);
    checkArgument(map.subRangeMap(r).asMapOfRanges().isEmpty(),
        "region %s [%#x, %#x) overlaps %s", region.name(), base, base + size, map.subRangeMap(r).asMapOfRanges().values());
    map.put(r, new Entry(region, base, base + size));
    last = null;
  }

  /** The region answering {@code address}, or null when nothing decodes it. */
  public Hit decode(long address) {
    Entry e = entry(address);
    return e == null ? null : new Hit(e.region, e.base, address - e.base);
  }

  /**
   * A CPU load of {@code size} bytes at {@code address}: the answer of the region that decodes it, or
   * all ones when none does (as a read nobody claims on real hardware). The same as {@link #decode}
   * then {@code region().read(offset(), size)}, without a {@link Hit} per access (the MMIO road).
   */
  public long read(long address, int size) {
    Entry e = entry(address);
    if (e == null) {
      return size == 8 ? -1L : (1L << (8 * size)) - 1;
    }
    return e.region.read(address - e.base, size);
  }

  /** A CPU store through the map; dropped (false) when nothing decodes {@code address}. */
  public boolean write(long address, long value, int size) {
    Entry e = entry(address);
    if (e == null) {
      return false;
    }
    e.region.write(address - e.base, value, size);
    return true;
  }

  /** The entry holding {@code address} (the last one found, when it still does), or null. */
  private Entry entry(long address) {
    Entry e = last;
    if (e == null || !e.holds(address)) {
      e = map.get(address);
      if (e == null) {
        return null;
      }
      last = e;
    }
    return e;
  }

  /** The regions, in address order, as "[start, end) name" descriptions. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<Range<Long>, Entry> e : map.asMapOfRanges().entrySet()) {
      sb.append(String.format("%016x-%016x : %s%n", e.getKey().lowerEndpoint(), e.getKey().upperEndpoint() - 1,
          e.getValue().region.name()));
    }
    return sb.toString();
  }
}
