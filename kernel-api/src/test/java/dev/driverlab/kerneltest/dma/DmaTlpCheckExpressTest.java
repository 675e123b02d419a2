package dev.driverlab.kerneltest.dma;

import static dev.driverlab.kernel.dma.Dma.*;
import static dev.driverlab.kernel.mm.Mm.GFP_KERNEL;
import static dev.driverlab.kernel.mm.Mm.kmalloc;
import static dev.driverlab.kernel.pci.Pci.pci_enable_device;
import static dev.driverlab.kernel.pci.Pci.pci_set_master;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.Switch;
import dev.driverlab.devices.testing.ExpressSpy;
import dev.driverlab.kernel.check.KernelChecks;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.printk.Dmesg;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The DMA-API debug check of device DMA (DMA-TLP) through the DMA express. The kernel installs its
 * two bus checks at boot, the DMA-TLP check and the protocol checker, both {@link ExpressObserver}s,
 * so a device's DMA may take the express. Each scenario is played twice from the same code, on a
 * machine with only those (and a counting observer that admits everything) and on one where a plain
 * observer keeps every DMA on the TLP road; step by step both must leave the same dmesg lines
 * (reports, their call sites, their times), the same reports, the same number of checked requests,
 * the same bytes and link times and the same virtual time.
 *
 * <p>The class lives outside {@code dev.driverlab.kernel} so a report names test code as its call site
 * (the scratch card's DMA call) and origin (this class's line that mapped the buffer).
 */
class DmaTlpCheckExpressTest {
  /** Low RAM and 64 MiB above 4 GiB (for DMA above a 32-bit mask that still reaches RAM). */
  private static final long RAM = (3L << 30) + (64L << 20);
  private static final long HIGH = Machine.HIGH_RAM_BASE + 0x10_0000;

  /** What one step left: its result, the dmesg lines it added, and the counters and times after it. */
  private record Step(String what, String result, List<String> dmesg, int reports, long checked,
      List<String> busyPs, long nowNs) {}

  /** One booted machine playing a scenario: the scratch card at 03:00.0, another at 04:00.0. */
  private static final class Run {
    final ScratchDevice card = new ScratchDevice();
    final ScratchDevice other = new ScratchDevice();
    final KernelRig rig;
    final PciDev dev;
    final PciDev dev2;
    final KernelChecks checks;
    final ExpressSpy spy = new ExpressSpy();
    int plainTlps;
    final List<Step> steps = new ArrayList<>();
    private int dmesgSeen;

    Run(boolean road) {
      Machine m = Machine.builder().ramBytes(RAM).build();
      m.plug(card);
      m.plug(other);
      rig = KernelRig.boot(m);
      checks = KernelChecks.install(rig.kernel); // as boot did: the same instance
      m.fabric().addObserver(spy);
      if (road) {
        m.fabric().addObserver((t, dir, link, tlp) -> plainTlps++);
      }
      dev = rig.pciDev("0000:03:00.0");
      dev2 = rig.pciDev("0000:04:00.0");
      assertEquals(0, pci_enable_device(dev));
      pci_set_master(dev);
      assertEquals(0, dma_set_mask_and_coherent(dev.dev, DMA_BIT_MASK(32)));
      step("enabled", () -> "");
    }

    /** Runs {@code action} (its result as text) and records what it left. */
    void step(String what, Supplier<Object> action) {
      String result = String.valueOf(action.get());
      List<Dmesg.Line> lines = rig.kernel.dmesg().lines();
      List<String> added = lines.subList(dmesgSeen, lines.size()).stream().map(Dmesg.Line::format).toList();
      dmesgSeen = lines.size();
      steps.add(new Step(what, result, added, rig.reports().size(), checks.dmaTlp().checked(), busy(),
          rig.nowNs()));
    }

    List<String> busy() {
      List<String> out = new ArrayList<>();
      for (Link l : rig.machine.rootComplex().links()) {
        out.add(l.name() + "=" + l.busyPs());
        if (l.partner() instanceof Switch sw) {
          for (Link sl : sw.links()) {
            out.add(sl.name() + "=" + sl.busyPs());
          }
        }
      }
      return out;
    }

    /** {@code len} bytes of RAM at physical (= bus, no IOMMU) address {@code at}, as hex. */
    String ram(long at, int len) {
      byte[] b = new byte[len];
      rig.machine.readRam(at, b, 0, len);
      return HexFormat.of().formatHex(b);
    }

    /** The device writes {@code n} pattern bytes at {@code bus}; the result and RAM around it. */
    String write(long bus, int n) {
      DmaResult r = card.dmaWriteToHost(bus, bytes(n, (int) bus));
      return r + " " + ram(bus - 16, n + 32);
    }

    /** The device reads {@code n} bytes at {@code bus}; the result and what it got. */
    String read(long bus, int n) {
      byte[] into = new byte[n];
      DmaResult r = card.dmaReadFromHost(bus, into);
      return r + " " + HexFormat.of().formatHex(into);
    }
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 7 + seed);
    }
    return b;
  }

  /** Plays {@code scenario} on a new machine (the express one, or with a plain observer), then shuts it down. */
  private static Run play(boolean road, Consumer<Run> scenario) {
    Run r = new Run(road);
    try {
      scenario.accept(r);
    } finally {
      r.rig.close();
    }
    r.step("after shutdown", () -> "");
    return r;
  }

  /** Both machines, step by step, the same; returns the express machine's run. */
  private static Run playBoth(Consumer<Run> scenario) {
    Run express = play(false, scenario);
    Run road = play(true, scenario);
    assertEquals(road.steps.size(), express.steps.size(), "steps");
    for (int i = 0; i < express.steps.size(); i++) {
      Step e = express.steps.get(i);
      Step r = road.steps.get(i);
      String differs = e.what() + ": the express machine differs from the TLP road's ";
      assertEquals(r.result(), e.result(), differs + "result and bytes");
      assertEquals(r.dmesg(), e.dmesg(), differs + "dmesg lines");
      assertEquals(r.reports(), e.reports(), differs + "report count");
      assertEquals(r.checked(), e.checked(), differs + "checked() count");
      assertEquals(r.busyPs(), e.busyPs(), differs + "link times");
      assertEquals(r.nowNs(), e.nowNs(), differs + "virtual time");
    }
    assertEquals(road.rig.reports(), express.rig.reports(), "the reports, call sites included");
    assertTrue(road.plainTlps > 0, "the road machine's DMA crossed as TLPs");
    assertEquals(0, road.spy.expresses(), "a plain observer keeps every DMA on the TLP road");
    return express;
  }

  /** The dmesg lines of the express run's step {@code what}. */
  private static List<String> dmesgOf(Run r, String what) {
    return r.steps.stream().filter(s -> s.what().equals(what)).findFirst().orElseThrow().dmesg();
  }

  // ---- what the check must report ----------------------------------------------------------------

  /** One step per kind of finding the check makes on a device's DMA request. */
  private static void findings(Run r) {
    long toDevice = dma_map_single(r.dev.dev, kmalloc(4096, GFP_KERNEL), 4096, DMA_TO_DEVICE);
    dma_mapping_error(r.dev.dev, toDevice);
    r.step("device writes a DMA_TO_DEVICE buffer", () -> r.write(toDevice, 1024));

    long fromDevice = dma_map_single(r.dev.dev, kmalloc(4096, GFP_KERNEL), 4096, DMA_FROM_DEVICE);
    dma_mapping_error(r.dev.dev, fromDevice);
    r.step("device reads a DMA_FROM_DEVICE buffer", () -> r.read(fromDevice + 3, 500));

    long unmapped = dma_map_single(r.dev.dev, kmalloc(512, GFP_KERNEL), 512, DMA_FROM_DEVICE);
    dma_mapping_error(r.dev.dev, unmapped);
    dma_unmap_single(r.dev.dev, unmapped, 512, DMA_FROM_DEVICE);
    r.step("device writes after dma_unmap_single", () -> r.write(unmapped, 512));

    // after the unmap: freed memory could be kmalloc'd again, and one region is reported once
    long[] ch = {0};
    long cpu = dma_alloc_coherent(r.dev.dev, 8192, ch, GFP_KERNEL);
    r.rig.machine.writeRam(ch[0], bytes(8192, 1), 0, 8192);
    dma_free_coherent(r.dev.dev, 8192, cpu, ch[0]);
    r.step("device reads after dma_free_coherent", () -> r.read(ch[0] + 100, 5000));

    r.step("device writes outside every mapping", () -> r.write(0x0200_0000L, 1024));

    long short_ = dma_map_single(r.dev.dev, kmalloc(4096, GFP_KERNEL), 100, DMA_FROM_DEVICE);
    dma_mapping_error(r.dev.dev, short_);
    r.step("device writes past the end of its mapping", () -> r.write(short_, 120));

    long cpuOwned = dma_map_single(r.dev.dev, kmalloc(256, GFP_KERNEL), 256, DMA_BIDIRECTIONAL);
    dma_mapping_error(r.dev.dev, cpuOwned);
    dma_sync_single_for_cpu(r.dev.dev, cpuOwned, 256, DMA_BIDIRECTIONAL);
    r.step("device writes a buffer the CPU owns", () -> r.write(cpuOwned, 64));

    assertEquals(0, pci_enable_device(r.dev2));
    long foreign = dma_map_single(r.dev2.dev, kmalloc(256, GFP_KERNEL), 256, DMA_FROM_DEVICE);
    dma_mapping_error(r.dev2.dev, foreign);
    r.step("device writes another device's mapping", () -> r.write(foreign, 32));

    r.step("device writes above its 32-bit mask", () -> r.write(HIGH, 256));
  }

  @Test
  void everyFindingOnADevicesDmaIsReportedAlikeThroughTheExpress() {
    Run express = playBoth(DmaTlpCheckExpressTest::findings);
    List<String> messages = express.rig.reports().stream().map(BugReport::message).toList();
    List<String> starts = List.of("device wrote to a buffer mapped DMA_TO_DEVICE",
        "device read a buffer mapped DMA_FROM_DEVICE", "device wrote to DMA memory after the driver unmapped it",
        "device read from DMA memory after the driver freed it",
        "device wrote to memory outside every live DMA mapping of this device",
        "device access runs past its DMA region (20 of 120 bytes outside it)",
        "device accessed a streaming DMA buffer while the CPU owns it",
        "device accessed a DMA region mapped for another device (0000:04:00.0)", "device DMA above its DMA mask");
    assertEquals(starts.size(), messages.size(), messages::toString);
    for (int i = 0; i < starts.size(); i++) {
      assertTrue(messages.get(i).startsWith(starts.get(i)), messages.get(i));
      assertEquals(Check.DMA_TLP, express.rig.reports().get(i).check());
    }
    List<String> stray = dmesgOf(express, "device writes outside every mapping");
    assertEquals(4, stray.size(), stray::toString);
    assertTrue(stray.get(1).matches("\\[ *\\d+\\.\\d{6}\\] WARNING: CPU: 0 PID: \\d+ at "
        + "ScratchDevice\\.dmaWriteToHost\\(ScratchDevice\\.java:\\d+\\)"), stray.get(1));
    assertTrue(stray.get(2).endsWith("] DMA-TLP: 0000:03:00.0: device wrote to memory outside every live DMA mapping "
        + "of this device [access=device write of 256 bytes at bus address 0x2000000]"), stray.get(2));
    assertTrue(dmesgOf(express, "device writes past the end of its mapping").stream()
        .anyMatch(l -> l.contains(" mapped at DmaTlpCheckExpressTest.findings(DmaTlpCheckExpressTest.java:")));
    // Each request checked once, on the root port's link: 4 MWr (1024 bytes at the MPS of 256 boot set),
    // 1 MRd (500), 2 MWr (512), 10 MRd (5000 from +100 at MRRS 512, split at 4 KiB), 4, 1, 1, 1 and 1 MWr.
    assertEquals(25, express.checks.dmaTlp().checked());
    // The check takes a transfer of many requests whole only when one live region holds it all in
    // order; each of these has a finding, so each of its requests took the express alone (a run of
    // one), checked and reported as its TLP would have been: a report needs no TLP.
    assertEquals(25, express.spy.expresses(), "every request took the express");
    assertTrue(express.spy.shapes().stream().allMatch(s -> s.contains(" x1 <=")), express.spy.shapes()::toString);
  }

  // ---- what the check must let pass ---------------------------------------------------------------

  /** DMA in order, each in the direction its buffer was mapped for. */
  private static void inOrder(Run r) {
    long[] ch = {0};
    long cpu = dma_alloc_coherent(r.dev.dev, 16384, ch, GFP_KERNEL);
    r.step("device writes 8 KiB of a coherent buffer", () -> r.write(ch[0] + 64, 8192));
    r.step("device reads 8000 bytes of it back", () -> r.read(ch[0] + 100, 8000));
    dma_free_coherent(r.dev.dev, 16384, cpu, ch[0]);

    long buf = kmalloc(8192, GFP_KERNEL);
    long from = dma_map_single(r.dev.dev, buf, 8192, DMA_FROM_DEVICE);
    dma_mapping_error(r.dev.dev, from);
    r.step("device fills a DMA_FROM_DEVICE buffer", () -> r.write(from, 8192));
    dma_unmap_single(r.dev.dev, from, 8192, DMA_FROM_DEVICE);

    long to = dma_map_single(r.dev.dev, buf, 8192, DMA_TO_DEVICE);
    dma_mapping_error(r.dev.dev, to);
    r.step("device reads a DMA_TO_DEVICE buffer", () -> r.read(to + 4, 6000));
    dma_unmap_single(r.dev.dev, to, 8192, DMA_TO_DEVICE);
  }

  @Test
  void dmaInOrderIsCheckedAndLetPassAlikeThroughTheExpress() {
    Run express = playBoth(DmaTlpCheckExpressTest::inOrder);
    assertEquals(List.of(), express.rig.reports());
    // Requests split at MPS 256, MRRS 512 and 4 KiB: 33 MWr (8192 from +64), 16 MRd (8000 from +100),
    // 32 MWr (8192), 12 MRd (6000 from +4); each checked once, on the root port's link.
    assertEquals(33 + 16 + 32 + 12, express.checks.dmaTlp().checked());
    // Each transfer in order in one region: the express took each whole, as one run of its requests.
    assertEquals(List.of("DEVICE_WRITE x33 <=256", "DEVICE_READ x16 <=512", "DEVICE_WRITE x32 <=256",
        "DEVICE_READ x12 <=512"), express.spy.shapes());
  }
}
