package dev.driverlab.kernel.dma;

import dev.driverlab.devices.pcie.Iommu;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.KernelMemory;
import dev.driverlab.kernel.mm.PageAllocator;
import dev.driverlab.kernel.pci.PciDev;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The DMA mapping layer (kernel/dma/mapping.c) with DMA-API debugging (kernel/dma/debug.c) built in:
 * every coherent buffer and streaming mapping is recorded with its device, size, direction and call
 * site. Without an IOMMU a DMA handle is the physical address; with one it is an IO virtual address
 * the kernel maps for that device alone.
 */
public final class DmaCore {
  public static final int DMA_BIDIRECTIONAL = 0, DMA_TO_DEVICE = 1, DMA_FROM_DEVICE = 2, DMA_NONE = 3;
  /** What a failed map returns ({@code ~(dma_addr_t)0}). */
  public static final long DMA_MAPPING_ERROR = -1L;
  static final String[] DIR_NAMES = {"DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_NONE"};

  /** One live DMA-able region, as DMA-API debug records it. */
  public static final class Entry {
    public final PciDev dev;
    public final String type;   // "coherent", "single", "page", "sg"
    public final long handle;
    public final long size;
    public final int dir;
    public final long cpuAddr;
    public final long phys;
    final Object owner;
    public final String site;
    boolean errorChecked;
    /** Who owns a streaming buffer right now: true = device (after map/sync_for_device). */
    public boolean deviceOwns = true;

    Entry(PciDev dev, String type, long handle, long size, int dir, long cpuAddr, long phys, Object owner, String site) {
      this.dev = dev;
      this.type = type;
      this.handle = handle;
      this.size = size;
      this.dir = dir;
      this.cpuAddr = cpuAddr;
      this.phys = phys;
      this.owner = owner;
      this.site = site;
    }

    public boolean contains(long addr, long len) {
      return addr >= handle && addr + len <= handle + size;
    }
  }

  private final Kernel kernel;
  private final Map<Long, Entry> entries = new LinkedHashMap<>();
  private long nextIova = 0xffff_0000L;

  public DmaCore(Kernel kernel) {
    this.kernel = kernel;
  }

  public static String dirName(int dir) {
    return dir >= 0 && dir < 4 ? DIR_NAMES[dir] : "DMA_INVALID(" + dir + ")";
  }

  private boolean iommu() {
    return kernel.machine().iommu().enabled();
  }

  /** dma_set_mask: -EIO for masks narrower than 24 bits, which no platform honours. */
  public int setMask(Device d, long mask) {
    if (mask != -1L && mask < 0xff_ffffL) {
      return -5;
    }
    d.dma_mask = mask;
    return 0;
  }

  public int setCoherentMask(Device d, long mask) {
    if (mask != -1L && mask < 0xff_ffffL) {
      return -5;
    }
    d.coherent_dma_mask = mask;
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

  // ---- coherent ---------------------------------------------------------------------------------

  /** dma_alloc_coherent: zeroed memory; returns the kernel address (0 on failure), handle[0] the DMA handle. */
  public long allocCoherent(PciDev d, long size, long[] handle, int gfp) {
    kernel.mightSleepIf((gfp & KernelMemory.GFP_ATOMIC) != KernelMemory.GFP_ATOMIC, "dma_alloc_coherent(GFP_KERNEL)");
    if (size <= 0) {
      return 0;
    }
    if (d.dev.coherent_dma_mask == 0) {
      kernel.bugs().report(Check.DMA_API, d, "dma_alloc_coherent with a coherent DMA mask of 0");
      return 0;
    }
    if (kernel.faults().failAllocation("dma_alloc_coherent", size)) {
      return 0;
    }
    long alloc = (size + 4095) & ~4095L;
    long limit = iommu() ? Long.MAX_VALUE : d.dev.coherent_dma_mask;
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
    Entry e = entries.get(handle);
    if (e == null || !"coherent".equals(e.type)) {
      kernel.bugs().report(Check.DMA_API, d, "device driver tries to free DMA memory it has not allocated",
          "device address", hex(handle), "size", size + " bytes");
      return;
    }
    if (e.size != size) {
      kernel.bugs().reportAt(Check.DMA_API, d, "device driver frees DMA memory with different size", kernel.callSite(),
          "allocated at " + e.site, "device address", hex(handle), "map size", e.size + " bytes", "unmap size",
          size + " bytes");
    }
    if (e.cpuAddr != cpuAddr) {
      kernel.bugs().reportAt(Check.DMA_API, d, "device driver frees DMA memory with different CPU address",
          kernel.callSite(), "allocated at " + e.site, "device address", hex(handle), "cpu address", hex(e.cpuAddr),
          "freed cpu address", hex(cpuAddr));
    }
    if (kernel.sched().current().irqsDisabled > 0) {
      kernel.bugs().report(Check.DMA_API, d, "dma_free_coherent with interrupts disabled");
    }
    entries.remove(handle);
    long alloc = (e.size + 4095) & ~4095L;
    if (iommu()) {
      kernel.machine().iommu().unmap(d.id(), handle, alloc);
    }
    kernel.mem().pages().release(e.phys, alloc);
  }

  // ---- streaming --------------------------------------------------------------------------------

  private boolean validDir(int dir) {
    return dir == DMA_BIDIRECTIONAL || dir == DMA_TO_DEVICE || dir == DMA_FROM_DEVICE;
  }

  /** dma_map_single of kernel memory {@code cpuAddr}: a handle, or DMA_MAPPING_ERROR. */
  public long mapSingle(PciDev d, long cpuAddr, long size, int dir, String type) {
    if (!validDir(dir)) {
      kernel.bugs().report(Check.DMA_API, d, "dma_map with an invalid direction (kernel BUG)", "direction",
          dirName(dir));
      return DMA_MAPPING_ERROR;
    }
    long pa = kernel.mem().virtToPhys(cpuAddr);
    if (pa < 0) {
      kernel.bugs().report(Check.DMA_API, d, "device driver maps memory from vmalloc area or an invalid address "
          + "(not physically contiguous)", "address", hex(cpuAddr), "size", size + " bytes");
      return DMA_MAPPING_ERROR;
    }
    return mapPhys(d, pa, cpuAddr, size, dir, type);
  }

  long mapPhys(PciDev d, long pa, long cpuAddr, long size, int dir, String type) {
    if (size <= 0) {
      return DMA_MAPPING_ERROR;
    }
    long h = pa;
    if (iommu()) {
      h = allocIova(size + (pa & 0xfff)) + (pa & 0xfff);
      iommuMap(d, h, pa, size, dir);
    } else if (pa + size - 1 > d.dev.dma_mask) {
      kernel.dmesg().log(4, String.format("%s %s: DMA addr %#x+%d overflow (mask %#x); DriverLab has no bounce "
          + "buffers, mapping refused", d.dev.driverName(), d.name(), pa, size, d.dev.dma_mask));
      return DMA_MAPPING_ERROR;
    }
    record(new Entry(d, type, h, size, dir, cpuAddr, pa, kernel.currentModule(), kernel.callSite()));
    return h;
  }

  /** dma_mapping_error: marks the handle as checked; -ENOMEM (-12) for DMA_MAPPING_ERROR. */
  public int mappingError(PciDev d, long handle) {
    Entry e = entries.get(handle);
    if (e != null) {
      e.errorChecked = true;
    }
    return handle == DMA_MAPPING_ERROR ? -12 : 0;
  }

  public void unmap(PciDev d, long handle, long size, int dir, String type) {
    Entry e = entries.get(handle);
    if (e == null || "coherent".equals(e.type)) {
      kernel.bugs().report(Check.DMA_API, d, "device driver tries to free DMA memory it has not allocated",
          "device address", hex(handle), "size", size + " bytes");
      return;
    }
    if (!e.type.equals(type)) {
      kernel.bugs().reportAt(Check.DMA_API, d, "device driver frees DMA memory with wrong function", kernel.callSite(),
          "mapped at " + e.site, "device address", hex(handle), "mapped as", e.type, "unmapped as", type);
    }
    if (e.size != size) {
      kernel.bugs().reportAt(Check.DMA_API, d, "device driver frees DMA memory with different size", kernel.callSite(),
          "mapped at " + e.site, "device address", hex(handle), "map size", e.size + " bytes", "unmap size",
          size + " bytes");
    }
    if (e.dir != dir) {
      kernel.bugs().reportAt(Check.DMA_API, d, "device driver frees DMA memory with different direction",
          kernel.callSite(), "mapped at " + e.site, "device address", hex(handle), "mapped with", dirName(e.dir),
          "unmapped with", dirName(dir));
    }
    if (!e.errorChecked) {
      kernel.bugs().reportAt(Check.DMA_API, d, "device driver failed to check map error", kernel.callSite(),
          "mapped at " + e.site, "device address", hex(handle), "size", e.size + " bytes");
    }
    entries.remove(handle);
    if (iommu()) {
      kernel.machine().iommu().unmap(d.id(), handle & ~0xfffL, ((handle & 0xfff) + e.size + 4095) & ~4095L);
    }
  }

  public void sync(PciDev d, long handle, long size, int dir, boolean forDevice) {
    Entry e = find(handle, Math.max(size, 1));
    if (e == null) {
      kernel.bugs().report(Check.DMA_API, d, "device driver tries to sync DMA memory it has not allocated",
          "device address", hex(handle));
      return;
    }
    if (e.dir != dir) {
      kernel.bugs().reportAt(Check.DMA_API, d, "device driver syncs DMA memory with different direction",
          kernel.callSite(), "mapped at " + e.site, "mapped with", dirName(e.dir), "synced with", dirName(dir));
    }
    e.deviceOwns = forDevice;
  }

  private void record(Entry e) {
    entries.put(e.handle, e);
  }

  /** The live entry containing [addr, addr+len) for any device, or null. */
  public Entry find(long addr, long len) {
    Entry direct = entries.get(addr);
    if (direct != null && direct.contains(addr, len)) {
      return direct;
    }
    for (Entry e : entries.values()) {
      if (e.contains(addr, len)) {
        return e;
      }
    }
    return null;
  }

  public List<Entry> liveEntries() {
    return List.copyOf(entries.values());
  }

  /** Mappings still live for {@code module} (if non-null) or {@code device} (if non-null). */
  public List<String> leftoversOf(Object module, PciDev device) {
    List<String> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if ((module != null && e.owner == module) || (device != null && e.dev == device)) {
        out.add(String.format("DMA-API: %s mapping of %d bytes at device address %#x, %s (made at %s)", e.type, e.size,
            e.handle, dirName(e.dir), e.site));
      }
    }
    return out;
  }

  static String hex(long v) {
    return String.format("%#x", v);
  }

  static long pageSize() {
    return PageAllocator.PAGE_SIZE;
  }
}
