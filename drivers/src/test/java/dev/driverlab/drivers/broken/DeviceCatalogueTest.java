package dev.driverlab.drivers.broken;

import static dev.driverlab.drivers.broken.DmaCatalogueTest.BDF;
import static dev.driverlab.drivers.broken.DmaCatalogueTest.assertNames;
import static dev.driverlab.drivers.broken.DmaCatalogueTest.loaded;
import static dev.driverlab.drivers.simpledma.SimpleDmaUapi.SDMA_FROM_DEVICE;
import static dev.driverlab.drivers.simpledma.SimpleDmaUapi.SDMA_TO_DEVICE;
import static dev.driverlab.kernel.uapi.Errno.ETIMEDOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.drivers.broken.BrokenSdma.Bug;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The catalogue's per-device entries for the simple-dma variant: leaks at remove, interrupt misuse and
 * MMIO misuse, each with the exact report.
 */
class DeviceCatalogueTest {
  private static final String REMOVED = "driver removed but did not release: ";

  /** The LEAK reports made when the driver was removed from the card (not the module-level ones). */
  private static List<BugReport> removeLeaks(BrokenRig r) {
    return r.reports(Check.LEAK).stream().filter(b -> b.message().startsWith(REMOVED)).toList();
  }

  private static BugReport onlyRemoveLeak(BrokenRig r) {
    List<BugReport> l = removeLeaks(r);
    assertEquals(1, l.size(), r::describe);
    BugReport b = l.get(0);
    assertEquals(BDF, b.device(), b::toString);
    return b;
  }

  // ---- leaks at remove ------------------------------------------------------------------------------

  @Test
  void leakAStreamingMapping() {
    try (BrokenRig r = loaded(Bug.LEAK_MAPPING)) {
      r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64);
      r.p.exit();
      assertEquals(0, r.k.modules().rmmod(BrokenSdma.NAME));
      assertTrue(onlyRemoveLeak(r).message().matches(REMOVED + "DMA-API: single mapping of 64 bytes at device "
          + "address 0x\\p{XDigit}+, DMA_TO_DEVICE \\(made at BrokenSdma\\.transfer\\(BrokenSdma\\.java:\\d+\\)\\)"),
          r::describe);
      r.assertOnly(Check.LEAK);
    }
  }

  @Test
  void leakACoherentBuffer() {
    try (BrokenRig r = loaded(Bug.LEAK_COHERENT)) {
      assertEquals(0, r.k.modules().rmmod(BrokenSdma.NAME));
      assertTrue(onlyRemoveLeak(r).message().matches(REMOVED + "DMA-API: coherent mapping of 4096 bytes at device "
          + "address 0x\\p{XDigit}+, DMA_BIDIRECTIONAL \\(made at BrokenSdma\\.probe\\(BrokenSdma\\.java:\\d+\\)\\)"),
          r::describe);
    }
  }

  @Test
  void leakPinnedUserPagesAndTheirScatterlist() {
    try (BrokenRig r = loaded(Bug.LEAK_USER_PAGES)) {
      r.poke(r.data, DmaCatalogueTest.pattern(64));
      assertEquals(0, r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64));
      r.p.exit();
      assertEquals(0, r.k.modules().rmmod(BrokenSdma.NAME));
      assertTrue(onlyRemoveLeak(r).message().matches(REMOVED + "DMA-API: sg mapping of 64 bytes at device address "
          + "0x\\p{XDigit}+, DMA_TO_DEVICE \\(made at BrokenSdma\\.zeroCopy\\(BrokenSdma\\.java:\\d+\\)\\)"),
          r::describe);
      assertTrue(r.reports(Check.LEAK).stream().anyMatch(b -> b.message().matches("module bsdma unloaded but left: "
          + "pin of user .* \\(taken at BrokenSdma\\.zeroCopy\\(BrokenSdma\\.java:\\d+\\)\\)")), r::describe);
    }
  }

  @Test
  void leakTheIrqHandler() {
    try (BrokenRig r = loaded(Bug.LEAK_IRQ)) {
      assertEquals(0, r.k.modules().rmmod(BrokenSdma.NAME));
      List<BugReport> l = removeLeaks(r);
      assertEquals(2, l.size(), r::describe);
      assertTrue(l.get(0).message().matches(REMOVED + "IRQ \\d+ handler \"bsdma\" \\(requested at "
          + "BrokenSdma\\.probe\\(BrokenSdma\\.java:\\d+\\)\\)"), r::describe);
      assertTrue(l.get(1).message().matches(REMOVED + "1 IRQ vector\\(s\\) from pci_alloc_irq_vectors \\(at "
          + "BrokenSdma\\.probe\\(BrokenSdma\\.java:\\d+\\)\\)"), r::describe);
      assertEquals(2, r.reports(Check.LEAK).size(), "rmmod must not report the handler a second time: "
          + r.describe());
    }
  }

  @Test
  void leakTheIrqVectors() {
    try (BrokenRig r = loaded(Bug.LEAK_VECTORS)) {
      assertEquals(0, r.k.modules().rmmod(BrokenSdma.NAME));
      assertTrue(onlyRemoveLeak(r).message().matches(REMOVED + "1 IRQ vector\\(s\\) from pci_alloc_irq_vectors "
          + "\\(at BrokenSdma\\.probe\\(BrokenSdma\\.java:\\d+\\)\\)"), r::describe);
    }
  }

  @Test
  void leakTheBarMapping() {
    try (BrokenRig r = loaded(Bug.LEAK_IOMAP)) {
      assertEquals(0, r.k.modules().rmmod(BrokenSdma.NAME));
      assertTrue(onlyRemoveLeak(r).message().matches(REMOVED + "pci_iomap of BAR0 at 0x\\p{XDigit}+ \\(mapped at "
          + "BrokenSdma\\.probe\\(BrokenSdma\\.java:\\d+\\)\\)"), r::describe);
      assertEquals(1, r.reports(Check.LEAK).size(), "rmmod must not report the mapping a second time: "
          + r.describe());
    }
  }

  @Test
  void leakTheRegions() {
    try (BrokenRig r = loaded(Bug.LEAK_REGIONS)) {
      assertEquals(0, r.k.modules().rmmod(BrokenSdma.NAME));
      List<BugReport> l = removeLeaks(r);
      assertEquals(2, l.size(), "BAR0 and BAR1: " + r.describe());
      assertTrue(l.get(0).message().startsWith(REMOVED + "region BAR0 [mem "), r::describe);
      assertTrue(l.get(1).message().contains("claimed by \"bsdma\" (at BrokenSdma.probe(BrokenSdma.java:"),
          r::describe);
    }
  }

  // ---- interrupts -----------------------------------------------------------------------------------

  @Test
  void sleepInTheInterruptHandler() {
    try (BrokenRig r = loaded(Bug.IRQ_SLEEPS)) {
      assertEquals(-ETIMEDOUT, r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64),
          "the handler died before complete()");
      BugReport b = r.only(Check.ATOMIC_SLEEP);
      assertEquals("BUG: sleeping function called from invalid context: msleep(1)", b.message());
      assertTrue(b.facts().contains("in_interrupt()=1"), b.facts().toString());
      assertTrue(b.callSite().startsWith("BrokenSdma.interrupt(BrokenSdma.java:"), b::toString);
      assertTrue(r.k.dmesg().contains("BUG: IRQ handler bsdma for irq"), "the kernel went on");
    }
  }

  @Test
  void neverAcknowledgeTheInterrupt() {
    try (BrokenRig r = loaded(Bug.IRQ_NEVER_ACKS, "use_msi=0")) {
      assertEquals(0, r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64));
      BugReport b = r.only(Check.IRQ);
      assertTrue(b.message().matches("irq \\d+: interrupt storm: the handler returns but the device keeps its INTx "
          + "line asserted \\(interrupt never acknowledged\\)"), b::toString);
      assertEquals(BDF, b.device());
      assertTrue(r.k.dmesg().contains("interrupt storm"));
    }
  }

  @Test
  void neverClaimTheInterrupt() {
    try (BrokenRig r = loaded(Bug.IRQ_NEVER_HANDLED, "use_msi=0")) {
      assertEquals(-ETIMEDOUT, r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_TO_DEVICE, 0, 64));
      BugReport b = r.only(Check.IRQ);
      assertTrue(b.message().matches("irq \\d+: nobody cared: no handler returned IRQ_HANDLED for an asserted "
          + "line"), b::toString);
      assertEquals(BDF, b.device());
      assertTrue(r.k.dmesg().contains("nobody cared (try booting with the \"irqpoll\" option)"));
    }
  }

  // ---- MMIO -----------------------------------------------------------------------------------------

  @Test
  void readARegisterBeforeEnablingTheDevice() {
    try (BrokenRig r = loaded(Bug.MMIO_BEFORE_ENABLE)) {
      BugReport b = r.only(Check.MMIO);
      assertEquals("MMIO read of BAR0 while the device is disabled (Memory Space Enable is clear: call "
          + "pci_enable_device first); the read returns all ones", b.message());
      assertEquals(List.of("offset=0x0", "size=4"), b.facts());
      assertNames(b, "probe");
    }
  }

  @Test
  void readBeyondTheEndOfTheBar() {
    try (BrokenRig r = loaded(Bug.MMIO_BEYOND_BAR)) {
      BugReport b = r.only(Check.MMIO);
      assertEquals("MMIO read beyond the end of BAR0", b.message());
      assertEquals(List.of("offset=0x1000", "size=4", "BAR length=4096"), b.facts());
      assertNames(b, "probe");
    }
  }

  @Test
  void writeARegisterAfterPciIounmap() {
    try (BrokenRig r = loaded(Bug.MMIO_AFTER_IOUNMAP)) {
      assertEquals(0, r.k.modules().rmmod(BrokenSdma.NAME), "the oops ends remove, not the kernel");
      BugReport b = r.only(Check.MMIO);
      assertEquals("MMIO write of an address that is not (or no longer) mapped: BAR0+0x34 was unmapped by "
          + "pci_iounmap/iounmap (use after unmap)", b.message());
      assertNames(b, "remove");
      assertTrue(b.origin().matches("unmapped at BrokenSdma\\.remove\\(BrokenSdma\\.java:\\d+\\), mapped at "
          + "BrokenSdma\\.probe\\(BrokenSdma\\.java:\\d+\\)"), b.origin());
      assertTrue(r.k.dmesg().contains("Oops: 0002 [#1] PREEMPT SMP"));
    }
  }

  @Test
  void aTimerLeftArmedAtRemoveOopsesWhenItFires() {
    try (BrokenRig r = loaded(Bug.TIMER_AFTER_REMOVE)) {
      assertEquals(0, r.k.modules().rmmod(BrokenSdma.NAME));
      assertTrue(r.reports(Check.LEAK).stream().anyMatch(b -> b.message().matches("module bsdma unloaded but left: "
          + "timer still pending \\(set up at BrokenSdma\\.probe\\(BrokenSdma\\.java:\\d+\\)\\)")), r::describe);
      r.k.runFor(200_000_000L);
      BugReport b = r.only(Check.MMIO);
      assertEquals("MMIO read of an address that is not (or no longer) mapped: BAR0+0x24 was unmapped by "
          + "pci_iounmap/iounmap (use after unmap)", b.message());
      assertEquals(BDF, b.device());
      assertTrue(b.callSite().startsWith("BrokenSdma.watchdog(BrokenSdma.java:"), b::toString);
      assertTrue(r.k.dmesg().contains("BUG: timer callback"), "logged as a crashed timer; the kernel goes on");
      assertEquals(0, r.insmod(new BrokenSdma(Bug.NONE)), "and loads a driver again");
    }
  }

  @Test
  void theFromDeviceDirectionWorksToo() {
    try (BrokenRig r = loaded(Bug.NONE, "use_msi=0")) {
      assertEquals(0, r.transfer(r.open(BrokenSdma.DEVICE_PATH), SDMA_FROM_DEVICE, 0x8000, 4096));
      r.assertClean();
    }
  }
}
