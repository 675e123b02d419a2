package dev.driverlab.devices.pcie.tlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Figures computed by hand from the formula in LinkTiming's class comment. */
class LinkTimingTest {
  private static final PcieId REQ = new PcieId(1, 0, 0);

  @Test
  void rawBandwidthAfterLineEncoding() {
    // 2.5 GT/s * 8/10 / 8 bits = 250 MB/s per lane
    assertEquals(250e6, new LinkTiming(1, 1).rawBandwidthBytesPerSec(), 1e-3);
    assertEquals(500e6 * 4, new LinkTiming(2, 4).rawBandwidthBytesPerSec(), 1e-3);
    // 8 lanes * 8 GT/s * 128/130 / 8 bits = 7.877 GB/s
    assertEquals(7_876_923_076.9, new LinkTiming(3, 8).rawBandwidthBytesPerSec(), 1.0);
    assertEquals(16 * 3_938_461_538.5, new LinkTiming(5, 16).rawBandwidthBytesPerSec(), 16.0);
  }

  @Test
  void gen1x1ChargesFourNanosecondsPerWireByte() {
    LinkTiming gen1 = new LinkTiming(1, 1);
    // 12 header + 8 framing + 2 + 2 amortised DLLPs = 24 bytes * 4000 ps
    assertEquals(96_000, gen1.tlpTimePs(12, 0));
    assertEquals(96_000, gen1.tlpTimePs(Tlp.memRead(REQ, 0, 0x1000, 4)));
    // 4 DW header: 28 bytes
    assertEquals(112_000, gen1.tlpTimePs(16, 0));
    // 256-byte write: 12 + 256 + 8 + 4 = 280 bytes
    assertEquals(1_120_000, gen1.tlpTimePs(12, 256));
    // ECRC adds 4 bytes: 12 + 4 + 4 + 8 + 4 = 32 bytes
    Tlp write = Tlp.memWrite(REQ, 0x1000, new byte[4], 0, 4);
    assertEquals(112_000, gen1.tlpTimePs(write));
    assertEquals(128_000, gen1.tlpTimePs(write.withDigest(true)));
  }

  @Test
  void laterGenerationsAndWidths() {
    // Gen2 x4: 24 bytes * 2000 ps / 4 lanes
    assertEquals(12_000, new LinkTiming(2, 4).tlpTimePs(12, 0));
    // Gen3 x8: 24 * 1015.625 / 8 = 3046.875 -> 3047
    assertEquals(3_047, new LinkTiming(3, 8).tlpTimePs(12, 0));
    // Gen3 x8, 256 B write: 280 * 1015.625 / 8 = 35546.875 -> 35547
    assertEquals(35_547, new LinkTiming(3, 8).tlpTimePs(12, 256));
    // Gen4 x1: 24 * 507.8125 = 12187.5 -> 12188
    assertEquals(12_188, new LinkTiming(4, 1).tlpTimePs(12, 0));
    // Gen5 x16, 4 KiB write, 4 DW header: 4124 * 253.90625 / 16 = 65444.336 -> 65445
    assertEquals(65_445, new LinkTiming(5, 16).tlpTimePs(16, 4096));
    // Gen1 x12: 24 * 4000 / 12
    assertEquals(8_000, new LinkTiming(1, 12).tlpTimePs(12, 0));
  }

  @Test
  void effectiveBandwidthOfAWriteStream() {
    // 128 / (12 + 128 + 8 + 4) of 250 MB/s
    assertEquals(250e6 * 128 / 152, new LinkTiming(1, 1).effectiveBandwidthBytesPerSec(128), 1e-3);
    // 256 / 280 of 7.877 GB/s = 7.2017 GB/s
    assertEquals(7_201_758_241.8, new LinkTiming(3, 8).effectiveBandwidthBytesPerSec(256), 1.0);
    // a 1-byte payload still travels as a whole DW
    assertEquals(250e6 / 28, new LinkTiming(1, 1).effectiveBandwidthBytesPerSec(1), 1e-3);
  }

  @Test
  void describesItself() {
    assertEquals("Gen3 x8", new LinkTiming(3, 8).describe());
    assertEquals("Gen1 x1", new LinkTiming(1, 1).toString());
    assertEquals(2500, new LinkTiming(1, 1).rateMtPerSec());
    assertEquals(32000, new LinkTiming(5, 32).rateMtPerSec());
  }

  @Test
  void rejectsBadValuesNamingThem() {
    assertEquals("generation out of range 1..5: 6",
        assertThrows(IllegalArgumentException.class, () -> new LinkTiming(6, 1)).getMessage());
    assertEquals("generation out of range 1..5: 0",
        assertThrows(IllegalArgumentException.class, () -> new LinkTiming(0, 1)).getMessage());
    assertEquals("width not one of 1, 2, 4, 8, 12, 16, 32: 3",
        assertThrows(IllegalArgumentException.class, () -> new LinkTiming(1, 3)).getMessage());
    LinkTiming t = new LinkTiming(1, 1);
    assertEquals("header bytes not 12 or 16: 8",
        assertThrows(IllegalArgumentException.class, () -> t.tlpTimePs(8, 0)).getMessage());
    assertEquals("payload bytes out of range 0..4096: 4097",
        assertThrows(IllegalArgumentException.class, () -> t.tlpTimePs(12, 4097)).getMessage());
    assertEquals("max payload out of range 1..4096: 0",
        assertThrows(IllegalArgumentException.class, () -> t.effectiveBandwidthBytesPerSec(0))
            .getMessage());
  }
}
