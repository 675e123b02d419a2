package dev.driverlab.devices.simpledma;

import static dev.driverlab.devices.simpledma.SimpleDmaDevice.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.pcie.tlp.PcieId;
import org.junit.jupiter.api.Test;

/**
 * The simple DMA card's identity in config space, its BAR0 registers and access rules, and BAR1 RAM.
 */
class SimpleDmaRegistersTest {
  @Test
  void configSpaceShowsTheDeclaredIdentityAndCapabilities() {
    SimpleDmaRig r = new SimpleDmaRig();
    ConfigSpace cs = r.ep.config();
    assertEquals(0xd1ab, cs.read16(ConfigSpace.VENDOR_ID));
    assertEquals(0x0001, cs.read16(ConfigSpace.DEVICE_ID));
    assertEquals(0x088000, cs.read32(ConfigSpace.REVISION_ID) >>> 8);
    assertEquals(REVISION, cs.read8(ConfigSpace.REVISION_ID));
    assertEquals(0xd1ab, cs.read16(ConfigSpace.SUBSYSTEM_VENDOR_ID));
    assertEquals(1, cs.read8(ConfigSpace.INTERRUPT_PIN), "INTA");
    assertEquals(4096, r.ep.barSize(BAR_REGS));
    assertEquals(64 << 10, r.ep.barSize(BAR_RAM));
    int msi = cs.findCapability(Capabilities.ID_MSI);
    assertNotEquals(0, msi);
    int flags = cs.read16(msi + Capabilities.MSI_FLAGS);
    assertEquals(Capabilities.MSI_FLAGS_64BIT, flags & (Capabilities.MSI_FLAGS_64BIT | Capabilities.MSI_FLAGS_MASKBIT));
    assertEquals(0, flags & Capabilities.MSI_FLAGS_QMASK, "one vector");
    int exp = cs.findCapability(Capabilities.ID_EXP);
    assertNotEquals(0, exp);
    assertEquals(1, cs.read32(exp + Capabilities.EXP_DEVCAP) & 7, "Max Payload Size supported: 256 bytes");
    // and the same through ECAM, as a driver's PCI core sees it
    PcieId id = r.ep.id();
    int devfn = id.device() << 3 | id.function();
    assertEquals(0x0001d1abL, r.m.rootComplex().configRead(id.bus(), devfn, 0, 4) & 0xffffffffL);
  }

  @Test
  void registersResetAndAnswerAsDocumented() {
    SimpleDmaRig r = new SimpleDmaRig();
    assertEquals(0x0100d1abL, r.reg(REG_ID));
    assertEquals(ID_MAGIC, r.reg(REG_ID) & 0xffff);
    assertEquals(65536, r.reg(REG_RAM_SIZE));
    for (int off : new int[] {REG_DST_ADDR, REG_SRC_ADDR_LO, REG_SRC_ADDR_HI, REG_SIZE, REG_DIRECTION, REG_CONTROL,
        REG_STATUS, REG_ERROR_CAUSE, REG_INT_STATUS, REG_INT_ENABLE, 0x0c, 0x2c, 0x38, 0xffc}) {
      assertEquals(0, r.reg(off), () -> String.format("reset value at %#x", off));
    }
    r.setReg(REG_DST_ADDR, 0xdeadbeefL);
    assertEquals(0xdeadbeefL, r.reg(REG_DST_ADDR));
    r.setReg(REG_INT_ENABLE, 0xffffffffL);
    assertEquals(INT_DONE | INT_ERROR, r.reg(REG_INT_ENABLE), "bits above INT_ERROR are read-only 0");
    assertTrue(r.errors.isEmpty(), r.errors.toString());
  }

  @Test
  void srcAddrTakesOneEightByteAccessOrTwoHalves() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.bm.write(r.regs + REG_SRC_ADDR_LO, 0x0000_0012_3456_7000L, 8);
    assertEquals(0x3456_7000L, r.reg(REG_SRC_ADDR_LO));
    assertEquals(0x12L, r.reg(REG_SRC_ADDR_HI));
    r.setReg(REG_SRC_ADDR_HI, 0xabcd);
    assertEquals(0x0000_abcd_3456_7000L, r.bm.read(r.regs + REG_SRC_ADDR_LO, 8));
    assertTrue(r.errors.isEmpty(), r.errors.toString());
  }

  @Test
  void oddSizedAccessesAndReadOnlyWritesAreGuestErrors() {
    SimpleDmaRig r = new SimpleDmaRig();
    assertEquals(0xffffL, r.bm.read(r.regs + REG_ID, 2));
    assertTrue(r.errors.get(0).contains("2-byte read at BAR0 0x0:"), r.errors.toString());
    assertEquals(-1L, r.bm.read(r.regs + REG_SIZE, 8), "8-byte accesses only at SRC_ADDR");
    r.bm.write(r.regs + REG_SIZE, 0x20, 2);
    assertEquals(0, r.reg(REG_SIZE), "a 2-byte store is dropped");
    r.setReg(REG_ID, 0);
    assertEquals(ID_VALUE, r.reg(REG_ID));
    r.setReg(0x40, 1);
    assertEquals(5, r.errors.size(), r.errors.toString());
    assertTrue(r.errors.get(3).contains("read-only register at BAR0 0x0"), r.errors.get(3));
    assertTrue(r.errors.get(4).contains("reserved BAR0 offset 0x40"), r.errors.get(4));
    assertTrue(r.errors.get(4).startsWith(r.ep.id() + " SimpleDmaDevice: "), r.errors.get(4));
  }

  @Test
  void onboardRamIsPlainMemoryThroughBar1() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.bm.write(r.ram + 0x10, 0x1122_3344_5566_7788L, 8);
    assertEquals(0x88, r.bm.read(r.ram + 0x10, 1));
    assertEquals(0x5566_7788L, r.bm.read(r.ram + 0x10, 4));
    assertEquals(0x1122, r.bm.read(r.ram + 0x16, 2));
    r.bm.write(r.ram + 0xffff, 0x5a, 1);
    assertEquals(0x5a, r.bm.read(r.ram + 0xffff, 1), "last byte of the 64 KiB");
  }
}
