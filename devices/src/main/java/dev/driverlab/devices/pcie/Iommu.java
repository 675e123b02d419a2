package dev.driverlab.devices.pcie;

import com.google.common.collect.Range;
import com.google.common.collect.RangeMap;
import com.google.common.collect.TreeRangeMap;
import dev.driverlab.devices.pcie.tlp.PcieId;
import java.util.HashMap;
import java.util.Map;

/**
 * An IOMMU in front of RAM (in the spirit of VT-d): when enabled, every upstream memory request is
 * translated through the requester's own IO page table; no entry, or the wrong direction, is a fault
 * and RAM is not touched. The kernel's DMA API programs the table; it is hardware state, so it lives
 * here and is shared by nothing else.
 */
public final class Iommu {
  /** A translated address, or a fault with its reason. */
  public record Translation(long physical, String fault) {
    public boolean ok() {
      return fault == null;
    }
  }

  private record Entry(long iovaBase, long physBase, boolean read, boolean write) {}

  private boolean enabled;
  private final Map<Integer, RangeMap<Long, Entry>> tables = new HashMap<>();
  /**
   * The range [lastBase, lastEnd) of requester lastRequester that the last lookup found, and its entry:
   * a DMA transfer is many TLPs inside one mapping, and this spares each the table walk (and the boxing
   * of its keys). Forgotten by every map and unmap, the only changes to the tables.
   */
  private int lastRequester = -1;
  private long lastBase, lastEnd;
  private Entry lastEntry;

  public boolean enabled() {
    return enabled;
  }

  public void setEnabled(boolean on) {
    this.enabled = on;
  }

  /** Maps {@code size} bytes at {@code iova} to {@code phys} for {@code requester}. */
  public void map(PcieId requester, long iova, long phys, long size, boolean deviceReads, boolean deviceWrites) {
    lastEntry = null;
    tables.computeIfAbsent(requester.requesterId(), k -> TreeRangeMap.create())
        .put(Range.closedOpen(iova, iova + size), new Entry(iova, phys, deviceReads, deviceWrites));
  }

  public void unmap(PcieId requester, long iova, long size) {
    lastEntry = null;
    RangeMap<Long, Entry> t = tables.get(requester.requesterId());
    if (t != null) {
      t.remove(Range.closedOpen(iova, iova + size));
    }
  }

  /** Translates one request of {@code len} bytes; the whole range must be mapped with one entry. */
  public Translation translate(PcieId requester, long iova, int len, boolean write) {
    if (!enabled) {
      return new Translation(iova, null);
    }
    int rid = requester.requesterId();
    Entry en = lastEntry;
    if (en == null || rid != lastRequester || iova < lastBase || iova >= lastEnd) {
      RangeMap<Long, Entry> t = tables.get(rid);
      Map.Entry<Range<Long>, Entry> e = t == null ? null : t.getEntry(iova);
      if (e == null) {
        return new Translation(-1, "no translation for this address (non-present entry)");
      }
      en = lastEntry = e.getValue();
      lastRequester = rid;
      lastBase = e.getKey().lowerEndpoint();
      lastEnd = e.getKey().upperEndpoint();
    }
    if (iova + len > lastEnd) {
      return new Translation(-1, "no translation for this address (non-present entry)");
    }
    if (write ? !en.write : !en.read) {
      return new Translation(-1, write ? "entry does not allow device writes" : "entry does not allow device reads");
    }
    return new Translation(en.physBase + (iova - en.iovaBase), null);
  }
}
