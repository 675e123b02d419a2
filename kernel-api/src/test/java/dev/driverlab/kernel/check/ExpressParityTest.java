package dev.driverlab.kernel.check;

import static dev.driverlab.kernel.dma.Dma.*;
import static dev.driverlab.kernel.io.Io.ioread32;
import static dev.driverlab.kernel.io.Io.iowrite32;
import static dev.driverlab.kernel.mm.Mm.GFP_KERNEL;
import static dev.driverlab.kernel.mm.Mm.kmalloc;
import static dev.driverlab.kernel.pci.Pci.pci_enable_device;
import static dev.driverlab.kernel.pci.Pci.pci_iomap;
import static dev.driverlab.kernel.pci.Pci.pci_set_master;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.Switch;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The fabric's express (TLPs not built when every observer of them takes the transfer whole) against
 * the TLP road, on a booted kernel with its checks: the same driver and device work runs on two
 * machines, one where only the kernel's checkers watch (so the express runs) and one with a plain
 * observer beside them (which needs the TLPs, so every transfer crosses as TLPs). Everything a driver
 * or a student can see must be equal: bytes, values read, the DMA-TLP check's count and reports, the
 * links' simulated time, the virtual clock.
 */
class ExpressParityTest {
  /** What one run leaves behind, to compare. */
  record Outcome(List<String> reports, long checked, List<Long> values, long[] busyPs, long nowNs, int expressSeen) {}

  /** Runs {@code work} on a fresh rig; with {@code tlpRoad}, a plain observer forces every TLP. */
  static Outcome run(boolean tlpRoad, Consumer<Ctx> work) throws Exception {
    ScratchDevice card = new ScratchDevice();
    ScratchDevice other = new ScratchDevice();
    try (KernelRig rig = KernelRig.bootWith(card, other)) {
      KernelChecks checks = KernelChecks.install(rig.kernel);
      int[] tlps = {0};
      AutoCloseable plain = tlpRoad ? rig.machine.fabric().addObserver((t, dir, link, tlp) -> {
        if (dir == LinkDirection.UPSTREAM && (tlp.type() == TlpType.MWR || tlp.type() == TlpType.MRD)
            || dir == LinkDirection.DOWNSTREAM && tlp.type() == TlpType.MRD) {
          tlps[0]++;
        }
      }) : null;
      Ctx c = new Ctx(rig, card, rig.pciDev("0000:03:00.0"), rig.pciDev("0000:04:00.0"));
      try (Kernel.Scope s = rig.kernel.enter()) {
        assertEquals(0, pci_enable_device(c.dev));
        pci_set_master(c.dev);
        assertEquals(0, dma_set_mask_and_coherent(c.dev.dev, DMA_BIT_MASK(32)));
        work.accept(c);
      }
      if (plain != null) {
        plain.close();
        assertTrue(tlps[0] > 0, "the plain observer saw the requests as TLPs");
      }
      List<String> reports = new ArrayList<>();
      rig.reports().forEach(r -> reports.add(r.toString()));
      return new Outcome(reports, checks.dmaTlp().checked(), c.values, busy(rig), rig.nowNs(), tlps[0]);
    }
  }

  /** What a scenario works with. */
  static final class Ctx {
    final KernelRig rig;
    final ScratchDevice card;
    final PciDev dev;
    final PciDev dev2;
    final List<Long> values = new ArrayList<>();

    Ctx(KernelRig rig, ScratchDevice card, PciDev dev, PciDev dev2) {
      this.rig = rig;
      this.card = card;
      this.dev = dev;
      this.dev2 = dev2;
    }

    /** Bytes of kernel memory at {@code va}, as values (so outcomes compare them). */
    void keep(long va, int len) {
      byte[] b = new byte[len];
      rig.kernel.mem().readBytes(va, b, 0, len);
      long sum = 0;
      for (int i = 0; i < len; i++) {
        sum = sum * 31 + b[i];
      }
      values.add(sum);
    }
  }

  static long[] busy(KernelRig rig) {
    List<Long> out = new ArrayList<>();
    for (Link l : rig.machine.rootComplex().links()) {
      out.add(l.busyPs());
      if (l.partner() instanceof Switch sw) {
        sw.links().forEach(x -> out.add(x.busyPs()));
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 7 + seed);
    }
    return b;
  }

  static void assertSame(Outcome express, Outcome tlps) {
    assertEquals(tlps.reports(), express.reports(), "the same reports, word for word");
    assertEquals(tlps.checked(), express.checked(), "the DMA-TLP check counted the same requests");
    assertEquals(tlps.values(), express.values(), "the same bytes and values");
    assertArrayEquals(tlps.busyPs(), express.busyPs(), "every link carried the same simulated time");
    assertEquals(tlps.nowNs(), express.nowNs(), "the same virtual time");
    assertEquals(0, express.expressSeen());
  }

  @Test
  void inOrderDmaAndMmioLeaveTheSameState() throws Exception {
    Consumer<Ctx> work = c -> {
      long buf = kmalloc(8192, GFP_KERNEL);
      long h = dma_map_single(c.dev.dev, buf, 8192, DMA_BIDIRECTIONAL);
      assertEquals(0, dma_mapping_error(c.dev.dev, h));
      assertEquals(DmaResult.OK, c.card.dmaWriteToHost(h + 3 * 4, bytes(6000, 1)));
      byte[] back = new byte[7000];
      assertEquals(DmaResult.OK, c.card.dmaReadFromHost(h + 1, back)); // unaligned: the RCB split
      c.values.add((long) java.util.Arrays.hashCode(back));
      dma_unmap_single(c.dev.dev, h, 8192, DMA_BIDIRECTIONAL);
      c.keep(buf, 8192);
      long regs = pci_iomap(c.dev, 0, 0);
      iowrite32(0x1234_5678, regs + ScratchDevice.REG_SCRATCH);
      c.values.add((long) ioread32(regs + ScratchDevice.REG_SCRATCH));
      c.values.add((long) ioread32(regs + ScratchDevice.REG_ID));
      c.values.add((long) c.card.mmioReads());
    };
    Outcome express = run(false, work);
    Outcome tlps = run(true, work);
    assertSame(express, tlps);
    assertEquals(List.of(), express.reports());
    assertTrue(express.checked() >= (6000 + 255) / 256 + (7000 + 511) / 512, "every MWr (MPS 256) and MRd "
        + "(MRRS 512) counted: " + express.checked());
    assertEquals(0x1234_5678L, express.values().get(2));
    assertEquals((long) ScratchDevice.ID_VALUE, express.values().get(3));
  }

  @Test
  void dmaTheKernelMustReportIsReportedTheSameWay() throws Exception {
    Consumer<Ctx> work = c -> {
      long buf = kmalloc(4096, GFP_KERNEL);
      long toDevice = dma_map_single(c.dev.dev, buf, 4096, DMA_TO_DEVICE);
      assertEquals(0, dma_mapping_error(c.dev.dev, toDevice));
      assertEquals(DmaResult.OK, c.card.dmaWriteToHost(toDevice, bytes(512, 2))); // direction
      long other = kmalloc(4096, GFP_KERNEL);
      long foreign = dma_map_single(c.dev2.dev, other, 4096, DMA_FROM_DEVICE);
      assertEquals(0, dma_mapping_error(c.dev2.dev, foreign));
      assertEquals(DmaResult.OK, c.card.dmaWriteToHost(foreign, bytes(256, 3))); // another device's
      dma_unmap_single(c.dev.dev, toDevice, 4096, DMA_TO_DEVICE);
      assertEquals(DmaResult.OK, c.card.dmaReadFromHost(toDevice, new byte[1024])); // after unmap
      dma_unmap_single(c.dev2.dev, foreign, 4096, DMA_FROM_DEVICE);
      c.keep(buf, 4096);
      c.keep(other, 4096);
    };
    Outcome express = run(false, work);
    Outcome tlps = run(true, work);
    assertSame(express, tlps);
    assertEquals(3, express.reports().size(), express.reports().toString());
    assertTrue(express.reports().get(0).contains("device wrote to a buffer mapped DMA_TO_DEVICE"), express.reports().get(0));
    assertTrue(express.reports().get(1).contains("mapped for another device"), express.reports().get(1));
    assertTrue(express.reports().get(2).contains("after the driver unmapped it"), express.reports().get(2));
  }
}
