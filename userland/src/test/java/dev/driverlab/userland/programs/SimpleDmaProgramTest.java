package dev.driverlab.userland.programs;

import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.tlp.AnalyzerText;
import dev.driverlab.devices.simpledma.SimpleDmaDevice;
import dev.driverlab.drivers.simpledma.SimpleDmaDriver;
import dev.driverlab.drivers.simpledma.SimpleDmaUapi;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.userland.libc.Libc;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The simple-dma program on a machine built here: a simple-dma card behind the switch, the driver
 * loaded, and an analyzer on the card's own link recording what the run put on the wire.
 */
class SimpleDmaProgramTest {
  private Kernel k;
  private Slot slot;
  private final List<String> trace = new ArrayList<>();
  private String out;
  private String err;

  private void boot(String... params) {
    Machine m = Machine.createDefault();
    slot = m.plug(new SimpleDmaDevice());
    k = Kernel.boot(m);
    if (params != null) {
      assertEquals(0, k.modules().insmod(new SimpleDmaDriver(), params));
    }
    String link = slot.link().name();
    m.fabric().addObserver((t, dir, name, tlp) -> {
      if (name.equals(link)) {
        trace.add(AnalyzerText.line(t, dir, tlp));
      }
    });
  }

  @AfterEach
  void down() {
    if (k != null) {
      k.shutdown();
    }
  }

  private int run(String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    Process p = k.createProcess("simple-dma");
    int status;
    try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
      status = new SimpleDma().main(new Libc(p, po, pe), args);
    } finally {
      p.exit();
    }
    out = o.toString(StandardCharsets.UTF_8);
    err = e.toString(StandardCharsets.UTF_8);
    return status;
  }

  private List<String> outLines() {
    return out.lines().toList();
  }

  /** Trace lines of the card's own TLPs: its requests, the completions sent to it, its MSI. */
  private List<String> cardTlps() {
    return trace.stream().filter(l -> l.contains("req=03:00.0") && !l.contains("cpl=03:00.0")).toList();
  }

  private static long countOf(List<String> lines, String type) {
    return lines.stream().filter(l -> l.matches(".*(UP|DOWN)\\s+" + type + "\\s.*")).count();
  }

  private String busAddress() {
    Matcher m = Pattern.compile("host DMA buffer at bus address (0x[0-9a-f]{8}) ").matcher(out);
    assertTrue(m.find(), out);
    return m.group(1);
  }

  @Test
  void workedExampleMovesThirtyTwoBytesToDeviceRamAt0x8000() {
    boot();
    assertEquals(0, run(), err);
    String bus = busAddress();
    List<String> lines = outLines();
    assertEquals(List.of(
        "/dev/simple-dma: simple DMA engine v1.0, 64 KiB device RAM, MSI",
        "host DMA buffer at bus address " + bus + " (the tutorial's sat at 0x001ff000)",
        "DMA host -> device: 32 bytes from bus " + bus + " to device RAM 0x8000",
        "on the link: 1 MRd (MRRS 512) answered by 1 CplD (MPS 256), then the MSI write"), lines.subList(0, 4));
    assertTrue(lines.get(4).matches("transfer done in \\d+ ns"), lines.get(4));
    assertEquals(List.of(
        "device RAM 0x8000: 01 02 03 04 01 02 03 04 01 02 03 04 01 02 03 04",
        "device RAM 0x8010: 01 02 03 04 01 02 03 04 01 02 03 04 01 02 03 04",
        "check: 32 of 32 bytes match"), lines.subList(5, 8));
    assertEquals(8, lines.size());
    assertEquals("", err);
  }

  @Test
  void workedExampleOnTheWireIsOneReadOneCompletionWithItsTagAndTheMsi() {
    boot();
    assertEquals(0, run());
    List<String> card = cardTlps();
    assertEquals(3, card.size(), String.join("\n", card));
    String bus = busAddress().substring(2);
    Matcher rd = Pattern.compile("UP\\s+MRd\\s+req=03:00\\.0 tag=([0-9a-f]{2}) addr=0{8}" + bus + " len=8 be=f/f$")
        .matcher(card.get(0));
    assertTrue(rd.find(), card.get(0));
    assertTrue(card.get(1).matches(".*DOWN\\s+CplD\\s+cpl=00:00\\.0 req=03:00\\.0 tag=" + rd.group(1)
        + " st=SC bc=32 la=00 len=8 data=01 02 03 04 .*"), card.get(1));
    assertTrue(card.get(2).matches(".*UP\\s+MWr\\s+req=03:00\\.0 tag=00 addr=00000000fee00000 len=1 .*"), card.get(2));
  }

  @ParameterizedTest(name = "--size {0}")
  @CsvSource({"8K", "65536", "100", "4097"})
  void printedTlpCountsMatchTheLink(String size) throws Exception {
    boot();
    assertEquals(0, run("--size", size), err);
    Matcher m = Pattern.compile("on the link: (\\d+) MRd \\(MRRS \\d+\\) answered by (\\d+) CplD").matcher(out);
    assertTrue(m.find(), out);
    List<String> card = cardTlps();
    assertEquals(Long.parseLong(m.group(1)), countOf(card, "MRd"));
    assertEquals(Long.parseLong(m.group(2)), countOf(card, "CplD"));
    assertEquals(1, countOf(card, "MWr"), "the MSI");
    assertTrue(out.contains("check: " + SimpleDma.parse(new String[] {"--size", size}).size() + " of "));
  }

  @Test
  void largeTransferShowsTheSplitAndTheFirstBytes() {
    boot();
    assertEquals(0, run("--size", "8K", "--offset", "0"));
    assertTrue(out.contains("DMA host -> device: 8192 bytes from bus "), out);
    assertTrue(out.contains("on the link: 16 MRd (MRRS 512) answered by 32 CplD (MPS 256), then the MSI write"), out);
    assertTrue(out.contains("device RAM 0x0030: 01 02 03 04"), out);
    assertTrue(out.contains("... (8128 more bytes)"), out);
    assertTrue(out.endsWith("check: 8192 of 8192 bytes match\n"), out);
  }

  @Test
  void aTransferTooLargeFor0x8000StartsAtOffsetZeroUnlessAnOffsetIsGiven() {
    boot();
    assertEquals(0, run("--size", "64K"), err);
    assertTrue(out.contains("DMA host -> device: 65536 bytes from bus "), out);
    assertTrue(out.contains(" to device RAM 0x0\n"), out);
    assertTrue(out.contains("check: 65536 of 65536 bytes match"), out);
    assertEquals(2, run("--size", "64K", "--offset", "0x8000"));
    assertEquals("simple-dma: --offset 0x8000 + --size 65536 runs past the end of device RAM (65536 bytes)\n", err);
  }

  @Test
  void toHostFillsDeviceRamThenDmasItIntoTheBuffer() {
    boot();
    assertEquals(0, run("--to-host", "--offset=0x100", "--size=40"), err);
    String bus = busAddress();
    List<String> lines = outLines();
    assertEquals(List.of(
        "filled device RAM 0x100..0x127 with the pattern through BAR1",
        "DMA device -> host: 40 bytes from device RAM 0x100 to bus " + bus,
        "on the link: 1 MWr (MPS 256), then the MSI write"), lines.subList(2, 5));
    assertEquals(List.of(
        "host buffer +0x0000: 01 02 03 04 01 02 03 04 01 02 03 04 01 02 03 04",
        "host buffer +0x0010: 01 02 03 04 01 02 03 04 01 02 03 04 01 02 03 04",
        "host buffer +0x0020: 01 02 03 04 01 02 03 04",
        "check: 40 of 40 bytes match"), lines.subList(6, 10));
    assertEquals(0, countOf(cardTlps(), "MRd"), "device to host sends no read");
    assertEquals(2, countOf(cardTlps(), "MWr"), "the payload and the MSI");
  }

  @Test
  void intxModeSaysSo() {
    boot("use_msi=0");
    assertEquals(0, run());
    assertTrue(out.startsWith("/dev/simple-dma: simple DMA engine v1.0, 64 KiB device RAM, INTx\n"), out);
    assertTrue(out.contains("(MPS 256), then Assert_INTA\n"), out);
  }

  @Test
  void helpPrintsUsageAndSucceeds() {
    boot();
    assertEquals(0, run("--help"));
    assertTrue(out.startsWith("usage: simple-dma [--size N] [--offset OFF] [--to-host] [--help]\n"), out);
    assertEquals("", err);
    assertEquals(List.of(), trace, "help touches no hardware");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "--size 0|--size must be 1..65536 bytes: '0'",
      "--size 65537|--size must be 1..65536 bytes: '65537'",
      "--size 65K|--size must be 1..65536 bytes: '65K'",
      "--size abc|--size needs a number (decimal, 0x hex, or with K): 'abc'",
      "--size|--size needs a value",
      "--offset 0x10000|--offset must be 0..0xffff: '0x10000'",
      "--offset -1|--offset must be 0..0xffff: '-1'",
      "--to-host=1|--to-host takes no value: '--to-host=1'",
      "--verbose|unknown option '--verbose'",
      "now|unexpected argument 'now'"})
  void badOptionsPrintTheProblemAndUsageAndExit2(String args, String message) {
    boot();
    assertEquals(2, run(args.split(" ")));
    List<String> lines = err.lines().toList();
    assertEquals("simple-dma: " + message, lines.get(0));
    assertEquals("usage: simple-dma [--size N] [--offset OFF] [--to-host] [--help]", lines.get(1));
    assertEquals("", out);
  }

  @Test
  void aRangePastTheEndOfDeviceRamIsRefusedBeforeAnyDma() {
    boot();
    assertEquals(2, run("--offset", "0xfff0", "--size", "32"));
    assertEquals("simple-dma: --offset 0xfff0 + --size 32 runs past the end of device RAM (65536 bytes)\n", err);
    assertEquals(List.of(), cardTlps());
  }

  @Test
  void withoutTheDriverTheProgramSaysWhatIsMissing() {
    boot((String[]) null);
    assertEquals(1, run());
    assertEquals("simple-dma: /dev/simple-dma: No such file or directory (is the simple_dma module loaded?)\n", err);
  }

  @Test
  void aFailedTransferExitsOneAndPointsAtDmesg() {
    boot("bus_master=0");
    assertEquals(1, run());
    assertEquals("simple-dma: SDMA_IOC_TRANSFER: Input/output error (see dmesg)\n", err);
    assertTrue(k.dmesg().contains("(BUS_MASTER_DISABLED)"));
  }

  @Test
  void aMismatchIsReportedWithTheFirstBadByteAndExitsOne() {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    byte[] expected = SimpleDma.pattern(32);
    byte[] arrived = expected.clone();
    arrived[5] = 0;
    arrived[9] = 0;
    assertEquals(1, SimpleDma.check(new PrintStream(o, true, StandardCharsets.UTF_8), expected, arrived,
        "device RAM ", 0x8000));
    assertEquals("check: FAILED: 2 of 32 bytes differ, the first at device RAM 0x8005: expected 02, got 00\n",
        o.toString(StandardCharsets.UTF_8));
  }

  @Test
  void expectedTlpCountsFollowTheSpecRules() {
    assertEquals(1, SimpleDma.reads(0x1000000, 32, 512));
    assertEquals(2, SimpleDma.reads(0x1000ff0, 32, 512), "a read never crosses 4 KiB");
    assertEquals(3, SimpleDma.completions(0x1000000 + 32, 512, 512, 256), "first one up to the RCB boundary");
    assertEquals(512, SimpleDma.writes(0, 65536, 128));
  }

  @Test
  void commandNumbersAndLayoutsMatchTheDriver() {
    assertEquals(SimpleDmaUapi.SDMA_IOC_INFO, SimpleDma.SDMA_IOC_INFO);
    assertEquals(SimpleDmaUapi.SDMA_IOC_TRANSFER, SimpleDma.SDMA_IOC_TRANSFER);
    assertEquals(SimpleDmaUapi.SDMA_IOC_READ_RAM, SimpleDma.SDMA_IOC_READ_RAM);
    assertEquals(SimpleDmaUapi.SDMA_IOC_WRITE_RAM, SimpleDma.SDMA_IOC_WRITE_RAM);
    assertEquals(SimpleDmaUapi.SDMA_IRQ_MSI, SimpleDma.SDMA_IRQ_MSI);
    assertEquals("/dev/" + SimpleDmaUapi.deviceName(0), SimpleDma.DEVICE);
  }
}
