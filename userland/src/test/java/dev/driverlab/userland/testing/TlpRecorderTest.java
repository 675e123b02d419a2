package dev.driverlab.userland.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The recorder's ring buffer and marks, the log's filters, and config-write decoding, on hand-made TLPs. */
class TlpRecorderTest {
  private static final PcieId HOST = new PcieId(0, 0, 0);
  private static final PcieId DEV = new PcieId(3, 0, 0);

  private static Tlp read(int tag) {
    return Tlp.memRead(DEV, tag, 0x1000L * tag, 64);
  }

  @Test
  void theRingKeepsTheNewestAndCountsWhatItDropped() {
    TlpRecorder r = new TlpRecorder(3);
    for (int i = 0; i < 5; i++) {
      r.onTlp(100 * i, LinkDirection.UPSTREAM, "00:02.0", read(i));
    }
    assertEquals(5, r.total());
    assertEquals(2, r.dropped());
    assertEquals(5, r.mark());
    TlpLog all = r.all();
    assertEquals(3, all.size());
    assertEquals(2, all.missing());
    assertEquals(List.of(2L, 3L, 4L), all.stream().map(SeenTlp::seq).toList());
    assertEquals(0, r.since(3).missing());
    assertEquals(2, r.since(3).size());
    assertEquals(List.of(
        "     0.300 us  00:02.0   UP    MRd    req=03:00.0 tag=03 addr=0000000000003000 len=16 be=f/f",
        "     0.400 us  00:02.0   UP    MRd    req=03:00.0 tag=04 addr=0000000000004000 len=16 be=f/f"),
        r.lastLines(2));
  }

  @Test
  void duringReturnsExactlyWhatTheActionCaused() {
    TlpRecorder r = new TlpRecorder(10);
    r.onTlp(0, LinkDirection.UPSTREAM, "a", read(0));
    TlpLog during = r.during(() -> r.onTlp(1, LinkDirection.DOWNSTREAM, "a", read(1)));
    assertEquals(1, during.size());
    assertEquals(1, during.list().get(0).seq());
    assertEquals("TLPs during the action", during.description());
  }

  @Test
  void badArgumentsAreRefusedWithTheValue() {
    TlpRecorder r = new TlpRecorder(1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.since(1));
    assertEquals("mark 1 is not a position of this recorder (0..0)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new TlpRecorder(0));
    assertEquals("TLP history must hold at least 1 TLP: 0", e.getMessage());
  }

  @Test
  void filtersNarrowAndNameTheWindow() {
    TlpRecorder r = new TlpRecorder(10);
    Tlp rd = read(1);
    r.onTlp(0, LinkDirection.UPSTREAM, "00:01.0", rd);
    r.onTlp(0, LinkDirection.UPSTREAM, "switch0/0", rd);
    r.onTlp(0, LinkDirection.DOWNSTREAM, "switch0/0", Tlp.readCompletion(rd, HOST, new byte[64], 0));
    r.onTlp(0, LinkDirection.UPSTREAM, "switch0/0", Tlp.memWriteLe(DEV, 0xfee00000L, 0x18, 4));

    TlpLog link = r.all().onLink("switch0/0");
    assertEquals(3, link.size());
    assertEquals(2, link.upstream().size());
    assertEquals(1, link.downstream().ofType(TlpType.CPLD).size());
    assertEquals(1, link.memoryReadsBy(DEV).size());
    assertEquals(0, link.memoryWritesBy(DEV).size(), "an MSI is not a DMA write");
    assertEquals(1, link.msisFrom(DEV).size());
    assertEquals(1, link.interruptsFrom(DEV).size());
    assertEquals(0, link.requestedBy(HOST).size(), "completions have no requester of their own here");
    assertEquals("all TLPs, on link switch0/0, MRd, requested by 03:00.0", link.memoryReadsBy(DEV).description());
    assertEquals("all TLPs, on link switch0/0, MRd, requested by 03:00.0 (1 TLPs)\n"
        + "     0.000 us  switch0/0  UP    MRd    req=03:00.0 tag=01 addr=0000000000001000 len=16 be=f/f",
        link.memoryReadsBy(DEV).toString());
  }

  @Test
  void configWritesDecodeTheirByteEnables() {
    // pci_write_config_word(dev, 0x42, 0x0081): register DW 0x40, bytes 2..3 (First BE 1100b)
    Tlp msiControl = Tlp.cfgWrite(false, HOST, 1, DEV, 0x40, 0xc, 0x0081_0000);
    assertEquals(new ConfigWrite(DEV, 0x42, 2, 0x0081), ConfigWrite.of(msiControl));
    assertEquals("03:00.0 cfg[0x042] 2 bytes = 0x0081", ConfigWrite.of(msiControl).toString());
    // pci_write_config_byte(dev, 0x3c, 0x12) sent as Type 1 above the target's bus
    Tlp line = Tlp.cfgWrite(true, HOST, 2, DEV, 0x3c, 0x1, 0x12);
    assertEquals(new ConfigWrite(DEV, 0x3c, 1, 0x12), ConfigWrite.of(line));
    assertEquals(new ConfigWrite(DEV, 0x10, 4, 0xffffffff), ConfigWrite.of(Tlp.cfgWrite(false, HOST, 3, DEV, 0x10,
        0xf, 0xffffffff)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigWrite.of(read(0)));
    assertEquals("not a configuration write: MRd    req=03:00.0 tag=00 addr=0000000000000000 len=16 be=f/f",
        e.getMessage());
  }
}
