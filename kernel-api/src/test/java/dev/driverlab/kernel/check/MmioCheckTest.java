package dev.driverlab.kernel.check;

import static dev.driverlab.kernel.io.Io.ioread32;
import static dev.driverlab.kernel.io.Io.ioremap;
import static dev.driverlab.kernel.io.Io.iowrite32;
import static dev.driverlab.kernel.pci.Pci.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.PciDriver;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import dev.driverlab.kerneltest.TestModule;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** MMIO through dead pointers is an oops of the calling thread, reported once, and the kernel goes on. */
class MmioCheckTest {
  private final ScratchDevice card = new ScratchDevice();
  private final KernelRig rig = KernelRig.bootWith(card);
  private final PciDev dev = rig.pciDev("0000:03:00.0");

  @AfterEach
  void shutdown() {
    rig.close();
  }

  @Test
  void readAfterIounmapOopsesNamingTheBarAndWhereItWasUnmapped() {
    pci_enable_device(dev);
    long regs = pci_iomap(dev, 0, 0);
    pci_iounmap(dev, regs);
    KernelOops oops = assertThrows(KernelOops.class, () -> ioread32(regs + ScratchDevice.REG_SCRATCH));
    BugReport r = rig.onlyReport(Check.MMIO);
    assertEquals("MMIO read of an address that is not (or no longer) mapped: BAR0+0x4 was unmapped by "
        + "pci_iounmap/iounmap (use after unmap)", r.message());
    assertEquals("0000:03:00.0", r.device());
    assertTrue(r.origin().startsWith("unmapped at "), r.origin());
    assertEquals(List.of(String.format("address=%#x", regs + 4), "size=4"), r.facts());
    assertEquals(List.of(), rig.reports(Check.OOPS), "one report for one bug");
    assertTrue(oops.getMessage().startsWith(String.format("BUG: unable to handle page fault for address: %016x",
        regs + 4)), oops.getMessage());
    assertTrue(rig.kernel.dmesg().contains("Oops: 0000 [#1] PREEMPT SMP"));
    assertTrue(rig.kernel.dmesg().contains("#PF: supervisor read access in kernel mode"));
  }

  @Test
  void writeThroughAUserPointerOopses() {
    assertThrows(KernelOops.class, () -> iowrite32(1, 0x4000_0000L));
    BugReport r = rig.onlyReport(Check.MMIO);
    assertEquals("MMIO write of an address that is not (or no longer) mapped: a user-space address, not an __iomem "
        + "pointer from pci_iomap or ioremap", r.message());
    assertTrue(rig.kernel.dmesg().contains("Oops: 0002 [#1] PREEMPT SMP"));
  }

  @Test
  void doubleIounmapKeepsItsMessageAndSaysWhereTheFirstWas() {
    long regs = pci_iomap(dev, 0, 0);
    pci_iounmap(dev, regs);
    pci_iounmap(dev, regs);
    BugReport r = rig.onlyReport(Check.MMIO);
    assertEquals("iounmap of an address that is not mapped (double iounmap?)", r.message());
    assertTrue(r.origin().startsWith("already unmapped at "), r.origin());
  }

  @Test
  void accessBeyondTheBarIsReportedAndStillHappens() {
    pci_enable_device(dev);
    long regs = pci_iomap(dev, 0, 0);
    assertEquals(0, ioread32(regs + 4096 - 4));
    rig.assertNoReports();
    long big = ioremap(pci_resource_start(dev, 0), 8192);
    ioread32(big + 4096);
    BugReport r = rig.onlyReport(Check.MMIO);
    assertEquals("MMIO read beyond the end of BAR0", r.message());
    assertEquals(List.of("offset=0x1000", "size=4", "BAR length=4096"), r.facts());
  }

  @Test
  void accessThroughAMappingLeakedPastRemoveOopses() {
    long[] regs = {0};
    PciDriver drv = new PciDriver("leaky", List.of(PCI_DEVICE(ScratchDevice.VENDOR_ID, ScratchDevice.DEVICE_ID)),
        (d, id) -> {
          pci_enable_device(d);
          regs[0] = pci_iomap(d, 0, 0);
          return 0;
        }, d -> pci_disable_device(d));
    TestModule m = new TestModule("leaky").onInit(() -> pci_register_driver(drv))
        .onExit(() -> pci_unregister_driver(drv));
    assertEquals(0, rig.kernel.modules().insmod(m));
    assertEquals(ScratchDevice.ID_VALUE, rig.kernel.callDriver(m, () -> ioread32(regs[0])));
    assertEquals(0, rig.kernel.modules().rmmod("leaky"));
    assertTrue(rig.reports(Check.LEAK).size() >= 1, "the mapping leaked: " + rig.reports());
    rig.kernel.bugs().clear();
    assertThrows(KernelOops.class, () -> rig.kernel.callDriver(m, () -> ioread32(regs[0] + 4)));
    BugReport r = rig.onlyReport(Check.MMIO);
    assertEquals("MMIO read of BAR0+0x4 after the driver's remove: the device is no longer bound to it (use after "
        + "free of iomem)", r.message());
    assertEquals("0000:03:00.0", r.device());
    assertTrue(r.origin().startsWith("mapped at "), r.origin());
  }
}
