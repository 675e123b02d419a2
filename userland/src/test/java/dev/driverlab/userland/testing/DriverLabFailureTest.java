package dev.driverlab.userland.testing;

import static dev.driverlab.kernel.mm.Mm.GFP_KERNEL;
import static dev.driverlab.kernel.mm.Mm.kmalloc;
import static dev.driverlab.userland.testing.InnerJUnit.outcome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.edu.EduDevice;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.drivers.edu.EduDriver;
import dev.driverlab.drivers.myioctl.MyIoctl;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.fs.Chrdev;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.sched.KernelHang;
import dev.driverlab.kernel.sched.Wait;
import dev.driverlab.kernel.sched.WaitQueueHead;
import dev.driverlab.userland.libc.Libc;
import dev.driverlab.userland.testing.InnerJUnit.OnlyInner;
import dev.driverlab.userland.testing.InnerJUnit.Outcome;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.opentest4j.AssertionFailedError;

/**
 * How tests under {@link DriverLabTest} fail: each case runs a small inner test class through the JUnit
 * Platform ({@link InnerJUnit}) and checks the outcome and the whole failure text a student would read.
 */
class DriverLabFailureTest {

  // ---- a failing assertion carries the machine's state ------------------------------------------

  @DriverLabTest
  @WithDevice(EduDevice.class)
  @OnlyInner
  static class AssertionAfterProbe {
    @Test
    void failsAfterProbe(TestMachine tm) {
      tm.insmod(new EduDriver());
      assertEquals(1, 2, "the value");
    }
  }

  @Test
  void aFailedAssertionKeepsItsMessageAndValuesAndGainsTheDmesgTailAndTheLastTlps() {
    Outcome o = outcome(InnerJUnit.run(AssertionAfterProbe.class), "failsAfterProbe");

    assertTrue(o.failed(), o.toString());
    AssertionFailedError e = assertInstanceOf(AssertionFailedError.class, o.throwable());
    assertEquals(1, e.getExpected().getValue(), "IDEs still get expected and actual");
    assertEquals(2, e.getActual().getValue());
    assertInstanceOf(AssertionFailedError.class, e.getCause(), "the original failure is the cause");
    assertEquals("failsAfterProbe", e.getStackTrace()[firstFrameOf(e, AssertionAfterProbe.class)].getMethodName());
    String m = e.getMessage();
    assertTrue(m.startsWith("the value ==> expected: <1> but was: <2>\n\n── DriverLab machine state at "), m);
    assertTrue(m.contains("\nbug reports: none\n"), m);
    assertTrue(m.contains("\ndmesg (last 30 of "), m);
    assertTrue(m.contains("] edu: driver loaded (major 254, MSI)"), m);
    assertTrue(m.contains("\nTLPs (last 20 of "), m);
    // the probe's last TLPs: it acked stale interrupts (MWr to irq ack at BAR0 + 0x64) on the card's link
    assertTrue(m.contains("switch0/0  DOWN  MWr    req=00:00.0 tag=00 addr=00000000c0000064 len=1 be=f/0"), m);
    assertEquals(20, m.lines().filter(l -> l.matches("  +\\d+\\.\\d{3} us  .*")).count(), m);
  }

  private static int firstFrameOf(Throwable t, Class<?> c) {
    StackTraceElement[] st = t.getStackTrace();
    for (int i = 0; i < st.length; i++) {
      if (st[i].getClassName().equals(c.getName())) {
        return i;
      }
    }
    throw new AssertionError("no frame of " + c.getName());
  }

  // ---- other exceptions keep their type ---------------------------------------------------------

  @DriverLabTest
  @OnlyInner
  static class Exceptions {
    @Test
    void throwsIllegalState() {
      throw new IllegalStateException("boom");
    }

    @Test
    void waitsForever(Kernel k) {
      try (Kernel.Scope s = k.enter()) {
        Wait.wait_event(new WaitQueueHead("never"), () -> false);
      }
    }
  }

  @Test
  void anExceptionKeepsItsTypeAndCarriesTheStateAsASuppressedException() {
    List<Outcome> r = InnerJUnit.run(Exceptions.class);

    Outcome boom = outcome(r, "throwsIllegalState");
    assertInstanceOf(IllegalStateException.class, boom.throwable());
    assertEquals("boom", boom.message());
    assertEquals(1, boom.throwable().getSuppressed().length);
    Throwable state = boom.throwable().getSuppressed()[0];
    assertInstanceOf(DriverLabExtension.MachineStateAtFailure.class, state);
    assertTrue(state.getMessage().startsWith("── DriverLab machine state at 0.000000 s (virtual) ──"), state.getMessage());

    Outcome hang = outcome(r, "waitsForever");
    assertInstanceOf(KernelHang.class, hang.throwable());
    assertTrue(hang.message().contains("waits for"), hang.message());
    assertTrue(hang.throwable().getSuppressed()[0].getMessage().contains("\ndmesg (last 30 of "));
  }

  // ---- bug reports at the end of the test -------------------------------------------------------

  @DriverLabTest
  @OnlyInner
  static class Reports {
    @Test
    void provokesAUsercopyReport(TestMachine tm, Libc user) {
      tm.insmod(new MyIoctl());
      user.mknod("/dev/myioctl", Chrdev.MKDEV(MyIoctl.MAJOR_NUM, 0));
      int fd = user.open("/dev/myioctl", Libc.O_RDWR);
      user.ioctl(fd, MyIoctl.MY_IOCTL_GET, 0xffff_8880_0000_0000L);
    }

    @Test
    @ExpectBugs(Check.USERCOPY)
    void provokesItOnPurpose(TestMachine tm, Libc user) {
      provokesAUsercopyReport(tm, user);
    }

    @Test
    void provokesItAndSaysSoInCode(TestMachine tm, Libc user) {
      tm.expectBug(Check.USERCOPY);
      provokesAUsercopyReport(tm, user);
    }

    @Test
    @ExpectBugs(Check.DMA_API)
    void expectsAReportThatNeverComes(TestMachine tm) {
      tm.insmod(new MyIoctl());
    }
  }

  @Test
  void anUnexpectedBugReportFailsThePassingTestAndSaysHowToExpectIt() {
    List<Outcome> r = InnerJUnit.run(Reports.class);

    Outcome o = outcome(r, "provokesAUsercopyReport");
    assertTrue(o.failed(), o.toString());
    String m = o.message();
    assertTrue(m.startsWith("the kernel reported a driver bug: usercopy: myioctl copy_to_user with a pointer that is "
        + "not a user address (a kernel pointer passed where a __user pointer belongs?) [address=0xffff888000000000] "
        + "[size=4] at MyIoctl.myIoctl(MyIoctl.java:"), m);
    assertTrue(m.contains("\nif the test provokes this on purpose, declare @ExpectBugs(Check.USERCOPY) or call "
        + "expectBug(...)\n\n── DriverLab machine state at "), m);
    assertTrue(m.contains("\nbug reports (1):\n  ! usercopy: myioctl copy_to_user"), m);
    assertTrue(m.contains("------------[ cut here ]------------"), "the WARNING block is in the dmesg tail: " + m);

    assertTrue(outcome(r, "provokesItOnPurpose").passed(), outcome(r, "provokesItOnPurpose").message());
    assertTrue(outcome(r, "provokesItAndSaysSoInCode").passed(), outcome(r, "provokesItAndSaysSoInCode").message());
  }

  @Test
  void anExpectedCheckThatNeverReportsFailsTheTest() {
    Outcome o = outcome(InnerJUnit.run(Reports.class), "expectsAReportThatNeverComes");

    assertTrue(o.failed());
    assertTrue(o.message().startsWith("expected a DMA-API report (Check.DMA_API), but the kernel made none\n\n"),
        o.message());
  }

  // ---- rmmod at the end runs the leak checks ----------------------------------------------------

  /** Allocates in init and never frees: rmmod's leak check catches it. */
  static final class LeakyModule extends KernelModule {
    @Override
    public String name() {
      return "leaky";
    }

    @Override
    protected int init() {
      kmalloc(64, GFP_KERNEL);
      return 0;
    }

    @Override
    protected void exit() {}
  }

  @DriverLabTest
  @OnlyInner
  static class Leaks {
    @Test
    void loadsALeakyModule(TestMachine tm) {
      tm.insmod(new LeakyModule());
    }
  }

  @DriverLabTest(rmmodAtEnd = false)
  @OnlyInner
  static class LeaksWithoutRmmod {
    @Test
    void loadsALeakyModule(TestMachine tm) {
      tm.insmod(new LeakyModule());
    }
  }

  @Test
  void modulesLoadedByTheTestAreUnloadedAtTheEndSoLeaksFailIt() {
    Outcome o = outcome(InnerJUnit.run(Leaks.class), "loadsALeakyModule");
    assertTrue(o.failed());
    assertTrue(o.message().startsWith("the kernel reported a driver bug: leak: module leaky unloaded but left: "
        + "kmalloc'ed 64 bytes at 0x"), o.message());

    assertTrue(outcome(InnerJUnit.run(LeaksWithoutRmmod.class), "loadsALeakyModule").passed());
  }

  // ---- bad declarations fail with a message that says what to fix -------------------------------

  @DriverLabTest
  @OnlyInner
  static class BadDeclarations {
    @Test
    @WithDevice(value = EduDevice.class, count = 0)
    void zeroCards() {}

    @Test
    @WithDevice(value = EduDevice.class, count = 2, slot = "00:02.0")
    void twoCardsInOneSlot() {}

    @Test
    @WithDevice(value = EduDevice.class, slot = "00:09.0")
    void unknownSlot() {}

    @Test
    @WithDevice(value = EduDevice.class, count = 7)
    void moreCardsThanSlots() {}

    @Test
    @WithDevice(NeedsAnArgument.class)
    void modelWithoutNoArgConstructor() {}
  }

  /** A model that cannot be built by @WithDevice. */
  public static final class NeedsAnArgument extends PciDeviceModel {
    public NeedsAnArgument(int unused) {}

    @Override
    protected void declare(FunctionSpec spec) {
      spec.ids(0x1234, 0x0001);
    }
  }

  @Test
  void badDeviceDeclarationsNameTheAnnotationAndTheFix() {
    List<Outcome> r = InnerJUnit.run(BadDeclarations.class);

    assertConfigError(r, "zeroCards",
        "@WithDevice(EduDevice) on BadDeclarations.zeroCards(): count must be at least 1, not 0");
    assertConfigError(r, "twoCardsInOneSlot",
        "@WithDevice(EduDevice) on BadDeclarations.twoCardsInOneSlot(): a named slot (\"00:02.0\") holds one card, "
            + "not 2");
    assertConfigError(r, "unknownSlot", "@WithDevice(EduDevice) on BadDeclarations.unknownSlot(): no slot named "
        + "00:09.0; slots: [switch0/0, switch0/1, switch0/2, switch0/3, 00:02.0, 00:03.0]");
    assertConfigError(r, "moreCardsThanSlots", "@WithDevice(EduDevice) on BadDeclarations.moreCardsThanSlots(): "
        + "no free slot for EduDevice: all 6 slots are occupied");
    assertConfigError(r, "modelWithoutNoArgConstructor", "@WithDevice(NeedsAnArgument) on "
        + "BadDeclarations.modelWithoutNoArgConstructor(): " + NeedsAnArgument.class.getName()
        + " has no public no-argument constructor; build the card in a @MachineSetup method instead");
  }

  @DriverLabTest
  @OnlyInner
  static class TwoSetups {
    @MachineSetup
    Machine one() {
      return Machine.createDefault();
    }

    @MachineSetup
    Machine two() {
      return Machine.createDefault();
    }

    @Test
    void test() {}
  }

  @DriverLabTest
  @OnlyInner
  static class SetupOfTheWrongType {
    @MachineSetup
    String machine() {
      return "not a machine";
    }

    @Test
    void test() {}
  }

  @DriverLabTest
  @OnlyInner
  static class SetupThatThrows {
    @MachineSetup
    static Machine machine() {
      return Machine.builder().ramBytes(1000).build();
    }

    @Test
    void test() {}
  }

  @Test
  void badMachineSetupsSayWhatIsWrong() {
    String two = configError(InnerJUnit.run(TwoSetups.class), "test");
    assertTrue(two.equals("TwoSetups has 2 @MachineSetup methods [one, two]; keep one")
        || two.equals("TwoSetups has 2 @MachineSetup methods [two, one]; keep one"), two);
    assertConfigError(InnerJUnit.run(SetupOfTheWrongType.class), "test",
        "@MachineSetup method SetupOfTheWrongType.machine() must return a Machine, not String");
    assertConfigError(InnerJUnit.run(SetupThatThrows.class), "test",
        "@MachineSetup method SetupThatThrows.machine() threw java.lang.IllegalArgumentException: RAM must be at "
            + "least 16 MiB and a multiple of 64 KiB: 1000");
  }

  @DriverLabTest
  @OnlyInner
  static class MachineBeforeAll {
    @BeforeAll
    static void tooEarly(TestMachine tm) {}

    @Test
    void test() {}
  }

  @Test
  void aMachineCannotBeInjectedBeforeTheTestBootsIt() {
    List<Outcome> r = InnerJUnit.run(MachineBeforeAll.class);
    // a @BeforeAll failure fails the class; its test never starts
    assertTrue(r.stream().noneMatch(Outcome::test), r.toString());
    Throwable t = InnerJUnit.containerFailure(r);
    assertInstanceOf(ParameterResolutionException.class, t);
    assertEquals("TestMachine parameter of MachineBeforeAll.tooEarly: DriverLab injects a machine into @Test, "
        + "@BeforeEach and @AfterEach methods only; each test boots its own, right before its @BeforeEach methods "
        + "(not into constructors, @BeforeAll or @AfterAll)", t.getMessage());
  }

  private static void assertConfigError(List<Outcome> r, String method, String message) {
    assertEquals(message, configError(r, method));
  }

  private static String configError(List<Outcome> r, String method) {
    Outcome o = outcome(r, method);
    assertTrue(o.failed(), o.toString());
    assertInstanceOf(ExtensionConfigurationException.class, o.throwable(), o.toString());
    return o.message();
  }
}
