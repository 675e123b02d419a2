package dev.driverlab.userland.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.edu.EduDevice;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.devices.simpledma.SimpleDmaDevice;
import dev.driverlab.drivers.edu.EduDriver;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.userland.libc.Libc;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** What a test under {@link DriverLabTest} gets: the machine it declared, booted, and the harness around it. */
@DriverLabTest
@WithDevice(EduDevice.class)
class DriverLabExtensionTest {
  private TestMachine fromBeforeEach;

  @BeforeEach
  void capture(TestMachine tm) {
    fromBeforeEach = tm;
  }

  @Test
  void everyParameterTypeGetsTheOneMachineBootedForThisTest(TestMachine tm, Machine m, Kernel k, Libc user) {
    assertSame(fromBeforeEach, tm, "@BeforeEach methods see the test's machine");
    assertSame(tm.machine(), m);
    assertSame(tm.kernel(), k);
    assertSame(tm.user(), user);
    assertSame(k, Kernel.current(), "the kernel is bound to the test's thread");
    assertSame(m, k.machine());
    assertEquals(TestMachine.USER_PROCESS, user.process().name());
    assertTrue(k.dmesg().lines().get(0).text().startsWith("Linux version 6.6.0-driverlab (driverlab@driverlab)"));
  }

  @Test
  @WithDevice(value = SimpleDmaDevice.class, slot = "00:02.0")
  void classCardsComeFirstThenTheMethodsInTheSlotsTheyName(TestMachine tm) {
    assertEquals(2, tm.devices().size());
    PluggedDevice edu = tm.device(EduDevice.class);
    PluggedDevice dma = tm.device(SimpleDmaDevice.class);
    assertSame(edu, tm.devices().get(0));
    assertEquals("switch0/0", edu.slot().name());
    assertEquals("switch0/0", edu.linkName());
    assertEquals(new PcieId(3, 0, 0), edu.bdf(), "behind root port 00:01.0 (bus 1), the switch (bus 2)");
    assertEquals("00:02.0", dma.slot().name());
    assertEquals(new PcieId(7, 0, 0), dma.bdf());
    assertEquals("EduDevice 03:00.0 in slot switch0/0", edu.toString());
    assertEquals(0x11e8, tm.pciDev(edu).device);
    assertEquals(0xc0000000L, tm.barAddress(edu, 0));
    assertSame(edu.model(), edu.model(EduDevice.class));
  }

  @Test
  void askingForAbsentCardsOrBarsSaysWhatThereIs(TestMachine tm) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tm.device(SimpleDmaDevice.class));
    assertEquals("no SimpleDmaDevice #0 in this machine: it has [EduDevice 03:00.0 in slot switch0/0]", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> tm.device(EduDevice.class, 1));
    assertEquals("no EduDevice #1 in this machine: it has [EduDevice 03:00.0 in slot switch0/0]", e.getMessage());
    PluggedDevice edu = tm.device(EduDevice.class);
    e = assertThrows(IllegalArgumentException.class, () -> tm.barAddress(edu, 2));
    assertEquals("EduDevice 03:00.0 in slot switch0/0 has no BAR 2", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> tm.barAddress(edu, 6));
    assertEquals("BAR index must be 0..5: 6", e.getMessage());
  }

  @Test
  void insmodAndRmmodFailTheTestWithTheErrnoAndTheLog(TestMachine tm) {
    AssertionError e = assertThrows(AssertionError.class, () -> tm.insmod(new EduDriver(), "use_msi=maybe"));
    assertTrue(e.getMessage().startsWith("insmod edu use_msi=maybe returned -22 (EINVAL)\n"), e.getMessage());
    assertTrue(e.getMessage().contains("use_msi"), "the dmesg tail names the parameter: " + e.getMessage());
    e = assertThrows(AssertionError.class, () -> tm.rmmod("edu"));
    assertEquals("rmmod edu returned -2 (ENOENT)", e.getMessage());
  }

  @Test
  void recordingStartsBeforeBootSoEnumerationIsOnTheLink(TestMachine tm) {
    PluggedDevice edu = tm.device(EduDevice.class);
    TlpLog enumeration = tm.tlps().all().at(edu).configTo(edu.bdf());
    assertEquals(TlpType.CFGRD0, enumeration.list().get(0).tlp().type());
    assertEquals(0, enumeration.list().get(0).tlp().register(), "the first look is at the Vendor ID");
    assertEquals(0, tm.tlps().dropped());
    assertEquals(tm.tlps().total(), tm.tlps().all().size());
  }

  @Test
  void virtualTimePassesExactlyAsAskedAndNeverBackwards(TestMachine tm) {
    long t0 = tm.nowNs();
    tm.runFor(Duration.ofMillis(3));
    assertEquals(t0 + 3_000_000, tm.nowNs());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tm.runFor(Duration.ofNanos(-1)));
    assertEquals("cannot run for a negative time: PT-0.000000001S", e.getMessage());
  }

  @Test
  void processesAreNamedAndKeptAndTheUsersOutputIsCaptured(TestMachine tm) {
    Process a = tm.process("a");
    assertSame(a, tm.process("a"));
    assertNotSame(a, tm.process("b"));
    assertTrue(a.pid() != tm.process("b").pid());
    Libc user = tm.user();
    assertEquals(-1, user.open("/dev/nothere", Libc.O_RDWR));
    user.perror("open /dev/nothere");
    user.stdout().println("hello");
    assertEquals("open /dev/nothere: No such file or directory\n", tm.userStderr());
    assertEquals("hello\n", tm.userStdout());
  }

  @Nested
  class WithAMachineSetup {
    @MachineSetup
    Machine iommuMachineWithoutASwitch() {
      Machine m = Machine.builder().iommu(true).switchSlots(0).build();
      m.slot("00:03.0").plug(new SimpleDmaDevice());
      return m;
    }

    @Test
    void theSetupBuildsTheMachineAndTheOuterClassesCardsJoinIt(TestMachine tm) {
      assertTrue(tm.machine().iommu().enabled());
      assertTrue(tm.kernel().dmesg().contains("DMAR: IOMMU enabled"));
      assertEquals(2, tm.devices().size());
      assertEquals("00:02.0", tm.device(EduDevice.class).slot().name(), "@WithDevice takes the first free slot");
      assertEquals("00:03.0", tm.device(SimpleDmaDevice.class).slot().name());
      assertSame(fromBeforeEach, tm, "the outer class's @BeforeEach saw this machine too");
    }
  }
}
