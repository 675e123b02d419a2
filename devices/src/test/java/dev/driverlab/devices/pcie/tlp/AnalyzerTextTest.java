package dev.driverlab.devices.pcie.tlp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnalyzerTextTest {
  private static final PcieId RC = new PcieId(0, 0, 0);
  private static final PcieId EP = new PcieId(1, 0, 0);
  private static final Tlp MMIO_READ = Tlp.memRead(RC, 5, 0xfe00_0000L, 4);

  @Test
  void memoryReadLine() {
    assertEquals(
        "  1234.567 us  DOWN  MRd    req=00:00.0 tag=05 addr=00000000fe000000 len=1 be=f/0",
        AnalyzerText.line(1_234_567, LinkDirection.DOWNSTREAM, MMIO_READ));
  }

  @Test
  void completionLineShowsCompleterStatusByteCountAndLowerAddress() {
    assertEquals("  1235.002 us  UP    CplD   cpl=01:00.0 req=00:00.0 tag=05 st=SC bc=4 la=00 len=1"
            + " data=78 56 34 12",
        AnalyzerText.line(1_235_002, LinkDirection.UPSTREAM,
            Tlp.readCompletion(MMIO_READ, EP, 0x1234_5678L)));
    assertEquals("Cpl    cpl=00:00.0 req=01:00.0 tag=05 st=UR bc=2 la=02",
        AnalyzerText.describe(
            Tlp.completion(Tlp.memRead(EP, 5, 0x1002, 2), RC, CplStatus.UR)));
  }

  @Test
  void payloadShowsSixteenBytesThenEllipsisAndFlagsComeFirst() {
    byte[] data = new byte[20];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    Tlp wr = Tlp.memWrite(EP, 0x1000, data, 0, 20).withTc(3).withAttr(3).withPoisoned(true);
    assertEquals("MWr    req=01:00.0 tag=00 addr=0000000000001000 len=5 be=f/f tc=3 attr=RO+NS EP"
            + " data=00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f ...",
        AnalyzerText.describe(wr));
    assertEquals("MWr    req=01:00.0 tag=00 addr=0000000000001000 len=4 be=f/f attr=IDO td"
            + " data=00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f",
        AnalyzerText.describe(Tlp.memWrite(EP, 0x1000, data, 0, 16).withAttr(4).withDigest(true)));
  }

  @Test
  void configIoAndMessageLines() {
    assertEquals("CfgRd0 req=00:00.0 tag=01 dev=01:00.0 reg=010 be=f",
        AnalyzerText.describe(Tlp.cfgRead(false, RC, 1, EP, 0x10, 0xf)));
    assertEquals("CfgWr1 req=00:00.0 tag=3ff dev=02:00.0 reg=104 be=3 data=06 00 00 00",
        AnalyzerText.describe(Tlp.cfgWrite(true, RC, 0x3ff, new PcieId(2, 0, 0), 0x104, 3, 6)));
    assertEquals("IORd   req=00:00.0 tag=03 addr=000003f8 len=1 be=2/0",
        AnalyzerText.describe(Tlp.ioRead(RC, 3, 0x3f9, 1)));
    assertEquals("Msg    req=01:00.0 tag=00 code=20(Assert_INTA) route=local",
        AnalyzerText.describe(Tlp.intx(EP, 1, true)));
    assertEquals("Msg    req=00:00.0 tag=00 code=7f(Vendor_Defined_Type1) route=id to=02:03.1",
        AnalyzerText.describe(Tlp.message(RC, MessageCode.ROUTE_BY_ID, 0x7f,
            0x0219_0000_0000_0000L)));
    assertEquals("Msg    req=01:00.0 tag=00 code=99 route=to-rc bytes=0000000000000001",
        AnalyzerText.describe(Tlp.message(EP, MessageCode.ROUTE_TO_RC, 0x99, 1)));
    assertEquals("MsgD   req=00:00.0 tag=00 code=50(Set_Slot_Power_Limit) route=local len=1"
            + " data=19 01 00 00",
        AnalyzerText.describe(Tlp.messageWithData(RC, MessageCode.ROUTE_LOCAL,
            MessageCode.SET_SLOT_POWER_LIMIT, 0, new byte[] {0x19, 1})));
  }

  @Test
  void lineWithLinkNameAndWideTimes() {
    assertEquals(
        "     0.000 us  rp0       UP    MRd    req=00:00.0 tag=05 addr=00000000fe000000 len=1 be=f/0",
        AnalyzerText.line(0, LinkDirection.UPSTREAM, "rp0", MMIO_READ));
    assertEquals("12345678.901 us  DOWN  ",
        AnalyzerText.line(12_345_678_901L, LinkDirection.DOWNSTREAM, MMIO_READ).substring(0, 23));
    assertEquals("negative time: -1 ns",
        assertThrows(IllegalArgumentException.class,
            () -> AnalyzerText.line(-1, LinkDirection.UPSTREAM, MMIO_READ)).getMessage());
  }

  @Test
  void toStringIsTheDescription() {
    assertEquals(AnalyzerText.describe(MMIO_READ), MMIO_READ.toString());
  }

  @Test
  void printingObserverHandsLinesToTheSink() {
    List<String> lines = new ArrayList<>();
    TlpObserver observer = AnalyzerText.printingTo(lines::add);
    observer.onTlp(1_000, LinkDirection.DOWNSTREAM, "sw0/1", MMIO_READ);
    assertEquals(List.of(AnalyzerText.line(1_000, LinkDirection.DOWNSTREAM, "sw0/1", MMIO_READ)),
        lines);
    assertEquals("     1.000 us  sw0/1     DOWN  MRd    ", lines.get(0).substring(0, 38));
  }
}
