package dev.driverlab.userland.testing;

import static dev.driverlab.userland.testing.KernelAssertions.assertThat;
import static dev.driverlab.userland.testing.LinkAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.edu.EduDevice;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.drivers.edu.EduDriver;
import dev.driverlab.userland.libc.Libc;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Link assertions on the edu driver's real traffic (one card at 03:00.0 behind the switch, BAR0 at
 * 0xc0000000), and on hand-made recordings for the failures.
 */
@DriverLabTest
@WithDevice(EduDevice.class)
class LinkAssertionsTest {
  private static final int REG_IRQ_ACK = 0x64;   // edu-and-linux-api.md §A.3
  private static final PcieId EDU = new PcieId(3, 0, 0);
  private static final PcieId HOST = new PcieId(0, 0, 0);

  @Test
  void probeWritesCommandAndTheMsiCapabilityAndNothingElse(TestMachine tm) {
    PluggedDevice edu = tm.device(EduDevice.class);
    TlpLog probe = tm.tlps().during(() -> tm.insmod(new EduDriver()));

    assertThat(probe).configWritesTo(edu.bdf())
        .touchedExactlyRegisters(0x04, 0x42, 0x44, 0x48, 0x4c)   // Command; MSI control, address, data (§A.8)
        .hasCount(7)
        .includes(0x04, 2, 0x0002)      // pci_enable_device: Memory Space
        .includes(0x04, 2, 0x0006)      // pci_set_master: + Bus Master
        .includes(0x44, 4, 0xfee00000)  // MSI address low: the interrupt window
        .includes(0x42, 2, 0x0081)      // MSI control: 64-bit capable, enabled
        .includes(0x04, 2, 0x0406);     // MSI on: INTx Disable
  }

  @Test
  void aDmaToTheDeviceReadsHostMemoryInMaxReadRequestSizedPieces(TestMachine tm, Libc user) {
    PluggedDevice edu = tm.device(EduDevice.class);
    tm.insmod(new EduDriver());
    int fd = EduCalls.open(user, 0);
    long mark = tm.tlps().mark();

    assertEquals(0, EduCalls.toDevice(user, fd, 4096));

    TlpLog dma = tm.tlps().since(mark).at(edu);
    assertThat(dma).memoryReadsBy(edu.bdf()).hasCount(8).eachAtMostBytes(512).totalBytes(4096);
    assertThat(dma).noRequestCrosses4KiB().noCompletionWithStatus(CplStatus.UR);
    assertThat(dma).filteredOn(s -> s.tlp().type() == TlpType.CPLD && s.dir() == LinkDirection.DOWNSTREAM,
        "CplD down").hasCount(8).eachAtMostBytes(512);          // MPS 512 on this link
    assertThat(dma).memoryWritesBy(edu.bdf()).isEmpty();        // the buffer stays on the card
    assertThat(dma).msisFrom(edu.bdf()).hasCount(1);            // DMA done
  }

  @ParameterizedTest(name = "use_msi={0}")
  @ValueSource(strings = {"1", "0"})
  void theHandlerAcknowledgesEveryInterruptBeforeTheNextOne(String useMsi, TestMachine tm, Libc user) {
    PluggedDevice edu = tm.device(EduDevice.class);
    tm.insmod(new EduDriver(), "use_msi=" + useMsi);
    int fd = EduCalls.open(user, 0);
    int[] result = new int[1];
    for (int n = 3; n <= 5; n++) {
      assertEquals(0, EduCalls.factorial(user, fd, n, result));
    }
    assertEquals(120, result[0]);
    assertEquals(0, EduCalls.toDevice(user, fd, 256));

    assertThat(tm).link(edu).everyInterruptFrom(edu.bdf())
        .hasCount(4)
        .isAcknowledgedBy(tm.barAddress(edu, 0) + REG_IRQ_ACK);
  }

  // ---- failures, on hand-made recordings --------------------------------------------------------

  private static SeenTlp seen(long seq, LinkDirection dir, Tlp tlp) {
    return new SeenTlp(seq, 1000 * seq, dir, "switch0/0", tlp);
  }

  private static Tlp msi() {
    return Tlp.memWriteLe(EDU, 0xfee00000L, 0x18, 4);
  }

  @Test
  void anUnacknowledgedInterruptIsNamedWithTheTlpsAfterIt() {
    Tlp statusRead = Tlp.memRead(HOST, 7, 0xc0000024L, 4);
    TlpLog log = new TlpLog(List.of(
        seen(0, LinkDirection.UPSTREAM, msi()),
        seen(1, LinkDirection.DOWNSTREAM, statusRead),
        seen(2, LinkDirection.UPSTREAM, Tlp.readCompletion(statusRead, EDU, 0x100)),
        seen(3, LinkDirection.DOWNSTREAM, Tlp.memWriteLe(HOST, 0xc0000064L, 0x100, 4)),
        seen(4, LinkDirection.UPSTREAM, msi()),
        seen(5, LinkDirection.DOWNSTREAM, Tlp.memWriteLe(HOST, 0xc0000060L, 0x1, 4))), 0, "a recording");

    AssertionError e = assertThrows(AssertionError.class,
        () -> assertThat(log).everyInterruptFrom(EDU).isAcknowledgedBy(0xc0000064L));

    assertEquals("interrupt 2 of 2 from 03:00.0 was not acknowledged: no write to 0xc0000064 before the end of the "
        + "recording (a recording):\n"
        + "       4.000 us  switch0/0  UP    MWr    req=03:00.0 tag=00 addr=00000000fee00000 len=1 be=f/0 "
        + "data=18 00 00 00\n"
        + "       5.000 us  switch0/0  DOWN  MWr    req=00:00.0 tag=00 addr=00000000c0000060 len=1 be=f/0 "
        + "data=01 00 00 00", e.getMessage());
    assertThat(log).everyInterruptFrom(EDU).hasCount(2);
  }

  @Test
  void aDeviceThatNeverInterruptedCannotHaveAcknowledgedInterrupts() {
    TlpLog empty = new TlpLog(List.of(), 0, "nothing");
    AssertionError e = assertThrows(AssertionError.class,
        () -> assertThat(empty).everyInterruptFrom(EDU).isAcknowledgedBy(0xc0000064L));
    assertEquals("no interrupt from 03:00.0 in nothing (neither an MSI write nor Assert_INTx)", e.getMessage());
  }

  @Test
  void countsAndSizesFailWithTheOffendingTlps() {
    TlpLog log = new TlpLog(List.of(
        seen(0, LinkDirection.UPSTREAM, Tlp.memRead(EDU, 0, 0x1000000L, 512)),
        seen(1, LinkDirection.UPSTREAM, Tlp.memRead(EDU, 1, 0x1000200L, 128))), 0, "DMA");

    AssertionError e = assertThrows(AssertionError.class,
        () -> assertThat(log).memoryReadsBy(EDU).eachAtMostBytes(256));
    assertEquals("1 of 2 TLPs in DMA, MRd, requested by 03:00.0 move more than 256 bytes:\n"
        + "       0.000 us  switch0/0  UP    MRd    req=03:00.0 tag=00 addr=0000000001000000 len=128 be=f/f"
        + "   <- 512 bytes", e.getMessage());

    e = assertThrows(AssertionError.class, () -> assertThat(log).memoryReadsBy(EDU).hasCount(3));
    assertTrue(e.getMessage().startsWith("expected 3 TLPs in DMA, MRd, requested by 03:00.0, found 2:\n"), e.getMessage());

    e = assertThrows(AssertionError.class, () -> assertThat(log).noRequestCrosses(256));
    assertEquals("1 requests in DMA cross a 256-byte boundary:\n"
        + "       0.000 us  switch0/0  UP    MRd    req=03:00.0 tag=00 addr=0000000001000000 len=128 be=f/f"
        + "   <- bytes 0x1000000..0x10001ff", e.getMessage());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> assertThat(log).noRequestCrosses(100));
    assertEquals("the boundary must be a power of two: 100", bad.getMessage());
  }

  @Test
  void configWritesOutsideTheExpectedSetAreListed() {
    PcieId target = EDU;
    TlpLog log = new TlpLog(List.of(
        seen(0, LinkDirection.DOWNSTREAM, Tlp.cfgWrite(false, HOST, 1, target, 0x04, 0x3, 0x0006)),
        seen(1, LinkDirection.DOWNSTREAM, Tlp.cfgWrite(false, HOST, 2, target, 0x0c, 0x2, 0x4000))), 0, "probe");

    AssertionError e = assertThrows(AssertionError.class,
        () -> assertThat(log).configWritesTo(target).touchedExactlyRegisters(0x04, 0x3c));
    assertEquals("config writes to 03:00.0 in probe touched [0x04, 0x0d], expected exactly [0x04, 0x3c]; "
        + "not expected: [0x0d]; never written: [0x3c]:\n"
        + "  03:00.0 cfg[0x004] 2 bytes = 0x0006\n"
        + "  03:00.0 cfg[0x00d] 1 byte = 0x40", e.getMessage());
    e = assertThrows(AssertionError.class, () -> assertThat(log).configWritesTo(target).includes(0x04, 2, 0x0007));
    assertTrue(e.getMessage().startsWith("no config write 03:00.0 cfg[0x004] 2 bytes = 0x0007 in probe:"), e.getMessage());
  }

  @Test
  void aWindowThatLostTlpsRefusesToJudge() {
    TlpRecorder small = new TlpRecorder(2);
    for (int i = 0; i < 3; i++) {
      small.onTlp(i, LinkDirection.UPSTREAM, "00:02.0", msi());
    }
    AssertionError e = assertThrows(AssertionError.class, () -> assertThat(small.all()).hasCount(2));
    assertEquals("all TLPs is incomplete: 1 of its TLPs fell out of the recorder's history; raise "
        + "@DriverLabTest(tlpHistory = ...)", e.getMessage());
    assertThat(small.since(1)).hasCount(2);
  }
}
