package dev.driverlab.kernel.io;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.KernelMemory;
import dev.driverlab.kernel.pci.PciDev;

/**
 * MMIO accessors with Linux names (include/asm-generic/io.h, iomap.h). An {@code __iomem} pointer is a
 * kernel virtual address; every access walks the kernel page table to a CPU physical address, which the
 * Root Complex turns into a TLP. Values are little-endian; {@code iowrite32(value, addr)} takes the value
 * first, as in C.
 *
 * <p>Checks: an access to a BAR whose device is not enabled (pci_enable_device) reads all ones on real
 * hardware and is reported here with the reason; an access past the end of a pci_iomap'ed BAR is
 * reported; an access after iounmap is an oops.
 */
public final class Io {
  private Io() {}

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

  public static void iounmap(long addr) {
    Kernel k = Kernel.current();
    if (addr == 0) {
      return;
    }
    if (!k.mem().iounmap(addr)) {
      k.bugs().report(Check.MMIO, null, "iounmap of an address that is not mapped (double iounmap?)",
          "address", String.format("%#x", addr));
    }
  }

  private static long phys(Kernel k, long addr, int size, boolean write) {
    KernelMemory.Mapping m = k.mem().ioMapping(addr);
    if (m == null) {
      if (k.mem().isDirectMapped(addr)) {
        return k.mem().translate(addr, size);
      }
      k.bugs().report(Check.MMIO, null, (write ? "MMIO write to " : "MMIO read of ")
          + "an address that is not (or no longer) mapped: use after iounmap or pci_iounmap, or a bad pointer",
          "address", String.format("%#x", addr), "size", size);
      return k.mem().translate(addr, size); // the page-table walk fails: an oops
    }
    if (m.device instanceof PciDev d) {
      long off = addr - m.va();
      if (!d.isEnabled() || d.isRemoved()) {
        k.bugs().report(Check.MMIO, d, (write ? "MMIO write to BAR" : "MMIO read of BAR") + m.bar
            + (d.isRemoved() ? " of a device that was removed" : " while the device is disabled (Memory Space "
            + "Enable is clear: call pci_enable_device first); the read returns all ones"), "offset",
            String.format("%#x", off), "size", size);
      } else if (m.bar >= 0 && off + size > d.resource[m.bar].len()) {
        k.bugs().report(Check.MMIO, d, "MMIO access beyond the end of BAR" + m.bar, "offset",
            String.format("%#x", off), "size", size, "BAR length", d.resource[m.bar].len());
      }
    }
    return k.mem().translate(addr, size);
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
