package dev.driverlab.devices.pcie.tlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The strict door: every rule with a known-bad header and its exact message. */
class TlpDecodeTest {
  private static final int[] MRD = {0x0000_0001, 0x0100_050f, 0x001f_f000};

  private static String error(int[] header, byte[] payload) {
    return assertThrows(IllegalArgumentException.class, () -> Tlp.decode(header, payload))
        .getMessage();
  }

  private static int[] with(int[] base, int index, int value) {
    int[] copy = base.clone();
    copy[index] = value;
    return copy;
  }

  @Test
  void theBaselineIsWellFormed() {
    assertEquals(Tlp.memRead(new PcieId(1, 0, 0), 5, 0x1f_f000, 4), Tlp.decode(MRD, null));
  }

  @Test
  void headerSize() {
    assertEquals("header must be 3 or 4 dwords, got 2", error(new int[2], null));
    assertEquals("header must be 3 or 4 dwords, got 5", error(new int[5], null));
    assertEquals("fmt=0b000 means a 3 DW header, got 4 dwords",
        error(new int[] {MRD[0], MRD[1], 0, MRD[2]}, null));
    assertEquals("fmt=0b001 means a 4 DW header, got 3 dwords",
        error(with(MRD, 0, 0x2000_0001), null));
    assertEquals("CfgRd0 has a 3 DW header, fmt=0b001 says 4 DW",
        error(new int[] {0x2400_0001, 0x0000_010f, 0x0100_0010, 0}, null));
    assertEquals("Msg has a 4 DW header, fmt=0b000 says 3 DW",
        error(new int[] {0x1400_0000, 0x0100_0020, 0}, null));
  }

  @Test
  void reservedAndUnsupportedTypes() {
    assertEquals("reserved fmt/type: fmt=0b000 type=0b00011", error(with(MRD, 0, 0x0300_0001), null));
    assertEquals("reserved fmt/type: fmt=0b010 type=0b00001", error(with(MRD, 0, 0x4100_0001), null));
    assertEquals("AtomicOp FetchAdd is not supported: fmt=0b010 type=0b01100",
        error(with(MRD, 0, 0x4c00_0001), null));
    assertEquals("AtomicOp CAS is not supported: fmt=0b011 type=0b01110",
        error(new int[] {0x6e00_0001, 0, 1, 0}, null));
    assertEquals("deprecated TCfgRd/TCfgWr is not supported: fmt=0b000 type=0b11011",
        error(with(MRD, 0, 0x1b00_0001), null));
    assertEquals("TLP prefixes are not supported: fmt=0b100 type=0b10000",
        error(with(MRD, 0, 0x9000_0000), null));
    assertEquals("reserved fmt: fmt=0b111 type=0b00000", error(with(MRD, 0, 0xe000_0001), null));
    assertEquals("reserved message routing: 0b110",
        error(new int[] {0x3600_0000, 0x0100_0020, 0, 0}, null));
    assertEquals("LN (lightweight notification, dw0 bit 17) is not supported",
        error(with(MRD, 0, 0x0002_0001), null));
  }

  @Test
  void lengthAndPayload() {
    int[] mwr = {0x4000_0001, 0x0100_000f, 0x1000};
    assertEquals("payload of 8 bytes does not match MWr length 1 DW", error(mwr, new byte[8]));
    assertEquals("payload of 0 bytes does not match MWr length 1 DW", error(mwr, null));
    assertEquals("MRd carries no data, got 4 payload bytes", error(MRD, new byte[4]));
    assertEquals("length must be 0 (reserved) for Cpl: 5",
        error(new int[] {0x0a00_0005, 0x0000_2004, 0x0100_0500}, null));
    assertEquals("length of CfgRd0 must be 1 DW: 2",
        error(new int[] {0x0400_0002, 0x0000_01ff, 0x0100_0010}, null));
    assertEquals("length of CfgRd0 must be 1 DW: 1024",
        error(new int[] {0x0400_0000, 0x0000_010f, 0x0100_0010}, null));
  }

  @Test
  void byteEnableRules() {
    assertEquals("last_be must be 0 for a 1 DW request: 0xf", error(with(MRD, 1, 0x0100_05ff), null));
    assertEquals("first_be must not be 0 for a 2 DW request",
        error(new int[] {0x0000_0002, 0x0100_05f0, 0x1000}, null));
    assertEquals("last_be must not be 0 for a 2 DW request",
        error(new int[] {0x0000_0002, 0x0100_050f, 0x1000}, null));
    assertEquals("non-contiguous byte enables in a 3 DW request: first_be=0x5 last_be=0xf",
        error(new int[] {0x0000_0003, 0x0100_05f5, 0x1000}, null));
    assertEquals("non-contiguous byte enables in a 2 DW request: first_be=0xf last_be=0x5",
        error(new int[] {0x0000_0002, 0x0100_055f, 0x1004}, null));
    // a QW-aligned 2 DW request may use any enables (§2.2.5)
    Tlp qw = Tlp.decode(new int[] {0x0000_0002, 0x0100_05a5, 0x1000}, null);
    assertEquals(0x5, qw.firstBe());
    assertEquals(0xa, qw.lastBe());
  }

  @Test
  void addresses() {
    assertEquals("4 DW header with an address below 4 GiB: 0x0000000000001000",
        error(new int[] {0x2000_0001, 0x0100_000f, 0, 0x1000}, null));
    assertEquals("MRd crosses a 4 KiB boundary: address=0xffc length=2 DW",
        error(new int[] {0x0000_0002, 0x0100_05ff, 0xffc}, null));
    assertEquals("ph is set without th on MRd: 0b01", error(with(MRD, 2, 0x1f_f001), null));
    Tlp hinted = Tlp.decode(new int[] {0x0001_0001, 0x0100_050f, 0x1f_f002}, null);
    assertEquals(2, hinted.ph());
    assertEquals(0x1f_f000, hinted.address());
    assertEquals("reserved bits set in dw2: 0x00000001",
        error(new int[] {0x0200_0001, 0x0000_000f, 0x3f9}, null));
  }

  @Test
  void configCompletionAndMessageFields() {
    assertEquals("tc must be 0 for CfgRd0: 1",
        error(new int[] {0x0410_0001, 0x0000_010f, 0x0100_0010}, null));
    assertEquals("attr must be 0 for CfgWr1: 2",
        error(new int[] {0x4500_2001, 0x0000_010f, 0x0100_0010}, new byte[4]));
    assertEquals("reserved bits set in dw2: 0x00001000",
        error(new int[] {0x0400_0001, 0x0000_010f, 0x0100_1010}, null));
    assertEquals("reserved completion status: 0b011",
        error(new int[] {0x0a00_0000, 0x0000_6004, 0x0100_0500}, null));
    assertEquals("CplD with status UR: only successful completions carry data",
        error(new int[] {0x4a00_0001, 0x0000_2004, 0x0100_0500}, new byte[4]));
    assertEquals("reserved bits set in dw2: 0x00000080",
        error(new int[] {0x0a00_0000, 0x0000_2004, 0x0100_0580}, null));
    assertEquals("at must be 0 for Cpl: 1",
        error(new int[] {0x0a00_0400, 0x0000_2004, 0x0100_0500}, null));
    assertEquals("address of an address-routed message not dword aligned: 0xfee00001",
        error(new int[] {0x3100_0000, 0x0100_007f, 0, 0xfee0_0001}, null));
    assertEquals("length must be 0 (reserved) for Msg: 1",
        error(new int[] {0x3400_0001, 0x0100_0020, 0, 0}, null));
  }

  @Test
  void decodingStillWorksAfterARejection() {
    error(with(MRD, 0, 0x0300_0001), null);
    assertEquals(5, Tlp.decode(MRD, null).tag());
  }
}
