package dev.driverlab.kernel.mm;

import dev.driverlab.devices.Machine;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kernel's virtual address space and allocators (x86-64 layout):
 *
 * <pre>
 *   0xffff888000000000 + pa   direct map of all RAM (kmalloc memory lives here; virt_to_phys is a subtraction)
 *   0xffffc90000000000 ..     vmalloc and ioremap area: page-by-page mappings kept in a page table
 * </pre>
 * Every access from kernel code ({@code ioread32}, a DMA buffer read) goes VA → page table → physical
 * address → the machine (RAM, or the Root Complex for MMIO). An unmapped address is an oops.
 */
public final class KernelMemory {
  public static final long PAGE_OFFSET = 0xffff_8880_0000_0000L;
  public static final long VMALLOC_START = 0xffff_c900_0000_0000L;
  public static final long VMALLOC_END = 0xffff_e900_0000_0000L;
  /** What kmalloc(0) returns: a non-NULL pointer that must not be dereferenced. */
  public static final long ZERO_SIZE_PTR = 16;
  public static final int GFP_KERNEL = 0xcc0, GFP_ATOMIC = 0xa20, GFP_DMA32 = 0x04, GFP_NOWAIT = 0x800;
  public static final int __GFP_ZERO = 0x100;
  /** The allocator may sleep to reclaim memory (include/linux/gfp_types.h); GFP_KERNEL has it, GFP_ATOMIC not. */
  public static final int __GFP_DIRECT_RECLAIM = 0x400;

  /** One vmalloc/ioremap area. */
  public static final class Mapping {
    final long va;
    final long size;
    final long[] pagePa;   // per page (vmalloc) ...
    final long contiguousPa; // ... or one contiguous range (ioremap), -1 if per page
    final boolean io;
    final String kind;
    public final Object owner;
    public final String site;
    /** The device (PciDev) whose BAR this maps, when made by pci_iomap/ioremap of a BAR; else null. */
    public Object device;
    /** The BAR index for pci_iomap mappings, else -1. */
    public int bar = -1;
    /** Length of the BAR window actually backed (accesses beyond it are reported). */
    public long barLen;

    Mapping(long va, long size, long[] pagePa, long contiguousPa, boolean io, String kind, Object owner, String site) {
      this.va = va;
      this.size = size;
      this.pagePa = pagePa;
      this.contiguousPa = contiguousPa;
      this.io = io;
      this.kind = kind;
      this.owner = owner;
      this.site = site;
    }

    long pa(long addr) {
      long off = addr - va;
      return contiguousPa >= 0 ? contiguousPa + off : pagePa[(int) (off >>> 12)] + (off & 0xfff);
    }

    public long va() {
      return va;
    }

    public long size() {
      return size;
    }

    public String kind() {
      return kind;
    }

    public long physStart() {
      return contiguousPa;
    }
  }

  /** One live kmalloc allocation. */
  public record Alloc(long va, long size, Object owner, String site) {}

  private final Kernel kernel;
  private final Machine machine;
  private final PageAllocator pages;
  private final long directMapLimit;
  private final TreeMap<Long, Mapping> vmaps = new TreeMap<>();
  private final Map<Long, Alloc> kmallocs = new HashMap<>();
  /** Recently freed kmalloc pointers → where they were freed, to name double frees (bounded, oldest dropped). */
  private final Map<Long, String> recentlyFreed = new java.util.LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
      return size() > 4096;
    }
  };
  private long nextVa = VMALLOC_START;
  private Mapping lastHit;

  public KernelMemory(Kernel kernel, Machine machine, PageAllocator pages) {
    this.kernel = kernel;
    this.machine = machine;
    this.pages = pages;
    long max = 0;
    for (Machine.RamRange r : machine.ramRanges()) {
      max = Math.max(max, r.base() + r.size());
    }
    this.directMapLimit = PAGE_OFFSET + max;
  }

  public PageAllocator pages() {
    return pages;
  }

  // ---- allocation -------------------------------------------------------------------------------

  /**
   * kmalloc: physically contiguous, direct-mapped; 0 (NULL) when out of memory. Flags that allow
   * direct reclaim (GFP_KERNEL) may sleep, which atomic context reports (gfpflags_allow_blocking).
   */
  public long kmalloc(long size, int gfp) {
    kernel.mightSleepIf((gfp & __GFP_DIRECT_RECLAIM) != 0, "kmalloc(GFP_KERNEL)");
    if (size == 0) {
      return ZERO_SIZE_PTR;
    }
    if (size < 0) {
      return 0;
    }
    if (kernel.faults().failAllocation("kmalloc", size)) {
      return 0;
    }
    long align = size >= PageAllocator.PAGE_SIZE ? PageAllocator.PAGE_SIZE : 64;
    long limit = (gfp & GFP_DMA32) != 0 ? 0xffff_ffffL : Long.MAX_VALUE;
    long pa = pages.alloc(roundUp(size, 64), align, limit);
    if (pa < 0) {
      return 0;
    }
    long va = PAGE_OFFSET + pa;
    if ((gfp & __GFP_ZERO) != 0) {
      machine.fillRam(pa, size, (byte) 0);
    }
    kmallocs.put(va, new Alloc(va, size, kernel.currentModule(), kernel.callSite()));
    recentlyFreed.remove(va);
    return va;
  }

  public long kzalloc(long size, int gfp) {
    return kmalloc(size, gfp | __GFP_ZERO);
  }

  /** kfree: NULL and ZERO_SIZE_PTR are no-ops; anything else must be a live kmalloc pointer. */
  public void kfree(long va) {
    if (va == 0 || va == ZERO_SIZE_PTR) {
      return;
    }
    Alloc a = kmallocs.remove(va);
    if (a == null) {
      reportBadKfree(va);
      return;
    }
    recentlyFreed.put(va, kernel.callSite());
    pages.release(a.va - PAGE_OFFSET, roundUp(a.size, 64));
  }

  /** Names what is wrong with freeing {@code va}: a double free, an interior pointer, or a stranger. */
  private void reportBadKfree(long va) {
    String freedAt = recentlyFreed.get(va);
    if (freedAt != null) {
      kernel.bugs().report(Check.KFREE, null, "double free: kfree of memory that was already freed (at " + freedAt
          + ")", "address", hex(va));
      return;
    }
    for (Alloc a : kmallocs.values()) {
      if (va > a.va && va < a.va + a.size) {
        kernel.bugs().report(Check.KFREE, null, String.format("kfree of a pointer %d bytes into a %d-byte kmalloc "
            + "object (allocated at %s): pass the pointer kmalloc returned", va - a.va, a.size, a.site), "address",
            hex(va));
        return;
      }
    }
    kernel.bugs().report(Check.KFREE, null, "kfree of memory that kmalloc did not return", "address", hex(va));
  }

  /** The size kmalloc gave for {@code va}, or -1. */
  public long ksize(long va) {
    Alloc a = kmallocs.get(va);
    return a == null ? -1 : a.size;
  }

  public List<Alloc> liveAllocations() {
    return List.copyOf(kmallocs.values());
  }

  /**
   * vmalloc: virtually contiguous, built from separate pages (not usable for DMA as one block). The
   * pages are taken in reverse physical order, so code that assumes vmalloc memory is physically
   * contiguous (virt_to_phys of the start plus an offset) reaches the wrong page here, as it may on Linux.
   */
  public long vmalloc(long size) {
    kernel.mightSleepIf(true, "vmalloc");
    if (size <= 0) {
      return 0;
    }
    int n = (int) ((size + 4095) >>> 12);
    long[] pas = new long[n];
    for (int i = 0; i < n; i++) {
      pas[i] = pages.alloc(PageAllocator.PAGE_SIZE, PageAllocator.PAGE_SIZE, Long.MAX_VALUE);
      if (pas[i] < 0) {
        for (int j = 0; j < i; j++) {
          pages.release(pas[j], PageAllocator.PAGE_SIZE);
        }
        return 0;
      }
      machine.fillRam(pas[i], PageAllocator.PAGE_SIZE, (byte) 0);
    }
    for (int i = 0, j = n - 1; i < j; i++, j--) {
      long t = pas[i];
      pas[i] = pas[j];
      pas[j] = t;
    }
    long va = reserveVa(size);
    vmaps.put(va, new Mapping(va, size, pas, -1, false, "vmalloc", kernel.currentModule(), kernel.callSite()));
    return va;
  }

  public void vfree(long va) {
    if (va == 0) {
      return;
    }
    Mapping m = vmaps.get(va);
    if (m == null || !"vmalloc".equals(m.kind)) {
      kernel.bugs().report(Check.KFREE, null, "vfree of an address vmalloc did not return", "address", hex(va));
      return;
    }
    vmaps.remove(va);
    lastHit = null;
    for (long pa : m.pagePa) {
      pages.release(pa, PageAllocator.PAGE_SIZE);
    }
  }

  /** ioremap: maps a physical (MMIO) range into the kernel; returns the mapping, or null on bad input. */
  public Mapping ioremap(long pa, long size, String kind) {
    if (size <= 0) {
      return null;
    }
    long offset = pa & 0xfff;
    long span = roundUp(offset + size, PageAllocator.PAGE_SIZE);
    long va = reserveVa(span);
    Mapping m = new Mapping(va, span, null, pa - offset, true, kind, kernel.currentModule(), kernel.callSite());
    m.barLen = size;
    vmaps.put(va, m);
    return m;
  }

  /** The kernel virtual address of physical {@code pa} inside io mapping {@code m}. */
  public static long ioAddress(Mapping m, long pa) {
    return m.va + (pa - m.contiguousPa);
  }

  /** Removes an ioremap mapping; returns false if {@code va} was not one. */
  public boolean iounmap(long va) {
    Map.Entry<Long, Mapping> e = vmaps.floorEntry(va);
    if (e == null || !e.getValue().io || va >= e.getKey() + e.getValue().size) {
      return false;
    }
    vmaps.remove(e.getKey());
    lastHit = null;
    return true;
  }

  /** The ioremap mapping covering {@code va}, or null. */
  public Mapping ioMapping(long va) {
    // Areas never overlap, so the last area translate() or this found, when it covers va, is the one
    // the floor lookup would find (it is forgotten whenever an area goes away).
    Mapping m = lastHit;
    if (m == null || va < m.va || va >= m.va + m.size) {
      Map.Entry<Long, Mapping> e = vmaps.floorEntry(va);
      if (e == null || va >= e.getKey() + e.getValue().size) {
        return null;
      }
      m = e.getValue();
      lastHit = m;
    }
    return m.io ? m : null;
  }

  /**
   * {@link #translate(long, int)} for an access at {@code va} that {@link #ioMapping} has just found
   * inside io mapping {@code m}. While {@code m} is still the last area found (areas never overlap,
   * and the last one is forgotten whenever an area goes away) and the access fits in it, the walk
   * would find this very area, so the physical address comes without a second lookup; otherwise the
   * walk runs (and faults as it would).
   */
  public long translate(Mapping m, long va, int len) {
    if (m == lastHit && va >= m.va && va + len <= m.va + m.size) {
      return m.pa(va);
    }
    return translate(va, len);
  }

  /** Live vmalloc areas (for leak reports). */
  public List<Mapping> vmallocMappings() {
    return vmaps.values().stream().filter(m -> "vmalloc".equals(m.kind)).toList();
  }

  public List<Mapping> ioMappings() {
    return vmaps.values().stream().filter(m -> m.io).toList();
  }

  private long reserveVa(long size) {
    long va = nextVa;
    nextVa += roundUp(size, PageAllocator.PAGE_SIZE) + PageAllocator.PAGE_SIZE; // guard page between areas
    return va;
  }

  // ---- pinned user pages -----------------------------------------------------------------------

  /** One pin_user_pages/get_user_pages reference. */
  public record Pin(Page page, Object process, boolean pinned, Object owner, String site) {}

  /**
   * Live references by page, oldest first (a page may be pinned several times): the {@link Pin} itself
   * when there is one (nearly always: a driver pins a page once per transfer), else an ArrayDeque of
   * them. A deque per pinned page cost an allocation and two more objects per page of every transfer.
   */
  private final java.util.Map<Page, Object> pins = new java.util.LinkedHashMap<>();

  /** Records one reference; {@code site} is the driver's call site (computed once per pin_user_pages call). */
  @SuppressWarnings("unchecked")
  public synchronized void recordPin(Page p, Object process, boolean pinned, String site) {
    Pin pin = new Pin(p, process, pinned, kernel.currentModule(), site);
    Object v = pins.putIfAbsent(p, pin);
    if (v instanceof Pin first) {
      java.util.ArrayDeque<Pin> refs = new java.util.ArrayDeque<>(2);
      refs.addLast(first);
      refs.addLast(pin);
      pins.put(p, refs);
    } else if (v != null) {
      ((java.util.ArrayDeque<Pin>) v).addLast(pin);
    }
  }

  /** Drops one reference of the given kind (the newest); false if there was none. */
  @SuppressWarnings("unchecked")
  public synchronized boolean releasePin(Page p, boolean pinned) {
    Object v = pins.get(p);
    if (v == null) {
      return false;
    }
    Pin x = null;
    if (v instanceof Pin only) {
      if (only.pinned() != pinned) {
        return false;
      }
      x = only;
      pins.remove(p);
    } else {
      java.util.ArrayDeque<Pin> refs = (java.util.ArrayDeque<Pin>) v;
      for (java.util.Iterator<Pin> it = refs.descendingIterator(); it.hasNext(); ) {
        Pin y = it.next();
        if (y.pinned() == pinned) {
          it.remove();
          x = y;
          break;
        }
      }
      if (x == null) {
        return false;
      }
      if (refs.isEmpty()) {
        pins.remove(p);
      } else if (refs.size() == 1) {
        pins.put(p, refs.peekFirst()); // back to the one-pin form (the entry keeps its place in the order)
      }
    }
    if (x.process() instanceof dev.driverlab.kernel.proc.Process proc) {
      proc.mm().unpin(p);
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  public synchronized java.util.List<Pin> pins() {
    java.util.List<Pin> out = new java.util.ArrayList<>();
    for (Object v : pins.values()) {
      if (v instanceof Pin one) {
        out.add(one);
      } else {
        out.addAll((java.util.ArrayDeque<Pin>) v);
      }
    }
    return out;
  }

  // ---- translation and access -------------------------------------------------------------------

  /** virt_to_phys: only for the direct map (kmalloc memory); -1 otherwise. */
  public long virtToPhys(long va) {
    if (va >= PAGE_OFFSET && va < directMapLimit) {
      return va - PAGE_OFFSET;
    }
    return -1;
  }

  public long physToVirt(long pa) {
    return PAGE_OFFSET + pa;
  }

  public boolean isDirectMapped(long va) {
    return va >= PAGE_OFFSET && va < directMapLimit;
  }

  /** Page-table walk: the physical address of kernel virtual {@code va}, or an oops. */
  public long translate(long va, int len) {
    return translate(va, len, false);
  }

  /** As {@link #translate(long, int)}, knowing whether the access is a store (for the fault report). */
  public long translate(long va, int len, boolean write) {
    if (va >= PAGE_OFFSET && va + len <= directMapLimit) {
      return va - PAGE_OFFSET;
    }
    Mapping m = lastHit;
    if (m == null || va < m.va || va + len > m.va + m.size) {
      Map.Entry<Long, Mapping> e = vmaps.floorEntry(va);
      if (e == null || va + len > e.getKey() + e.getValue().size) {
        RuntimeException u = dev.driverlab.kernel.check.UsercopyCheck.onKernelFault(kernel, va, len, write);
        if (u != null) {
          throw u;
        }
        throw oops(va, "unmapped kernel address");
      }
      m = e.getValue();
      lastHit = m;
    }
    return m.pa(va);
  }

  private KernelOops oops(long va, String why) {
    String msg = String.format("BUG: unable to handle page fault for address: %016x (%s)", va, why);
    kernel.oops(msg);
    return new KernelOops(msg);
  }

  public long read(long va, int size) {
    long pa = translate(va, size, false);
    if (va >= PAGE_OFFSET) {
      kernel.dma().cpuAccess(pa, size, false);
    }
    return machine.read(pa, size);
  }

  public void write(long va, long value, int size) {
    long pa = translate(va, size, true);
    if (va >= PAGE_OFFSET) {
      kernel.dma().cpuAccess(pa, size, true);
    }
    machine.write(pa, value, size);
  }

  /** memcpy from kernel memory into a Java array (page by page, so vmalloc works). */
  public void readBytes(long va, byte[] dst, int off, int len) {
    while (len > 0) {
      int n = (int) Math.min(len, PageAllocator.PAGE_SIZE - (va & 0xfff));
      long pa = translate(va, n, false);
      if (machine.isRam(pa, n)) {
        kernel.dma().cpuAccess(pa, n, false);
        machine.readRam(pa, dst, off, n);
      } else {
        for (int i = 0; i < n; i++) {
          dst[off + i] = (byte) machine.read(pa + i, 1);
        }
      }
      va += n;
      off += n;
      len -= n;
    }
  }

  public void writeBytes(long va, byte[] src, int off, int len) {
    while (len > 0) {
      int n = (int) Math.min(len, PageAllocator.PAGE_SIZE - (va & 0xfff));
      long pa = translate(va, n, true);
      if (machine.isRam(pa, n)) {
        kernel.dma().cpuAccess(pa, n, true);
        machine.writeRam(pa, src, off, n);
      } else {
        for (int i = 0; i < n; i++) {
          machine.write(pa + i, src[off + i] & 0xff, 1);
        }
      }
      va += n;
      off += n;
      len -= n;
    }
  }

  public void fill(long va, long len, byte value) {
    byte[] chunk = new byte[(int) Math.min(len, 65536)];
    java.util.Arrays.fill(chunk, value);
    while (len > 0) {
      int n = (int) Math.min(len, chunk.length);
      writeBytes(va, chunk, 0, n);
      va += n;
      len -= n;
    }
  }

  static long roundUp(long v, long a) {
    return (v + a - 1) / a * a;
  }

  static String hex(long v) {
    return String.format("%#x", v);
  }
}
