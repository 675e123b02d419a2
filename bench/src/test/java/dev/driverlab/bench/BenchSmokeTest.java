package dev.driverlab.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.bench.drv.EduIrqDriver;
import dev.driverlab.devices.model.DmaResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each benchmark's setup, one round of each measured method and its teardown, outside JMH: the
 * values a benchmark returns are the real ones, and teardown's own checks (no driver bugs, every
 * raise handled) pass.
 */
class BenchSmokeTest {
  @Test
  void mmioBenchReadsBackWhatItWroteOnEveryLayer() {
    MmioBench b = new MmioBench();
    b.boot();
    try {
      b.iowrite32();                                  // scratch = 1
      assertEquals(1, b.ioread32());
      assertEquals(1, b.ioread32EnterPerOp());
      assertEquals(1, b.machineRead());
      assertEquals(1, b.rootComplexRead());
    } finally {
      b.shutdown();
    }
  }

  @Test
  void mmioLayersBenchPiecesReturnTheRealValues() {
    MmioLayersBench b = new MmioLayersBench();
    b.boot();
    try {
      assertSame(b.kernelCurrent(), b.kernelCurrent());
      assertTrue(b.kernelTranslate() >= 0xC000_0000L && b.kernelTranslate() < 0xE000_0000L,
          Long.toHexString(b.kernelTranslate()));
      assertEquals(0x1234_5678L, b.tlpReadPair());
      assertTrue(b.kernelCallSite().startsWith("MmioLayersBench.kernelCallSite(MmioLayersBench.java:"), b.kernelCallSite());
    } finally {
      b.shutdown();
    }
  }

  @Test
  void bootBenchGetsTheDriversInitialValue() {
    BootBench b = new BootBench();
    assertEquals(123, b.bootToIoctl());
    assertEquals(123, b.bootToIoctl(), "a second machine on the same thread boots the same way");
    assertEquals("6.6.0-driverlab", b.bootShutdown());
  }

  @Test
  void irqBenchRunsTheHandlerOncePerRaiseWithMsi() {
    irqRounds("MSI");
  }

  @Test
  void irqBenchRunsTheHandlerOncePerRaiseWithIntx() {
    irqRounds("INTX");
  }

  private static void irqRounds(String type) {
    IrqBench b = new IrqBench();
    b.type = type;
    b.boot();                                         // raises once and checks it was handled
    for (int i = 1; i <= 100; i++) {
      assertEquals(1 + i, b.raiseToHandler());
    }
    b.postedWrite();
    b.shutdown();                                     // checks raised == handled, no IRQ_NONE, no bugs
  }

  @Test
  void eduIrqDriverRefusesAnUnknownInterruptType() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EduIrqDriver(4));
    assertEquals("irqType must be PCI_IRQ_MSI (2) or PCI_IRQ_INTX (1): 4", e.getMessage());
  }

  @Test
  void dmaBenchMovesTheSameBytesBothWaysAndCountsThem() {
    DmaBench.Payload p = new DmaBench.Payload();
    p.mib = 1;
    p.fill();
    DmaBench.ReadPath read = new DmaBench.ReadPath();
    read.mrrs = 4096;
    read.build(p);                                    // verifies one transfer each way
    DmaBench.WritePath write = new DmaBench.WritePath();
    write.build(p);
    DmaBench.Bytes c = new DmaBench.Bytes();
    DmaBench bench = new DmaBench();
    java.util.Arrays.fill(p.dst, (byte) 0);
    assertArrayEquals(p.src, bench.hostToDevice(read, p, c));
    write.machine.fillRam(DmaBench.HOST_BUFFER, p.len, (byte) 0);
    assertEquals(DmaResult.OK, bench.deviceToHost(write, p, c));
    byte[] ram = new byte[p.len];
    write.machine.readRam(DmaBench.HOST_BUFFER, ram, 0, p.len);
    assertArrayEquals(p.src, ram);
    bench.arraycopy(p, c);
    assertEquals(3L << 20, c.bytes);
  }

  @Test
  void riffaBenchEchoesAMegabyteThroughTheDriver() {
    RiffaBench.Loop loop = new RiffaBench.Loop();
    loop.size = 1 << 20;
    loop.boot();                                      // checks the echo word for word
    try {
      RiffaBench.Bytes c = new RiffaBench.Bytes();
      assertEquals(1 << 18, new RiffaBench().loopback(loop, c));
      assertEquals(2L << 20, c.bytes);
    } finally {
      loop.shutdown();
    }
    RiffaBench.Arrays3 arrays = new RiffaBench.Arrays3();
    arrays.size = 4096;
    arrays.fill();
    RiffaBench.Bytes c = new RiffaBench.Bytes();
    assertArrayEquals(arrays.a, new RiffaBench().arraycopyTwice(arrays, c));
    assertEquals(8192, c.bytes);
  }

  @Test
  void throughputReportDividesByTheArraycopyRowOfTheSameSize() {
    List<ThroughputReport.Row> rows = List.of(
        new ThroughputReport.Row("DmaBench", "arraycopy", "mib=1", "1", 8e9, 1e8),
        new ThroughputReport.Row("DmaBench", "hostToDevice", "mib=1 mrrs=512", "1", 2e9, 1e7),
        new ThroughputReport.Row("DmaBench", "arraycopy", "mib=4", "4", 4e9, 1e8),
        new ThroughputReport.Row("DmaBench", "deviceToHost", "mib=4 mrrs=512", "4", 1e9, 1e7));
    String[] lines = ThroughputReport.format(rows).split("\n");
    assertEquals(5, lines.length);
    assertEquals(List.of("class", "method", "params", "MB/s", "±", "MB/s", "ratio"), tokens(lines[0]));
    assertEquals(List.of("DmaBench", "arraycopy", "mib=1", "8000.0", "100.0", "1.000"), tokens(lines[1]));
    assertEquals(List.of("DmaBench", "hostToDevice", "mib=1", "mrrs=512", "2000.0", "10.0", "0.250"), tokens(lines[2]));
    assertEquals(List.of("DmaBench", "deviceToHost", "mib=4", "mrrs=512", "1000.0", "10.0", "0.250"), tokens(lines[4]));
  }

  @Test
  void throughputReportPrintsADashWhenNoArraycopyRowMatches() {
    String[] lines = ThroughputReport.format(List.of(
        new ThroughputReport.Row("DmaBench", "hostToDevice", "mib=16 mrrs=512", "16", 1e9, 1e7))).split("\n");
    assertEquals(List.of("DmaBench", "hostToDevice", "mib=16", "mrrs=512", "1000.0", "10.0", "-"), tokens(lines[1]));
  }

  private static List<String> tokens(String line) {
    return List.of(line.trim().split("\\s+"));
  }
}
