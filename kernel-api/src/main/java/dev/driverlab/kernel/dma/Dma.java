package dev.driverlab.kernel.dma;

import static dev.driverlab.kernel.uapi.Errno.*;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.mm.Page;
import dev.driverlab.kernel.mm.UserMm;
import dev.driverlab.kernel.pci.PciDev;
import java.util.ArrayList;
import java.util.List;

/**
 * The DMA API with Linux names (include/linux/dma-mapping.h, scatterlist.h). The first argument is the
 * device ({@code &pdev->dev} in C, {@code pdev.dev} here); a {@code dma_addr_t} is a {@code long}; out
 * parameters are one-element arrays ({@code long[] dma_handle}).
 */
public final class Dma {
  private Dma() {}

  public static final int DMA_BIDIRECTIONAL = DmaCore.DMA_BIDIRECTIONAL, DMA_TO_DEVICE = DmaCore.DMA_TO_DEVICE;
  public static final int DMA_FROM_DEVICE = DmaCore.DMA_FROM_DEVICE, DMA_NONE = DmaCore.DMA_NONE;
  public static final long DMA_MAPPING_ERROR = DmaCore.DMA_MAPPING_ERROR;

  /** DMA_BIT_MASK(n): all ones for 64, else (1 &lt;&lt; n) - 1. */
  public static long DMA_BIT_MASK(int n) {
    return n >= 64 ? -1L : (1L << n) - 1;
  }

  private static PciDev pci(Device d) {
    PciDev p = Kernel.current().pci().fromDevice(d);
    if (p == null) {
      throw new IllegalArgumentException(d + " is not a PCI device's struct device");
    }
    return p;
  }

  private static DmaCore core() {
    return Kernel.current().dma();
  }

  /** 0, or -EIO if the mask cannot be honoured. */
  public static int dma_set_mask(Device dev, long mask) {
    return core().setMask(dev, mask);
  }

  public static int dma_set_coherent_mask(Device dev, long mask) {
    return core().setCoherentMask(dev, mask);
  }

  /** Sets the streaming mask, then the coherent one if the first succeeded. */
  public static int dma_set_mask_and_coherent(Device dev, long mask) {
    int r = dma_set_mask(dev, mask);
    return r == 0 ? dma_set_coherent_mask(dev, mask) : r;
  }

  /**
   * Allocates zeroed, physically contiguous memory the device can reach under its coherent mask.
   * Returns the kernel address (0 on failure) and the DMA handle in {@code dma_handle[0]}. May sleep
   * with GFP_KERNEL.
   */
  public static long dma_alloc_coherent(Device dev, long size, long[] dma_handle, int gfp) {
    return core().allocCoherent(pci(dev), size, dma_handle, gfp);
  }

  public static void dma_free_coherent(Device dev, long size, long cpu_addr, long dma_handle) {
    core().freeCoherent(pci(dev), size, cpu_addr, dma_handle);
  }

  /** Maps kmalloc memory for streaming DMA: a handle or DMA_MAPPING_ERROR (check with dma_mapping_error). */
  public static long dma_map_single(Device dev, long ptr, long size, int dir) {
    return core().mapSingle(pci(dev), ptr, size, dir, "single");
  }

  public static void dma_unmap_single(Device dev, long addr, long size, int dir) {
    core().unmap(pci(dev), addr, size, dir, "single");
  }

  public static long dma_map_page(Device dev, Page page, long offset, long size, int dir) {
    return core().mapPhys(pci(dev), page.physAddress() + offset, 0, size, dir, "page");
  }

  public static void dma_unmap_page(Device dev, long addr, long size, int dir) {
    core().unmap(pci(dev), addr, size, dir, "page");
  }

  /** 0 if {@code addr} is a valid mapping, -ENOMEM for DMA_MAPPING_ERROR. */
  public static int dma_mapping_error(Device dev, long addr) {
    return core().mappingError(pci(dev), addr);
  }

  public static void dma_sync_single_for_cpu(Device dev, long addr, long size, int dir) {
    core().sync(pci(dev), addr, size, dir, false);
  }

  public static void dma_sync_single_for_device(Device dev, long addr, long size, int dir) {
    core().sync(pci(dev), addr, size, dir, true);
  }

  // ---- scatterlists -----------------------------------------------------------------------------

  /** sg_init_table: fills {@code sgl} with {@code nents} empty entries, the last marked as the end. */
  public static void sg_init_table(Scatterlist[] sgl, int nents) {
    for (int i = 0; i < nents; i++) {
      sgl[i] = new Scatterlist();
    }
    if (nents > 0) {
      sgl[nents - 1].last = true;
    }
  }

  public static void sg_set_page(Scatterlist sg, Page page, int len, int offset) {
    sg.page = page;
    sg.length = len;
    sg.offset = offset;
  }

  public static long sg_dma_address(Scatterlist sg) {
    return sg.dma_address;
  }

  public static int sg_dma_len(Scatterlist sg) {
    return sg.dma_length;
  }

  public static long sg_phys(Scatterlist sg) {
    return sg.page.physAddress() + sg.offset;
  }

  /** for_each_sg(sgl, sg, nents, i): the first {@code nents} entries. */
  public static List<Scatterlist> for_each_sg(Scatterlist[] sgl, int nents) {
    List<Scatterlist> out = new ArrayList<>();
    for (int i = 0; i < nents && i < sgl.length; i++) {
      out.add(sgl[i]);
    }
    return out;
  }

  /** dma_map_sg: number of mapped entries (≤ nents), 0 on failure (never negative). */
  public static int dma_map_sg(Device dev, Scatterlist[] sgl, int nents, int dir) {
    PciDev p = pci(dev);
    DmaCore core = core();
    // One call site and owning module for the whole list (every entry has the same caller): one stack
    // walk and one module lookup, not one of each a page.
    Kernel k = nents > 0 ? Kernel.current() : null;
    String site = k != null ? k.callSite() : null;
    Object owner = k != null ? k.currentModule() : null;
    for (int i = 0; i < nents; i++) {
      Scatterlist sg = sgl[i];
      long h = core.mapPhys(p, sg_phys(sg), 0, sg.length, dir, "sg", site, owner);
      if (h == DMA_MAPPING_ERROR) {
        for (int j = 0; j < i; j++) {
          core.mappingError(p, sgl[j].dma_address);
          core.unmap(p, sgl[j].dma_address, sgl[j].length, dir, "sg", site);
        }
        return 0;
      }
      core.mappingError(p, h); // dma_map_sg's contract is a count, not a handle: nothing to check
      sg.dma_address = h;
      sg.dma_length = sg.length;
    }
    return nents;
  }

  /** dma_unmap_sg: pass the nents given to dma_map_sg, not its result. */
  public static void dma_unmap_sg(Device dev, Scatterlist[] sgl, int nents, int dir) {
    PciDev p = pci(dev);
    DmaCore core = core();
    String site = nents > 0 ? Kernel.current().callSite() : null; // once for the list, as in dma_map_sg
    for (int i = 0; i < nents; i++) {
      core.unmap(p, sgl[i].dma_address, sgl[i].length, dir, "sg", site);
    }
  }

  public static void dma_sync_sg_for_cpu(Device dev, Scatterlist[] sgl, int nents, int dir) {
    for (int i = 0; i < nents; i++) {
      dma_sync_single_for_cpu(dev, sgl[i].dma_address, sgl[i].dma_length, dir);
    }
  }

  public static void dma_sync_sg_for_device(Device dev, Scatterlist[] sgl, int nents, int dir) {
    for (int i = 0; i < nents; i++) {
      dma_sync_single_for_device(dev, sgl[i].dma_address, sgl[i].dma_length, dir);
    }
  }

  /** dma_mmap_coherent: maps a coherent buffer into user space; 0 or -ENXIO. */
  public static int dma_mmap_coherent(Device dev, UserMm.Vma vma, long cpu_addr, long dma_addr, long size) {
    Kernel k = Kernel.current();
    long off = vma.vmPgoff << 12;
    long len = vma.vmEnd() - vma.vmStart();
    if (off + len > ((size + 4095) & ~4095L)) {
      return -ENXIO;
    }
    long pa = k.mem().virtToPhys(cpu_addr);
    if (pa < 0) {
      return -ENXIO;
    }
    k.currentProcess().mm().installPfnMap(vma, pa + off);
    return 0;
  }
}
