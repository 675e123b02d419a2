package dev.driverlab.devices.riffa;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class RiffaConfigTest {
  @Test
  void defaultsAreTheVc707Build() {
    RiffaConfig c = RiffaConfig.defaults();
    assertEquals(1, c.channels());
    assertEquals(128, c.dataWidth());
    assertEquals(4, c.wordsPerBeat());
    assertEquals(0x10EE, c.vendorId());
    assertEquals(0x7028, c.deviceId());
    assertEquals(2, c.linkGen());
    assertEquals(8, c.linkWidth());
    assertEquals(512, c.maxReadRequestBytes());
    assertEquals("REGT", c.fpgaName());
    assertTrue(c.isXilinx());
  }

  @Test
  void factoriesGiveTheExampleProjectsIds() {
    assertEquals(0x7018, RiffaConfig.xilinx(4, 64).deviceId());
    assertEquals(2, RiffaConfig.xilinx(4, 64).wordsPerBeat());
    RiffaConfig a = RiffaConfig.altera(12, 128);
    assertEquals(0x1172, a.vendorId());
    assertEquals(0x0001, a.deviceId());
    assertFalse(a.isXilinx());
  }

  @Test
  void withersReturnChangedCopies() {
    RiffaConfig c = RiffaConfig.defaults();
    RiffaConfig d = c.withChannels(7).withDataWidth(64).withVendorId(0x1172).withDeviceId(0x1234).withLink(1, 4)
        .withMaxReadRequestBytes(256).withFpgaName("AB").withFpgaId(200);
    assertEquals(new RiffaConfig(7, 64, 0x1172, 0x1234, 1, 4, 256, "AB", 200), d);
    assertEquals(1, c.channels(), "the original is unchanged");
  }

  @Test
  void badValuesAreRejectedWithTheValueInTheMessage() {
    assertEquals("RIFFA channels must be 1..12 (INFO bits 3:0, driver MAX_CHNLS): 13",
        assertThrows(IllegalArgumentException.class, () -> RiffaConfig.xilinx(13, 128)).getMessage());
    assertEquals("RIFFA channels must be 1..12 (INFO bits 3:0, driver MAX_CHNLS): 0",
        assertThrows(IllegalArgumentException.class, () -> RiffaConfig.xilinx(0, 128)).getMessage());
    assertEquals("RIFFA data width must be 64 or 128 bits (32-bit was removed in 2.2, the driver rejects 256): 256",
        assertThrows(IllegalArgumentException.class, () -> RiffaConfig.xilinx(1, 256)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> RiffaConfig.xilinx(1, 32));
    assertEquals("RIFFA vendor id must be 0x10EE (Xilinx) or 0x1172 (Altera), the two the driver matches: 0x1234",
        assertThrows(IllegalArgumentException.class, () -> RiffaConfig.defaults().withVendorId(0x1234)).getMessage());
    assertEquals("RIFFA link generation must be 1..3 (INFO has a 2-bit link rate field): 4",
        assertThrows(IllegalArgumentException.class, () -> RiffaConfig.defaults().withLink(4, 8)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> RiffaConfig.defaults().withLink(2, 3));
    assertEquals("max read request must be a power of two from 128 to 4096 bytes: 384",
        assertThrows(IllegalArgumentException.class, () -> RiffaConfig.defaults().withMaxReadRequestBytes(384))
            .getMessage());
    assertEquals("FPGA name must be at most 4 ASCII characters: VC707",
        assertThrows(IllegalArgumentException.class, () -> RiffaConfig.defaults().withFpgaName("VC707")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> RiffaConfig.defaults().withFpgaId(256));
    assertThrows(IllegalArgumentException.class, () -> RiffaConfig.defaults().withDeviceId(0x10000));
  }

  @Test
  void endpointRejectsMissingCoresAndUnknownChannels() {
    assertEquals("no core for RIFFA channel 0",
        assertThrows(IllegalArgumentException.class, () -> new RiffaEndpoint(RiffaConfig.defaults(), c -> null))
            .getMessage());
    RiffaEndpoint e = new RiffaEndpoint(RiffaConfig.xilinx(2, 64));
    assertEquals("RIFFA channel 2 does not exist; this core has 2 channel(s)",
        assertThrows(IllegalArgumentException.class, () -> e.attach(2, new EchoCore())).getMessage());
    assertInstanceOf(ChnlTester.class, e.core(1));
    SinkCore s = new SinkCore();
    e.attach(1, s);
    assertSame(s, e.core(1));
    assertEquals("RiffaEndpoint[10ee:7018, 2 channel(s), 64-bit]", e.toString());
  }
}
