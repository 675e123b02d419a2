package dev.driverlab.kernel.mm;

import dev.driverlab.devices.Machine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A process's paged user address space ({@code struct mm_struct}): VMAs of anonymous memory backed by
 * RAM pages, or of device memory mapped with {@code remap_pfn_range}. Anonymous pages are scattered
 * over RAM on purpose (in a fixed, reproducible order): user buffers are virtually contiguous only, as
 * on Linux, so drivers must build scatter lists.
 */
public final class UserMm {
  public static final long TASK_SIZE = 0x0000_7fff_ffff_f000L;
  public static final long MMAP_BASE = 0x0000_7f00_0000_0000L;
  public static final int PROT_READ = 1, PROT_WRITE = 2;

  /** A virtual memory area ({@code struct vm_area_struct}). */
  public static final class Vma {
    final long start;
    final long end;
    final int prot;
    final long[] pagePa;   // anonymous memory
    final long pfnPa;      // PFN map (device memory), -1 if anonymous
    final String name;
    public long vmPgoff;
    public Object vmPrivateData;

    Vma(long start, long end, int prot, long[] pagePa, long pfnPa, String name) {
      this.start = start;
      this.end = end;
      this.prot = prot;
      this.pagePa = pagePa;
      this.pfnPa = pfnPa;
      this.name = name;
    }

    public long vmStart() {
      return start;
    }

    public long vmEnd() {
      return end;
    }

    public String name() {
      return name;
    }

    public boolean isPfnMap() {
      return pfnPa >= 0;
    }

    long pa(long addr) {
      long off = addr - start;
      return pfnPa >= 0 ? pfnPa + off : pagePa[(int) (off >>> 12)] + (off & 0xfff);
    }
  }

  private final Machine machine;
  private final PageAllocator pages;
  private final TreeMap<Long, Vma> vmas = new TreeMap<>();
  /**
   * The VMA {@link #vmaAt} found last, or null: a driver pins (and a copy translates) a buffer page by
   * page, all inside one VMA, so most lookups land in it and skip the tree walk (and the boxed key).
   * Valid while the VMA set is unchanged: every put into or removal from {@link #vmas} clears it.
   */
  private Vma lastVma;
  /** Page frame number → pin count (primitive: one increment and one decrement per page of every transfer). */
  private final PinCounts pins = new PinCounts();
  private final Random scatter;
  private long nextMmap = MMAP_BASE;

  public UserMm(Machine machine, PageAllocator pages, long seed) {
    this.machine = machine;
    this.pages = pages;
    this.scatter = new Random(seed);
  }

  /** Anonymous private mapping of {@code len} bytes, zeroed; returns the address or -ENOMEM. */
  public long mmapAnonymous(long len, int prot) {
    if (len <= 0 || len > TASK_SIZE) {
      return len <= 0 ? -22 : -12;
    }
    long pagesWanted = (len + 4095) >>> 12;
    if (pagesWanted > pages.freeBytes() / PageAllocator.PAGE_SIZE) {
      return -12; // more than RAM can hold: ENOMEM (and no int overflow below)
    }
    int n = (int) pagesWanted;
    List<Long> got = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long pa = pages.alloc(PageAllocator.PAGE_SIZE, PageAllocator.PAGE_SIZE, Long.MAX_VALUE);
      if (pa < 0) {
        for (long p : got) {
          pages.release(p, PageAllocator.PAGE_SIZE);
        }
        return -12;
      }
      machine.fillRam(pa, PageAllocator.PAGE_SIZE, (byte) 0);
      got.add(pa);
    }
    Collections.shuffle(got, scatter);
    long[] pas = got.stream().mapToLong(Long::longValue).toArray();
    long start = nextMmap;
    nextMmap += ((long) n << 12) + PageAllocator.PAGE_SIZE;
    vmas.put(start, new Vma(start, start + ((long) n << 12), prot, pas, -1, "[anon]"));
    lastVma = null;
    return start;
  }

  /** A mapping of device (or any physical) memory, as remap_pfn_range makes it. */
  public Vma reserve(long len, int prot, String name) {
    long n = (len + 4095) >>> 12;
    long start = nextMmap;
    nextMmap += (n << 12) + PageAllocator.PAGE_SIZE;
    return new Vma(start, start + (n << 12), prot, null, -1, name);
  }

  /** Installs a PFN mapping for a VMA reserved with {@link #reserve}. */
  public void installPfnMap(Vma reserved, long physStart) {
    vmas.put(reserved.start, new Vma(reserved.start, reserved.end, reserved.prot, null, physStart, reserved.name));
    lastVma = null;
  }

  /** munmap of a whole VMA; returns 0 or -EINVAL. */
  public int munmap(long addr) {
    Vma v = vmas.remove(addr);
    lastVma = null;
    if (v == null) {
      return -22;
    }
    if (v.pagePa != null) {
      for (long pa : v.pagePa) {
        if (!pins.contains(pa >>> 12)) {
          pages.release(pa, PageAllocator.PAGE_SIZE);
        }
      }
    }
    return 0;
  }

  /** Releases everything (process exit). */
  public void destroy() {
    for (Long start : new ArrayList<>(vmas.keySet())) {
      munmap(start);
    }
  }

  public Vma vmaAt(long uaddr) {
    Vma last = lastVma;
    if (last != null && uaddr >= last.start && uaddr < last.end) {
      return last;
    }
    Map.Entry<Long, Vma> e = vmas.floorEntry(uaddr);
    Vma v = e != null && uaddr < e.getValue().end ? e.getValue() : null;
    if (v != null) {
      lastVma = v;
    }
    return v;
  }

  /** Physical address of user {@code uaddr}, or -1 if unmapped (or not writable when {@code write}). */
  public long translate(long uaddr, boolean write) {
    if (uaddr < 0 || uaddr >= TASK_SIZE) {
      return -1;
    }
    Vma v = vmaAt(uaddr);
    if (v == null || (write && (v.prot & PROT_WRITE) == 0)) {
      return -1;
    }
    return v.pa(uaddr);
  }

  /** Copies user memory into {@code dst}; returns bytes NOT copied (0 = all). */
  public long read(long uaddr, byte[] dst, int off, int len) {
    return copy(uaddr, dst, off, len, false);
  }

  /** Copies {@code src} into user memory; returns bytes NOT copied. */
  public long write(long uaddr, byte[] src, int off, int len) {
    return copy(uaddr, src, off, len, true);
  }

  /** Page by page: RAM in bulk, device memory (PFN maps) one byte access at a time. */
  private long copy(long uaddr, byte[] buf, int off, int len, boolean toUser) {
    int done = 0;
    while (done < len) {
      long pa = translate(uaddr + done, toUser);
      if (pa < 0) {
        return len - done;
      }
      int n = (int) Math.min(len - done, PageAllocator.PAGE_SIZE - ((uaddr + done) & 0xfff));
      if (vmaAt(uaddr + done).isPfnMap()) {
        for (int i = 0; i < n; i++) {
          if (toUser) {
            machine.write(pa + i, buf[off + done + i] & 0xff, 1);
          } else {
            buf[off + done + i] = (byte) machine.read(pa + i, 1);
          }
        }
      } else if (toUser) {
        machine.writeRam(pa, buf, off + done, n);
      } else {
        machine.readRam(pa, buf, off + done, n);
      }
      done += n;
    }
    return 0;
  }

  /** A user-mode load of {@code size} bytes (goes to MMIO for device mappings). */
  public long load(long uaddr, int size) {
    long pa = translate(uaddr, false);
    if (pa < 0 || translate(uaddr + size - 1, false) < 0) {
      throw new IllegalArgumentException(String.format("segmentation fault: read of %d bytes at %#x", size, uaddr));
    }
    return machine.read(pa, size);
  }

  public void store(long uaddr, long value, int size) {
    long pa = translate(uaddr, true);
    if (pa < 0 || translate(uaddr + size - 1, true) < 0) {
      throw new IllegalArgumentException(String.format("segmentation fault: write of %d bytes at %#x", size, uaddr));
    }
    machine.write(pa, value, size);
  }

  /** Pins the page holding {@code uaddr}; returns the page or null if not mapped anonymous memory. */
  public Page pin(long uaddr, boolean write) {
    Vma v = vmaAt(uaddr);
    if (v == null || v.isPfnMap() || (write && (v.prot & PROT_WRITE) == 0)) {
      return null;
    }
    long pa = v.pa(uaddr & ~0xfffL);
    pins.increment(pa >>> 12);
    return new Page(pa >>> 12);
  }

  /** Drops one pin; false if the page was not pinned. */
  public boolean unpin(Page p) {
    return pins.decrement(p.pfn());
  }

  public int pinnedPages() {
    return pins.total();
  }
}
