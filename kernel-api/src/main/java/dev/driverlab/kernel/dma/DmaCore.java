package dev.driverlab.kernel.dma;

import dev.driverlab.devices.pcie.Iommu;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.debug.Leftover;
import dev.driverlab.kernel.mm.KernelMemory;
import dev.driverlab.kernel.mm.PageAllocator;
import dev.driverlab.kernel.mm.UserMm;
import dev.driverlab.kernel.pci.PciDev;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * The DMA mapping layer (kernel/dma/mapping.c) with DMA-API debugging (kernel/dma/debug.c) built in:
 * every coherent buffer and streaming mapping is recorded with its device, size, direction, owner and
 * call site, and every misuse Linux's {@code debug_dma_*} hooks catch is reported, worded as
 * kernel/dma/debug.c words it. Without an IOMMU a DMA handle is the physical address; with one it is
 * an IO virtual address the kernel maps for that device alone.
 *
 * <pre>
 *   live entries ──► indexed by bus address (the device's side: check.DmaTlpCheck joins every
 *                    device TLP with them)
 *                └─► streaming ones an IOMMU mapped also by CPU physical address ({@link #cpuAccess}:
 *                    CPU loads and stores of a buffer the device owns; without an IOMMU the bus
 *                    address is the physical one, and the first index answers for them)
 *   unmap / free ──► the entry moves to a short history ({@value #HISTORY} entries), so a later
 *                    device access or a second free can say "after it was freed at ..."
 * </pre>
 *
 * <p>Masks are unsigned 64-bit values ({@code DMA_BIT_MASK(64)} is all ones).
 */
public final class DmaCore {
  public static final int DMA_BIDIRECTIONAL = 0, DMA_TO_DEVICE = 1, DMA_FROM_DEVICE = 2, DMA_NONE = 3;
  /** What a failed map returns ({@code ~(dma_addr_t)0}). */
  public static final long DMA_MAPPING_ERROR = -1L;
  /** How many freed or unmapped regions are remembered for "after free" reports. */
  public static final int HISTORY = 256;
  static final String[] DIR_NAMES = {"DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_NONE"};

  /** One DMA-able region, as DMA-API debug records it (live, or in the freed history). */
  public static final class Entry {
    public final PciDev dev;
    /** "coherent", "single", "page" or "sg": the function family that made it. */
    public final String type;
    public final long handle;
    public final long size;
    public final int dir;
    public final long cpuAddr;
    public final long phys;
    final Object owner;
    /** The driver bound to the device when the region was made (it may be unbound later). */
    public final String driver;
    public final String site;
    boolean errorChecked;
    /** Who owns a streaming buffer right now: true = device (after map/sync_for_device). */
    public boolean deviceOwns = true;
    /** Where and when it was unmapped or freed; null while live. */
    String freedSite;
    long freedNs;
    private boolean cpuReadReported;
    private boolean cpuWriteReported;
    /** Not "coherent" (asked for every device TLP by the checks: a field, not a string compare). */
    private final boolean streaming;
    /** Order of creation among live entries (set when recorded): ties in {@link #inPhysOrder}. */
    long seq;
    /** Neighbours in the live list, oldest first (see {@link DmaCore#liveHead}); null when not live. */
    private Entry prevLive;
    private Entry nextLive;

    Entry(PciDev dev, String type, long handle, long size, int dir, long cpuAddr, long phys, Object owner,
        String site) {
      this.dev = dev;
      this.type = type;
      this.handle = handle;
      this.size = size;
      this.dir = dir;
      this.cpuAddr = cpuAddr;
      this.phys = phys;
      this.owner = owner;
      this.driver = dev.dev.driverName();
      this.site = site;
      this.streaming = !"coherent".equals(type);
    }

    public boolean contains(long addr, long len) {
      return addr >= handle && addr + len <= handle + size;
    }

    /** A streaming mapping (single, page, sg): the CPU and the device take turns owning it. */
    public boolean streaming() {
      return streaming;
    }

    /** Where it was unmapped or freed, or null if it is live. */
    public String freedSite() {
      return freedSite;
    }

    /** Virtual time of the unmap or free (meaningful once {@link #freedSite()} is set). */
    public long freedNs() {
      return freedNs;
    }

    /** "single mapping of 4096 bytes at device address 0x1000, DMA_TO_DEVICE". */
    public String describe() {
      return String.format("%s %s of %d bytes at device address %#x, %s", type,
          "coherent".equals(type) ? "buffer" : "mapping", size, handle, dirName(dir));
    }
  }

  private final Kernel kernel;
  /**
   * Live entries in the order they were made: a list threaded through the entries themselves, so a
   * map or unmap (one per page of a scatterlist) links or unlinks in O(1) without hashing the entry.
   */
  private Entry liveHead;
  private Entry liveTail;
  private final DmaRegionIndex byBus = new DmaRegionIndex(false);
  private final DmaRegionIndex byPhys = new DmaRegionIndex(true);
  private final ArrayDeque<Entry> freed = new ArrayDeque<>();
  /**
   * The history indexed by bus address, built from {@link #freed} only when a report looks something
   * up in it (a bad sync or a device access outside every live region): every unmap changes the
   * history, and keeping an index of it current cost two tree updates per page of every scatterlist.
   * Null when stale; built in history order, it answers as one kept up to date would. (A device that
   * keeps making stray accesses while its driver keeps unmapping pays one rebuild of at most
   * {@code HISTORY} entries per stray access: a bug being reported, not a hot path.)
   */
  private DmaRegionIndex freedByBus;
  private long nextIova = 0xffff_0000L;
  private long cpuAccessChecks;
  /**
   * Bumped by everything that can change what the device-TLP check concludes about an access inside
   * a live entry: a map or unmap, a sync (ownership), a DMA mask set through the API.
   */
  private long version;
  /** Entries filed in {@link #byPhys} ({@link #physIndexed}). */
  private int physIndexedLive;
  /** The next {@link Entry#seq}. */
  private long nextSeq;

  public DmaCore(Kernel kernel) {
    this.kernel = kernel;
  }

  public static String dirName(int dir) {
    return dir >= 0 && dir < 4 ? DIR_NAMES[dir] : "DMA_INVALID(" + dir + ")";
  }

  private boolean iommu() {
    return kernel.machine().iommu().enabled();
  }

  /** {@code last} is at or below {@code mask}, both unsigned. */
  static boolean withinMask(long last, long mask) {
    return Long.compareUnsigned(last, mask) <= 0;
  }

  /** dma_set_mask: -EIO for masks narrower than 24 bits, which no platform honours. */
  public int setMask(Device d, long mask) {
    if (!withinMask(0xff_ffffL, mask)) {
      return -5;
    }
    d.dma_mask = mask;
    version++;
    return 0;
  }

  public int setCoherentMask(Device d, long mask) {
    if (!withinMask(0xff_ffffL, mask)) {
      return -5;
    }
    d.coherent_dma_mask = mask;
    version++;
    return 0;
  }

  private long allocIova(long size) {
    long aligned = (size + 4095) & ~4095L;
    nextIova -= aligned + 4096;
    return nextIova;
  }

  private void iommuMap(PciDev d, long iova, long phys, long size, int dir) {
    Iommu mmu = kernel.machine().iommu();
    boolean devReads = dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL;
    boolean devWrites = dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL;
    long offset = phys & 0xfff;
    mmu.map(d.id(), iova - offset, phys - offset, (offset + size + 4095) & ~4095L, devReads, devWrites);
  }

  private static String hex(long v) {
    return String.format("%#x", v);
  }

  // ---- coherent ---------------------------------------------------------------------------------

  /** dma_alloc_coherent: zeroed memory; returns the kernel address (0 on failure), handle[0] the DMA handle. */
  public long allocCoherent(PciDev d, long size, long[] handle, int gfp) {
    kernel.mightSleepIf((gfp & KernelMemory.__GFP_DIRECT_RECLAIM) != 0, "dma_alloc_coherent(GFP_KERNEL)");
    if (size <= 0) {
      return 0;
    }
    if (d.dev.coherent_dma_mask == 0) {
      kernel.bugs().report(Check.DMA_API, d.dev, "dma_alloc_coherent with a coherent DMA mask of 0");
      return 0;
    }
    if (kernel.faults().failAllocation("dma_alloc_coherent", size)) {
      return 0;
    }
    long alloc = (size + 4095) & ~4095L;
    long mask = d.dev.coherent_dma_mask;
    long limit = iommu() || mask < 0 ? Long.MAX_VALUE : mask;
    long pa = kernel.mem().pages().alloc(alloc, Math.max(4096, Long.highestOneBit(Math.min(alloc, 1L << 22))), limit);
    if (pa < 0) {
      return 0;
    }
    kernel.machine().fillRam(pa, alloc, (byte) 0);
    long h = pa;
    if (iommu()) {
      h = allocIova(alloc);
      iommuMap(d, h, pa, alloc, DMA_BIDIRECTIONAL);
    }
    long va = kernel.mem().physToVirt(pa);
    handle[0] = h;
    record(new Entry(d, "coherent", h, size, DMA_BIDIRECTIONAL, va, pa, kernel.currentModule(), kernel.callSite()));
    return va;
  }

  public void freeCoherent(PciDev d, long size, long cpuAddr, long handle) {
    Entry e = liveEntry(d, handle, true);
    if (e == null) {
      badFree(d, handle, size, "coherent");
      return;
    }
    if (e.size != size) {
      kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver frees DMA memory with different size",
          kernel.callSite(), "allocated at " + e.site, "device address", hex(handle), "map size", e.size + " bytes",
          "unmap size", size + " bytes");
    }
    if (e.cpuAddr != cpuAddr) {
      kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver frees DMA memory with different CPU address",
          kernel.callSite(), "allocated at " + e.site, "device address", hex(handle), "cpu address", hex(e.cpuAddr),
          "freed cpu address", hex(cpuAddr));
    }
    if (kernel.sched().current().irqsDisabled > 0) {
      kernel.bugs().report(Check.DMA_API, d.dev, "dma_free_coherent with interrupts disabled");
    }
    retire(e);
    long alloc = (e.size + 4095) & ~4095L;
    if (iommu()) {
      kernel.machine().iommu().unmap(d.id(), handle, alloc);
    }
    kernel.mem().pages().release(e.phys, alloc);
  }

  /**
   * A free or unmap that matches no live region of {@code d}: the wrong function for a live region, a
   * second free of a region freed before, or a handle never handed out.
   */
  private void badFree(PciDev d, long handle, long size, String as) {
    String site = kernel.callSite();
    if (handle == DMA_MAPPING_ERROR) {
      kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver tries to free an invalid DMA memory address",
          site, null, "device address", hex(handle), "size", size + " bytes");
      return;
    }
    Entry other = liveEntry(d, handle, !"coherent".equals(as));
    if (other != null) {
      kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver frees DMA memory with wrong function", site,
          ("coherent".equals(other.type) ? "allocated at " : "mapped at ") + other.site, "device address",
          hex(handle), "size", size + " bytes", "mapped as", other.type, "unmapped as", as);
      return;
    }
    Entry was = freedEntry(d, handle);
    if (was != null) {
      kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver frees DMA memory it has already freed (double "
          + ("coherent".equals(was.type) ? "free" : "unmap") + ")", site, "first freed at " + was.freedSite,
          "device address", hex(handle), "size", size + " bytes", "mapped as", was.type);
      return;
    }
    kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver tries to free DMA memory it has not allocated",
        site, null, "device address", hex(handle), "size", size + " bytes");
  }

  // ---- streaming --------------------------------------------------------------------------------

  private static boolean validDir(int dir) {
    return dir == DMA_BIDIRECTIONAL || dir == DMA_TO_DEVICE || dir == DMA_FROM_DEVICE;
  }

  /** dma_map_single of kernel memory {@code cpuAddr}: a handle, or DMA_MAPPING_ERROR. */
  public long mapSingle(PciDev d, long cpuAddr, long size, int dir, String type) {
    if (!validDir(dir)) {
      kernel.bugs().report(Check.DMA_API, d.dev, "dma_map with an invalid direction (kernel BUG)", "direction",
          dirName(dir));
      return DMA_MAPPING_ERROR;
    }
    long pa = kernel.mem().virtToPhys(cpuAddr);
    if (pa < 0) {
      if (cpuAddr >= 0 && cpuAddr < UserMm.TASK_SIZE) {
        kernel.bugs().report(Check.DMA_API, d.dev, "device driver maps a user-space address: pin the user pages "
            + "(pin_user_pages) and map them with dma_map_sg or dma_map_page", "address", hex(cpuAddr), "size",
            size + " bytes");
      } else {
        kernel.bugs().report(Check.DMA_API, d.dev, "device driver maps memory from vmalloc area or an invalid "
            + "address (not physically contiguous)", "address", hex(cpuAddr), "size", size + " bytes");
      }
      return DMA_MAPPING_ERROR;
    }
    return mapPhys(d, pa, cpuAddr, size, dir, type);
  }

  long mapPhys(PciDev d, long pa, long cpuAddr, long size, int dir, String type) {
    return mapPhys(d, pa, cpuAddr, size, dir, type, null);
  }

  /**
   * As {@link #mapPhys(PciDev, long, long, long, int, String)}, recording {@code site} as where it was
   * mapped ({@code null}: the caller's call site is looked up here). dma_map_sg looks the site up once
   * for the whole list: every entry of one call has the same driver frame, and a stack walk per page
   * cost more than the mapping itself.
   */
  long mapPhys(PciDev d, long pa, long cpuAddr, long size, int dir, String type, String site) {
    return mapPhys(d, pa, cpuAddr, size, dir, type, site, kernel.currentModule());
  }

  /**
   * As {@link #mapPhys(PciDev, long, long, long, int, String, String)} with the owning module looked up
   * by the caller: dma_map_sg looks it up once for the whole list, as it does the call site.
   */
  long mapPhys(PciDev d, long pa, long cpuAddr, long size, int dir, String type, String site, Object owner) {
    if (size <= 0) {
      return DMA_MAPPING_ERROR;
    }
    if (!validDir(dir)) {
      kernel.bugs().report(Check.DMA_API, d.dev, "dma_map with an invalid direction (kernel BUG)", "direction",
          dirName(dir));
      return DMA_MAPPING_ERROR;
    }
    long h = pa;
    if (iommu()) {
      h = allocIova(size + (pa & 0xfff)) + (pa & 0xfff);
      iommuMap(d, h, pa, size, dir);
    } else if (!withinMask(pa + size - 1, d.dev.dma_mask)) {
      kernel.dmesg().log(4, String.format("%s %s: DMA addr %#x+%d overflow (mask %#x); DriverLab has no bounce "
          + "buffers, mapping refused", d.dev.driverName(), d.name(), pa, size, d.dev.dma_mask));
      return DMA_MAPPING_ERROR;
    }
    record(new Entry(d, type, h, size, dir, cpuAddr == 0 ? kernel.mem().physToVirt(pa) : cpuAddr, pa, owner,
        site != null ? site : kernel.callSite()));
    return h;
  }

  /** dma_mapping_error: marks the handle as checked; -ENOMEM (-12) for DMA_MAPPING_ERROR. */
  public int mappingError(PciDev d, long handle) {
    // byBus holds exactly the live entries; those starting at handle are the ones with that handle.
    byBus.markCheckedAt(handle, d); // not forEachAt with a lambda: that captured d, an object per page of an SG list
    return handle == DMA_MAPPING_ERROR ? -12 : 0;
  }

  public void unmap(PciDev d, long handle, long size, int dir, String type) {
    unmap(d, handle, size, dir, type, null);
  }

  /**
   * As {@link #unmap(PciDev, long, long, int, String)} with the caller's call site already looked up
   * ({@code null}: look it up here); dma_unmap_sg passes one site for the whole list.
   */
  void unmap(PciDev d, long handle, long size, int dir, String type, String callerSite) {
    Entry e = liveEntry(d, handle, false);
    if (e == null) {
      badFree(d, handle, size, type);
      return;
    }
    String site = callerSite != null ? callerSite : kernel.callSite();
    if (!e.type.equals(type)) {
      kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver frees DMA memory with wrong function", site,
          "mapped at " + e.site, "device address", hex(handle), "mapped as", e.type, "unmapped as", type);
    }
    if (e.size != size) {
      kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver frees DMA memory with different size", site,
          "mapped at " + e.site, "device address", hex(handle), "map size", e.size + " bytes", "unmap size",
          size + " bytes");
    }
    if (e.dir != dir) {
      kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver frees DMA memory with different direction", site,
          "mapped at " + e.site, "device address", hex(handle), "mapped with", dirName(e.dir), "unmapped with",
          dirName(dir));
    }
    if (!e.errorChecked) {
      kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver failed to check map error", site,
          "mapped at " + e.site, "device address", hex(handle), "size", e.size + " bytes", "mapped as", e.type);
    }
    retire(e, site);
    if (iommu()) {
      kernel.machine().iommu().unmap(d.id(), handle & ~0xfffL, ((handle & 0xfff) + e.size + 4095) & ~4095L);
    }
  }

  /** dma_sync_single_for_cpu ({@code forDevice} false) and _for_device (true). */
  public void sync(PciDev d, long handle, long size, int dir, boolean forDevice) {
    long len = Math.max(size, 1);
    Entry e = byBus.containing(handle, len, d);
    String site = kernel.callSite();
    if (e == null) {
      Entry around = byBus.containing(handle, 1, d);
      if (around != null) {
        kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver syncs DMA memory outside allocated range", site,
            "mapped at " + around.site, "device address", hex(around.handle), "allocation size",
            around.size + " bytes", "sync offset+size", (handle - around.handle + size) + " bytes");
        return;
      }
      Entry was = freedIndex().containing(handle, 1, d);
      if (was != null) {
        kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver syncs DMA memory it has already unmapped", site,
            "unmapped at " + was.freedSite, "device address", hex(handle), "size", size + " bytes");
        return;
      }
      kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver tries to sync DMA memory it has not allocated",
          site, null, "device address", hex(handle), "size", size + " bytes");
      return;
    }
    if (e.dir != dir) {
      kernel.bugs().reportAt(Check.DMA_API, d.dev, "device driver syncs DMA memory with different direction", site,
          "mapped at " + e.site, "device address", hex(handle), "mapped with", dirName(e.dir), "synced with",
          dirName(dir));
    }
    e.deviceOwns = forDevice;
    version++;
  }

  // ---- the CPU's view ---------------------------------------------------------------------------

  /**
   * A kernel load ({@code write} false) or store of {@code len} bytes at CPU physical {@code pa}. If
   * it touches a streaming buffer the device owns (mapped, or synced for the device, and not yet
   * synced back or unmapped), that is a bug: the CPU would read stale data, or its stores would race
   * the device. Reads are reported for DMA_FROM_DEVICE and DMA_BIDIRECTIONAL buffers (reading what one
   * sends to the device is harmless on a cache-coherent machine), writes for every direction. Each
   * buffer is reported once per kind of access.
   *
   * <p>Called for every access to direct-mapped memory by the kernel's memory accessors; costs a map
   * lookup when streaming mappings exist, nothing otherwise.
   */
  public void cpuAccess(long pa, long len, boolean write) {
    cpuAccessChecks++;
    if (len <= 0) {
      return;
    }
    List<Entry> owned = byBus.overlappingOwnedIdentity(pa, len); // free when none are live
    if (physIndexedLive > 0) { // a count here: byPhys is not touched at all without an IOMMU
      List<Entry> mapped = byPhys.overlapping(pa, len, DEVICE_OWNS);
      if (!mapped.isEmpty()) {
        owned = owned.isEmpty() ? mapped : inPhysOrder(owned, mapped);
      }
    }
    if (owned.isEmpty()) {
      return; // the usual answer (an SG list written word by word): no iterator made for it
    }
    for (Entry e : owned) {
      if (write ? e.cpuWriteReported : e.cpuReadReported || e.dir == DMA_TO_DEVICE) {
        continue;
      }
      if (write) {
        e.cpuWriteReported = true;
      } else {
        e.cpuReadReported = true;
      }
      kernel.bugs().reportAt(Check.DMA_API, e.dev.dev, (write ? "CPU writes to" : "CPU reads from")
          + " a streaming DMA buffer the device owns: call dma_sync_single_for_cpu (or unmap) before touching it, "
          + "and dma_sync_single_for_device before giving it back", kernel.callSite(), "mapped at " + e.site,
          "device address", hex(e.handle), "size", e.size + " bytes", "mapped with", dirName(e.dir), "access",
          String.format("%d bytes at offset %#x", len, pa - e.phys));
    }
  }

  private static final Predicate<Entry> DEVICE_OWNS = x -> x.deviceOwns;

  /**
   * Both answers in the order one index by physical address gives (start descending; at one start,
   * oldest first), so reports come out as they did when every streaming entry was filed there.
   */
  private static List<Entry> inPhysOrder(List<Entry> a, List<Entry> b) {
    List<Entry> all = new ArrayList<>(a);
    all.addAll(b);
    all.sort(Comparator.comparingLong((Entry e) -> e.phys).reversed().thenComparingLong(e -> e.seq));
    return all;
  }

  /** How many CPU accesses {@link #cpuAccess} has seen (tells whether the memory accessors call it). */
  public long cpuAccessChecks() {
    return cpuAccessChecks;
  }

  // ---- bookkeeping ------------------------------------------------------------------------------

  private void record(Entry e) {
    version++;
    e.prevLive = liveTail;
    if (liveTail != null) {
      liveTail.nextLive = e;
    } else {
      liveHead = e;
    }
    liveTail = e;
    e.seq = nextSeq++;
    byBus.add(e);
    if (physIndexed(e)) {
      byPhys.add(e);
      physIndexedLive++;
    }
  }

  /**
   * Whether {@code e} is filed in {@link #byPhys}: a streaming entry whose bus address is not its
   * physical address (an IOMMU mapped it). Without an IOMMU the two are equal, and {@link #byBus}
   * already files it at its physical address: {@link #cpuAccess} finds it there, and each page of a
   * scatterlist costs one index update and one removal instead of two of each.
   */
  private static boolean physIndexed(Entry e) {
    return e.streaming() && e.phys != e.handle;
  }

  private void retire(Entry e) {
    retire(e, kernel.callSite());
  }

  /** Moves {@code e} to the freed history; {@code site} is where the caller unmapped or freed it. */
  private void retire(Entry e, String site) {
    version++;
    unlinkLive(e);
    byBus.remove(e);
    if (physIndexed(e)) {
      byPhys.remove(e);
      physIndexedLive--;
    }
    e.freedSite = site;
    e.freedNs = kernel.machine().clock().nowNs();
    freed.addLast(e);
    freedByBus = null;
    if (freed.size() > HISTORY) {
      freed.removeFirst();
    }
  }

  private void unlinkLive(Entry e) {
    if (e.prevLive != null) {
      e.prevLive.nextLive = e.nextLive;
    } else {
      liveHead = e.nextLive;
    }
    if (e.nextLive != null) {
      e.nextLive.prevLive = e.prevLive;
    } else {
      liveTail = e.prevLive;
    }
    e.prevLive = null;
    e.nextLive = null;
  }

  /** The freed history indexed by bus address (see {@link #freedByBus}). */
  private DmaRegionIndex freedIndex() {
    if (freedByBus == null) {
      DmaRegionIndex index = new DmaRegionIndex(false);
      for (Entry e : freed) {
        index.add(e);
      }
      freedByBus = index;
    }
    return freedByBus;
  }

  /** The newest live entry of {@code d} starting at {@code handle}, coherent or streaming as asked. */
  private Entry liveEntry(PciDev d, long handle, boolean coherent) {
    // byBus keeps the live entries starting at one address in the order they were made, so the last
    // match there is the newest live one.
    return byBus.newestAt(handle, d, coherent);
  }

  private Entry freedEntry(PciDev d, long handle) {
    Entry hit = null;
    for (Entry e : freed) {
      if (e.dev == d && e.handle == handle) {
        hit = e;
      }
    }
    return hit;
  }

  /** The live entry containing [addr, addr+len) for any device, or null. */
  public Entry find(long addr, long len) {
    return byBus.containing(addr, len, null);
  }

  /** See {@link #version}. */
  public long version() {
    return version;
  }

  /**
   * After {@link #findLive} returned {@code e}: the end of the bus range from {@code e}'s start in which
   * every access (of any device's id mapping to the same {@code d}) inside {@code e} finds {@code e}
   * again while nothing changes ({@link #version}); {@code e.handle} if no such range is known (another
   * region starts inside it, or shares its start).
   */
  public long soleRangeEnd(Entry e) {
    return byBus.soleRangeEnd(e);
  }

  /** The live entry of {@code d} containing the bus range [addr, addr+len), or null. */
  public Entry findLive(PciDev d, long addr, long len) {
    return byBus.containing(addr, len, d);
  }

  /** Live entries (any device) sharing a byte with the bus range [addr, addr+len). */
  public List<Entry> overlappingLive(long addr, long len) {
    return byBus.overlapping(addr, len, x -> true);
  }

  /** The most recently freed entry of {@code d} sharing a byte with [addr, addr+len), or null. */
  public Entry findFreed(PciDev d, long addr, long len) {
    Entry newest = null;
    for (Entry e : freedIndex().overlapping(addr, len, x -> x.dev == d)) {
      if (newest == null || e.freedNs >= newest.freedNs) {
        newest = e;
      }
    }
    return newest;
  }

  public List<Entry> liveEntries() {
    List<Entry> out = new ArrayList<>();
    for (Entry e = liveHead; e != null; e = e.nextLive) {
      out.add(e);
    }
    return List.copyOf(out);
  }

  /** Mappings still live for {@code module} (if non-null) or {@code device} (if non-null). */
  public List<String> leftoversOf(Object module, PciDev device) {
    return leftovers(module, device).stream().map(Leftover::description).toList();
  }

  /** As {@link #leftoversOf}, each with its DMA-API entry, for leak reports. */
  public List<Leftover> leftovers(Object module, PciDev device) {
    List<Leftover> out = new ArrayList<>();
    for (Entry e = liveHead; e != null; e = e.nextLive) {
      if ((module != null && e.owner == module) || (device != null && e.dev == device)) {
        out.add(new Leftover(e, String.format("DMA-API: %s mapping of %d bytes at device address %#x, %s (made at %s)",
            e.type, e.size, e.handle, dirName(e.dir), e.site)));
      }
    }
    return out;
  }

  static long pageSize() {
    return PageAllocator.PAGE_SIZE;
  }
}
