package dev.driverlab.kerneltest.dma;

import static dev.driverlab.kernel.dma.Dma.*;
import static dev.driverlab.kernel.mm.Mm.*;
import static dev.driverlab.kernel.pci.Pci.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** With the IOMMU on, DMA handles are IO virtual addresses mapped for one device and one direction. */
class IommuTest {
  private final ScratchDevice card = new ScratchDevice();
  private final KernelRig rig;
  private final PciDev dev;

  IommuTest() {
    Machine m = Machine.builder().iommu(true).build();
    m.plug(card);
    rig = KernelRig.boot(m);
    dev = rig.pciDev("0000:03:00.0");
    pci_enable_device(dev);
    pci_set_master(dev);
  }

  @AfterEach
  void shutdown() {
    rig.close();
  }

  @Test
  void bootSaysTheIommuIsOn() {
    assertTrue(rig.kernel.dmesg().contains("DMAR: IOMMU enabled"));
  }

  @Test
  void streamingHandlesAreIovasNotPhysicalAddresses() {
    long buf = kmalloc(64, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 64, DMA_FROM_DEVICE);
    assertEquals(0, dma_mapping_error(dev.dev, h));
    assertNotEquals(virt_to_phys(buf), h);
    assertEquals(virt_to_phys(buf) & 0xfff, h & 0xfff, "the offset in the page is kept");
    assertEquals(DmaResult.OK, card.dmaWriteToHost(h, new byte[] {5, 6}));
    dma_unmap_single(dev.dev, h, 64, DMA_FROM_DEVICE);
    assertEquals(0x0605, get16(buf));
    rig.assertNoReports();
  }

  @Test
  void cpuAccessToAnIommuMappedBufferTheDeviceOwnsIsReported() {
    long buf = kmalloc(256, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 256, DMA_FROM_DEVICE);
    dma_mapping_error(dev.dev, h);
    rig.kernel.dma().cpuAccess(virt_to_phys(buf) + 16, 4, true); // found by physical address, not the IOVA
    var r = rig.onlyReport(Check.DMA_API);
    assertTrue(r.message().startsWith("CPU writes to a streaming DMA buffer the device owns"), r.message());
    assertTrue(r.facts().contains(String.format("device address=%#x", h)), r.facts().toString());
  }

  @Test
  void oneAccessOverBuffersMappedWithAndWithoutTheIommuReportsThemInAddressOrder() {
    long a = kmalloc(8192, GFP_KERNEL);
    long b = a + 4096; // the second page of the same allocation
    rig.machine.iommu().setEnabled(false);
    long ha = dma_map_single(dev.dev, a, 4096, DMA_FROM_DEVICE); // handle = physical address
    dma_mapping_error(dev.dev, ha);
    rig.machine.iommu().setEnabled(true);
    long hb = dma_map_single(dev.dev, b, 4096, DMA_FROM_DEVICE); // an IOVA
    dma_mapping_error(dev.dev, hb);
    assertEquals(virt_to_phys(a), ha);
    assertNotEquals(virt_to_phys(b), hb);
    rig.kernel.dma().cpuAccess(virt_to_phys(a) + 4000, 200, true);
    var reports = rig.kernel.bugs().reports();
    assertEquals(2, reports.size(), reports.toString());
    // As one index by physical address lists them: the higher start first.
    assertTrue(reports.get(0).facts().contains(String.format("device address=%#x", hb)), reports.toString());
    assertTrue(reports.get(1).facts().contains(String.format("device address=%#x", ha)), reports.toString());
  }

  @Test
  void coherentHandlesAreIovasToo() {
    long[] h = {0};
    long va = dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL);
    assertNotEquals(virt_to_phys(va), h[0]);
    assertEquals(DmaResult.OK, card.dmaWriteToHost(h[0] + 8, new byte[] {1}));
    assertEquals(1, get8(va + 8));
  }

  @Test
  void deviceDmaToAnUnmappedIovaFaultsAndLeavesRamAlone() {
    long buf = kzalloc(64, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 64, DMA_FROM_DEVICE);
    dma_mapping_error(dev.dev, h);
    long stray = h + (1L << 20);
    assertEquals(DmaResult.UNSUPPORTED_REQUEST, card.dmaWriteToHost(stray, new byte[] {1, 2, 3, 4}));
    String dmar = rig.kernel.dmesg().lines().stream().map(l -> l.text()).filter(t -> t.startsWith("DMAR: ["))
        .findFirst().orElseThrow(() -> new AssertionError(rig.kernel.dmesg().text()));
    assertTrue(dmar.contains(String.format("fault addr %#x", stray)), dmar);
    assertTrue(dmar.contains("03:00.0"), dmar);
    assertEquals(1, rig.kernel.dmesg().lines().stream().filter(l -> l.level() == 3 && l.text().startsWith("DMAR: ["))
        .count(), "one DMAR line, at KERN_ERR");
    assertEquals(0, get32(buf));
  }

  @Test
  void deviceWritesIntoAToDeviceMappingAreRefused() {
    long buf = kzalloc(64, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 64, DMA_TO_DEVICE);
    dma_mapping_error(dev.dev, h);
    assertEquals(DmaResult.UNSUPPORTED_REQUEST, card.dmaWriteToHost(h, new byte[] {1}));
    assertTrue(rig.kernel.dmesg().contains("entry does not allow device writes"));
    byte[] got = new byte[1];
    assertEquals(DmaResult.OK, card.dmaReadFromHost(h, got), "reading is what the mapping allows");
  }

  @Test
  void anUnmappedIovaFaultsAfterDmaUnmap() {
    long buf = kzalloc(64, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 64, DMA_BIDIRECTIONAL);
    dma_mapping_error(dev.dev, h);
    dma_unmap_single(dev.dev, h, 64, DMA_BIDIRECTIONAL);
    assertEquals(DmaResult.UNSUPPORTED_REQUEST, card.dmaReadFromHost(h, new byte[4]));
  }

  @Test
  void theIovaOfOneDeviceIsNotMappedForAnother() {
    Machine m = Machine.builder().iommu(true).build();
    ScratchDevice a = new ScratchDevice();
    ScratchDevice b = new ScratchDevice();
    m.plug(a);
    m.plug(b);
    try (KernelRig two = KernelRig.boot(m)) {
      PciDev da = two.pciDev("0000:03:00.0");
      PciDev db = two.pciDev("0000:04:00.0");
      for (PciDev d : new PciDev[] {da, db}) {
        pci_enable_device(d);
        pci_set_master(d);
      }
      long[] h = {0};
      dma_alloc_coherent(da.dev, 4096, h, GFP_KERNEL);
      assertEquals(DmaResult.OK, a.dmaReadFromHost(h[0], new byte[4]));
      assertEquals(DmaResult.UNSUPPORTED_REQUEST, b.dmaReadFromHost(h[0], new byte[4]));
    }
  }
}
