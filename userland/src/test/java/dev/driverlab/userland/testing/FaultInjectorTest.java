package dev.driverlab.userland.testing;

import static dev.driverlab.userland.testing.KernelAssertions.assertThat;
import static dev.driverlab.userland.testing.LinkAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.edu.EduDevice;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.drivers.edu.EduDriver;
import dev.driverlab.kernel.uapi.Errno;
import dev.driverlab.userland.libc.Libc;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each fault the injector offers, provoked against the edu driver, with what the driver and user see. */
@DriverLabTest
@WithDevice(EduDevice.class)
class FaultInjectorTest {
  private static final int REG_IDENT = 0x00;   // edu-and-linux-api.md §A.3

  // ---- allocations ------------------------------------------------------------------------------

  @Test
  void aFailedDmaAllocationFailsProbeWhichUndoesEverything(TestMachine tm, Libc user) {
    tm.faults().failNth("dma_alloc_coherent", 0);

    tm.insmod(new EduDriver());                    // the module loads; the card's probe fails

    assertThat(tm).dmesgContains("cannot allocate the 4096-byte DMA buffer").hasNoBugReports();
    assertEquals(-1, user.open("/dev/edu0", Libc.O_RDWR));
    assertEquals(Errno.ENOENT, user.errno());
    assertTrue(tm.faults().log().get(0).endsWith("armed: dma_alloc_coherent number 1 from now fails"),
        tm.faults().log().toString());
  }

  @Test
  void allocationKindsThatNeverFireAreRefused(TestMachine tm) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tm.faults().failNth("kmaloc", 0));
    assertEquals("unknown allocation kind \"kmaloc\": the kernel's allocators ask about [dma_alloc_coherent, kmalloc]",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> tm.faults().failNth("kmalloc", -1));
    assertEquals("skip must be 0 or more (0 fails the next kmalloc): -1", e.getMessage());
  }

  // ---- the card answers MMIO with an error ------------------------------------------------------

  @Test
  void aCardAnsweringUnsupportedRequestReadsAllOnesAndProbeRejectsIt(TestMachine tm, Libc user) {
    PluggedDevice edu = tm.device(EduDevice.class);
    Fault ur = tm.faults().device(edu).answerMmioWith(CplStatus.UR);
    long mark = tm.tlps().mark();

    tm.insmod(new EduDriver());

    assertThat(tm).dmesgContains("ident 0xffffffff does not end in 0xed: not an edu device");
    assertEquals(1, ur.hits(), "probe read ident once, then gave up");
    TlpLog probe = tm.tlps().since(mark).at(edu);
    assertTrue(probe.lines().stream().anyMatch(l -> l.contains("UP    Cpl    cpl=03:00.0 req=00:00.0")
        && l.contains("st=UR")), String.join("\n", probe.lines()));
    assertEquals(-1, user.open("/dev/edu0", Libc.O_RDWR));
  }

  @Test
  void aCompleterAbortOnceReadsAllOnesOnceThenTheCardAnswersAgain(TestMachine tm, Libc user) {
    PluggedDevice edu = tm.device(EduDevice.class);
    tm.insmod(new EduDriver());                       // enables memory decoding of BAR0
    int fd = user.open("/sys/bus/pci/devices/0000:" + edu.bdf() + "/resource0", Libc.O_RDWR);
    long bar0 = user.mmap(4096, Libc.PROT_READ | Libc.PROT_WRITE, fd, 0);
    assertTrue(bar0 != Libc.MAP_FAILED, Libc.strerror(user.errno()));
    Fault ca = tm.faults().device(edu).answerMmioWith(CplStatus.CA).times(1);

    assertEquals(0xffffffff, user.getInt(bar0 + REG_IDENT));
    assertEquals(EduDevice.IDENT, user.getInt(bar0 + REG_IDENT));

    assertEquals(1, ca.hits());
    assertTrue(!ca.armed());
    assertEquals(List.of("[    0.000000] 03:00.0 refuses MMIO with CA: MRd    req=00:00.0 tag=06 "
        + "addr=00000000c0000000 len=1 be=f/0 answered with CA, the card never saw it"), tm.faults().log());
  }

  @Test
  void onlyUnsupportedRequestAndCompleterAbortAreRefusals(TestMachine tm) {
    DeviceFaults f = tm.faults().device(tm.device(EduDevice.class));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.answerMmioWith(CplStatus.SC));
    assertEquals("a card can refuse MMIO with UR or CA, not SC", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> f.answerMmioWith(CplStatus.CRS));
    assertEquals("a card can refuse MMIO with UR or CA, not CRS (CRS answers configuration requests only)",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> f.answerMmioWith(CplStatus.UR).times(0));
    assertEquals("a fault must hit at least once: times(0)", e.getMessage());
  }

  // ---- DMA read completions ---------------------------------------------------------------------

  @Test
  void aPoisonedCompletionFailsTheCardsDmaReadAndLeavesItsBufferAlone(TestMachine tm, Libc user) {
    PluggedDevice edu = tm.device(EduDevice.class);
    tm.insmod(new EduDriver());
    int fd = EduCalls.open(user, 0);
    Fault poison = tm.faults().device(edu).poisonDmaReadCompletions().times(1);

    assertEquals(0, EduCalls.toDevice(user, fd, 4096), "edu completes the transfer and says nothing to the driver");

    assertEquals(1, poison.hits());
    assertThat(tm).dmesgMatches("EDU: DMA read of 4096 bytes from 0x[0-9a-f]+ failed: POISONED; device buffer "
        + "unchanged");
    long back = user.malloc(4096);
    assertEquals(0, EduCalls.fromDevice(user, fd, back, 16));
    assertEquals(0, user.getInt(back), "the buffer still holds its power-on zeros");
  }

  @Test
  void aDroppedCompletionEndsTheCardsReadInACompletionTimeout(TestMachine tm, Libc user) {
    PluggedDevice edu = tm.device(EduDevice.class);
    tm.insmod(new EduDriver());
    int fd = EduCalls.open(user, 0);
    tm.faults().device(edu).dropDmaReadCompletions().times(1);

    assertEquals(0, EduCalls.toDevice(user, fd, 1024));

    assertThat(tm).dmesgContains("03:00.0: completion timeout: tag 0 got 0 of 512 bytes")
        .dmesgContains("failed: COMPLETION_TIMEOUT");
  }

  // ---- interrupts -------------------------------------------------------------------------------

  @Test
  void aLostInterruptTimesTheRequestOutAndTheNextOneWorks(TestMachine tm, Libc user) {
    PluggedDevice edu = tm.device(EduDevice.class);
    tm.insmod(new EduDriver(), "timeout_ms=20");
    int fd = EduCalls.open(user, 0);
    Fault lost = tm.faults().device(edu).dropInterrupts().times(1);
    int[] result = new int[1];

    assertEquals(-1, EduCalls.factorial(user, fd, 5, result));
    assertEquals(Errno.ETIMEDOUT, user.errno());
    assertEquals(0, EduCalls.factorial(user, fd, 6, result));
    assertEquals(720, result[0]);
    assertEquals(1, lost.hits());
    assertTrue(tm.faults().log().get(0).matches("\\[    0\\.\\d{6}\\] 03:00\\.0 loses interrupts: MSI \\(address "
        + "0xfee00000 data 0x18\\) lost before the interrupt controller"), tm.faults().log().toString());
  }

  @ParameterizedTest(name = "use_msi={0}")
  @ValueSource(strings = {"1", "0"})
  void aLateInterruptMakesTheRequestExactlyThatMuchSlower(String useMsi, TestMachine tm, Libc user) {
    PluggedDevice edu = tm.device(EduDevice.class);
    tm.insmod(new EduDriver(), "use_msi=" + useMsi);
    int fd = EduCalls.open(user, 0);
    int[] result = new int[1];
    long t0 = tm.nowNs();
    assertEquals(0, EduCalls.factorial(user, fd, 4, result));
    long onTime = tm.nowNs() - t0;

    Fault late = tm.faults().device(edu).delayInterrupts(Duration.ofMillis(2)).times(1);
    long t1 = tm.nowNs();
    assertEquals(0, EduCalls.factorial(user, fd, 4, result));

    assertEquals(onTime + 2_000_000, tm.nowNs() - t1);
    assertEquals(24, result[0]);
    assertEquals(1, late.hits());
  }

  // ---- surprise removal -------------------------------------------------------------------------

  @Test
  void aSurpriseRemovalUnbindsTheDriverAndOpenFilesFailWithEnodev(TestMachine tm, Libc user) {
    PluggedDevice edu = tm.device(EduDevice.class);
    tm.insmod(new EduDriver());
    int fd = EduCalls.open(user, 0);

    tm.faults().device(edu).surpriseRemove();

    assertThat(tm).dmesgContains("removed /dev/edu0").hasNoBugReports();
    int[] result = new int[1];
    assertEquals(-1, EduCalls.factorial(user, fd, 3, result));
    assertEquals(Errno.ENODEV, user.errno());
    assertTrue(tm.kernel().pci().devices().stream().noneMatch(d -> d.id().equals(edu.bdf())));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> tm.faults().device(edu).surpriseRemove());
    assertEquals("slot switch0/0 is already empty", e.getMessage());
  }

  @Test
  void aSurpriseRemovalInTheMiddleOfADmaTimesItOutAndTheCardIsGone(TestMachine tm, Libc user) {
    PluggedDevice edu = tm.device(EduDevice.class);
    tm.insmod(new EduDriver(), "timeout_ms=200");
    int fd = EduCalls.open(user, 0);
    tm.faults().device(edu).surpriseRemoveAfter(Duration.ofMillis(50));   // the DMA starts at 100 ms

    assertEquals(-1, EduCalls.toDevice(user, fd, 4096));

    assertEquals(Errno.ETIMEDOUT, user.errno());
    assertThat(tm).dmesgContains("failed: UNSUPPORTED_REQUEST; device buffer unchanged")   // the link is down
        .dmesgContains("DMA to device timed out after 200 ms (irq status 0xffffffff")         // reads: all ones
        .dmesgDoesNotContain("removed /dev/edu0");
    // pciehp started unbinding at 50 ms; remove waited for the card's mutex, which the timed-out ioctl
    // released at 200 ms. Then edu's quiesce polls the DMA command register for RUN to clear, and a
    // gone card reads all ones: it gives up after half a second (a driver that checked for ~0 would not).
    tm.runFor(Duration.ofSeconds(1));
    assertThat(tm).dmesgContainsInOrder("DMA engine still busy at remove", "removed /dev/edu0").hasNoBugReports();
    assertThat(tm.tlps().all().at(edu)).memoryReadsBy(edu.bdf()).hasCount(0);   // a dead link carries nothing
  }
}
