package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.FakeRiffaCard.GOOD_INFO;
import static dev.driverlab.drivers.riffa.RiffaRig.counting;
import static dev.driverlab.kernel.uapi.Errno.ENOENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.proc.Process;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** fpga_probe's checks with their messages (riffa.md §1.5), the five-FPGA limit, remove and rmmod. */
class RiffaProbeTest {

  /** Device Control of the (first) card as the kernel left it at boot, before the driver touched it. */
  private int devctlBefore;

  /** Boots a machine with {@code cards}, loads the driver and returns the kernel (caller shuts down). */
  private Kernel bootWith(PciDeviceModel... cards) {
    Machine m = Machine.createDefault();
    for (PciDeviceModel c : cards) {
      m.plug(c);
    }
    Kernel k = Kernel.boot(m);
    devctlBefore = devctlAtBoot(k);
    assertEquals(0, k.modules().insmod(new RiffaDriver()), "a probe failure does not fail insmod");
    return k;
  }

  private static PciDev card(Kernel k) {
    return k.pci().devices().stream().filter(d -> d.vendor == RiffaDriver.VENDOR_ID0).findFirst().orElseThrow();
  }

  /** After a refused probe: nothing held, nothing bound, capability registers as before, no bug report. */
  private void assertRefusedCleanly(Kernel k) {
    PciDev d = card(k);
    assertNull(d.driver(), "not bound");
    assertEquals(0, d.enableCount(), "pci_disable_device undid pci_enable_device");
    assertFalse(d.resource[0].claimed(), "regions released");
    assertTrue(d.irqVectors().isEmpty(), "MSI vector freed");
    assertEquals(devctlBefore, k.pci().read(d, d.pcie_cap + FpgaProbe.PCI_EXP_DEVCTL, 2), "Device Control restored");
    assertTrue(k.bugs().reports().isEmpty(), () -> k.bugs().reports().toString());
  }

  private static int devctlAtBoot(Kernel k) {
    PciDev d = card(k);
    return k.pci().read(d, d.pcie_cap + FpgaProbe.PCI_EXP_DEVCTL, 2);
  }

  @Test
  void aGoodFakeCardIsProbedAndItsCapabilityBitsAreSet() {
    FakeRiffaCard fake = FakeRiffaCard.withInfo(GOOD_INFO);
    Kernel k = bootWith(fake);
    try {
      PciDev d = card(k);
      assertEquals(RiffaDriver.DEVICE_NAME, d.driver().name);
      int devctl = k.pci().read(d, d.pcie_cap + FpgaProbe.PCI_EXP_DEVCTL, 2);
      assertEquals(FpgaProbe.PCI_EXP_DEVCTL_EXT_TAG, devctl & FpgaProbe.PCI_EXP_DEVCTL_EXT_TAG, "Extended Tag on");
      assertEquals(1, fake.infoReads, "probe read INFO once (which resets the core)");
      assertTrue(k.dmesg().contains(String.format("riffa: PCIE_EXP_DEVCTL register: %x", devctlBefore)));
      assertEquals(devctlBefore | FpgaProbe.PCI_EXP_DEVCTL_EXT_TAG, devctl);
      assertTrue(k.dmesg().contains("riffa: negotiated link rate: 5000 MTs"));
      assertTrue(k.dmesg().contains("riffa: bus interface width: 128"));
      assertTrue(k.dmesg().contains("riffa: saved FPGA with id: 0"));
      assertEquals(0, k.modules().rmmod("riffa"));
      assertEquals(0, k.pci().read(d, d.pcie_cap + FpgaProbe.PCI_EXP_DEVCTL, 2) & 0x110, "remove cleared ExtTag, RO");
      assertTrue(k.bugs().reports().isEmpty(), () -> k.bugs().reports().toString());
    } finally {
      k.shutdown();
    }
  }

  @ParameterizedTest(name = "BAR0 of {0} bytes")
  @CsvSource({"512", "2048", "1048576"})
  void aBar0ThatIsNot1024BytesIsRefused(long size) {
    Kernel k = bootWith(new FakeRiffaCard(size, true, GOOD_INFO));
    try {
      assertTrue(k.dmesg().contains("riffa: BAR 0 length: " + size + " bytes"));
      assertTrue(k.dmesg().contains("riffa: BAR 0 incorrect length"));
      assertFalse(k.dmesg().contains("probe of"), "-ENODEV is the quiet refusal");
      assertRefusedCleanly(k);
    } finally {
      k.shutdown();
    }
  }

  @Test
  void aCardWithoutMsiIsRefusedThereIsNoIntxFallback() {
    Kernel k = bootWith(new FakeRiffaCard(1024, false, GOOD_INFO));
    try {
      assertTrue(k.dmesg().contains("riffa: pci_enable_msi returned error: -28"));
      assertTrue(k.dmesg().contains("riffa: probe of 0000:03:00.0 failed with error -28"));
      assertRefusedCleanly(k);
    } finally {
      k.shutdown();
    }
  }

  @ParameterizedTest(name = "INFO {0} → {1}")
  @CsvSource(delimiter = '|', value = {
      "0x00215101 | riffa: bus master not enabled!",       // bit 4 clear (issue #8)
      "0x00215011 | riffa: bad link parameters!",           // link width 0
      "0x00214111 | riffa: bad link parameters!",           // link rate 0
      "0x00215110 | riffa: bad number of channels!",        // 0 channels
      "0x0021511D | riffa: bad number of channels!",        // 13 channels
      "0x00015111 | riffa: bad bus width!",                 // width field 0
      "0x00415111 | riffa: bad bus width!",                 // width field 8: a 256-bit core
      "0x00000000 | riffa: bus master not enabled!"})       // an FPGA without the RIFFA core
  void aBadInfoValueIsRefusedWithItsMessageAndTheCapabilitiesRestored(String info, String message) {
    int value = Integer.decode(info);
    FakeRiffaCard fake = FakeRiffaCard.withInfo(value);
    Kernel k = bootWith(fake);
    try {
      assertTrue(k.dmesg().contains(message), () -> message + " in\n" + k.dmesg().text());
      assertEquals(1, fake.infoReads);
      assertRefusedCleanly(k);
      Process p = k.createProcess("list");
      assertTrue(p.open(RiffaUapi.DEVICE_PATH, File.O_RDWR) >= 0, "/dev/riffa exists without any FPGA");
    } finally {
      k.shutdown();
    }
  }

  @Test
  void theInfoDecodeOfTheWorkedExampleMatchesTheReference() {
    int reg = 0x00215111; // riffa.md §1.6: VC707 Gen2 x8, 128-bit, 1 channel, MPS 256, MRRS 512
    assertEquals(1, RiffaRegs.infoChannels(reg));
    assertEquals(1, RiffaRegs.infoBusMaster(reg));
    assertEquals(8, RiffaRegs.infoLinkWidth(reg));
    assertEquals(2, RiffaRegs.infoLinkRate(reg));
    assertEquals(512, 128 << RiffaRegs.infoMaxReadRequestCode(reg));
    assertEquals(256, 128 << RiffaRegs.infoMaxPayloadCode(reg));
    assertEquals(4, RiffaRegs.infoBusWidthParam(reg));
  }

  @Test
  void aSixthFpgaIsRefusedTheFiveBeforeItWork() {
    RiffaEndpoint[] six = new RiffaEndpoint[6];
    for (int i = 0; i < 6; i++) {
      six[i] = new RiffaEndpoint(RiffaConfig.xilinx(1, i % 2 == 0 ? 128 : 64));
    }
    try (RiffaRig r = new RiffaRig(six)) {
      assertTrue(r.k.dmesg().contains("riffa: saved FPGA with id: 4"));
      assertTrue(r.k.dmesg().contains("riffa: could not save FPGA information, 5 is limit."));
      assertTrue(r.k.dmesg().contains("riffa: probe of 0000:08:00.0 failed with error -12"), r.k.dmesg().text());
      assertEquals(5, r.drv.boundFpgas());
      assertEquals(5, FpgaChnlIo.le32(r.listRaw(), 0));
      PciDev sixth = r.k.pci().devices().stream().filter(d -> d.bus == 8).findFirst().orElseThrow();
      assertNull(sixth.driver());
      r.assertNoBugs();
      long buf = r.alloc(4096);
      r.putWords(buf, counting(32));
      for (int id = 0; id < 5; id++) {
        assertEquals(32, r.send(id, 0, buf, 32, 0, 1, 100), "FPGA " + id);
        assertEquals(32, r.recv(id, 0, buf, 32, 100), "FPGA " + id);
      }
    }
  }

  @Test
  void rmmodAfterTransfersLeavesNoBugReportAndTheModuleLoadsAgain() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(4, 128)), new RiffaEndpoint())) {
      long buf = r.alloc(16 * 4096);
      r.putWords(buf, counting(16 * 1024));
      for (int chnl = 0; chnl < 4; chnl++) {
        assertEquals(16 * 1024, r.send(0, chnl, buf, 16 * 1024, 0, 1, 100));
        assertEquals(16 * 1024, r.recv(0, chnl, buf, 16 * 1024, 100));
      }
      assertEquals(-dev.driverlab.kernel.uapi.Errno.EBUSY, r.k.modules().rmmod("riffa"), "in use while open");
      assertEquals(0, r.p.close(r.fd));
      assertEquals(0, r.k.modules().rmmod("riffa"));
      r.assertNoBugs();
      assertEquals(-ENOENT, r.p.open(RiffaUapi.DEVICE_PATH, File.O_RDWR), "/dev/riffa is gone");
      assertTrue(r.k.pci().devices().stream().noneMatch(d -> d.driver() != null
          && RiffaDriver.DEVICE_NAME.equals(d.driver().name)));
      assertTrue(r.k.dma().liveEntries().isEmpty(), "SG buffers and spill buffers freed");

      RiffaDriver again = new RiffaDriver();
      assertEquals(0, r.k.modules().insmod(again));
      assertEquals(2, again.boundFpgas(), "slots were released: both FPGAs come back as 0 and 1");
      assertEquals(0, r.k.modules().rmmod("riffa"));
      r.assertNoBugs();
    }
  }
}
