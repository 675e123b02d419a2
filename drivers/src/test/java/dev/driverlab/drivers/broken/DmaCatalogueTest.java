package dev.driverlab.drivers.broken;

import static dev.driverlab.drivers.simpledma.SimpleDmaUapi.SDMA_FROM_DEVICE;
import static dev.driverlab.drivers.simpledma.SimpleDmaUapi.SDMA_TO_DEVICE;
import static dev.driverlab.kernel.uapi.Errno.EIO;
import static dev.driverlab.kernel.uapi.Errno.ETIMEDOUT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.simpledma.SimpleDmaDevice;
import dev.driverlab.drivers.broken.BrokenSdma.Bug;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The catalogue's DMA entries: for each DMA-API or DMA-TLP check, the simple-dma driver with that one
 * bug, and the exact report that catches it (driver, device, message, facts, call site).
 */
class DmaCatalogueTest {
  static final String BDF = "0000:03:00.0";

  static BrokenRig loaded(Bug bug, String... params) {
    BrokenRig r = BrokenRig.with(new SimpleDmaDevice());
    assertEquals(0, r.insmod(new BrokenSdma(bug), params), () -> r.k.dmesg().text());
    return r;
  }

  static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 5 + 1);
    }
    return b;
  }

  /** Asserts the report names the driver, the card and a call site in {@code method} of BrokenSdma. */
  static void assertNames(BugReport r, String method) {
    assertEquals("bsdma", r.driver(), r::toString);
    assertEquals(BDF, r.device(), r::toString);
    assertTrue(r.callSite() != null && r.callSite().startsWith("BrokenSdma." + method + "(BrokenSdma.java:"),
        r::toString);
  }

  @Test
  void theCorrectDriverIsQuietUnderEveryCheck() {
    try (BrokenRig r = loaded(Bug.NONE)) {
      int fd = r.open(BrokenSdma.DEVICE_PATH);
      r.poke(r.data, pattern(256));
      assertEquals(0, r.transfer(fd, SDMA_TO_DEVICE, 0x100, 256));
      r.poke(r.data, new byte[256]);
      assertEquals(0, r.transfer(fd, SDMA_FROM_DEVICE, 0x100, 256));
      assertArrayEquals(pattern(256), r.peek(r.data, 256));
      r.p.close(fd);
      assertEquals(0, r.k.modules().rmmod(BrokenSdma.NAME));
      assertEquals(List.of(), r.checks.finish(), "the link saw no protocol violation");
      r.assertClean();
      assertTrue(r.checks.dmaTlp().checked() > 0, "the device's TLPs were checked");
    }
  }

  // ---- DMA-API: the driver's own calls ----------------------------------------------------------

  @Test
  void unmapWithoutCheckingTheMapping() {
    try (BrokenRig r = loaded(Bug.NO_MAPPING_ERROR_CHECK)) {
      assertEquals(0, r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64));
      BugReport b = r.only(Check.DMA_API);
      assertEquals("device driver failed to check map error", b.message());
      assertEquals("size=64 bytes", b.facts().get(1));
      assertEquals("mapped as=single", b.facts().get(2));
      assertTrue(b.origin().startsWith("mapped at BrokenSdma.transfer(BrokenSdma.java:"), b.origin());
      assertNames(b, "transfer");
      r.assertOnly(Check.DMA_API);
    }
  }

  @Test
  void unmapWithTheWrongSize() {
    try (BrokenRig r = loaded(Bug.UNMAP_WRONG_SIZE)) {
      r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64);
      BugReport b = r.only(Check.DMA_API);
      assertEquals("device driver frees DMA memory with different size", b.message());
      assertEquals(List.of("map size=64 bytes", "unmap size=4096 bytes"), b.facts().subList(1, 3));
      assertNames(b, "transfer");
    }
  }

  @Test
  void unmapWithTheWrongDirection() {
    try (BrokenRig r = loaded(Bug.UNMAP_WRONG_DIRECTION)) {
      r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64);
      BugReport b = r.only(Check.DMA_API);
      assertEquals("device driver frees DMA memory with different direction", b.message());
      assertEquals(List.of("mapped with=DMA_TO_DEVICE", "unmapped with=DMA_BIDIRECTIONAL"), b.facts().subList(1, 3));
    }
  }

  @Test
  void unmapTwice() {
    try (BrokenRig r = loaded(Bug.DOUBLE_UNMAP)) {
      r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64);
      BugReport b = r.only(Check.DMA_API);
      assertEquals("device driver frees DMA memory it has already freed (double unmap)", b.message());
      assertTrue(b.origin().startsWith("first freed at BrokenSdma.transfer(BrokenSdma.java:"), b.origin());
      assertNames(b, "transfer");
    }
  }

  @Test
  void freeTheCoherentPageTwice() {
    try (BrokenRig r = loaded(Bug.DOUBLE_FREE_COHERENT)) {
      assertEquals(0, r.k.modules().rmmod(BrokenSdma.NAME));
      BugReport b = r.only(Check.DMA_API);
      assertEquals("device driver frees DMA memory it has already freed (double free)", b.message());
      assertEquals(List.of("size=4096 bytes", "mapped as=coherent"), b.facts().subList(1, 3));
      assertNames(b, "remove");
    }
  }

  @Test
  void readTheResultBeforeUnmapping() {
    try (BrokenRig r = loaded(Bug.READ_BEFORE_UNMAP)) {
      Hooks.assumeCpuAccessHook(r.k);
      r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_FROM_DEVICE, 0, 64);
      BugReport b = r.only(Check.DMA_API);
      assertEquals("CPU reads from a streaming DMA buffer the device owns: call dma_sync_single_for_cpu (or unmap) "
          + "before touching it, and dma_sync_single_for_device before giving it back", b.message());
      assertEquals(List.of("size=64 bytes", "mapped with=DMA_FROM_DEVICE", "access=64 bytes at offset 0x0"),
          b.facts().subList(1, 4));
      assertNames(b, "transfer");
    }
  }

  // ---- DMA-TLP: the device's requests against the driver's mappings ------------------------------

  @Test
  void mapAReceiveBufferDmaToDevice() {
    try (BrokenRig r = loaded(Bug.MAP_WRONG_DIRECTION)) {
      r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_FROM_DEVICE, 0, 64);
      BugReport b = r.only(Check.DMA_TLP);
      assertEquals("device wrote to a buffer mapped DMA_TO_DEVICE (the device may only read it: map it "
          + "DMA_FROM_DEVICE or DMA_BIDIRECTIONAL)", b.message());
      assertTrue(b.facts().get(0).matches("access=device write of 64 bytes at bus address 0x\\p{XDigit}+"),
          b.facts().toString());
      assertTrue(b.facts().get(1).matches("region=single mapping of 64 bytes at device address 0x\\p{XDigit}+, "
          + "DMA_TO_DEVICE"), b.facts().toString());
      assertNames(b, "transfer");
      r.assertOnly(Check.DMA_TLP);
    }
  }

  @Test
  void unmapBeforeTheDeviceIsDone() {
    try (BrokenRig r = loaded(Bug.UNMAP_BEFORE_DONE)) {
      r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64);
      BugReport b = r.only(Check.DMA_TLP);
      assertEquals("device read from DMA memory after the driver unmapped it", b.message());
      assertTrue(b.origin().matches("unmapped at BrokenSdma\\.transfer\\(BrokenSdma\\.java:\\d+\\), mapped at "
          + "BrokenSdma\\.transfer\\(BrokenSdma\\.java:\\d+\\)"), b.origin());
      assertNames(b, "transfer");
    }
  }

  @Test
  void syncForTheCpuBeforeStartingTheDevice() {
    try (BrokenRig r = loaded(Bug.SYNC_FOR_CPU_BEFORE_START)) {
      r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64);
      BugReport b = r.only(Check.DMA_TLP);
      assertEquals("device accessed a streaming DMA buffer while the CPU owns it (dma_sync_single_for_cpu was called "
          + "and dma_sync_single_for_device not yet)", b.message());
      assertNames(b, "transfer");
    }
  }

  @Test
  void programTheKernelVirtualAddress() {
    try (BrokenRig r = loaded(Bug.PROGRAM_CPU_ADDRESS)) {
      assertEquals(-EIO, r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64));
      BugReport b = r.only(Check.DMA_TLP);
      assertEquals("device DMA above its DMA mask 0xffffffff: the driver set a mask the device cannot honour, or "
          + "gave it an address it never mapped", b.message());
      assertTrue(b.facts().get(0).startsWith("access=device read of 64 bytes at bus address 0xffff8880"),
          b.facts().toString());
      assertNames(b, "transfer");
    }
  }

  @Test
  void forgetPciSetMaster() {
    try (BrokenRig r = loaded(Bug.NO_SET_MASTER)) {
      assertEquals(-ETIMEDOUT, r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64));
      List<BugReport> b = r.reports(Check.DMA_TLP);
      assertEquals(2, b.size(), r::describe);
      assertEquals("device tried to DMA while Bus Master Enable is clear: the read was never sent (call "
          + "pci_set_master before starting DMA)", b.get(0).message());
      assertTrue(b.get(0).facts().get(1).matches("region=single mapping of 64 bytes at device address "
          + "0x\\p{XDigit}+, DMA_TO_DEVICE \\(mapped at BrokenSdma\\.transfer\\(BrokenSdma\\.java:\\d+\\)\\)"),
          b.get(0).facts().toString());
      assertEquals("device could not send its MSI: Bus Master Enable is clear (an MSI is a memory write: call "
          + "pci_set_master)", b.get(1).message());
      assertNames(b.get(0), "transfer");
      assertTrue(r.k.dmesg().contains("03:00.0: DMA read of 64 bytes at"), "the fabric's own line stays");
    }
  }

  @Test
  void aTransferTheDeviceRefusesIsNotADriverBug() {
    try (BrokenRig r = loaded(Bug.NONE, "use_msi=0")) {
      int fd = r.open(BrokenSdma.DEVICE_PATH);
      assertEquals(-EIO, r.transfer(fd, SDMA_TO_DEVICE, 0xffc0, 256), "past the end of device RAM");
      assertEquals(0, r.transfer(fd, SDMA_TO_DEVICE, 0xff00, 256), "INTx works as well as MSI");
      r.assertClean();
    }
  }
}
