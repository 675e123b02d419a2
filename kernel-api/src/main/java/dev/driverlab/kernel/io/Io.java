package dev.driverlab.kernel.io;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.check.KernelChecks;
import dev.driverlab.kernel.check.Oopses;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.KernelMemory;
import dev.driverlab.kernel.mm.UserMm;
import dev.driverlab.kernel.pci.PciDev;

/**
 * MMIO accessors with Linux names (include/asm-generic/io.h, iomap.h). An {@code __iomem} pointer is a
 * kernel virtual address; every access walks the kernel page table to a CPU physical address, which the
 * Root Complex turns into a TLP. Values are little-endian; {@code iowrite32(value, addr)} takes the value
 * first, as in C.
 *
 * <p>Checks on every access ({@link Check#MMIO}):
 * <pre>
 *   mapping of a BAR, device not enabled ........ reported; the read returns all ones (Memory Space
 *                                                  Enable is clear, as on hardware), the write is lost
 *   offset + size beyond the BAR's length ....... reported
 *   BAR of a device its driver was removed from . oops: use after free of iomem (the mapping leaked)
 *   no mapping, but one was iounmapped there .... oops naming where it was unmapped
 *   no mapping, a user-space address ............ oops: not an __iomem pointer
 *   no mapping at all ........................... oops
 *   iounmap of an address not mapped ............ reported (double iounmap, or a bad pointer)
 * </pre>
 * An oops ends the calling thread's work (the system call fails with -EFAULT, an interrupt handler or
 * timer is logged as crashed); the kernel keeps running.
 */
public final class Io {
  private Io() {}

  private static final String NOT_MAPPED = " of an address that is not (or no longer) mapped: ";

  /** ioremap: maps {@code size} bytes of physical MMIO; returns the address or 0. */
  public static long ioremap(long phys, long size) {
    Kernel k = Kernel.current();
    KernelMemory.Mapping m = k.mem().ioremap(phys, size, "ioremap");
    if (m == null) {
      return 0;
    }
    Object[] bar = k.pci().barOf(phys);
    if (bar != null) {
      m.device = bar[0];
      m.bar = (Integer) bar[1];
    }
    return KernelMemory.ioAddress(m, phys);
  }

  /**
   * iounmap (and pci_iounmap): undoes a mapping. An address that is not mapped (a second iounmap) is
   * reported. The area is remembered, so a later access through a stale pointer oopses naming it.
   */
  public static void iounmap(long addr) {
    Kernel k = Kernel.current();
    if (addr == 0) {
      return;
    }
    KernelMemory.Mapping m = k.mem().ioMapping(addr);
    if (m == null) {
      KernelChecks.UnmappedIo was = KernelChecks.of(k).unmappedIoAt(addr);
      k.bugs().reportAt(Check.MMIO, was == null ? null : was.device(),
          "iounmap of an address that is not mapped (double iounmap?)", k.callSite(),
          was == null ? null : "already unmapped at " + was.unmappedAt(), "address", String.format("%#x", addr));
      return;
    }
    KernelChecks.of(k).unmappedIo(new KernelChecks.UnmappedIo(m.va(), m.size(), m.device, m.bar, m.site,
        k.callSite()));
    k.mem().iounmap(addr);
  }

  /**
   * The physical address of an MMIO access at kernel virtual {@code addr}, after the checks. Accesses
   * through a dead pointer (never mapped, unmapped, or a BAR of a device its driver was removed from)
   * are oopses: reported once, then the calling thread's work ends with a KernelOops.
   */
  private static long phys(Kernel k, long addr, int size, boolean write) {
    // Runs for every MMIO access: the common case (a live BAR mapping of an enabled device, the
    // access inside the BAR) is a few field reads; every report is a method of its own.
    KernelMemory.Mapping m = k.mem().ioMapping(addr);
    if (m == null) {
      return unmapped(k, addr, size, write);
    }
    if (m.device instanceof PciDev d) {
      long off = addr - m.va();
      if (d.isRemoved() || d.driver() == null || !d.isEnabled()
          || m.bar >= 0 && off + size > d.resource[m.bar].len()) {
        checkDeviceAccess(k, m, d, addr, off, size, write);
      }
    }
    return k.mem().translate(m, addr, size);
  }

  /** {@link #phys} of an address with no io mapping: direct-mapped RAM, or a dead pointer. */
  private static long unmapped(Kernel k, long addr, int size, boolean write) {
    if (k.mem().isDirectMapped(addr)) {
      return k.mem().translate(addr, size);
    }
    throw deadPointer(k, addr, size, write, write ? "MMIO write" : "MMIO read");
  }

  /**
   * The checks of an access through a BAR mapping of {@code d} that the common path could not pass:
   * after the driver's remove (an oops), to a disabled or removed device, or beyond the BAR (reports).
   */
  private static void checkDeviceAccess(Kernel k, KernelMemory.Mapping m, PciDev d, long addr, long off, int size,
      boolean write) {
    String access = write ? "MMIO write" : "MMIO read";
    if (m.owner != null && (d.isRemoved() || d.driver() == null)) {
      String where = String.format("BAR%d+%#x", m.bar, off);
      throw Oopses.oops(k, Check.MMIO, d, addr, write, access + " of " + where + " after the driver's remove: "
          + (d.isRemoved() ? "the device is gone" : "the device is no longer bound to it")
          + " (use after free of iomem)", "mapped at " + m.site, "size", size);
    }
    if (!d.isEnabled() || d.isRemoved()) {
      k.bugs().report(Check.MMIO, d, access + " of BAR" + m.bar + (d.isRemoved() ? " of a device that was removed"
          : " while the device is disabled (Memory Space Enable is clear: call pci_enable_device first); "
          + (write ? "the write is dropped" : "the read returns all ones")), "offset", String.format("%#x", off),
          "size", size);
    } else if (m.bar >= 0 && off + size > d.resource[m.bar].len()) {
      k.bugs().report(Check.MMIO, d, access + " beyond the end of BAR" + m.bar, "offset",
          String.format("%#x", off), "size", size, "BAR length", d.resource[m.bar].len());
    }
  }

  /** An access through a pointer with no mapping: after iounmap, a user pointer, or garbage. */
  private static RuntimeException deadPointer(Kernel k, long addr, int size, boolean write, String access) {
    KernelChecks.UnmappedIo was = KernelChecks.of(k).unmappedIoAt(addr);
    if (was != null) {
      String where = was.bar() >= 0 ? String.format("BAR%d+%#x", was.bar(), addr - was.va())
          : String.format("offset %#x of an ioremap area", addr - was.va());
      return Oopses.oops(k, Check.MMIO, was.device(), addr, write, access + NOT_MAPPED + where
          + " was unmapped by pci_iounmap/iounmap (use after unmap)",
          "unmapped at " + was.unmappedAt() + ", mapped at " + was.mappedAt(), "address", String.format("%#x", addr),
          "size", size);
    }
    if (addr >= 0 && addr < UserMm.TASK_SIZE) {
      return Oopses.oops(k, Check.MMIO, null, addr, write, access + NOT_MAPPED + "a user-space address, not an "
          + "__iomem pointer from pci_iomap or ioremap", null, "address", String.format("%#x", addr), "size", size);
    }
    return Oopses.oops(k, Check.MMIO, null, addr, write, access + NOT_MAPPED + "a bad __iomem pointer (not "
        + "from pci_iomap or ioremap)", null, "address", String.format("%#x", addr), "size", size);
  }

  private static long read(long addr, int size) {
    Kernel k = Kernel.current();
    long v = k.machine().read(phys(k, addr, size, false), size);
    if (k.irq().hasPending()) {
      k.irq().deliverPending();
    }
    return v;
  }

  private static void write(long addr, long value, int size) {
    Kernel k = Kernel.current();
    k.machine().write(phys(k, addr, size, true), value, size);
    if (k.irq().hasPending()) {
      k.irq().deliverPending();
    }
  }

  public static int ioread8(long addr) {
    return (int) read(addr, 1);
  }

  public static int ioread16(long addr) {
    return (int) read(addr, 2);
  }

  /** Returns the 32-bit value as an int (use {@code & 0xffffffffL} for the unsigned value). */
  public static int ioread32(long addr) {
    return (int) read(addr, 4);
  }

  public static long ioread64(long addr) {
    return read(addr, 8);
  }

  public static void iowrite8(int value, long addr) {
    write(addr, value & 0xff, 1);
  }

  public static void iowrite16(int value, long addr) {
    write(addr, value & 0xffff, 2);
  }

  public static void iowrite32(int value, long addr) {
    write(addr, value & 0xffffffffL, 4);
  }

  public static void iowrite64(long value, long addr) {
    write(addr, value, 8);
  }

  public static int readb(long addr) {
    return ioread8(addr);
  }

  public static int readw(long addr) {
    return ioread16(addr);
  }

  public static int readl(long addr) {
    return ioread32(addr);
  }

  public static long readq(long addr) {
    return ioread64(addr);
  }

  public static void writeb(int value, long addr) {
    iowrite8(value, addr);
  }

  public static void writew(int value, long addr) {
    iowrite16(value, addr);
  }

  public static void writel(int value, long addr) {
    iowrite32(value, addr);
  }

  public static void writeq(long value, long addr) {
    iowrite64(value, addr);
  }

  /** memcpy_fromio into a Java array (dword accesses when aligned). */
  public static void memcpy_fromio(byte[] dst, long src, int n) {
    for (int i = 0; i < n; ) {
      if (((src + i) & 3) == 0 && n - i >= 4) {
        int v = ioread32(src + i);
        dst[i] = (byte) v;
        dst[i + 1] = (byte) (v >>> 8);
        dst[i + 2] = (byte) (v >>> 16);
        dst[i + 3] = (byte) (v >>> 24);
        i += 4;
      } else {
        dst[i] = (byte) ioread8(src + i);
        i++;
      }
    }
  }

  public static void memcpy_toio(long dst, byte[] src, int n) {
    for (int i = 0; i < n; ) {
      if (((dst + i) & 3) == 0 && n - i >= 4) {
        iowrite32((src[i] & 0xff) | (src[i + 1] & 0xff) << 8 | (src[i + 2] & 0xff) << 16 | (src[i + 3] & 0xff) << 24,
            dst + i);
        i += 4;
      } else {
        iowrite8(src[i], dst + i);
        i++;
      }
    }
  }
}
