package dev.driverlab.userland.programs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.edu.EduDevice;
import dev.driverlab.drivers.edu.EduDriver;
import dev.driverlab.drivers.edu.EduUapi;
import dev.driverlab.drivers.myioctl.MyIoctl;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.fs.Chrdev;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.userland.libc.Libc;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** edu-test against a machine built here: edu cards, the edu driver, one process. */
class EduTestProgramTest {
  private Kernel k;
  private String out;
  private String err;

  @AfterEach
  void down() {
    if (k != null) {
      k.shutdown();
    }
  }

  /** Boots a default machine with {@code cards} edu cards; loads edu with {@code params} unless null. */
  private void boot(int cards, String... params) {
    Machine m = Machine.createDefault();
    for (int i = 0; i < cards; i++) {
      m.plug(new EduDevice());
    }
    k = Kernel.boot(m);
    if (params != null) {
      assertEquals(0, k.modules().insmod(new EduDriver(), params));
    }
  }

  private int run(String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    Process p = k.createProcess("edu-test");
    int status;
    try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
      status = new EduTest().main(new Libc(p, po, pe), args);
    } finally {
      p.exit();
    }
    out = o.toString(StandardCharsets.UTF_8);
    err = e.toString(StandardCharsets.UTF_8);
    return status;
  }

  private static List<String> passingOutput(String device) {
    List<String> lines = new ArrayList<>();
    lines.add("edu: ident 0x010000ed (version 1.0)");
    lines.add("liveness: wrote 0x12345678, read 0xedcba987 (ok)");
    long f = 1;
    for (int n = 0; n <= 12; n++) {
      f *= Math.max(n, 1);
      lines.add("factorial(" + n + ") = " + f + " (ok)");
    }
    lines.add("dma: 4096 bytes to device and back: match");
    lines.add("edu-test: " + device + ": all checks passed");
    return lines;
  }

  @Test
  void itsCopyOfTheIoctlAbiMatchesTheDriver() {
    assertEquals(EduUapi.EDU_IOC_IDENT, EduTest.EDU_IOC_IDENT);
    assertEquals(EduUapi.EDU_IOC_LIVENESS, EduTest.EDU_IOC_LIVENESS);
    assertEquals(EduUapi.EDU_IOC_FACTORIAL, EduTest.EDU_IOC_FACTORIAL);
    assertEquals(EduUapi.EDU_IOC_DMA_TO_DEVICE, EduTest.EDU_IOC_DMA_TO_DEVICE);
    assertEquals(EduUapi.EDU_IOC_DMA_FROM_DEVICE, EduTest.EDU_IOC_DMA_FROM_DEVICE);
    assertEquals(EduUapi.EDU_DMA_XFER_SIZE, EduTest.EDU_DMA_XFER_SIZE);
    assertEquals(EduUapi.EDU_BUFFER_SIZE, EduTest.EDU_BUFFER_SIZE);
    assertEquals(EduUapi.devicePath(0), EduTest.DEFAULT_DEVICE);
  }

  @Test
  void allChecksPassOnAWorkingCard() {
    boot(1);
    assertEquals(0, run(), err);
    assertEquals(passingOutput("/dev/edu0"), out.lines().toList());
    assertEquals("", err);
    assertTrue(k.bugs().reports().isEmpty(), k.bugs().reports().toString());
  }

  @Test
  void allChecksPassWithIntx() {
    boot(1, "use_msi=0");
    assertEquals(0, run(), err);
    assertEquals(passingOutput("/dev/edu0"), out.lines().toList());
  }

  @Test
  void dashDPicksTheCard() {
    boot(2);
    List<PciDev> edus = k.pci().devices().stream().filter(d -> d.device == 0x11e8).toList();
    int irq0 = edus.get(0).irqVectors().get(0);
    int irq1 = edus.get(1).irqVectors().get(0);
    assertEquals(0, run("-d", "/dev/edu1"), err);
    assertEquals(passingOutput("/dev/edu1"), out.lines().toList());
    assertEquals(0, k.irq().count(irq0), "card 0 was not used");
    assertEquals(15, k.irq().count(irq1), "13 factorials and 2 DMAs on card 1");
  }

  @Test
  void helpPrintsUsageAndSucceeds() {
    boot(0, (String[]) null);
    assertEquals(0, run("--help"));
    assertEquals(EduTest.USAGE + "\n", out);
    assertEquals("", err);
  }

  @Test
  void badCommandLinesPrintUsageOnStderrAndExit2() {
    boot(0, (String[]) null);
    assertEquals(2, run("-x"));
    assertEquals("edu-test: bad argument '-x'\n" + EduTest.USAGE + "\n", err);
    assertEquals("", out);
    assertEquals(2, run("-d"));
    assertTrue(err.startsWith("edu-test: option -d needs a device\nusage: edu-test"), err);
    assertEquals(2, run("/dev/edu0"));
    assertTrue(err.startsWith("edu-test: bad argument '/dev/edu0'\n"), err);
  }

  @Test
  void withoutTheDriverOpenFailsAndTheExitStatusIs1() {
    boot(1, (String[]) null);
    assertEquals(1, run());
    assertEquals("edu-test: /dev/edu0: open: No such file or directory\n", err);
    assertEquals("", out);
  }

  @Test
  void aNodeOfAnotherDriverFailsAtTheFirstIoctl() {
    boot(0, (String[]) null);
    assertEquals(0, k.modules().insmod(new MyIoctl()));
    Process udev = k.createProcess("udevd");
    assertEquals(0, udev.mknod("/dev/myioctl", Chrdev.MKDEV(MyIoctl.MAJOR_NUM, 0)));
    udev.exit();
    assertEquals(1, run("-d", "/dev/myioctl"));
    assertEquals("edu-test: /dev/myioctl: ioctl EDU_IOC_IDENT: Inappropriate ioctl for device\n", err);
  }

  @Test
  void aRequestThatTimesOutFailsWithTheErrno() {
    boot(1, "skip_set_master=1", "timeout_ms=20");       // MSI lost without bus mastering
    assertEquals(1, run());
    assertEquals(List.of("edu: ident 0x010000ed (version 1.0)", "liveness: wrote 0x12345678, read 0xedcba987 (ok)"),
        out.lines().toList());
    assertEquals("edu-test: /dev/edu0: ioctl EDU_IOC_FACTORIAL: Connection timed out\n", err);
  }

  @Test
  void dataThatDoesNotComeBackIsAMismatch() {
    boot(1, "skip_set_master=1", "use_msi=0");           // INTx arrives, but no DMA is issued
    assertEquals(1, run());
    List<String> lines = out.lines().toList();
    assertEquals("factorial(12) = 479001600 (ok)", lines.get(lines.size() - 2));
    assertEquals("dma: 4096 bytes to device and back: MISMATCH in 4080 bytes, first at byte 0 "
        + "(wrote 0x05, read 0x00)", lines.get(lines.size() - 1));
    assertEquals("edu-test: /dev/edu0: some checks FAILED\n", err);
  }
}
