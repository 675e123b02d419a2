package dev.driverlab.devices.pcie.tlp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TlpFieldsTest {
  private static final PcieId RC = new PcieId(0, 0, 0);
  private static final PcieId EP = new PcieId(1, 0, 0);
  private static final int[] TUTORIAL_MRD = {0x0000_0008, 0x0100_05ff, 0x001f_f000};

  private static int[] roundTrip(List<String> lines) {
    return TlpFields.encode(TlpFields.fieldsOf(lines));
  }

  private static String encodeError(String text) {
    return assertThrows(IllegalArgumentException.class,
        () -> TlpFields.encode(TlpFields.parse(text))).getMessage();
  }

  @Test
  void describesAMemoryRead() {
    assertEquals(List.of("kind=MRd", "fmt=0b000", "type=0b00000", "tc=0", "attr=0b000", "th=0",
            "td=0", "ep=0", "at=0", "length=8", "requester=01:00.0", "tag=0x05", "last_be=0xf",
            "first_be=0xf", "address=0x001ff000"),
        TlpFields.describe(TUTORIAL_MRD));
  }

  @Test
  void describesCompletionsConfigAndMessages() {
    Tlp ur = Tlp.completion(Tlp.memRead(EP, 5, 0x1002, 2).withTc(2).withAttr(2), RC,
        CplStatus.UR);
    assertEquals(List.of("kind=Cpl", "fmt=0b000", "type=0b01010", "tc=2", "attr=0b010", "th=0",
            "td=0", "ep=0", "at=0", "length=0", "completer=00:00.0", "status=UR", "bcm=0",
            "byte_count=2", "requester=01:00.0", "tag=0x05", "lower_address=0x02"),
        TlpFields.describe(ur.headerDwords()));
    assertEquals(List.of("kind=CfgRd0", "fmt=0b000", "type=0b00100", "tc=0", "attr=0b000",
            "th=0", "td=0", "ep=0", "at=0", "length=1", "requester=00:00.0", "tag=0x01",
            "last_be=0x0", "first_be=0xf", "bus=0x01", "device=0x00", "function=0",
            "register=0x010"),
        TlpFields.describe(Tlp.cfgRead(false, RC, 1, EP, 0x10, 0xf).headerDwords()));
    assertEquals(List.of("kind=Msg", "fmt=0b001", "type=0b10100", "tc=0", "attr=0b000", "th=0",
            "td=0", "ep=0", "at=0", "length=0", "requester=01:00.0", "tag=0x00",
            "message_code=0x20", "routing=0b100", "msg_bytes_8_15=0x0000000000000000"),
        TlpFields.describe(Tlp.intx(EP, 1, true).headerDwords()));
    List<String> wide = TlpFields.describe(Tlp.memRead(EP, 0x3ff, 0x1_0000_0000L, 4096)
        .headerDwords());
    assertTrue(wide.contains("length=1024"), wide.toString());
    assertTrue(wide.contains("tag=0x3ff"), wide.toString());
    assertTrue(wide.contains("address=0x0000000100000000"), wide.toString());
  }

  @Test
  void everySampleRoundTripsThroughNamedFields() {
    for (Tlp t : TlpTest.samples()) {
      int[] dw = t.headerDwords();
      List<String> lines = TlpFields.describe(dw);
      assertFalse(lines.stream().anyMatch(l -> l.startsWith("error=")), lines.toString());
      assertArrayEquals(dw, roundTrip(lines), lines.toString());
    }
  }

  @Test
  void describeReportsProblemsInsteadOfThrowing() {
    int[] reserved = {0x0300_0001, 0x0100_050f, 0x001f_f000};
    List<String> lines = TlpFields.describe(reserved);
    assertEquals(List.of("fmt=0b000", "type=0b00011", "dw0=0x03000001", "dw1=0x0100050f",
        "dw2=0x001ff000", "error=reserved fmt/type: fmt=0b000 type=0b00011"), lines);
    assertArrayEquals(reserved, roundTrip(lines));

    int[] lastBe = {0x0000_0001, 0x0100_05ff, 0x001f_f000};
    lines = TlpFields.describe(lastBe);
    assertTrue(lines.contains("last_be=0xf"), lines.toString());
    assertEquals("error=last_be must be 0 for a 1 DW request: 0xf", lines.get(lines.size() - 1));
    assertArrayEquals(lastBe, roundTrip(lines));

    int[] ln = {0x0002_0001, 0x0100_050f, 0x001f_f001};
    lines = TlpFields.describe(ln);
    assertTrue(lines.contains("ln=1"), lines.toString());
    assertTrue(lines.contains("ph=0b01"), lines.toString());
    assertEquals("error=LN (lightweight notification, dw0 bit 17) is not supported",
        lines.get(lines.size() - 1));
    assertArrayEquals(ln, roundTrip(lines));

    int[] badStatus = {0x0a00_0000, 0x0000_6004, 0x0100_0500};
    lines = TlpFields.describe(badStatus);
    assertTrue(lines.contains("status=0b011"), lines.toString());
    assertEquals("error=reserved completion status: 0b011", lines.get(lines.size() - 1));
    assertArrayEquals(badStatus, roundTrip(lines));

    int[] msgIn3Dw = {0x1400_0000, 0x0100_0020, 0};
    lines = TlpFields.describe(msgIn3Dw);
    assertEquals(List.of("kind=Msg", "fmt=0b000", "type=0b10100", "dw0=0x14000000",
        "dw1=0x01000020", "dw2=0x00000000", "error=Msg has a 4 DW header, fmt=0b000 says 3 DW"),
        lines);
    assertArrayEquals(msgIn3Dw, roundTrip(lines));

    assertEquals(List.of("error=header must be 3 or 4 dwords, got 0"), TlpFields.describe(null));
    assertEquals("error=header must be 3 or 4 dwords, got 2",
        TlpFields.describe(new int[] {0, 0}).get(5));
  }

  @Test
  void encodesCommandLineText() {
    assertArrayEquals(TUTORIAL_MRD, TlpFields.encode(TlpFields.parse(
        "kind=MRd requester=01:00.0 tag=5 address=0x1ff000 length=8 first_be=0xf last_be=0xf")));
    assertArrayEquals(Tlp.memRead(EP, 0, 0x1_0000_0000L, 4).headerDwords(),
        TlpFields.encode(TlpFields.parse(
            "kind=mrd, requester=0x0100, address=0x1_0000_0000, length=1, first_be=0b1111")));
    assertArrayEquals(Tlp.intx(EP, 1, true).headerDwords(), TlpFields.encode(
        TlpFields.parse("kind=Msg routing=4 message_code=0x20 requester=01:00.0")));
    Map<String, String> byName = TlpFields.parse(
        "kind=Cpl completer=00:00.0 status=UR byte_count=2 requester=01:00.0 tag=5 lower_address=2");
    Map<String, String> byCode = TlpFields.parse(
        "kind=CPL completer=0 status=1 byte_count=2 requester=256 tag=0x05 lower_address=0b10");
    assertArrayEquals(TlpFields.encode(byName), TlpFields.encode(byCode));
    assertEquals(Tlp.completion(Tlp.memRead(EP, 5, 0x1002, 2), RC, CplStatus.UR),
        Tlp.decode(TlpFields.encode(byName), null));
  }

  @Test
  void encodeNamesWhatIsWrong() {
    assertTrue(encodeError("kind=MRd length=1 colour=red")
        .startsWith("unknown field: colour (known: address, at, attr, bcm, "));
    assertEquals("bad value for tag: 1024 (out of range 0..1023)",
        encodeError("kind=MRd length=1 tag=1024"));
    assertEquals("bad value for tag: \"five\"", encodeError("kind=MRd length=1 tag=five"));
    assertEquals("field byte_count does not apply to MRd",
        encodeError("kind=MRd length=1 byte_count=4"));
    assertEquals("missing field: length", encodeError("kind=MRd address=0x1000"));
    assertEquals("missing field: byte_count", encodeError("kind=CplD length=1"));
    assertEquals("kind=MRd disagrees with fmt=0b010 type=0b00000 (MWr)",
        encodeError("kind=MRd fmt=0b010 type=0 length=1"));
    assertEquals("missing field: type", encodeError("fmt=0 length=1"));
    assertEquals("need kind, or fmt and type", encodeError("length=1"));
    assertTrue(encodeError("kind=MRead length=1")
        .startsWith("bad value for kind: \"MRead\" (one of [MRd, MRdLk, MWr, "));
    assertEquals("bad value for address: 0x100000000 does not fit a 3 DW header (fmt=0b000)",
        encodeError("fmt=0 type=0 length=1 address=0x100000000"));
    assertEquals("bad value for address: 0x1002 is not dword aligned (bits 1:0 go in ph)",
        encodeError("kind=MRd length=1 address=0x1002"));
    assertEquals("reserved fmt/type: fmt=0b000 type=0b00011 (give dw0..dw3 to encode it raw)",
        encodeError("fmt=0 type=3 length=1"));
    assertEquals("CfgRd0 has a 3 DW header, fmt=0b001 says 4 DW",
        encodeError("fmt=0b001 type=0b00100 length=1"));
    assertEquals("routing=0b001 disagrees with type=0b10100",
        encodeError("fmt=0b001 type=0b10100 routing=1"));
    assertEquals("field tag cannot be mixed with raw dw0..dw3",
        encodeError("dw0=0 dw1=0 dw2=0 tag=1"));
    assertEquals("fmt=0b001 disagrees with dw0 (fmt=0b000)",
        encodeError("dw0=0 dw1=0 dw2=0 fmt=0b001"));
    assertEquals("bad value for requester: bad PCIe ID \"01:20.0\": device out of range 0..31: 32",
        encodeError("kind=MRd length=1 requester=01:20.0"));
    assertEquals("bad value for register: 0x11 is not dword aligned",
        encodeError("kind=CfgRd0 length=1 register=0x11"));
  }

  @Test
  void encodeCanBuildMalformedHeadersOnPurpose() {
    int[] dw = TlpFields.encode(TlpFields.parse(
        "kind=CfgRd0 length=2 tc=1 requester=00:00.0 first_be=0xf last_be=0xf bus=1"));
    assertEquals("length of CfgRd0 must be 1 DW: 2",
        assertThrows(IllegalArgumentException.class, () -> Tlp.decode(dw, null)).getMessage());
    assertEquals("error=length of CfgRd0 must be 1 DW: 2",
        TlpFields.describe(dw).get(TlpFields.describe(dw).size() - 1));
  }

  @Test
  void textHelpers() {
    assertEquals(Map.of("a", "1", "b", "x y"), TlpFields.fieldsOf(List.of("a=1", "b = x y")));
    assertEquals("duplicate field: tag",
        assertThrows(IllegalArgumentException.class, () -> TlpFields.parse("tag=1 tag=2"))
            .getMessage());
    assertEquals("not name=value: \"tag\"",
        assertThrows(IllegalArgumentException.class, () -> TlpFields.parse("tag")).getMessage());
    assertTrue(TlpFields.fieldNames().contains("msg_bytes_8_15"));
  }
}
