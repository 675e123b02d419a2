package dev.driverlab.devices.simpledma;

import static dev.driverlab.devices.simpledma.SimpleDmaDevice.*;
import static dev.driverlab.devices.simpledma.SimpleDmaRig.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a bad descriptor or a failed DMA does: DONE and ERROR with the cause in ERROR_CAUSE, no data
 * moved, and still an interrupt.
 */
class SimpleDmaErrorsTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "size 0,                      0, 0x8000,     0x001FF000,          0,     ZERO_SIZE",
      "runs past the RAM end,       0, 0xFFF0,     0x001FF000,          32,    DEVICE_RANGE",
      "starts past the RAM end,     0, 0x10000,    0x001FF000,          1,     DEVICE_RANGE",
      "bigger than the RAM,         0, 0,          0x001FF000,          65537, DEVICE_RANGE",
      "device offset near 2^32,     0, 0xFFFFFFF0, 0x001FF000,          32,    DEVICE_RANGE",
      "from device past the end,    1, 0xFFFF,     0x001FF000,          2,     DEVICE_RANGE",
      "host range wraps,            0, 0,          0xFFFFFFFFFFFFFFF0,  32,    HOST_RANGE",
      "host range wraps on writes,  1, 0,          0xFFFFFFFFFFFFFFFF,  2,     HOST_RANGE",
      "direction 2,                 2, 0x8000,     0x001FF000,          32,    BAD_DIRECTION",
  })
  void aBadDescriptorFailsWithoutDmaAndStillInterrupts(String what, int direction, String dst, String src,
      long size, String cause) {
    SimpleDmaRig r = new SimpleDmaRig();
    r.m.writeRam(TUTORIAL_BUS_ADDRESS, tutorialPattern(64), 0, 64);
    r.msiOn();
    r.interruptsOn();
    r.program(direction, Long.decode(dst), Long.parseUnsignedLong(src.substring(2), 16), size);
    long t0 = r.now();
    r.ring();
    assertEquals(STATUS_BUSY, r.reg(REG_STATUS), "the outcome comes as a clock event, not inside the store");
    assertTrue(r.bm.msis().isEmpty());
    r.run();

    assertEquals(1, r.seen.size(), "only the MSI: " + r.trace());
    assertTrue(SimpleDmaRig.isMsi(r.seen.get(0).tlp()));
    assertEquals(t0 + SETUP_LATENCY_NS, r.seen.get(0).timeNs());
    assertEquals(STATUS_DONE | STATUS_ERROR, r.reg(REG_STATUS));
    assertEquals(cause, causeName((int) r.reg(REG_ERROR_CAUSE)));
    assertEquals(INT_DONE | INT_ERROR, r.reg(REG_INT_STATUS));
    assertEquals(1, r.bm.msis().size());
    assertEquals(1, r.errors.size(), r.errors.toString());
    assertTrue(r.errors.get(0).contains("SimpleDmaDevice: doorbell rejected: "), r.errors.get(0));
    assertArrayEquals(new byte[64], r.deviceRam(0x8000, 64), "device RAM untouched");
  }

  @Test
  void guestErrorsNameTheProblem() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.program(DIR_TO_DEVICE, 0xfff0, TUTORIAL_BUS_ADDRESS, 32);
    r.ring();
    r.run();
    assertEquals(r.ep.id() + " SimpleDmaDevice: doorbell rejected: device RAM range [0xfff0, +32) runs past the"
        + " 64 KiB of on-board RAM", r.errors.get(0));
  }

  // ---- failed DMA ---------------------------------------------------------------------------------

  @Test
  void withBusMasterOffNothingIsSentAndDeviceRamIsUntouched() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.m.writeRam(TUTORIAL_BUS_ADDRESS, tutorialPattern(32), 0, 32);
    byte[] before = pattern(32, 0x55);
    r.fillDeviceRam(TUTORIAL_DEVICE_OFFSET, before);
    r.ep.config().write(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY); // Bus Master Enable off
    r.interruptsOn(); // MSI off: an MSI is a memory write and would need bus mastering too
    r.program(DIR_TO_DEVICE, TUTORIAL_DEVICE_OFFSET, TUTORIAL_BUS_ADDRESS, 32);
    r.ring();
    r.run();

    assertTrue(r.seenOf(TlpType.MRD).isEmpty(), r.trace());
    assertTrue(r.seenOf(TlpType.MWR).isEmpty(), r.trace());
    assertEquals(STATUS_DONE | STATUS_ERROR, r.reg(REG_STATUS));
    assertEquals(ERR_BUS_MASTER_DISABLED, r.reg(REG_ERROR_CAUSE));
    assertArrayEquals(before, r.deviceRam(TUTORIAL_DEVICE_OFFSET, 32));
    assertTrue(r.intx(), "INTx messages need no bus mastering");
    assertTrue(r.errors.stream().anyMatch(e -> e.contains("Bus Master Enable is clear")), r.errors.toString());
  }

  @Test
  void withBusMasterOffHostRamIsUntouched() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.fillDeviceRam(0, pattern(64, 1));
    r.ep.config().write(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY);
    r.program(DIR_FROM_DEVICE, 0, 0x0030_0000L, 64);
    r.ring();
    r.run();
    assertTrue(r.dataWrites().isEmpty(), r.trace());
    assertEquals(ERR_BUS_MASTER_DISABLED, r.reg(REG_ERROR_CAUSE));
    assertArrayEquals(new byte[64], r.hostRam(0x0030_0000L, 64));
  }

  @Test
  void aReadOfAddressesWithoutRamFailsWithUnsupportedRequest() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.msiOn();
    r.interruptsOn();
    long nowhere = 0x8_0000_0000L; // beyond the 1 GiB of RAM, outside every window
    r.program(DIR_TO_DEVICE, 0, nowhere, 256);
    r.ring();
    r.run();

    assertEquals(1, r.seenOf(TlpType.MRD).size(), r.trace());
    assertEquals(16, r.seenOf(TlpType.MRD).get(0).headerBytes(), "a 64-bit address uses the 4 DW header");
    List<Tlp> cpl = r.seenOf(TlpType.CPL);
    assertEquals(1, cpl.size(), r.trace());
    assertEquals(CplStatus.UR, cpl.get(0).status());
    assertEquals(STATUS_DONE | STATUS_ERROR, r.reg(REG_STATUS));
    assertEquals(ERR_UNSUPPORTED_REQUEST, r.reg(REG_ERROR_CAUSE));
    assertEquals(INT_DONE | INT_ERROR, r.reg(REG_INT_STATUS));
    assertEquals(1, r.bm.msis().size(), "an error still interrupts");
    assertTrue(r.errors.stream().anyMatch(e -> e.contains("no RAM there")), r.errors.toString());
  }

  @Test
  void anIommuFaultFailsTheTransferAndLeavesDeviceRamUntouched() {
    SimpleDmaRig r = new SimpleDmaRig(Machine.builder().iommu(true).build());
    r.m.writeRam(TUTORIAL_BUS_ADDRESS, tutorialPattern(32), 0, 32);
    r.program(DIR_TO_DEVICE, TUTORIAL_DEVICE_OFFSET, TUTORIAL_BUS_ADDRESS, 32); // nothing mapped
    r.ring();
    r.run();
    assertEquals(ERR_UNSUPPORTED_REQUEST, r.reg(REG_ERROR_CAUSE));
    assertArrayEquals(new byte[32], r.deviceRam(TUTORIAL_DEVICE_OFFSET, 32));
    assertTrue(r.errors.stream().anyMatch(e -> e.contains("DMAR")), r.errors.toString());
  }
}
