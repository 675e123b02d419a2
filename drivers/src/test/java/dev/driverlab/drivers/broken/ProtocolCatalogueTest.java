package dev.driverlab.drivers.broken;

import static dev.driverlab.kernel.io.Io.ioread32;
import static dev.driverlab.kernel.io.Io.iowrite32;
import static dev.driverlab.kernel.pci.Pci.pci_enable_device;
import static dev.driverlab.kernel.pci.Pci.pci_iomap;
import static dev.driverlab.kernel.pci.Pci.pci_iounmap;
import static dev.driverlab.kernel.pci.Pci.pci_set_master;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.PcieDevice;
import dev.driverlab.devices.pcie.check.ProtocolRule;
import dev.driverlab.kernel.check.KernelChecks;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.pci.PciDev;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The catalogue's link entries: a broken device model (not a broken driver) breaks the PCIe rules, and
 * the kernel reports it like any driver bug, naming the device. The test plays a correct driver.
 */
class ProtocolCatalogueTest {
  private static BrokenRig withRogue() {
    Machine m = Machine.createDefault();
    m.slots().get(0).plug(new PcieDevice().add(new RogueEndpoint(m.fabric())));
    return BrokenRig.on(m);
  }

  private static PciDev rogue(BrokenRig r) {
    return r.k.pci().devices().stream().filter(d -> d.vendor == RogueEndpoint.VENDOR && d.device == RogueEndpoint.DEVICE)
        .findFirst().orElseThrow();
  }

  @Test
  void aCompletionWithTheWrongByteCountIsReportedAgainstTheDevice() {
    try (BrokenRig r = withRogue()) {
      PciDev d = rogue(r);
      pci_enable_device(d);
      long bar = pci_iomap(d, 0, 0);
      assertEquals(0x600d600d, ioread32(bar + RogueEndpoint.REG_STATUS), "the data itself is right");
      BugReport b = r.only(KernelChecks.PROTOCOL_CHECK);
      assertEquals("PCIe protocol violation (completion Byte Count): CplD has Byte Count 8, but 4 bytes of the "
          + "4-byte read remained",
          b.message());
      assertEquals("0000:03:00.0", b.device());
      assertEquals(List.of("link=switch0/0 UP", "rule=PCIe Base Spec §2.2.9, §2.3.1.1"), b.facts());
      assertTrue(b.callSite().startsWith("ProtocolCatalogueTest.aCompletionWithTheWrongByteCount"), b::toString);
      assertEquals(ProtocolRule.COMPLETION_BYTE_COUNT, r.checks.protocol().violations().get(0).rule());
      pci_iounmap(d, bar);
    }
  }

  @Test
  void aReadLargerThanMaxReadRequestSizeIsReportedAgainstTheDevice() {
    try (BrokenRig r = withRogue()) {
      PciDev d = rogue(r);
      pci_enable_device(d);
      pci_set_master(d);
      long bar = pci_iomap(d, 0, 0);
      iowrite32(1024, bar + RogueEndpoint.REG_DOORBELL);
      BugReport b = r.only(KernelChecks.PROTOCOL_CHECK);
      assertEquals("PCIe protocol violation (Max_Read_Request_Size): MRd of 1024 bytes exceeds the requester's "
          + "Max_Read_Request_Size of 512 bytes", b.message());
      assertEquals("0000:03:00.0", b.device());
      assertEquals(2, r.checks.protocol().violations().size(), "seen on both links of its path, reported once");
      assertTrue(b.origin().matches("TLP: MRd +req=03:00\\.0 tag=00 addr=0000000001000000 len=256 be=f/f"), b.origin());
      pci_iounmap(d, bar);
    }
  }
}
