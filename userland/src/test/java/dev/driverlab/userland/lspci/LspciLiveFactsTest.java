package dev.driverlab.userland.lspci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What lspci prints when the OS adds facts to the config space: region sizes, the bound driver,
 * the IRQ. Uses QEMU's edu device (1234:11e8, class 00ff, 1 MiB BAR 0, MSI) as a live machine
 * would show it.
 */
class LspciLiveFactsTest {

  /** edu's config space: memory+I/O+master on, BAR 0 at fe000000, an MSI capability at 0x40. */
  private static byte[] eduConfig(long bar0) {
    byte[] c = new byte[256];
    put16(c, 0x00, 0x1234);
    put16(c, 0x02, 0x11e8);
    put16(c, 0x04, 0x0007);
    put16(c, 0x06, 0x0010);
    c[0x08] = 0x10;
    c[0x0a] = (byte) 0xff;
    put32(c, 0x10, bar0);
    put16(c, 0x2c, 0x1af4);
    put16(c, 0x2e, 0x1100);
    c[0x34] = 0x40;
    c[0x3c] = 0x0b;
    c[0x3d] = 0x01;
    c[0x40] = 0x05;
    put16(c, 0x42, 0x0080);
    return c;
  }

  private static void put16(byte[] c, int at, int v) {
    c[at] = (byte) v;
    c[at + 1] = (byte) (v >> 8);
  }

  private static void put32(byte[] c, int at, long v) {
    put16(c, at, (int) v);
    put16(c, at + 2, (int) (v >> 16));
  }

  private static final long[] ONE_MIB_BAR0 = {1 << 20, 0, 0, 0, 0, 0};

  private static String lspci(PciFunctionInfo f, String... options) {
    return Lspci.format(List.of(f), PciIds.empty(), LspciOptions.parse(options));
  }

  @Test
  void verboseShowsRegionSizeIrqAndDriver() {
    PciFunctionInfo edu = PciFunctionInfo.of(0, 0, 4, 0, eduConfig(0xfe000000L))
        .withLiveFacts(ONE_MIB_BAR0, 0, "edu", 10);
    assertEquals(String.join("\n",
        "00:04.0 Class 00ff: Device 1234:11e8 (rev 10)",
        "\tSubsystem: Device 1af4:1100",
        "\tControl: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- "
            + "FastB2B- DisINTx-",
        "\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- "
            + ">SERR- <PERR- INTx-",
        "\tLatency: 0",
        "\tInterrupt: pin A routed to IRQ 10",
        "\tRegion 0: Memory at fe000000 (32-bit, non-prefetchable) [size=1M]",
        "\tCapabilities: [40] MSI: Enable- Count=1/1 Maskable- 64bit+",
        "\t\tAddress: 0000000000000000  Data: 0000",
        "\tKernel driver in use: edu",
        "", ""), lspci(edu, "-vv"));
  }

  @Test
  void singleVerboseUsesFlagsLineAndUnnumberedRegion() {
    PciFunctionInfo edu = PciFunctionInfo.of(0, 0, 4, 0, eduConfig(0xfe000000L))
        .withLiveFacts(ONE_MIB_BAR0, 0, "edu", 10);
    String out = lspci(edu, "-v");
    assertTrue(out.contains("\tFlags: bus master, fast devsel, latency 0, IRQ 10\n"), out);
    assertTrue(out.contains("\tMemory at fe000000 (32-bit, non-prefetchable) [size=1M]\n"), out);
  }

  @Test
  void kernelSwitchAddsSubsystemAndDriverToTheShortForm() {
    PciFunctionInfo edu = PciFunctionInfo.of(0, 0, 4, 0, eduConfig(0xfe000000L))
        .withLiveFacts(ONE_MIB_BAR0, 0, "edu", 10);
    assertEquals("00:04.0 Class 00ff: Device 1234:11e8 (rev 10)\n"
        + "\tSubsystem: Device 1af4:1100\n"
        + "\tKernel driver in use: edu\n", lspci(edu, "-k"));
  }

  @Test
  void withoutLiveFactsTheDumpFormIsPrinted() {
    PciFunctionInfo edu = PciFunctionInfo.of(0, 0, 4, 0, eduConfig(0xfe000000L));
    String out = lspci(edu, "-vv");
    assertTrue(out.contains("\tRegion 0: Memory at fe000000 (32-bit, non-prefetchable)\n"), out);
    assertTrue(out.contains("\tInterrupt: pin A routed to IRQ 11\n"), out);
    assertTrue(!out.contains("Kernel driver"), out);
  }

  @Test
  void osAddressOverAZeroBarIsVirtual() {
    PciFunctionInfo edu = PciFunctionInfo.of(0, 0, 4, 0, eduConfig(0))
        .withLiveFacts(ONE_MIB_BAR0, 0, null, -1)
        .withBarAddresses(new long[] {0xfe000000L, 0, 0, 0, 0, 0});
    assertTrue(lspci(edu, "-vv").contains(
        "\tRegion 0: Memory at fe000000 (32-bit, non-prefetchable) [virtual] [size=1M]\n"));
  }

  @Test
  void sizesUseTheLargestWholeUnit() {
    Out out = new Out();
    RegionPrinter.size(out, 4096);
    RegionPrinter.size(out, 1536);
    RegionPrinter.size(out, 1L << 32);
    RegionPrinter.size(out, 0);
    assertEquals(" [size=4K] [size=1536] [size=4G]", out.toString());
  }

  @Test
  void namesComeFromTheDatabaseWhenGiven() {
    PciIds ids = PciIds.parse("1af4  Red Hat, Inc.\nC 00  Unclassified device\n");
    PciFunctionInfo edu = PciFunctionInfo.of(0, 0, 4, 0, eduConfig(0xfe000000L));
    assertEquals("00:04.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)\n",
        Lspci.format(List.of(edu), ids, LspciOptions.DEFAULT));
    assertEquals("00:04.0 Unclassified device [00ff]: Device [1234:11e8] (rev 10)\n",
        Lspci.format(List.of(edu), ids, LspciOptions.parse("-nn")));
    assertEquals("00:04.0 00ff: 1234:11e8 (rev 10)\n",
        Lspci.format(List.of(edu), ids, LspciOptions.parse("-n")));
  }

  @Test
  void functionsAreSortedAndDomainsShownWhenAnyIsNonZero() {
    PciFunctionInfo a = PciFunctionInfo.of(1, 0, 0, 0, eduConfig(0));
    PciFunctionInfo b = PciFunctionInfo.of(0, 0, 4, 0, eduConfig(0));
    String out = Lspci.format(List.of(a, b), PciIds.empty(), LspciOptions.DEFAULT);
    assertEquals("0000:00:04.0 Class 00ff: Device 1234:11e8 (rev 10)\n"
        + "0001:00:00.0 Class 00ff: Device 1234:11e8 (rev 10)\n", out);
  }
}
