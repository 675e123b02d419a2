package dev.driverlab.devices.pcie.tlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PcieIdTest {

  @Test
  void printsAsLspciDoesAndParsesBack() {
    PcieId id = new PcieId(1, 0, 0);
    assertEquals("01:00.0", id.toString());
    assertEquals(id, PcieId.parse("01:00.0"));
    PcieId max = new PcieId(255, 31, 7);
    assertEquals("ff:1f.7", max.toString());
    assertEquals(max, PcieId.parse(max.toString()));
    assertEquals(new PcieId(0xa, 3, 1), PcieId.parse("a:3.1"));
    assertEquals(new PcieId(0xab, 0x1c, 2), PcieId.parse("AB:1C.2"));
  }

  @Test
  void convertsToAndFromTheSixteenBitRequesterId() {
    PcieId id = new PcieId(2, 3, 1);
    assertEquals(0x0219, id.requesterId());
    assertEquals(id, PcieId.fromRequesterId(0x0219));
    for (int raw = 0; raw <= 0xffff; raw += 0x0107) {
      assertEquals(raw, PcieId.fromRequesterId(raw).requesterId());
    }
    assertEquals("requester ID out of range 0..0xffff: 0x10000",
        assertThrows(IllegalArgumentException.class, () -> PcieId.fromRequesterId(0x10000))
            .getMessage());
  }

  @Test
  void rejectsOutOfRangePartsNamingThem() {
    assertEquals("bus out of range 0..255: 256",
        assertThrows(IllegalArgumentException.class, () -> new PcieId(256, 0, 0)).getMessage());
    assertEquals("device out of range 0..31: 32",
        assertThrows(IllegalArgumentException.class, () -> new PcieId(0, 32, 0)).getMessage());
    assertEquals("function out of range 0..7: -1",
        assertThrows(IllegalArgumentException.class, () -> new PcieId(0, 0, -1)).getMessage());
  }

  @Test
  void rejectsMalformedText() {
    for (String bad : new String[] {"", "01:00", "0100.0", "01:00.", "001:00.0", "01:000.0",
        "01:00.00", "0g:00.0", ":00.0", "01:.0", "01-00.0"}) {
      assertEquals("not a PCIe ID of the form bb:dd.f: \"" + bad + "\"",
          assertThrows(IllegalArgumentException.class, () -> PcieId.parse(bad)).getMessage(),
          bad);
    }
    assertEquals("bad PCIe ID \"01:20.0\": device out of range 0..31: 32",
        assertThrows(IllegalArgumentException.class, () -> PcieId.parse("01:20.0")).getMessage());
    assertEquals("bad PCIe ID \"01:00.8\": function out of range 0..7: 8",
        assertThrows(IllegalArgumentException.class, () -> PcieId.parse("01:00.8")).getMessage());
  }
}
