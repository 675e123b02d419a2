package dev.driverlab.kernel.check;

import static dev.driverlab.kernel.dma.Dma.*;
import static dev.driverlab.kernel.irq.Irq.PCI_IRQ_MSI;
import static dev.driverlab.kernel.irq.Irq.pci_alloc_irq_vectors;
import static dev.driverlab.kernel.irq.Irq.pci_free_irq_vectors;
import static dev.driverlab.kernel.mm.Mm.GFP_KERNEL;
import static dev.driverlab.kernel.mm.Mm.kfree;
import static dev.driverlab.kernel.mm.Mm.kmalloc;
import static dev.driverlab.kernel.pci.Pci.pci_enable_device;
import static dev.driverlab.kernel.pci.Pci.pci_set_master;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device's real TLPs joined with the driver's DMA-API view. The test plays both sides: the driver
 * through the DMA API, the hardware through {@link ScratchDevice}'s DMA engine.
 */
class DmaTlpCheckTest {
  private final ScratchDevice card = new ScratchDevice();
  private final ScratchDevice other = new ScratchDevice();
  private final KernelRig rig = KernelRig.bootWith(card, other);
  private final PciDev dev = rig.pciDev("0000:03:00.0");
  private final PciDev dev2 = rig.pciDev("0000:04:00.0");
  private KernelChecks checks;

  @BeforeEach
  void enable() {
    checks = KernelChecks.install(rig.kernel);
    assertEquals(0, pci_enable_device(dev));
    pci_set_master(dev);
    assertEquals(0, dma_set_mask_and_coherent(dev.dev, DMA_BIT_MASK(32)));
  }

  @AfterEach
  void shutdown() {
    rig.close();
  }

  private BugReport onlyDmaTlp() {
    return rig.onlyReport(Check.DMA_TLP);
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return b;
  }

  @Test
  void dmaWithinALiveMappingInItsDirectionIsClean() {
    long buf = kmalloc(4096, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 4096, DMA_FROM_DEVICE);
    assertEquals(0, dma_mapping_error(dev.dev, h));
    assertEquals(DmaResult.OK, card.dmaWriteToHost(h, bytes(4096)));
    dma_unmap_single(dev.dev, h, 4096, DMA_FROM_DEVICE);
    long[] ch = {0};
    long cpu = dma_alloc_coherent(dev.dev, 8192, ch, GFP_KERNEL);
    assertEquals(DmaResult.OK, card.dmaReadFromHost(ch[0] + 100, new byte[5000]));
    dma_free_coherent(dev.dev, 8192, cpu, ch[0]);
    kfree(buf);
    rig.assertNoReports();
    assertEquals(16 + 10, checks.dmaTlp().checked(), "4096 bytes in 256-byte MWrs (the MPS boot set), 5000 in "
        + "512-byte MRds");
  }

  // ---- an access in order is remembered; what changes the verdict is still caught after it ---------

  /**
   * A 4 KiB kmalloc buffer mapped DMA_FROM_DEVICE, its first 1 KiB written by the device in order (so
   * the check remembers the mapping), no report so far; returns the handle.
   */
  private long mappedFromDeviceAfterInOrderWrites() {
    long buf = kmalloc(4096, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 4096, DMA_FROM_DEVICE);
    assertEquals(0, dma_mapping_error(dev.dev, h));
    assertEquals(DmaResult.OK, card.dmaWriteToHost(h, bytes(1024)));
    rig.assertNoReports();
    return h;
  }

  @Test
  void aSyncForTheCpuAfterInOrderWritesIsCaughtOnTheNextWrite() {
    long h = mappedFromDeviceAfterInOrderWrites();
    dma_sync_single_for_cpu(dev.dev, h, 4096, DMA_FROM_DEVICE);
    card.dmaWriteToHost(h + 1024, bytes(256));
    assertTrue(onlyDmaTlp().message().startsWith("device accessed a streaming DMA buffer while the CPU owns it"));
  }

  @Test
  void aReadAfterInOrderWritesOfAFromDeviceMappingIsCaught() {
    long h = mappedFromDeviceAfterInOrderWrites();
    card.dmaReadFromHost(h + 512, new byte[16]);
    assertTrue(onlyDmaTlp().message().startsWith("device read a buffer mapped DMA_FROM_DEVICE"));
  }

  @Test
  void aMaskNarrowedBehindTheApisBackAfterInOrderWritesIsCaught() {
    long h = mappedFromDeviceAfterInOrderWrites();
    dev.dev.dma_mask = (h & ~0xfffL) - 1; // as a driver writing dev->dma_mask itself would
    card.dmaWriteToHost(h + 1024, bytes(256));
    assertTrue(onlyDmaTlp().message().startsWith("device DMA above its DMA mask"), onlyDmaTlp().message());
  }

  @Test
  void anUnmapAfterInOrderWritesIsCaughtAsAfterFree() {
    long h = mappedFromDeviceAfterInOrderWrites();
    dma_unmap_single(dev.dev, h, 4096, DMA_FROM_DEVICE);
    card.dmaWriteToHost(h + 1024, bytes(256));
    assertTrue(onlyDmaTlp().message().startsWith("device wrote to DMA memory after the driver unmapped it"),
        onlyDmaTlp().message());
  }

  @Test
  void aRegionMappedInsideTheRememberedOneAnswersForItsOwnRange() {
    long buf = kmalloc(8192, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 8192, DMA_BIDIRECTIONAL);
    dma_mapping_error(dev.dev, h);
    assertEquals(DmaResult.OK, card.dmaWriteToHost(h, bytes(256)));
    long inner = dma_map_single(dev.dev, buf + 4096, 256, DMA_TO_DEVICE); // the newer start wins there
    dma_mapping_error(dev.dev, inner);
    assertEquals(DmaResult.OK, card.dmaWriteToHost(h + 256, bytes(256)));
    rig.assertNoReports();
    card.dmaWriteToHost(inner, bytes(64));
    assertTrue(onlyDmaTlp().message().startsWith("device wrote to a buffer mapped DMA_TO_DEVICE"));
  }

  @Test
  void deviceWriteOutsideEveryMappingIsReportedOnceForTheWholeTransfer() {
    assertEquals(DmaResult.OK, card.dmaWriteToHost(0x0200_0000L, bytes(1024)));
    BugReport r = onlyDmaTlp();
    assertEquals("device wrote to memory outside every live DMA mapping of this device", r.message());
    assertEquals("0000:03:00.0", r.device());
    assertEquals(List.of("access=device write of 256 bytes at bus address 0x2000000"), r.facts());
    assertTrue(rig.kernel.dmesg().contains("DMA-TLP: 0000:03:00.0: device wrote to memory outside every live DMA "
        + "mapping of this device [access=device write of 256 bytes at bus address 0x2000000]"));
  }

  @Test
  void deviceWriteIntoAToDeviceMappingIsReported() {
    long buf = kmalloc(256, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 256, DMA_TO_DEVICE);
    card.dmaWriteToHost(h, bytes(64));
    BugReport r = onlyDmaTlp();
    assertEquals("device wrote to a buffer mapped DMA_TO_DEVICE (the device may only read it: map it "
        + "DMA_FROM_DEVICE or DMA_BIDIRECTIONAL)", r.message());
    assertEquals(List.of(String.format("access=device write of 64 bytes at bus address %#x", h),
        String.format("region=single mapping of 256 bytes at device address %#x, DMA_TO_DEVICE", h)), r.facts());
    assertTrue(r.origin().startsWith("mapped at "), r.origin());
  }

  @Test
  void deviceReadOfAFromDeviceMappingIsReported() {
    long buf = kmalloc(256, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 256, DMA_FROM_DEVICE);
    card.dmaReadFromHost(h, new byte[16]);
    assertEquals("device read a buffer mapped DMA_FROM_DEVICE (the device may only write it: map it DMA_TO_DEVICE "
        + "or DMA_BIDIRECTIONAL)", onlyDmaTlp().message());
  }

  @Test
  void deviceWriteAfterUnmapNamesWhereItWasUnmapped() {
    long buf = kmalloc(512, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 512, DMA_FROM_DEVICE);
    dma_mapping_error(dev.dev, h);
    dma_unmap_single(dev.dev, h, 512, DMA_FROM_DEVICE);
    card.dmaWriteToHost(h, bytes(512));
    BugReport r = onlyDmaTlp();
    assertEquals("device wrote to DMA memory after the driver unmapped it", r.message());
    assertTrue(r.origin().startsWith("unmapped at "), r.origin());
    assertTrue(r.origin().contains(", mapped at "), r.origin());
    assertEquals(String.format("region=single mapping of 512 bytes at device address %#x, DMA_FROM_DEVICE", h),
        r.facts().get(1));
  }

  @Test
  void deviceReadAfterDmaFreeCoherentSaysFreed() {
    long[] h = {0};
    long cpu = dma_alloc_coherent(dev.dev, 4096, h, GFP_KERNEL);
    dma_free_coherent(dev.dev, 4096, cpu, h[0]);
    card.dmaReadFromHost(h[0], new byte[64]);
    BugReport r = onlyDmaTlp();
    assertEquals("device read from DMA memory after the driver freed it", r.message());
    assertTrue(r.origin().startsWith("freed at "), r.origin());
  }

  @Test
  void deviceAccessWhileTheCpuOwnsAStreamingBufferIsReported() {
    long buf = kmalloc(256, GFP_KERNEL);
    long h = dma_map_single(dev.dev, buf, 256, DMA_BIDIRECTIONAL);
    dma_sync_single_for_cpu(dev.dev, h, 256, DMA_BIDIRECTIONAL);
    card.dmaWriteToHost(h, bytes(16));
    assertEquals("device accessed a streaming DMA buffer while the CPU owns it (dma_sync_single_for_cpu was called "
        + "and dma_sync_single_for_device not yet)", onlyDmaTlp().message());
    rig.kernel.bugs().clear();
    dma_sync_single_for_device(dev.dev, h, 256, DMA_BIDIRECTIONAL);
    card.dmaWriteToHost(h, bytes(16));
    rig.assertNoReports();
  }

  @Test
  void deviceAccessRunningPastTheEndOfItsMappingIsReported() {
    long buf = kmalloc(4096, GFP_KERNEL); // page aligned: the device's 120-byte write is one TLP
    long h = dma_map_single(dev.dev, buf, 100, DMA_FROM_DEVICE);
    card.dmaWriteToHost(h, bytes(120));
    BugReport r = onlyDmaTlp();
    assertEquals("device access runs past its DMA region (20 of 120 bytes outside it)", r.message());
  }

  @Test
  void deviceDmaIntoAnotherDevicesMappingIsReported() {
    pci_enable_device(dev2);
    long buf = kmalloc(256, GFP_KERNEL);
    long h = dma_map_single(dev2.dev, buf, 256, DMA_FROM_DEVICE);
    card.dmaWriteToHost(h, bytes(32));
    BugReport r = onlyDmaTlp();
    assertEquals("device accessed a DMA region mapped for another device (0000:04:00.0)", r.message());
    assertEquals("0000:03:00.0", r.device());
  }

  @Test
  void deviceDmaAboveItsMaskIsReported() {
    card.dmaWriteToHost(0x1_2000_0000L, bytes(8));
    BugReport r = onlyDmaTlp();
    assertEquals("device DMA above its DMA mask 0xffffffff: the driver set a mask the device cannot honour, or gave "
        + "it an address it never mapped", r.message());
  }

  @Test
  void dmaWithoutBusMasterEnableIsJoinedWithTheDriversMapping() {
    PciDev d = dev2;
    pci_enable_device(d);
    long[] h = {0};
    dma_alloc_coherent(d.dev, 4096, h, GFP_KERNEL);
    assertEquals(DmaResult.BUS_MASTER_DISABLED, other.dmaReadFromHost(h[0], new byte[64]));
    BugReport r = onlyDmaTlp();
    assertEquals("device tried to DMA while Bus Master Enable is clear: the read was never sent (call "
        + "pci_set_master before starting DMA)", r.message());
    assertEquals("0000:04:00.0", r.device());
    assertEquals(String.format("access=device read of 64 bytes at bus address %#x", h[0]), r.facts().get(0));
    assertTrue(r.facts().get(1).startsWith(String.format("region=coherent buffer of 4096 bytes at device address "
        + "%#x, DMA_BIDIRECTIONAL (mapped at ", h[0])), r.facts().get(1));
  }

  @Test
  void msiWithoutBusMasterEnableIsReported() {
    pci_enable_device(dev2);
    assertEquals(1, pci_alloc_irq_vectors(dev2, 1, 1, PCI_IRQ_MSI));
    assertEquals(false, other.sendMsi());
    assertEquals("device could not send its MSI: Bus Master Enable is clear (an MSI is a memory write: call "
        + "pci_set_master)", onlyDmaTlp().message());
    pci_free_irq_vectors(dev2);
  }

  @Test
  void installIsIdempotent() {
    assertTrue(KernelChecks.installed(rig.kernel));
    assertEquals(checks, KernelChecks.install(rig.kernel));
    card.dmaWriteToHost(0x0300_0000L, bytes(4));
    assertEquals(1, rig.reports(Check.DMA_TLP).size(), "one observer, one report");
  }
}
