package dev.driverlab.kerneltest.dma;

import static dev.driverlab.kernel.dma.Dma.*;
import static dev.driverlab.kernel.mm.Mm.*;
import static dev.driverlab.kernel.pci.Pci.*;
import static dev.driverlab.kernel.uapi.Errno.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.dma.Scatterlist;
import dev.driverlab.kernel.mm.Page;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.PciDriver;
import dev.driverlab.kernel.sched.Locks;
import dev.driverlab.kernel.sched.Spinlock;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The DMA mapping API without an IOMMU (handles are physical addresses) and its DMA-API debug checks. */
class DmaApiTest {
  private final ScratchDevice card = new ScratchDevice();
  private final KernelRig rig = KernelRig.bootWith(card);
  private final PciDev dev = rig.pciDev("0000:03:00.0");

  @AfterEach
  void shutdown() {
    rig.close();
  }

  /** Enable and bus mastering, as a probe does before any DMA. */
  private void enableMaster() {
    assertEquals(0, pci_enable_device(dev));
    pci_set_master(dev);
  }

  /** A checked streaming mapping of a fresh kmalloc buffer. */
  private long mapped(long buf, long size, int dir) {
    long h = dma_map_single(dev.dev, buf, size, dir);
    assertEquals(0, dma_mapping_error(dev.dev, h));
    return h;
  }

  // ---- masks ---------------------------------------------------------------------------------------

  @Test
  void dmaBitMaskValues() {
    assertEquals(0xffff_ffffL, DMA_BIT_MASK(32));
    assertEquals(0xff_ffffL, DMA_BIT_MASK(24));
    assertEquals(-1L, DMA_BIT_MASK(64));
  }

  @Test
  void masksNarrowerThan24BitsAreEio() {
    assertEquals(-EIO, dma_set_mask(dev.dev, DMA_BIT_MASK(16)));
    assertEquals(-EIO, dma_set_mask_and_coherent(dev.dev, DMA_BIT_MASK(20)));
    assertEquals(0, dma_set_mask(dev.dev, DMA_BIT_MASK(24)));
  }

  @Test
  void setMaskAndCoherentSetsBothMasks() {
    assertEquals(0, dma_set_mask_and_coherent(dev.dev, DMA_BIT_MASK(40)));
    assertEquals(DMA_BIT_MASK(40), dev.dev.dma_mask);
    assertEquals(DMA_BIT_MASK(40), dev.dev.coherent_dma_mask);
  }

  @Test
  void theDefaultMasksAreThirtyTwoBits() {
    assertEquals(DMA_BIT_MASK(32), dev.dev.dma_mask);
    assertEquals(DMA_BIT_MASK(32), dev.dev.coherent_dma_mask);
  }

  // ---- coherent memory -----------------------------------------------------------------------------

  @Test
  void coherentMemoryIsZeroedEvenWhenItWasDirty() {
    long[] h = {0};
    long va = dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL);
    memset(va, 0xaa, 4096);
    dma_free_coherent(dev.dev, 4096, va, h[0]);
    long again = dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL);
    assertEquals(va, again, "first fit returns the same pages");
    assertEquals(0, get64(again) | get64(again + 4088));
    assertEquals(virt_to_phys(again), h[0], "without an IOMMU the handle is the physical address");
    dma_free_coherent(dev.dev, 4096, again, h[0]);
    rig.assertNoReports();
  }

  @Test
  void coherentMemoryStaysBelowTheCoherentMask() {
    assertNotEquals(0, kmalloc(300L << 20, GFP_KERNEL));           // fill RAM from 16 MiB to 316 MiB
    dma_set_mask_and_coherent(dev.dev, DMA_BIT_MASK(28));
    long[] h = {0};
    assertEquals(0, dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL), "nothing free below 256 MiB");
    dma_set_mask_and_coherent(dev.dev, DMA_BIT_MASK(30));
    long va = dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL);
    assertNotEquals(0, va);
    assertTrue(h[0] + 4095 <= DMA_BIT_MASK(30));
  }

  @Test
  void aDeviceReadsAndWritesCoherentMemory() {
    enableMaster();
    long[] h = {0};
    long va = dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL);
    put32(va + 16, 0x01020304);
    byte[] got = new byte[4];
    assertEquals(DmaResult.OK, card.dmaReadFromHost(h[0] + 16, got));
    assertArrayEquals(new byte[] {4, 3, 2, 1}, got);
    assertEquals(DmaResult.OK, card.dmaWriteToHost(h[0] + 32, new byte[] {9, 9}));
    assertEquals(0x0909, get16(va + 32));
  }

  @Test
  void freeingAHandleThatWasNeverAllocatedIsReported() {
    dma_free_coherent(dev.dev, 4096, kmalloc(4096, GFP_KERNEL), 0x1234_5000L);
    BugReport r = rig.onlyReport(Check.DMA_API);
    assertEquals("device driver tries to free DMA memory it has not allocated", r.message());
    assertEquals(List.of("device address=0x12345000", "size=4096 bytes"), r.facts());
    assertEquals("0000:03:00.0", r.device());
  }

  @Test
  void freeingCoherentMemoryWithTheWrongSizeIsReported() {
    long[] h = {0};
    long va = dma_alloc_coherent(dev.dev, 8192, h, GFP_KERNEL);
    dma_free_coherent(dev.dev, 4096, va, h[0]);
    BugReport r = rig.onlyReport(Check.DMA_API);
    assertEquals("device driver frees DMA memory with different size", r.message());
    assertTrue(r.facts().containsAll(List.of("map size=8192 bytes", "unmap size=4096 bytes")), r.facts().toString());
    assertTrue(r.origin().startsWith("allocated at DmaApiTest.freeingCoherentMemoryWithTheWrongSizeIsReported("));
  }

  @Test
  void freeingCoherentMemoryWithInterruptsDisabledIsReported() {
    long[] h = {0};
    long va = dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL);
    long flags = Locks.local_irq_save();
    dma_free_coherent(dev.dev, 4096, va, h[0]);
    Locks.local_irq_restore(flags);
    assertEquals("dma_free_coherent with interrupts disabled", rig.onlyReport(Check.DMA_API).message());
  }

  @Test
  void allocatingCoherentMemoryWithGfpKernelUnderASpinlockIsReported() {
    Spinlock l = new Spinlock("l");
    Locks.spin_lock(l);
    dma_alloc_coherent(dev.dev, 4096, new long[1], GFP_KERNEL);
    dma_alloc_coherent(dev.dev, 4096, new long[1], GFP_ATOMIC);
    Locks.spin_unlock(l);
    assertEquals("BUG: sleeping function called from invalid context: dma_alloc_coherent(GFP_KERNEL)",
        rig.onlyReport(Check.ATOMIC_SLEEP).message());
  }

  @Test
  void faultInjectionCanFailACoherentAllocation() {
    rig.kernel.faults().failNth("dma_alloc_coherent", 0);
    assertEquals(0, dma_alloc_coherent(dev.dev, 4096, new long[1], GFP_KERNEL));
  }

  // ---- streaming mappings ----------------------------------------------------------------------------

  @Test
  void aStreamingMappingOfKmallocMemoryIsItsPhysicalAddress() {
    long buf = kmalloc(256, GFP_KERNEL);
    long h = mapped(buf, 256, DMA_TO_DEVICE);
    assertEquals(virt_to_phys(buf), h);
    dma_unmap_single(dev.dev, h, 256, DMA_TO_DEVICE);
    rig.assertNoReports();
  }

  @Test
  void aDeviceWritesIntoAFromDeviceMapping() {
    enableMaster();
    long buf = kzalloc(64, GFP_KERNEL);
    long h = mapped(buf, 64, DMA_FROM_DEVICE);
    assertEquals(DmaResult.OK, card.dmaWriteToHost(h, new byte[] {1, 2, 3, 4}));
    dma_unmap_single(dev.dev, h, 64, DMA_FROM_DEVICE);
    assertEquals(0x04030201, get32(buf));
  }

  @Test
  void mappingVmallocMemoryIsRefusedAndReported() {
    long v = vmalloc(8192);
    long h = dma_map_single(dev.dev, v, 8192, DMA_TO_DEVICE);
    assertEquals(DMA_MAPPING_ERROR, h);
    assertEquals(-ENOMEM, dma_mapping_error(dev.dev, h));
    BugReport r = rig.onlyReport(Check.DMA_API);
    assertEquals("device driver maps memory from vmalloc area or an invalid address (not physically contiguous)",
        r.message());
    assertEquals(List.of(String.format("address=%#x", v), "size=8192 bytes"), r.facts());
  }

  @Test
  void mappingWithAnInvalidDirectionIsReported() {
    assertEquals(DMA_MAPPING_ERROR, dma_map_single(dev.dev, kmalloc(64, GFP_KERNEL), 64, DMA_NONE));
    assertEquals("dma_map with an invalid direction (kernel BUG)", rig.onlyReport(Check.DMA_API).message());
  }

  @Test
  void aBufferAboveTheStreamingMaskIsRefused() {
    dma_set_mask(dev.dev, DMA_BIT_MASK(24));
    long buf = kmalloc(64, GFP_KERNEL);                       // the allocator starts at 16 MiB: above the mask
    assertEquals(DMA_MAPPING_ERROR, dma_map_single(dev.dev, buf, 64, DMA_TO_DEVICE));
    assertTrue(rig.kernel.dmesg().contains("overflow (mask 0xffffff); DriverLab has no bounce buffers, mapping refused"));
  }

  @Test
  void unmappingWithTheWrongSizeIsReported() {
    long h = mapped(kmalloc(64, GFP_KERNEL), 64, DMA_TO_DEVICE);
    dma_unmap_single(dev.dev, h, 32, DMA_TO_DEVICE);
    BugReport r = rig.onlyReport(Check.DMA_API);
    assertEquals("device driver frees DMA memory with different size", r.message());
    assertTrue(r.facts().containsAll(List.of("map size=64 bytes", "unmap size=32 bytes")), r.facts().toString());
  }

  @Test
  void unmappingWithTheWrongDirectionIsReported() {
    long h = mapped(kmalloc(64, GFP_KERNEL), 64, DMA_TO_DEVICE);
    dma_unmap_single(dev.dev, h, 64, DMA_FROM_DEVICE);
    BugReport r = rig.onlyReport(Check.DMA_API);
    assertEquals("device driver frees DMA memory with different direction", r.message());
    assertTrue(r.facts().containsAll(List.of("mapped with=DMA_TO_DEVICE", "unmapped with=DMA_FROM_DEVICE")));
  }

  @Test
  void unmappingWithoutCheckingTheMappingErrorIsReported() {
    long h = dma_map_single(dev.dev, kmalloc(64, GFP_KERNEL), 64, DMA_BIDIRECTIONAL);
    dma_unmap_single(dev.dev, h, 64, DMA_BIDIRECTIONAL);
    BugReport r = rig.onlyReport(Check.DMA_API);
    assertEquals("device driver failed to check map error", r.message());
    assertTrue(r.origin().startsWith("mapped at DmaApiTest.unmappingWithoutCheckingTheMappingErrorIsReported("));
  }

  @Test
  void unmappingAHandleThatWasNeverMappedIsReported() {
    dma_unmap_single(dev.dev, 0x4000_0000L, 64, DMA_TO_DEVICE);
    assertEquals("device driver tries to free DMA memory it has not allocated", rig.onlyReport(Check.DMA_API).message());
  }

  @Test
  void unmappingAPageMappingWithUnmapSingleIsReported() {
    long buf = kmalloc(4096, GFP_KERNEL);
    long h = dma_map_page(dev.dev, virt_to_page(buf), 0, 4096, DMA_TO_DEVICE);
    dma_mapping_error(dev.dev, h);
    dma_unmap_single(dev.dev, h, 4096, DMA_TO_DEVICE);
    assertEquals("device driver frees DMA memory with wrong function", rig.onlyReport(Check.DMA_API).message());
  }

  @Test
  void syncingWithTheWrongDirectionIsReported() {
    long h = mapped(kmalloc(64, GFP_KERNEL), 64, DMA_FROM_DEVICE);
    dma_sync_single_for_cpu(dev.dev, h, 64, DMA_FROM_DEVICE);
    dma_sync_single_for_device(dev.dev, h, 64, DMA_TO_DEVICE);
    assertEquals("device driver syncs DMA memory with different direction", rig.onlyReport(Check.DMA_API).message());
  }

  @Test
  void aScatterListOverPinnedUserPagesMapsEachPage() {
    var p = rig.process();
    long ubuf = rig.userBuffer(3 * PAGE_SIZE);
    try (var s = rig.kernel.enterProcess(p)) {
      Page[] pages = new Page[3];
      assertEquals(3, pin_user_pages(ubuf, 3, FOLL_WRITE, pages));
      Scatterlist[] sgl = new Scatterlist[3];
      sg_init_table(sgl, 3);
      for (int i = 0; i < 3; i++) {
        sg_set_page(sgl[i], pages[i], PAGE_SIZE, 0);
      }
      assertEquals(3, dma_map_sg(dev.dev, sgl, 3, DMA_FROM_DEVICE));
      for (int i = 0; i < 3; i++) {
        assertEquals(pages[i].physAddress(), sg_dma_address(sgl[i]));
        assertEquals(PAGE_SIZE, sg_dma_len(sgl[i]));
      }
      enableMaster();
      assertEquals(DmaResult.OK, card.dmaWriteToHost(sg_dma_address(sgl[1]) + 8, new byte[] {7}));
      dma_unmap_sg(dev.dev, sgl, 3, DMA_FROM_DEVICE);
      unpin_user_pages(pages, 3);
    }
    assertEquals(7, rig.userBytes(ubuf + PAGE_SIZE + 8, 1)[0]);
    rig.assertNoReports();
  }

  @Test
  void gfpNowaitCoherentAllocationIsFineInAtomicContext() {
    Spinlock l = new Spinlock("l");
    Locks.spin_lock(l);
    assertNotEquals(0, dma_alloc_coherent(dev.dev, 4096, new long[1], GFP_NOWAIT));
    Locks.spin_unlock(l);
    rig.assertNoReports();
  }

  @Test
  void theSameBufferMayBeMappedTwiceAndUnmappedTwice() {
    long buf = kmalloc(64, GFP_KERNEL);
    long h1 = mapped(buf, 64, DMA_TO_DEVICE);
    long h2 = mapped(buf, 64, DMA_TO_DEVICE);
    dma_unmap_single(dev.dev, h1, 64, DMA_TO_DEVICE);
    dma_unmap_single(dev.dev, h2, 64, DMA_TO_DEVICE);
    rig.assertNoReports();
  }

  @Test
  void freeingAnotherDevicesCoherentMemoryIsReported() {
    try (KernelRig two = KernelRig.bootWith(new ScratchDevice(), new ScratchDevice())) {
      PciDev a = two.pciDev("0000:03:00.0");
      PciDev b = two.pciDev("0000:04:00.0");
      long[] h = {0};
      long va = dma_alloc_coherent(a.dev, 4096, h, GFP_KERNEL);
      dma_free_coherent(b.dev, 4096, va, h[0]);
      BugReport r = two.onlyReport(Check.DMA_API);
      assertEquals("device driver tries to free DMA memory it has not allocated", r.message());
      assertEquals("0000:04:00.0", r.device());
    }
  }

  // ---- bus mastering -----------------------------------------------------------------------------------

  @Test
  void deviceDmaWithBusMasterOffIsRefusedAndLogged() {
    pci_enable_device(dev);
    long[] h = {0};
    long va = dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL);
    put32(va, 0x11111111);
    assertEquals(DmaResult.BUS_MASTER_DISABLED, card.dmaWriteToHost(h[0], new byte[] {0, 0, 0, 0}));
    assertEquals(0x11111111, get32(va), "RAM untouched");
    assertTrue(rig.kernel.dmesg().contains(String.format("03:00.0: DMA write of 4 bytes at %#x not issued: Bus Master "
        + "Enable is clear", h[0])), rig.kernel.dmesg().text());
  }

  @Test
  void deviceDmaThroughABridgeWithBusMasterOffIsAMasterAbort() {
    pci_set_master(dev);                                    // the function only: pci_enable_device never ran
    long[] h = {0};
    dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL);
    assertEquals(DmaResult.UNSUPPORTED_REQUEST, card.dmaReadFromHost(h[0], new byte[4]));
    assertTrue(rig.kernel.dmesg().contains("Bus Master Enable is clear on this bridge"), rig.kernel.dmesg().text());
  }

  // ---- leaks ---------------------------------------------------------------------------------------------

  @Test
  void coherentMemoryLeftAtRemoveIsReported() {
    String[] site = {null};
    long[] h = {0};
    PciDriver drv = new PciDriver("scratch", List.of(PCI_DEVICE(0x1234, 0x5c00)), (d, id) -> {
      dma_alloc_coherent(d.dev, 4096, h, GFP_KERNEL); site[0] = rig.kernel.callSite();
      return 0;
    }, d -> { });
    pci_register_driver(drv);
    pci_unregister_driver(drv);
    assertEquals(String.format("driver removed but did not release: DMA-API: coherent mapping of 4096 bytes at device "
        + "address %#x, DMA_BIDIRECTIONAL (made at %s)", h[0], site[0]), rig.onlyReport(Check.LEAK).message());
  }
}
