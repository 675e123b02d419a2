package dev.driverlab.kerneltest.pci;

import static dev.driverlab.kernel.pci.Pci.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.Resource;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Boot-time enumeration of the default machine (depth-first bus numbers, BAR sizing, windows) and
 * config space as drivers see it through pci_read/write_config_*.
 */
class PciEnumerationTest {
  private final KernelRig rig = KernelRig.bootWith(new ScratchDevice(), new ScratchDevice(0x5c01, 0x020000, 1 << 20));
  private final PciDev scratch = rig.pciDev("0000:03:00.0");

  @AfterEach
  void shutdown() {
    rig.close();
  }

  private static int cfg(PciDev d, int where, int size) {
    int[] v = {0};
    int r = switch (size) {
      case 1 -> pci_read_config_byte(d, where, v);
      case 2 -> pci_read_config_word(d, where, v);
      default -> pci_read_config_dword(d, where, v);
    };
    assertEquals(PCIBIOS_SUCCESSFUL, r);
    return v[0];
  }

  @Test
  void theDefaultMachineEnumeratesDepthFirst() {
    assertEquals(List.of("0000:00:00.0", "0000:00:01.0", "0000:00:02.0", "0000:00:03.0", "0000:01:00.0",
        "0000:02:00.0", "0000:02:01.0", "0000:02:02.0", "0000:02:03.0", "0000:03:00.0", "0000:04:00.0"),
        rig.kernel.pci().devices().stream().map(PciDev::name).toList());
  }

  @Test
  void bridgesGetSecondaryAndSubordinateBusNumbers() {
    int[][] want = {{0x0008, 1, 6}, {0x0010, 7, 7}, {0x0018, 8, 8}};   // root ports 00:01.0, 00:02.0, 00:03.0
    for (int[] w : want) {
      PciDev port = rig.kernel.pci().find(0, w[0]);
      assertTrue(port.isBridge());
      assertEquals(w[1], port.secondaryBus(), port.name());
      assertEquals(w[2], port.subordinateBus(), port.name());
    }
    PciDev up = rig.pciDev("0000:01:00.0");
    assertEquals(2, up.secondaryBus());
    assertEquals(6, up.subordinateBus());
    for (int dev = 0; dev < 4; dev++) {
      PciDev down = rig.kernel.pci().find(2, dev << 3);
      assertEquals(3 + dev, down.secondaryBus());
      assertEquals(3 + dev, down.subordinateBus());
    }
  }

  @Test
  void bridgeBusNumbersAreProgrammedIntoConfigSpace() {
    PciDev port = rig.pciDev("0000:00:01.0");
    assertEquals(0x06_01_00, cfg(port, 0x18, 4) & 0xffffff);      // primary 0, secondary 1, subordinate 6
  }

  @Test
  void allSixSlotsGetBusesThreeToEight() {
    Machine m = Machine.createDefault();
    for (int i = 0; i < 6; i++) {
      m.plug(new ScratchDevice());
    }
    try (KernelRig six = KernelRig.boot(m)) {
      assertEquals(List.of("0000:03:00.0", "0000:04:00.0", "0000:05:00.0", "0000:06:00.0", "0000:07:00.0",
          "0000:08:00.0"), six.kernel.pci().devices().stream().filter(d -> d.vendor == ScratchDevice.VENDOR_ID)
          .map(PciDev::name).toList());
    }
  }

  @Test
  void identityComesFromConfigSpace() {
    assertEquals(0x1234, scratch.vendor);
    assertEquals(0x5c00, scratch.device);
    assertEquals(0xff0000, scratch.class_);
    assertEquals(1, scratch.pin);
    assertEquals(0x5c00_1234, cfg(scratch, PCI_VENDOR_ID, 4));
    assertEquals(0x5c00, cfg(scratch, PCI_DEVICE_ID, 2));
    assertEquals(0xff, cfg(scratch, PCI_CLASS_DEVICE + 1, 1));
    assertEquals(rig.pciDev("0000:02:00.0"), scratch.parent());
  }

  @Test
  void everyBarLiesInsideAllItsBridgeWindows() {
    for (PciDev d : rig.kernel.pci().devices()) {
      for (int bar = 0; bar < 6; bar++) {
        Resource r = d.resource[bar];
        if (r.len() == 0) {
          continue;
        }
        for (PciDev b = d.parent(); b != null; b = b.parent()) {
          Resource w = (r.flags & Resource.IORESOURCE_PREFETCH) != 0 ? b.resource[PciDev.PCI_BRIDGE_RESOURCES + 2]
              : b.resource[PciDev.PCI_BRIDGE_RESOURCES + 1];
          assertTrue(r.start >= w.start && r.end <= w.end, d.name() + " BAR" + bar + " " + r.describe()
              + " outside " + b.name() + " window " + w.describe());
        }
      }
    }
  }

  @Test
  void bridgeWindowsNestInTheirParentsWindowsAndSiblingsDoNotOverlap() {
    List<PciDev> bridges = rig.kernel.pci().devices().stream().filter(PciDev::isBridge).toList();
    for (PciDev b : bridges) {
      for (int win = PciDev.PCI_BRIDGE_RESOURCES + 1; win <= PciDev.PCI_BRIDGE_RESOURCES + 2; win++) {
        Resource w = b.resource[win];
        if (w.len() == 0) {
          continue;
        }
        if (b.parent() != null) {
          Resource pw = b.parent().resource[win];
          assertTrue(w.start >= pw.start && w.end <= pw.end, b.name() + " " + w.describe() + " in " + pw.describe());
        }
        for (PciDev s : bridges) {
          Resource o = s.resource[win];
          if (s != b && s.parent() == b.parent() && o.len() > 0) {
            assertTrue(w.end < o.start || o.end < w.start, b.name() + " overlaps " + s.name());
          }
        }
      }
    }
  }

  @Test
  void aThirtyTwoBitBarIsPlacedLowAndWrittenToConfigSpace() {
    Resource r = scratch.resource[0];
    assertEquals(Machine.MMIO32_BASE, r.start);
    assertEquals(ScratchDevice.BAR0_SIZE, r.len());
    assertEquals(Resource.IORESOURCE_MEM, r.flags & (Resource.IORESOURCE_MEM | Resource.IORESOURCE_PREFETCH));
    assertEquals((int) r.start, cfg(scratch, PCI_BASE_ADDRESS_0, 4));
    assertEquals(r.start, pci_resource_start(scratch, 0));
    assertEquals(r.end, pci_resource_end(scratch, 0));
    assertEquals(4096, pci_resource_len(scratch, 0));
  }

  @Test
  void aSixtyFourBitPrefetchableBarIsPlacedAboveFourGiB() {
    PciDev nic = rig.pciDev("0000:04:00.0");
    Resource r = nic.resource[2];
    assertEquals(Machine.MMIO64_BASE, r.start);
    assertEquals(1 << 20, r.len());
    assertEquals(Resource.IORESOURCE_MEM | Resource.IORESOURCE_PREFETCH | Resource.IORESOURCE_MEM_64,
        r.flags & (Resource.IORESOURCE_MEM | Resource.IORESOURCE_PREFETCH | Resource.IORESOURCE_MEM_64));
    assertEquals((int) r.start | 0xc, cfg(nic, PCI_BASE_ADDRESS_0 + 8, 4));     // 64-bit, prefetchable
    assertEquals((int) (r.start >>> 32), cfg(nic, PCI_BASE_ADDRESS_0 + 12, 4));
  }

  @Test
  void readOnlyConfigFieldsIgnoreWrites() {
    assertEquals(PCIBIOS_SUCCESSFUL, pci_write_config_word(scratch, PCI_VENDOR_ID, 0xbeef));
    pci_write_config_word(scratch, PCI_DEVICE_ID, 0xbeef);
    pci_write_config_byte(scratch, PCI_REVISION_ID, 0x77);
    pci_write_config_byte(scratch, PCI_INTERRUPT_PIN, 3);
    assertEquals(0x5c00_1234, cfg(scratch, PCI_VENDOR_ID, 4));
    assertEquals(0, cfg(scratch, PCI_REVISION_ID, 1));
    assertEquals(1, cfg(scratch, PCI_INTERRUPT_PIN, 1));
  }

  @Test
  void writableConfigFieldsKeepWhatIsWritten() {
    pci_write_config_byte(scratch, PCI_INTERRUPT_LINE, 0x42);
    assertEquals(0x42, cfg(scratch, PCI_INTERRUPT_LINE, 1));
  }

  @Test
  void barSizingReadsBackTheSizeMask() {
    int orig = cfg(scratch, PCI_BASE_ADDRESS_0, 4);
    pci_write_config_dword(scratch, PCI_BASE_ADDRESS_0, 0xffff_ffff);
    assertEquals(0xffff_f000, cfg(scratch, PCI_BASE_ADDRESS_0, 4));      // 4 KiB, 32-bit, non-prefetchable
    pci_write_config_dword(scratch, PCI_BASE_ADDRESS_0, orig);
    assertEquals(orig, cfg(scratch, PCI_BASE_ADDRESS_0, 4));
  }

  @Test
  void sizingASixtyFourBitBarShowsTheTypeBitsAndTheUpperMask() {
    PciDev nic = rig.pciDev("0000:04:00.0");
    pci_write_config_dword(nic, PCI_BASE_ADDRESS_0 + 8, 0xffff_ffff);
    pci_write_config_dword(nic, PCI_BASE_ADDRESS_0 + 12, 0xffff_ffff);
    assertEquals(0xfff0_000c, cfg(nic, PCI_BASE_ADDRESS_0 + 8, 4));       // 1 MiB, 64-bit, prefetchable
    assertEquals(0xffff_ffff, cfg(nic, PCI_BASE_ADDRESS_0 + 12, 4));
  }

  @Test
  void anUnimplementedBarReadsZeroEvenAfterWritingOnes() {
    pci_write_config_dword(scratch, PCI_BASE_ADDRESS_0 + 4, 0xffff_ffff);
    assertEquals(0, cfg(scratch, PCI_BASE_ADDRESS_0 + 4, 4));
  }

  @Test
  void absentFunctionsReadAllOnes() {
    assertEquals(-1, rig.kernel.pci().readConfig(5, 0, PCI_VENDOR_ID, 4), "empty slot behind 02:02.0");
    assertEquals(-1, rig.kernel.pci().readConfig(3, 1 << 3, PCI_VENDOR_ID, 4), "device 1 behind a downstream port");
    assertEquals(-1, rig.kernel.pci().readConfig(3, 1, PCI_VENDOR_ID, 4), "function 1 of a single-function card");
    assertEquals(-1, rig.kernel.pci().readConfig(0x40, 0, PCI_VENDOR_ID, 4), "a bus nobody decodes");
    assertEquals(0xffff, rig.kernel.pci().readConfig(5, 0, PCI_VENDOR_ID, 2));
  }

  @Test
  void capabilitiesAreFoundByWalkingTheList() {
    int pm = pci_find_capability(scratch, PCI_CAP_ID_PM);
    int msi = pci_find_capability(scratch, PCI_CAP_ID_MSI);
    int exp = pci_find_capability(scratch, PCI_CAP_ID_EXP);
    assertEquals(List.of(0x40, 0x48, 0x58), List.of(pm, msi, exp));
    assertEquals(PCI_CAP_ID_MSI, cfg(scratch, msi, 1));
    assertEquals(msi, cfg(scratch, pm + 1, 1), "PM's next pointer leads to MSI");
    assertEquals(0, pci_find_capability(scratch, PCI_CAP_ID_MSIX));
    assertEquals(msi, scratch.msi_cap);
    assertEquals(exp, scratch.pcie_cap);
  }

  @Test
  void aHostBridgeWithoutCapabilitiesHasNone() {
    assertEquals(0, pci_find_capability(rig.pciDev("0000:00:00.0"), PCI_CAP_ID_EXP));
  }

  @Test
  void misalignedOrOutOfRangeConfigAccessesArePcibiosBadRegisterNumber() {
    int[] v = {0};
    assertEquals(PCIBIOS_BAD_REGISTER_NUMBER, pci_read_config_dword(scratch, 2, v));
    assertEquals(PCIBIOS_BAD_REGISTER_NUMBER, pci_read_config_word(scratch, 1, v));
    assertEquals(PCIBIOS_BAD_REGISTER_NUMBER, pci_read_config_byte(scratch, 4096, v));
    assertEquals(PCIBIOS_BAD_REGISTER_NUMBER, pci_read_config_byte(scratch, -1, v));
    assertEquals(PCIBIOS_BAD_REGISTER_NUMBER, pci_write_config_dword(scratch, 0x3e, 0));
    assertEquals(0x87, PCIBIOS_BAD_REGISTER_NUMBER);
  }

  @Test
  void pcibiosCodesTranslateToErrnos() {
    assertEquals(0, pcibios_err_to_errno(PCIBIOS_SUCCESSFUL));
    assertEquals(-dev.driverlab.kernel.uapi.Errno.EFAULT, pcibios_err_to_errno(PCIBIOS_BAD_REGISTER_NUMBER));
    assertEquals(-dev.driverlab.kernel.uapi.Errno.ENODEV, pcibios_err_to_errno(PCIBIOS_DEVICE_NOT_FOUND));
    assertEquals(-dev.driverlab.kernel.uapi.Errno.EINVAL, pcibios_err_to_errno(-dev.driverlab.kernel.uapi.Errno.EINVAL));
  }

  @Test
  void intxIsRoutedThroughTheSwizzleToTheFirmwareLines() {
    assertEquals(17, scratch.irq);                      // INTA behind root port 1: GSI 16 + (1 + 0) % 8
    assertEquals(18, rig.pciDev("0000:04:00.0").irq);   // INTA swizzled to INTB by downstream port 02:01.0
    assertEquals(17, cfg(scratch, PCI_INTERRUPT_LINE, 1));
  }

  @Test
  void maxReadRequestSizeCanBeSetToAPowerOfTwo() {
    assertEquals(0, pcie_set_readrq(scratch, 256));
    assertEquals(256, pcie_get_readrq(scratch));
    assertEquals(-dev.driverlab.kernel.uapi.Errno.EINVAL, pcie_set_readrq(scratch, 300));
    assertEquals(-dev.driverlab.kernel.uapi.Errno.EINVAL, pcie_set_readrq(scratch, 8192));
    assertEquals(256, pcie_get_readrq(scratch));
  }

  @Test
  void sysfsShowsIdentityAndResources() {
    String dir = "/sys/bus/pci/devices/0000:03:00.0/";
    assertEquals("0x1234\n", rig.readFile(dir + "vendor"));
    assertEquals("0x5c00\n", rig.readFile(dir + "device"));
    assertEquals("0xff0000\n", rig.readFile(dir + "class"));
    assertEquals("17\n", rig.readFile(dir + "irq"));
    assertTrue(rig.readFile(dir + "resource").startsWith("0x00000000c0000000 0x00000000c0000fff 0x0000000000040200\n"));
  }

  @Test
  void sysfsConfigOfAPcieFunctionIsFourKiB() {
    byte[] all = rig.kernel.pci().configBytes(scratch);
    assertEquals(4096, all.length);
    assertEquals(0x34, all[0]);
    assertEquals(0x12, all[1]);
  }
}
