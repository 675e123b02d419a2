package dev.driverlab.kernel.mm;

import static dev.driverlab.kernel.uapi.Errno.*;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.proc.Process;

/**
 * Kernel memory with Linux names (include/linux/slab.h, vmalloc.h, mm.h): allocation, address
 * conversion, pinning user pages, and the accessors that stand in for C pointer dereferences
 * ({@code buf[i] = v} becomes {@code put32(buf + 4 * i, v)}).
 */
public final class Mm {
  private Mm() {}

  public static final int GFP_KERNEL = KernelMemory.GFP_KERNEL, GFP_ATOMIC = KernelMemory.GFP_ATOMIC;
  public static final int GFP_DMA32 = KernelMemory.GFP_DMA32, GFP_NOWAIT = KernelMemory.GFP_NOWAIT;
  public static final int __GFP_ZERO = KernelMemory.__GFP_ZERO, __GFP_DIRECT_RECLAIM = KernelMemory.__GFP_DIRECT_RECLAIM;
  public static final long ZERO_SIZE_PTR = KernelMemory.ZERO_SIZE_PTR;
  public static final int PAGE_SIZE = PageAllocator.PAGE_SIZE, PAGE_SHIFT = PageAllocator.PAGE_SHIFT;
  public static final int FOLL_WRITE = 0x01, FOLL_GET = 0x04, FOLL_PIN = 0x40000, FOLL_LONGTERM = 0x100;

  private static KernelMemory km() {
    return Kernel.current().mem();
  }

  /** kmalloc: physically contiguous memory, or 0 (NULL). GFP_KERNEL may sleep. */
  public static long kmalloc(long size, int flags) {
    return km().kmalloc(size, flags);
  }

  public static long kzalloc(long size, int flags) {
    return km().kzalloc(size, flags);
  }

  /** kcalloc: 0 if n * size overflows. */
  public static long kcalloc(long n, long size, int flags) {
    if (n < 0 || size < 0 || (size != 0 && n > Long.MAX_VALUE / size)) {
      return 0;
    }
    return km().kzalloc(n * size, flags);
  }

  public static void kfree(long ptr) {
    km().kfree(ptr);
  }

  public static long vmalloc(long size) {
    return km().vmalloc(size);
  }

  public static long vzalloc(long size) {
    return km().vmalloc(size);
  }

  public static void vfree(long ptr) {
    km().vfree(ptr);
  }

  public static long virt_to_phys(long va) {
    return km().virtToPhys(va);
  }

  public static long phys_to_virt(long pa) {
    return km().physToVirt(pa);
  }

  public static Page virt_to_page(long va) {
    return new Page(km().virtToPhys(va) >>> PAGE_SHIFT);
  }

  public static long page_to_phys(Page p) {
    return p.physAddress();
  }

  public static long page_address(Page p) {
    return km().physToVirt(p.physAddress());
  }

  public static boolean PAGE_ALIGNED(long addr) {
    return (addr & (PAGE_SIZE - 1)) == 0;
  }

  // ---- access to kernel memory ------------------------------------------------------------------

  public static int get8(long va) {
    return (int) km().read(va, 1);
  }

  public static int get16(long va) {
    return (int) km().read(va, 2);
  }

  public static int get32(long va) {
    return (int) km().read(va, 4);
  }

  public static long get64(long va) {
    return km().read(va, 8);
  }

  public static void put8(long va, int v) {
    km().write(va, v & 0xff, 1);
  }

  public static void put16(long va, int v) {
    km().write(va, v & 0xffff, 2);
  }

  public static void put32(long va, int v) {
    km().write(va, v & 0xffffffffL, 4);
  }

  public static void put64(long va, long v) {
    km().write(va, v, 8);
  }

  /** memcpy from kernel memory into a Java array. */
  public static void memcpy(byte[] dst, long src, int n) {
    km().readBytes(src, dst, 0, n);
  }

  /** memcpy from a Java array into kernel memory. */
  public static void memcpy(long dst, byte[] src, int n) {
    km().writeBytes(dst, src, 0, n);
  }

  /** memcpy between kernel addresses. */
  public static void memcpy(long dst, long src, long n) {
    byte[] b = new byte[(int) n];
    km().readBytes(src, b, 0, (int) n);
    km().writeBytes(dst, b, 0, (int) n);
  }

  public static void memset(long dst, int c, long n) {
    km().fill(dst, n, (byte) c);
  }

  // ---- user pages (mm/gup.c) ----------------------------------------------------------------------

  /**
   * pin_user_pages: pins up to {@code nrPages} pages from {@code start} (page-aligned down) of the
   * current process into {@code pages}. Returns the number pinned (maybe fewer), or -EFAULT if the first
   * page is not mapped, -EINVAL for bad flags.
   */
  public static long pin_user_pages(long start, long nrPages, int gupFlags, Page[] pages) {
    Kernel k = Kernel.current();
    if ((gupFlags & FOLL_GET) != 0 || pages == null) {
      k.bugs().report(Check.WARN, null, "pin_user_pages with FOLL_GET or without a pages array");
      return -EINVAL;
    }
    return gup(k, start, nrPages, gupFlags, pages, true);
  }

  public static long pin_user_pages_fast(long start, long nrPages, int gupFlags, Page[] pages) {
    return pin_user_pages(start, nrPages, gupFlags, pages);
  }

  /** get_user_pages: as pin_user_pages, released with put_page. */
  public static long get_user_pages(long start, long nrPages, int gupFlags, Page[] pages) {
    return gup(Kernel.current(), start, nrPages, gupFlags, pages, false);
  }

  private static long gup(Kernel k, long start, long nrPages, int flags, Page[] pages, boolean pin) {
    k.mightSleep(pin ? "pin_user_pages" : "get_user_pages");
    Process p = k.currentProcess();
    if (p == null || nrPages <= 0 || start < 0 || start >= UserMm.TASK_SIZE) {
      return nrPages == 0 ? 0 : -EFAULT;
    }
    long base = start & ~(long) (PAGE_SIZE - 1);
    String site = k.callSite();
    int n = 0;
    for (; n < nrPages && n < pages.length; n++) {
      Page pg = p.mm().pin(base + (long) n * PAGE_SIZE, (flags & FOLL_WRITE) != 0);
      if (pg == null) {
        break;
      }
      pages[n] = pg;
      k.mem().recordPin(pg, p, pin, site);
    }
    return n == 0 ? -EFAULT : n;
  }

  /** unpin_user_pages: releases pins taken with pin_user_pages. */
  public static void unpin_user_pages(Page[] pages, long npages) {
    Kernel k = Kernel.current();
    for (int i = 0; i < npages; i++) {
      if (!k.mem().releasePin(pages[i], true)) {
        k.bugs().report(Check.WARN, null, "unpin_user_pages of a page that is not pinned (or was taken with "
            + "get_user_pages: release those with put_page)", "page", pages[i]);
      }
    }
  }

  public static void unpin_user_pages_dirty_lock(Page[] pages, long npages, boolean makeDirty) {
    unpin_user_pages(pages, npages);
  }

  /** put_page: releases a reference from get_user_pages. */
  public static void put_page(Page page) {
    Kernel k = Kernel.current();
    if (!k.mem().releasePin(page, false)) {
      k.bugs().report(Check.WARN, null, "put_page of a page with no reference from get_user_pages", "page", page);
    }
  }
}
