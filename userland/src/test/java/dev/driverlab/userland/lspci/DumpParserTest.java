package dev.driverlab.userland.lspci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DumpParserTest {

  @Test
  void readsHeaderAndHexLinesSkippingVerboseText() {
    List<PciFunctionInfo> fns = DumpParser.parse(String.join("\n",
        "00:1f.3 Audio device: Intel Corporation Device a348 (rev 10)",
        "\tSubsystem: Dell Device 0869",
        "\tControl: I/O- Mem+ BusMaster+",
        "00: 86 80 48 a3 06 04 10 00 10 00 03 04 10 20 00 00",
        "10: 04 00 31 a1 00 00 00 00 00 00 00 00 00 00 00 00",
        ""));
    assertEquals(1, fns.size());
    PciFunctionInfo f = fns.get(0);
    assertEquals(0, f.domain());
    assertEquals(0x00, f.bus());
    assertEquals(0x1f, f.device());
    assertEquals(3, f.function());
    assertEquals(32, f.configLength());
    assertEquals(0x86, f.config()[0] & 0xff);
    assertEquals(0xa1, f.config()[0x13] & 0xff);
  }

  @Test
  void readsDomainsOfFourAndFiveDigits() {
    List<PciFunctionInfo> fns = DumpParser.parse(
        "0001:02:03.4 x\n00: 01\n\n10000:ff:1f.7 y\n00: 02\n");
    assertEquals(2, fns.size());
    assertEquals(1, fns.get(0).domain());
    assertEquals(2, fns.get(0).bus());
    assertEquals(3, fns.get(0).device());
    assertEquals(4, fns.get(0).function());
    assertEquals(0x10000, fns.get(1).domain());
    assertEquals(0xff, fns.get(1).bus());
    assertEquals(7, fns.get(1).function());
  }

  @Test
  void keepsOnlyTheBytesGivenAndFillsGapsWithOnes() {
    PciFunctionInfo f = DumpParser.parse("00:00.0 x\n00: 11 22\n20: 33\n").get(0);
    assertEquals(0x21, f.configLength());
    assertEquals((byte) 0xff, f.config()[5]);
    assertEquals(0x33, f.config()[0x20]);
  }

  @Test
  void growsTo4096BytesForExtendedConfigSpace() {
    PciFunctionInfo f = DumpParser.parse("00:00.0 x\nff0: 01 02 03 04 05 06 07 08 09 0a 0b 0c "
        + "0d 0e 0f 10\n").get(0);
    assertEquals(4096, f.configLength());
    assertEquals(0x10, f.config()[0xfff]);
  }

  @Test
  void anEmptyLineEndsAFunctionAndLaterHexIsIgnored() {
    PciFunctionInfo f = DumpParser.parse("00:00.0 x\n00: 01\n\n10: 02\n").get(0);
    assertArrayEquals(new byte[] {1}, f.config());
  }

  @Test
  void acceptsCrLfLineEnds() {
    PciFunctionInfo f = DumpParser.parse("00:01.0 x\r\n00: 01 02\r\n").get(0);
    assertArrayEquals(new byte[] {1, 2}, f.config());
  }

  @Test
  void emptyInputGivesNoFunctionsAndPrintsNothing() {
    assertTrue(DumpParser.parse("").isEmpty());
    assertTrue(DumpParser.parse("\n\n").isEmpty());
    assertEquals("", Lspci.format(DumpParser.parse(""), PciIds.empty(),
        LspciOptions.parse("-vvv")));
    // lspci draws the empty host bus even with nothing on it
    assertEquals("-[0000:00]-\n",
        Lspci.format(List.of(), PciIds.empty(), LspciOptions.parse("-tv")));
  }

  @Test
  void malformedHexLineNamesLineNumberAndText() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DumpParser.parse("00:00.0 Host bridge: x\n00: 86 80 zz 29\n"));
    assertEquals("dump: line 2: malformed data line \"00: 86 80 zz 29\" "
        + "(bad text at column 11: \"zz 29\")", e.getMessage());
  }

  @Test
  void hexByteOfThreeDigitsIsMalformed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DumpParser.parse("00:00.0 x\n00: 86\n10: 123\n"));
    assertTrue(e.getMessage().startsWith("dump: line 3: malformed data line \"10: 123\""),
        e.getMessage());
  }

  @Test
  void bytesBeyond4096AreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DumpParser.parse("00:00.0 x\n1000: 00\n"));
    assertEquals("dump: line 2: at most 4096 bytes of config space are supported: "
        + "\"1000: 00\"", e.getMessage());
  }

  @Test
  void deviceNumberAbove1fIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DumpParser.parse("\n00:20.0 x\n"));
    assertEquals("dump: line 2: device or function number out of range in \"00:20.0 x\"",
        e.getMessage());
  }

  @Test
  void parsesEveryReferenceDumpInto172Functions() {
    int count = 0;
    for (String name : ReferenceData.dumpNames()) {
      count += ReferenceData.dump(name).size();
    }
    assertEquals(172, count);
  }
}
