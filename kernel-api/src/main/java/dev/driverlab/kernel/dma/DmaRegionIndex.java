package dev.driverlab.kernel.dma;

import dev.driverlab.kernel.pci.PciDev;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * DMA regions indexed by their start address on one side (bus address, or CPU physical address), so
 * the checks that run on every device TLP or kernel memory access find the region around an address
 * without scanning them all. Regions may overlap (one buffer mapped twice, or for two devices).
 *
 * <p>A start address nearly always has one region (a page of a scatterlist, a coherent buffer), so a
 * key maps to the {@link DmaCore.Entry} itself, and only to a list (oldest first) when several share
 * it: a map and unmap per page make and drop no list, and a lookup follows one pointer less.
 */
final class DmaRegionIndex {
  /**
   * Start address → the {@link DmaCore.Entry} there, or an {@code ArrayList} of them (two or more).
   * Primitive sorted chunks rather than a TreeMap: see {@link LongSortedMap}.
   */
  private final LongSortedMap byStart = new LongSortedMap();
  /**
   * Whether regions are filed by CPU physical address ({@link DmaCore.Entry#phys}) rather than bus
   * address ({@link DmaCore.Entry#handle}). A flag, not a key function: the device-TLP lookup reads a
   * region's start for every TLP, and the indexes' key lambdas (one per index made) made that call
   * site polymorphic.
   */
  private final boolean byPhys;
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
  private Object cacheValue;
  /**
   * The start key {@link #add} last filed a region under and what that key holds then: dma_map_sg
   * marks each handle checked ({@link #markCheckedAt}) right after mapping it. Valid while the index is
   * unchanged since ({@code addMod == modCount}).
   */
  private long addMod = -1;
  private long addKey;
  private Object addValue;
  /**
   * A span [lo, hi) that no region of some kind shares a byte with, found by the last lookup for that
   * kind that came back empty: every CPU access to memory outside the streaming buffers (an SG list the
   * driver writes word by word, say) asks, and they cluster. Valid while the index is unchanged
   * ({@code mod == modCount}; the largest size only grows on an add, which changes modCount too).
   * Primitive fields only: updating one stores no reference.
   */
  private static final class Gap {
    long mod = -1;
    long lo;
    long hi;

    boolean holds(long modCount, long addr, long len) {
      return mod == modCount && addr >= lo && addr + len <= hi;
    }
  }

  /** The gap of {@link #overlapping} (any region). */
  private final Gap gap = new Gap();

  /** @param byPhys file regions by CPU physical address; false: by bus address (the DMA handle) */
  DmaRegionIndex(boolean byPhys) {
    this.byPhys = byPhys;
  }

  private long start(DmaCore.Entry e) {
    return byPhys ? e.phys : e.handle;
  }

  /**
   * A streaming region whose bus address is its physical address (mapped without an IOMMU), in the
   * bus-address index: DmaCore files it there only, and {@link #overlappingOwnedIdentity} answers the
   * CPU-access check for it, so a scatterlist page costs one index update, not two.
   */
  private boolean identity(DmaCore.Entry e) {
    return !byPhys && e.streaming() && e.phys == e.handle;
  }

  /** Live {@link #identity} regions here, and the largest size one ever had (it only grows, as maxSize). */
  private int identityLive;
  private long maxIdentitySize;
  /** The gap of {@link #overlappingOwnedIdentity} (identity regions only). */
  private final Gap identityGap = new Gap();
  private static final Predicate<DmaCore.Entry> OWNED_IDENTITY = x -> x.deviceOwns && x.streaming() && x.phys == x.handle;

  @SuppressWarnings("unchecked")
  void add(DmaCore.Entry e) {
    if (identity(e)) {
      identityLive++;
      maxIdentitySize = Math.max(maxIdentitySize, e.size);
    }
    long s = start(e);
    Object v = byStart.putIfAbsent(s, e);
    if (v instanceof DmaCore.Entry first) {
      List<DmaCore.Entry> l = new ArrayList<>(2);
      l.add(first);
      l.add(e);
      byStart.put(s, l);
    } else if (v != null) {
      ((List<DmaCore.Entry>) v).add(e);
    }
    maxSize = Math.max(maxSize, e.size);
    modCount++;
    addMod = modCount;
    addKey = s;
    addValue = v == null ? e : byStart.get(s);
  }

  @SuppressWarnings("unchecked")
  void remove(DmaCore.Entry e) {
    long s = start(e);
    // One search, not a get and then a remove: a start address nearly always holds e alone.
    Object v = byStart.remove(s);
    if (v == e) {
      if (identity(e)) {
        identityLive--;
      }
      modCount++;
      return;
    }
    if (v != null) {
      byStart.put(s, v); // someone else's, or several: put back and edit below
    }
    if (v instanceof List<?> raw) {
      List<DmaCore.Entry> l = (List<DmaCore.Entry>) raw;
      if (l.remove(e)) {
        if (identity(e)) {
          identityLive--;
        }
        if (l.size() == 1) {
          byStart.put(s, l.get(0));
        }
      }
    }
    modCount++;
  }

  /**
   * The newest region of {@code dev} starting exactly at {@code start} that is streaming (or, if
   * {@code coherent}, coherent), or null. Takes the device and kind rather than a predicate: a lambda
   * capturing them was an object for every page an unmap retires.
   */
  @SuppressWarnings("unchecked")
  DmaCore.Entry newestAt(long start, PciDev dev, boolean coherent) {
    Object v = byStart.get(start);
    if (v instanceof DmaCore.Entry e) {
      return e.dev == dev && e.streaming() != coherent ? e : null;
    }
    if (v != null) {
      List<DmaCore.Entry> l = (List<DmaCore.Entry>) v;
      for (int i = l.size() - 1; i >= 0; i--) {
        DmaCore.Entry e = l.get(i);
        if (e.dev == dev && e.streaming() != coherent) {
          return e;
        }
      }
    }
    return null;
  }

  /** Marks every region of {@code dev} starting exactly at {@code start} as error-checked (dma_mapping_error). */
  @SuppressWarnings("unchecked")
  void markCheckedAt(long start, PciDev dev) {
    Object v = addMod == modCount && start == addKey ? addValue : byStart.get(start);
    if (v instanceof DmaCore.Entry e) {
      if (e.dev == dev) {
        e.errorChecked = true;
      }
    } else if (v != null) {
      for (DmaCore.Entry e : (List<DmaCore.Entry>) v) {
        if (e.dev == dev) {
          e.errorChecked = true;
        }
      }
    }
  }

  boolean isEmpty() {
    return byStart.isEmpty();
  }

  /**
   * The first region (newest start first) containing all of [addr, addr+len) that belongs to
   * {@code dev} ({@code null}: any device's). A device rather than a predicate: the DMA checker asks
   * this for every device TLP, and a lambda capturing the device would be an allocation each time.
   */
  DmaCore.Entry containing(long addr, long len, PciDev dev) {
    if (cacheMod == modCount && addr >= cacheKey && addr < cacheNext) {
      DmaCore.Entry x = firstContaining(cacheValue, addr, len, dev);
      if (x != null) {
        return x;
      }
    }
    // Walk the start keys downwards from addr (positions in the sorted map: the next key is beside).
    long at = byStart.floor(addr);
    if (at >= 0) {
      long next = byStart.next(at);
      cacheKey = byStart.keyAt(at);
      cacheNext = next >= 0 ? byStart.keyAt(next) : Long.MAX_VALUE;
      cacheValue = byStart.valueAt(at);
      cacheMod = modCount;
    }
    while (at >= 0 && byStart.keyAt(at) + maxSize > addr) {
      DmaCore.Entry x = firstContaining(byStart.valueAt(at), addr, len, dev);
      if (x != null) {
        return x;
      }
      at = byStart.prev(at);
    }
    return null;
  }

  /**
   * Where the range in which {@link #containing} keeps answering {@code x} ends, if {@code x} was its
   * last answer and holds its start key alone: from that key to the next start (or x's end, if nearer)
   * no other region starts, so the search for any address in there begins and ends at x. While the
   * index is unchanged. Otherwise {@code start(x)}: an empty range.
   */
  long soleRangeEnd(DmaCore.Entry x) {
    long s = start(x);
    if (cacheMod != modCount || cacheValue != x || cacheKey != s) {
      return s;
    }
    return Math.min(cacheNext, s + x.size);
  }

  @SuppressWarnings("unchecked")
  private DmaCore.Entry firstContaining(Object v, long addr, long len, PciDev dev) {
    if (v instanceof DmaCore.Entry x) {
      return contains(x, addr, len) && (dev == null || x.dev == dev) ? x : null;
    }
    List<DmaCore.Entry> l = (List<DmaCore.Entry>) v;
    for (int i = 0, n = l.size(); i < n; i++) {
      DmaCore.Entry x = l.get(i);
      if (contains(x, addr, len) && (dev == null || x.dev == dev)) {
        return x;
      }
    }
    return null;
  }

  private boolean contains(DmaCore.Entry x, long addr, long len) {
    long s = start(x);
    return addr >= s && addr + len <= s + x.size;
  }

  /** Every region sharing at least one byte with [addr, addr+len) that {@code ok} accepts. */
  List<DmaCore.Entry> overlapping(long addr, long len, Predicate<DmaCore.Entry> ok) {
    return overlapping(addr, len, maxSize, gap, ok);
  }

  /**
   * The {@link #identity} regions the device owns sharing a byte with the physical range [addr,
   * addr+len): what an index by physical address would answer for them (their start there is the
   * same), in the same order. Only they are walked for: a large coherent buffer here does not lengthen
   * the walk, and the gap remembered is one without identity regions.
   */
  List<DmaCore.Entry> overlappingOwnedIdentity(long addr, long len) {
    if (identityLive == 0) {
      return List.of();
    }
    return overlapping(addr, len, maxIdentitySize, identityGap, OWNED_IDENTITY);
  }

  /**
   * The regions of a kind no larger than {@code maxSize} that {@code ok} accepts sharing a byte with
   * [addr, addr+len); {@code g} remembers the last gap found without that kind.
   */
  private List<DmaCore.Entry> overlapping(long addr, long len, long maxSize, Gap g, Predicate<DmaCore.Entry> ok) {
    if (g.holds(modCount, addr, len)) {
      return List.of();
    }
    long below = byStart.lower(addr + len);
    if (below < 0 || byStart.keyAt(below) + maxSize <= addr) {
      // No region starts in [addr, addr + len) or reaches it from below: remember the whole gap, from
      // the furthest a region below can reach to the next start above.
      long above = byStart.next(below);
      g.lo = below < 0 ? Long.MIN_VALUE : byStart.keyAt(below) + maxSize;
      g.hi = above < 0 ? Long.MAX_VALUE : byStart.keyAt(above);
      g.mod = modCount;
      return List.of();
    }
    return walk(below, addr, len, maxSize, ok);
  }

  /**
   * The regions {@code ok} accepts sharing a byte with [addr, addr+len), walking the start keys down
   * from position {@code below} while a region of at most {@code reach} bytes could still get there.
   */
  @SuppressWarnings("unchecked")
  private List<DmaCore.Entry> walk(long below, long addr, long len, long reach, Predicate<DmaCore.Entry> ok) {
    List<DmaCore.Entry> out = null;
    for (long at = below; at >= 0 && byStart.keyAt(at) + reach > addr; at = byStart.prev(at)) {
      Object v = byStart.valueAt(at);
      if (v instanceof DmaCore.Entry x) {
        out = addIfOverlapping(out, x, addr, len, ok);
        continue;
      }
      List<DmaCore.Entry> l = (List<DmaCore.Entry>) v;
      for (int i = 0, n = l.size(); i < n; i++) {
        out = addIfOverlapping(out, l.get(i), addr, len, ok);
      }
    }
    return out != null ? out : List.of();
  }

  /** Adds {@code x} to {@code out} (made on first use) if it shares a byte with [addr, addr+len) and ok. */
  private List<DmaCore.Entry> addIfOverlapping(List<DmaCore.Entry> out, DmaCore.Entry x, long addr, long len,
      Predicate<DmaCore.Entry> ok) {
    long s = start(x);
    if (s < addr + len && addr < s + x.size && ok.test(x)) {
      if (out == null) {
        out = new ArrayList<>();
      }
      out.add(x);
    }
    return out;
  }
}
