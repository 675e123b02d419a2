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

  private record Entry(MemoryRegion region, long base) {}

  public void add(long base, long size, MemoryRegion region) {
    checkArgument(size > 0, "region %s: size must be positive", region.name());
    Range<Long> r = Range.closedOpen(base, base + size);
    checkArgument(map.subRangeMap(r).asMapOfRanges().isEmpty(),
        "region %s [%#x, %#x) overlaps %s", region.name(), base, base + size, map.subRangeMap(r).asMapOfRanges().values());
    map.put(r, new Entry(region, base));
  }

  /** The region answering {@code address}, or null when nothing decodes it. */
  public Hit decode(long address) {
    Entry e = map.get(address);
    return e == null ? null : new Hit(e.region, e.base, address - e.base);
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
