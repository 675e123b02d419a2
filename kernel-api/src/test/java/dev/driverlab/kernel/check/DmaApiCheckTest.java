package dev.driverlab.kernel.check;

import static dev.driverlab.kernel.dma.Dma.*;
import static dev.driverlab.kernel.mm.Mm.GFP_KERNEL;
import static dev.driverlab.kernel.mm.Mm.kmalloc;
import static dev.driverlab.kernel.mm.Mm.virt_to_phys;
import static dev.driverlab.kernel.pci.Pci.pci_enable_device;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.dma.DmaCore;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DMA-API debugging (kernel/dma/debug.c's checks) on the driver's own calls, worded as Linux words them. */
class DmaApiCheckTest {
  private final KernelRig rig = KernelRig.bootWith(new ScratchDevice());
  private final PciDev dev = rig.pciDev("0000:03:00.0");

  @BeforeEach
  void enable() {
    pci_enable_device(dev);
  }

  @AfterEach
  void shutdown() {
    rig.close();
  }

  private BugReport only() {
    return rig.onlyReport(Check.DMA_API);
  }

  private long mapped(int size, int dir) {
    long buf = kmalloc(size, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, size, dir);
    assertEquals(0, dma_mapping_error(dev.dev, h));
    return h;
  }

  @Test
  void doubleDmaFreeCoherentNamesTheFirstFree() {
    long[] h = {0};
    long cpu = dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL);
    dma_free_coherent(dev.dev, 4096, cpu, h[0]);
    dma_free_coherent(dev.dev, 4096, cpu, h[0]);
    BugReport r = only();
    assertEquals("device driver frees DMA memory it has already freed (double free)", r.message());
    assertEquals(List.of(String.format("device address=%#x", h[0]), "size=4096 bytes", "mapped as=coherent"),
        r.facts());
    assertTrue(r.origin().startsWith("first freed at "), r.origin());
  }

  @Test
  void unmapOfAHandleNeverMappedIsReported() {
    dma_unmap_single(dev.dev, 0x1234_5000L, 64, DMA_TO_DEVICE);
    BugReport r = only();
    assertEquals("device driver tries to free DMA memory it has not allocated", r.message());
    assertEquals(List.of("device address=0x12345000", "size=64 bytes"), r.facts());
  }

  @Test
  void unmapOfDmaMappingErrorIsAnInvalidAddress() {
    dma_unmap_single(dev.dev, DMA_MAPPING_ERROR, 64, DMA_TO_DEVICE);
    assertEquals("device driver tries to free an invalid DMA memory address", only().message());
  }

  @Test
  void doubleUnmapSaysUnmap() {
    long h = mapped(64, DMA_TO_DEVICE);
    dma_unmap_single(dev.dev, h, 64, DMA_TO_DEVICE);
    dma_unmap_single(dev.dev, h, 64, DMA_TO_DEVICE);
    assertEquals("device driver frees DMA memory it has already freed (double unmap)", only().message());
  }

  @Test
  void unmapWithADifferentSizeIsReported() {
    long h = mapped(256, DMA_TO_DEVICE);
    dma_unmap_single(dev.dev, h, 128, DMA_TO_DEVICE);
    BugReport r = only();
    assertEquals("device driver frees DMA memory with different size", r.message());
    assertEquals(List.of(String.format("device address=%#x", h), "map size=256 bytes", "unmap size=128 bytes"),
        r.facts());
  }

  @Test
  void unmapWithADifferentDirectionIsReported() {
    long h = mapped(64, DMA_TO_DEVICE);
    dma_unmap_single(dev.dev, h, 64, DMA_FROM_DEVICE);
    BugReport r = only();
    assertEquals("device driver frees DMA memory with different direction", r.message());
    assertEquals(List.of(String.format("device address=%#x", h), "mapped with=DMA_TO_DEVICE",
        "unmapped with=DMA_FROM_DEVICE"), r.facts());
  }

  @Test
  void unmapWithTheWrongFunctionIsReported() {
    long h = mapped(64, DMA_TO_DEVICE);
    dma_unmap_page(dev.dev, h, 64, DMA_TO_DEVICE);
    assertEquals("device driver frees DMA memory with wrong function", only().message());
    long[] c = {0};
    long cpu = dma_alloc_coherent(dev.dev, 4096, c, GFP_KERNEL);
    rig.kernel.bugs().clear();
    dma_unmap_single(dev.dev, c[0], 4096, DMA_BIDIRECTIONAL);
    BugReport r = only();
    assertEquals("device driver frees DMA memory with wrong function", r.message());
    assertEquals(List.of(String.format("device address=%#x", c[0]), "size=4096 bytes", "mapped as=coherent",
        "unmapped as=single"), r.facts());
    dma_free_coherent(dev.dev, 4096, cpu, c[0]);
  }

  @Test
  void unmapWithoutCheckingTheMappingIsReported() {
    long buf = kmalloc(64, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 64, DMA_TO_DEVICE);
    dma_unmap_single(dev.dev, h, 64, DMA_TO_DEVICE);
    BugReport r = only();
    assertEquals("device driver failed to check map error", r.message());
    assertEquals(List.of(String.format("device address=%#x", h), "size=64 bytes", "mapped as=single"), r.facts());
  }

  @Test
  void syncOutsideTheMappingIsReported() {
    long h = mapped(256, DMA_FROM_DEVICE);
    dma_sync_single_for_cpu(dev.dev, h + 128, 256, DMA_FROM_DEVICE);
    BugReport r = only();
    assertEquals("device driver syncs DMA memory outside allocated range", r.message());
    assertEquals(List.of(String.format("device address=%#x", h), "allocation size=256 bytes",
        "sync offset+size=384 bytes"), r.facts());
  }

  @Test
  void syncAfterUnmapIsReported() {
    long h = mapped(256, DMA_FROM_DEVICE);
    dma_unmap_single(dev.dev, h, 256, DMA_FROM_DEVICE);
    dma_sync_single_for_cpu(dev.dev, h, 256, DMA_FROM_DEVICE);
    assertEquals("device driver syncs DMA memory it has already unmapped", only().message());
  }

  @Test
  void syncWithAnotherDirectionIsReported() {
    long h = mapped(256, DMA_FROM_DEVICE);
    dma_sync_single_for_cpu(dev.dev, h, 256, DMA_TO_DEVICE);
    assertEquals("device driver syncs DMA memory with different direction", only().message());
  }

  @Test
  void mappingAUserAddressIsReported() {
    long h = dma_map_single(dev.dev, 0x7f00_0000_1000L, 64, DMA_TO_DEVICE);
    assertEquals(DMA_MAPPING_ERROR, h);
    assertEquals("device driver maps a user-space address: pin the user pages (pin_user_pages) and map them with "
        + "dma_map_sg or dma_map_page", only().message());
  }

  @Test
  void mappingWithAnInvalidDirectionIsReported() {
    long buf = kmalloc(64, GFP_KERNEL);
    assertEquals(DMA_MAPPING_ERROR, dma_map_single(dev.dev, buf, 64, DMA_NONE));
    assertEquals(List.of("direction=DMA_NONE"), only().facts());
  }

  @Test
  void theSameBufferMappedTwiceIsTwoMappings() {
    long buf = kmalloc(64, GFP_KERNEL);
    long a = dma_map_single(dev.dev, buf, 64, DMA_TO_DEVICE);
    long b = dma_map_single(dev.dev, buf, 64, DMA_TO_DEVICE);
    assertEquals(a, b, "no IOMMU: the handle is the physical address");
    dma_mapping_error(dev.dev, a);
    dma_unmap_single(dev.dev, a, 64, DMA_TO_DEVICE);
    dma_unmap_single(dev.dev, b, 64, DMA_TO_DEVICE);
    rig.assertNoReports();
  }

  @Test
  void sixtyFourBitMaskIsAllOnesUnsigned() {
    assertEquals(0, dma_set_mask_and_coherent(dev.dev, DMA_BIT_MASK(64)));
    long[] h = {0};
    long cpu = dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL);
    assertNotEquals(0, cpu, "DMA_BIT_MASK(64) reaches every address");
    long s = dma_map_single(dev.dev, kmalloc(64, GFP_KERNEL), 64, DMA_TO_DEVICE);
    assertNotEquals(DMA_MAPPING_ERROR, s);
    assertEquals(-5, dma_set_mask(dev.dev, DMA_BIT_MASK(16)), "narrower than 24 bits: -EIO");
    rig.assertNoReports();
  }

  // ---- CPU access while the device owns a streaming buffer (the hook in kernel memory accesses) ---

  @Test
  void cpuReadOfAFromDeviceBufferTheDeviceOwnsIsReportedOnce() {
    long buf = kmalloc(256, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 256, DMA_FROM_DEVICE);
    DmaCore core = rig.kernel.dma();
    core.cpuAccess(virt_to_phys(buf) + 8, 4, false);
    core.cpuAccess(virt_to_phys(buf) + 12, 4, false);
    BugReport r = only();
    assertEquals("CPU reads from a streaming DMA buffer the device owns: call dma_sync_single_for_cpu (or unmap) "
        + "before touching it, and dma_sync_single_for_device before giving it back", r.message());
    assertEquals(List.of(String.format("device address=%#x", h), "size=256 bytes", "mapped with=DMA_FROM_DEVICE",
        "access=4 bytes at offset 0x8"), r.facts());
    rig.kernel.bugs().clear();
    dma_sync_single_for_cpu(dev.dev, h, 256, DMA_FROM_DEVICE);
    core.cpuAccess(virt_to_phys(buf), 256, false);
    core.cpuAccess(virt_to_phys(buf), 256, true);
    rig.assertNoReports();
  }

  @Test
  void cpuWriteToAToDeviceBufferAfterMappingIsReportedButAReadIsNot() {
    long buf = kmalloc(256, GFP_KERNEL);
    dma_map_single(dev.dev, buf, 256, DMA_TO_DEVICE);
    DmaCore core = rig.kernel.dma();
    core.cpuAccess(virt_to_phys(buf), 4, false);
    rig.assertNoReports();
    core.cpuAccess(virt_to_phys(buf) + 252, 8, true);
    assertTrue(only().message().startsWith("CPU writes to a streaming DMA buffer the device owns"));
  }

  @Test
  void coherentBuffersAreNeverOwnedByOneSide() {
    long[] h = {0};
    long cpu = dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL);
    rig.kernel.dma().cpuAccess(virt_to_phys(cpu), 4096, true);
    rig.assertNoReports();
  }
}
