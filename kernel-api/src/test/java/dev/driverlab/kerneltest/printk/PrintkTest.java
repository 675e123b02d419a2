package dev.driverlab.kerneltest.printk;

import static dev.driverlab.kernel.printk.Printk.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.printk.Dmesg;
import dev.driverlab.kerneltest.KernelRig;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** printk levels, the dmesg ring and its line format on virtual time. */
class PrintkTest {
  private final KernelRig rig = KernelRig.boot();

  @AfterEach
  void shutdown() {
    rig.close();
  }

  private Dmesg.Line last() {
    List<Dmesg.Line> lines = rig.kernel.dmesg().lines();
    return lines.get(lines.size() - 1);
  }

  @Test
  void kernLevelPrefixBecomesTheLineLevel() {
    printk(KERN_ERR + "disk on fire: %d", 3);
    assertEquals(3, last().level());
    assertEquals("disk on fire: 3", last().text());
  }

  @Test
  void printkWithoutALevelUsesTheDefaultWarningLevel() {
    printk("no level");
    assertEquals(DEFAULT_LEVEL, last().level());
    assertEquals(4, DEFAULT_LEVEL);
  }

  @Test
  void prHelpersUseTheirLevels() {
    int[] want = {0, 3, 4, 5, 6, 7};
    pr_emerg("e");
    assertEquals(want[0], last().level());
    pr_err("e");
    assertEquals(want[1], last().level());
    pr_warn("w");
    assertEquals(want[2], last().level());
    pr_notice("n");
    assertEquals(want[3], last().level());
    pr_info("i");
    assertEquals(want[4], last().level());
    pr_debug("d");
    assertEquals(want[5], last().level());
  }

  @Test
  void printkReturnsTheNumberOfCharactersPrinted() {
    assertEquals(6, printk(KERN_INFO + "x=%04d", 42));
  }

  @Test
  void trailingNewlineDoesNotMakeAnEmptyLine() {
    int before = rig.kernel.dmesg().lines().size();
    pr_info("one line\n");
    assertEquals(before + 1, rig.kernel.dmesg().lines().size());
    assertEquals("one line", last().text());
  }

  @Test
  void embeddedNewlinesMakeSeparateLines() {
    int before = rig.kernel.dmesg().lines().size();
    pr_info("first\nsecond\n");
    List<Dmesg.Line> lines = rig.kernel.dmesg().lines();
    assertEquals(before + 2, lines.size());
    assertEquals("first", lines.get(before).text());
    assertEquals("second", lines.get(before + 1).text());
  }

  @Test
  void continuationAppendsToThePreviousLine() {
    pr_info("values:");
    pr_cont(" %d", 1);
    printk(KERN_CONT + " %d", 2);
    assertEquals("values: 1 2", last().text());
    assertEquals(6, last().level());
  }

  @Test
  void lineFormatShowsVirtualSecondsAndMicroseconds() {
    rig.kernel.runFor(100_000_000L);
    pr_info("text");
    assertEquals("[    0.100000] text", last().format());
  }

  @Test
  void lineTimestampFollowsVirtualTimeExactly() {
    rig.kernel.runFor(12_345_678_900L);
    pr_info("later");
    assertEquals(12_345_678_900L, last().timeNs());
    assertEquals("[   12.345678] later", last().format());
  }

  @Test
  void dmesgTextIsEveryLineFormatted() {
    rig.kernel.runFor(2_000_000L);
    pr_info("marker %s", "here");
    assertTrue(rig.kernel.dmesg().text().endsWith("[    0.002000] marker here\n"));
    assertTrue(rig.kernel.dmesg().contains("marker here"));
    assertEquals(List.of("[    0.002000] marker here"), rig.kernel.dmesg().tail(1));
  }

  @Test
  void bootLogStartsWithTheLinuxVersionBanner() {
    Dmesg.Line first = rig.kernel.dmesg().lines().get(0);
    assertEquals("Linux version 6.6.0-driverlab (driverlab@driverlab) #1 SMP PREEMPT", first.text());
    assertEquals("[    0.000000] Linux version 6.6.0-driverlab (driverlab@driverlab) #1 SMP PREEMPT", first.format());
  }

  @Test
  void devInfoPrefixesDriverAndDeviceNames() {
    Device d = new Device("0000:03:00.0", null);
    dev_info(d, "no driver yet");
    assertEquals("0000:03:00.0: no driver yet", last().text());
    d.setDriverName("scratch");
    dev_err(d, "bad %s", "thing");
    assertEquals("scratch 0000:03:00.0: bad thing", last().text());
    assertEquals(3, last().level());
  }

  @Test
  void devInfoOfANullDeviceSaysSo() {
    dev_warn(null, "orphan %d", 1);
    assertEquals("(NULL device *): orphan 1", last().text());
  }

  @Test
  void aPercentSignInADeviceNameIsPrintedAsIs() {
    dev_info(new Device("odd%sname", null), "x=%d", 5);
    assertEquals("odd%sname: x=5", last().text());
  }
}
