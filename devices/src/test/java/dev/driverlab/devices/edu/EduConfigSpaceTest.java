package dev.driverlab.devices.edu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.testing.BareMetal;
import org.junit.jupiter.api.Test;

/** Config space as lspci sees it (edu-and-linux-api.md §A.1, §A.8), read through ECAM. */
class EduConfigSpaceTest {
  @Test
  void headerCarriesQemuIdentity() {
    EduRig r = new EduRig();
    assertEquals(0x11e81234L, r.config(0x00, 4), "device 11e8, vendor 1234");
    assertEquals(0x10L, r.config(ConfigSpace.REVISION_ID, 1));
    assertEquals(0x00L, r.config(ConfigSpace.CLASS_PROG, 1), "prog-if");
    assertEquals(0x00ffL, r.config(ConfigSpace.CLASS_DEVICE, 2), "sub-class ff, base class 00");
    assertEquals(0x00ff00L, (r.config(0x08, 4) >>> 8), "pdev->class");
    assertEquals(0x00L, r.config(ConfigSpace.HEADER_TYPE, 1), "type 0, single function");
    assertEquals(0x11001af4L, r.config(ConfigSpace.SUBSYSTEM_VENDOR_ID, 4), "subsystem 1af4:1100");
    assertEquals(0x01L, r.config(ConfigSpace.INTERRUPT_PIN, 1), "INTA#");
    assertEquals(0x40L, r.config(ConfigSpace.CAPABILITY_LIST, 1));
    assertEquals(ConfigSpace.STATUS_CAP_LIST, r.config(ConfigSpace.STATUS, 2) & 0xffff,
        "status 0x0010: capability list, no interrupt pending");
  }

  @Test
  void bar0IsA32BitNonPrefetchableMegabyteAndTheOthersAreAbsent() {
    Machine m = Machine.createDefault();
    // Probe before firmware placed anything, as libqos does: write all ones, read the size mask back.
    var slot = m.plug(new EduDevice());
    var ep = (dev.driverlab.devices.pcie.Endpoint) slot.functions().get(0);
    assertEquals(0, ep.config().read32(ConfigSpace.BAR0) & 0xf, "memory, 32-bit, non-prefetchable");
    ep.config().write(ConfigSpace.BAR0, 4, 0xffffffff);
    assertEquals(0xfff00000, ep.config().read32(ConfigSpace.BAR0), "size 1 MiB");
    for (int i = 1; i < 6; i++) {
      ep.config().write(ConfigSpace.BAR0 + 4 * i, 4, 0xffffffff);
      assertEquals(0, ep.config().read32(ConfigSpace.BAR0 + 4 * i), "BAR" + i + " not implemented");
    }
    assertEquals(EduDevice.BAR0_SIZE, ep.barSize(0));
  }

  @Test
  void bootedBar0IsPlacedAndDecodes() {
    EduRig r = new EduRig();
    assertTrue(r.bar >= Machine.MMIO32_BASE && r.bar < Machine.MMIO32_BASE + Machine.MMIO32_SIZE,
        "BAR0 in the 32-bit MMIO window: " + Long.toHexString(r.bar));
    assertEquals(0, r.bar & (EduDevice.BAR0_SIZE - 1), "naturally aligned");
    assertEquals(r.bar, r.config(ConfigSpace.BAR0, 4));
    assertEquals(EduDevice.IDENT, r.read32(EduDevice.REG_IDENT));
    // The last dword of the megabyte still decodes (unimplemented: all ones), the next byte is not ours.
    assertEquals(0xffffffffL, r.read32((int) EduDevice.BAR0_SIZE - 4));
  }

  @Test
  void memoryDecodingOffMakesBar0Unclaimed() {
    EduRig r = new EduRig();
    r.write32(EduDevice.REG_LIVENESS, 0x1234);
    r.setCommand(ConfigSpace.COMMAND_MASTER);
    assertEquals(0xffffffffL, r.read32(EduDevice.REG_IDENT), "no decode: the read completes with UR, all ones");
    r.write32(EduDevice.REG_LIVENESS, 0);
    r.setCommand(ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER);
    assertEquals(~0x1234L & 0xffffffffL, r.read32(EduDevice.REG_LIVENESS), "the write while off was dropped");
  }

  @Test
  void msiCapabilityAt0x40Is64BitSingleVectorWithoutMasking() {
    EduRig r = new EduRig();
    int cap = 0x40;
    assertEquals(Capabilities.ID_MSI, r.config(cap, 1));
    assertEquals(0x00L, r.config(cap + 1, 1), "only capability: next pointer 0");
    assertEquals(0x0080L, r.config(cap + Capabilities.MSI_FLAGS, 2), "64-bit, MMC 0 (1 vector), no masking");
    assertEquals(0L, r.config(cap + 4, 4));
    assertEquals(0L, r.config(cap + 8, 4));
    assertEquals(0L, r.config(cap + 0xc, 2));
    assertEquals(cap, r.ep.config().findCapability(Capabilities.ID_MSI));
    assertEquals(0, r.ep.config().findCapability(Capabilities.ID_EXP), "conventional PCI: no PCIe capability");
    assertEquals(0, r.ep.config().findCapability(Capabilities.ID_MSIX));
  }

  @Test
  void msiRegistersTakeWhatMsiInitMakesWritable() {
    EduRig r = new EduRig();
    int cap = 0x40;
    r.configWrite(cap + Capabilities.MSI_ADDRESS_LO, 4, 0xfee0_0003L);
    assertEquals(0xfee0_0000L, r.config(cap + Capabilities.MSI_ADDRESS_LO, 4), "address bits 1:0 forced to 0");
    r.configWrite(cap + Capabilities.MSI_ADDRESS_HI, 4, 0x1234_5678L);
    assertEquals(0x1234_5678L, r.config(cap + Capabilities.MSI_ADDRESS_HI, 4), "upper address fully writable");
    r.configWrite(cap + 0xc, 2, 0xbeef);
    assertEquals(0xbeefL, r.config(cap + 0xc, 2));
    r.configWrite(cap + Capabilities.MSI_FLAGS, 2, 0xff8f);
    assertEquals(0x0081L, r.config(cap + Capabilities.MSI_FLAGS, 2) & 0xff8f,
        "enable takes; 64-bit and MMC are read-only");
    BareMetal.enableMsi(r.ep, 0x41);
    assertTrue(r.ep.msiEnabled());
  }
}
