package dev.driverlab.drivers.simpledma;

import static dev.driverlab.drivers.simpledma.SimpleDmaRig.count;
import static dev.driverlab.drivers.simpledma.SimpleDmaUapi.*;
import static dev.driverlab.kernel.irq.Irq.IRQ_NONE;
import static dev.driverlab.kernel.pci.Pci.pci_get_drvdata;
import static dev.driverlab.kernel.pci.Pci.pcie_get_mps;
import static dev.driverlab.kernel.pci.Pci.pcie_get_readrq;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.pcie.Firmware;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Transfers that succeed: the tutorial's worked example on the wire, both directions, sizes, INTx. */
class SimpleDmaTransferTest {

  @Test
  void workedExampleIsOneReadOneCompletionAndOneMsiOnTheLink() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      assertEquals(0, rig.insmod);
      int fd = rig.open(0);
      long bus = getLe64(rig.info(fd), INFO_BUF_BUS_ADDR);
      long user = rig.userBuffer(4096);
      byte[] pattern = SimpleDmaRig.tutorialPattern(32);
      rig.poke(user, pattern);

      rig.record();
      assertEquals(0, rig.transfer(fd, SDMA_TO_DEVICE, 0x8000, user, 32));
      List<Tlp> dev = rig.deviceInitiated(0);

      assertEquals(3, dev.size(), "device-initiated TLPs: " + dev);
      Tlp rd = dev.get(0);
      Tlp cpl = dev.get(1);
      Tlp msi = dev.get(2);
      assertEquals(TlpType.MRD, rd.type());
      assertEquals(8, rd.lengthDw());
      assertEquals(bus, rd.address());
      assertEquals(rig.id(0), rd.requester());

      assertEquals(TlpType.CPLD, cpl.type());
      assertEquals(rd.tag(), cpl.tag());
      assertEquals(CplStatus.SC, cpl.status());
      assertEquals(32, cpl.byteCount());
      assertArrayEquals(pattern, cpl.payload());

      assertEquals(TlpType.MWR, msi.type());
      assertEquals(Firmware.MSI_BASE, msi.address());
      assertEquals(1, msi.lengthDw());

      byte[] out = rig.lastTransfer();
      assertEquals(bus, getLe64(out, XFER_BUS_ADDR));
      assertTrue(getLe64(out, XFER_ELAPSED_NS) > 500, "elapsed includes the 500 ns setup: " + getLe64(out, XFER_ELAPSED_NS));
      assertArrayEquals(pattern, rig.deviceRam(0, 0x8000, 32));
      assertArrayEquals(new byte[32], rig.deviceRam(0, 0x8000 - 32, 32), "nothing before the target");
      assertArrayEquals(new byte[32], rig.deviceRam(0, 0x8000 + 32, 32), "nothing after the target");
      assertTrue(rig.k.bugs().reports().isEmpty(), rig.k.bugs().reports().toString());
    }
  }

  @Test
  void readRamReturnsWhatTheDmaLeftInDeviceRam() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      int fd = rig.open(0);
      long src = rig.userBuffer(4096);
      long dst = rig.userBuffer(4096);
      byte[] data = SimpleDmaRig.countingPattern(100, 3);
      rig.poke(src, data);
      assertEquals(0, rig.transfer(fd, SDMA_TO_DEVICE, 0x123, src, 100));
      assertEquals(0, rig.readRam(fd, 0x123, 100, dst));
      assertArrayEquals(data, rig.peek(dst, 100));
      assertArrayEquals(data, rig.deviceRam(0, 0x123, 100));
    }
  }

  @Test
  void deviceToHostWritesTheUserBufferWithPostedWrites() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      int fd = rig.open(0);
      long staged = rig.userBuffer(4096);
      long user = rig.userBuffer(4096);
      byte[] data = SimpleDmaRig.countingPattern(300, 11);
      rig.poke(staged, data);
      assertEquals(0, rig.writeRam(fd, 0x4000, 300, staged));
      assertArrayEquals(data, rig.deviceRam(0, 0x4000, 300), "WRITE_RAM reached device RAM");

      rig.record();
      assertEquals(0, rig.transfer(fd, SDMA_FROM_DEVICE, 0x4000, user, 300));
      assertArrayEquals(data, rig.peek(user, 300));
      List<Tlp> dev = rig.deviceInitiated(0);
      int mps = pcie_get_mps(rig.pdev(0));
      assertEquals(0, count(dev, TlpType.MRD), "a device-to-host transfer reads nothing");
      assertEquals(0, count(dev, TlpType.CPLD));
      List<Tlp> writes = dev.stream().filter(t -> t.type() == TlpType.MWR).toList();
      assertEquals((300 + mps - 1) / mps + 1, writes.size(), "payload MWrs split at MPS, then the MSI: " + writes);
      assertEquals(Firmware.MSI_BASE, writes.get(writes.size() - 1).address());
      long bus = getLe64(rig.lastTransfer(), XFER_BUS_ADDR);
      assertEquals(bus, writes.get(0).address());
      assertTrue(writes.stream().limit(writes.size() - 1).allMatch(w -> w.payloadLength() <= mps));
    }
  }

  /**
   * Host → device: the card's reads are split at Max Read Request Size (and never cross 4 KiB), the
   * Root Complex's completions at its port's Max Payload Size. Device → host: posted writes at the
   * card's MPS. The DMA buffer is page-aligned, so the counts are plain quotients.
   */
  @ParameterizedTest(name = "{0} bytes, readrq={1}")
  @CsvSource({"8192, 0", "65536, 0", "8192, 128", "65536, 4096", "8192, 1024"})
  void largeTransfersSplitByMaxReadRequestAndMaxPayloadSize(int size, int readrq) {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1, "readrq=" + readrq)) {
      assertEquals(0, rig.insmod);
      int fd = rig.open(0);
      int mrrs = pcie_get_readrq(rig.pdev(0));
      int rcMps = pcie_get_mps(rig.rootPort(0));
      int devMps = pcie_get_mps(rig.pdev(0));
      if (readrq != 0) {
        assertEquals(readrq, mrrs);
      }
      byte[] info = rig.info(fd);
      assertEquals(mrrs, getLe32(info, INFO_MAX_READ_REQ));
      assertEquals(devMps, getLe32(info, INFO_MAX_PAYLOAD));
      long bus = getLe64(info, INFO_BUF_BUS_ADDR);
      assertEquals(0, bus & 0xfff, "page-aligned buffer");

      long user = rig.userBuffer(size);
      byte[] data = SimpleDmaRig.countingPattern(size, size + readrq);
      rig.poke(user, data);
      rig.record();
      assertEquals(0, rig.transfer(fd, SDMA_TO_DEVICE, 0, user, size));
      List<Tlp> dev = rig.deviceInitiated(0);
      int perRead = Math.min(mrrs, 4096);
      assertEquals(size / perRead, count(dev, TlpType.MRD));
      assertEquals(size / perRead * ((perRead + rcMps - 1) / rcMps), count(dev, TlpType.CPLD),
          "each read's completions split at the root port's MPS");
      assertEquals(1, count(dev, TlpType.MWR), "only the MSI");
      assertTrue(dev.stream().filter(t -> t.type() == TlpType.MRD).allMatch(t -> t.lengthDw() * 4 == perRead));
      assertArrayEquals(data, rig.deviceRam(0, 0, size));

      long back = rig.userBuffer(size);
      rig.record();
      assertEquals(0, rig.transfer(fd, SDMA_FROM_DEVICE, 0, back, size));
      dev = rig.deviceInitiated(0);
      assertEquals(0, count(dev, TlpType.MRD));
      assertEquals(size / devMps + 1, count(dev, TlpType.MWR), "payload writes plus the MSI");
      assertArrayEquals(data, rig.peek(back, size));
      assertTrue(rig.k.bugs().reports().isEmpty(), rig.k.bugs().reports().toString());
    }
  }

  @Test
  void elapsedTimeGrowsWithTheSize() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      int fd = rig.open(0);
      long user = rig.userBuffer(65536);
      assertEquals(0, rig.transfer(fd, SDMA_TO_DEVICE, 0, user, 32));
      long small = getLe64(rig.lastTransfer(), XFER_ELAPSED_NS);
      assertEquals(0, rig.transfer(fd, SDMA_TO_DEVICE, 0, user, 65536));
      long large = getLe64(rig.lastTransfer(), XFER_ELAPSED_NS);
      assertTrue(small >= 500 && small < 2_000, "32 bytes: " + small);
      assertTrue(large > 10 * small, "64 KiB: " + large + " ns vs 32 bytes: " + small + " ns");
    }
  }

  @Test
  void intxModeCompletesThroughTheSharedLineWithoutMsi() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1, "use_msi=0")) {
      assertEquals(0, rig.insmod);
      assertFalse(rig.pdev(0).msi_enabled);
      int fd = rig.open(0);
      assertEquals(SDMA_IRQ_INTX, getLe32(rig.info(fd), INFO_IRQ_MODE));
      long user = rig.userBuffer(4096);
      byte[] pattern = SimpleDmaRig.tutorialPattern(32);
      rig.poke(user, pattern);
      rig.record();
      assertEquals(0, rig.transfer(fd, SDMA_TO_DEVICE, 0x8000, user, 32));
      List<Tlp> dev = rig.deviceInitiated(0);
      assertEquals(0, count(dev, TlpType.MWR), "no MSI in INTx mode");
      List<String> messages = rig.tlps(0).stream()
          .filter(s -> s.dir() == LinkDirection.UPSTREAM && s.tlp().type() == TlpType.MSG)
          .map(s -> s.tlp().messageCode() == 0x20 ? "Assert_INTA" : s.tlp().messageCode() == 0x24
              ? "Deassert_INTA" : Integer.toHexString(s.tlp().messageCode()))
          .toList();
      assertEquals(List.of("Assert_INTA", "Deassert_INTA"), messages, "the handler's acknowledge drops the line");
      assertArrayEquals(pattern, rig.deviceRam(0, 0x8000, 32));
      assertTrue(rig.k.dmesg().contains("INTx IRQ " + rig.pdev(0).irq));
      assertTrue(rig.k.bugs().reports().isEmpty(), rig.k.bugs().reports().toString());
    }
  }

  @Test
  void twoCardsOnASharedIntxLineEachGetTheirOwnNodeAndTransfers() {
    // INTA of switch slot 1 is swizzled to INTB at root port 00:01.0, which the _PRT rotates onto the same
    // GSI as INTA at root port 00:02.0 (Firmware.intxGsi): the two cards share one line.
    try (SimpleDmaRig rig = SimpleDmaRig.bootInSlots(List.of("switch0/1", "00:02.0"), "use_msi=0")) {
      assertEquals(0, rig.insmod);
      assertEquals(rig.pdev(0).irq, rig.pdev(1).irq, "one INTx line for both cards");
      int fd0 = rig.open(0);
      int fd1 = rig.open(1);
      long a = rig.userBuffer(4096);
      long b = rig.userBuffer(4096);
      byte[] da = SimpleDmaRig.countingPattern(64, 1);
      byte[] db = SimpleDmaRig.countingPattern(64, 2);
      rig.poke(a, da);
      rig.poke(b, db);
      assertEquals(0, rig.transfer(fd1, SDMA_TO_DEVICE, 0x100, b, 64));
      assertEquals(0, rig.transfer(fd0, SDMA_TO_DEVICE, 0x100, a, 64));
      assertArrayEquals(da, rig.deviceRam(0, 0x100, 64));
      assertArrayEquals(db, rig.deviceRam(1, 0x100, 64));
      int irq = rig.pdev(0).irq;
      assertEquals(2, rig.k.irq().count(irq), "one interrupt per transfer on the shared line");
      SimpleDmaCard card0 = pci_get_drvdata(rig.pdev(0));
      assertEquals(IRQ_NONE, card0.irqHandler(irq, card0), "INT_STATUS 0: the interrupt is someone else's");
      assertTrue(rig.k.bugs().reports().isEmpty(), "no 'nobody cared': " + rig.k.bugs().reports());
    }
  }

  @Test
  void twoThreadsTransferingOnOneCardTakeTurns() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      int fd = rig.open(0);
      long[] bufs = {rig.userBuffer(8192), rig.userBuffer(8192)};
      long[] args = {rig.userBuffer(64), rig.userBuffer(64)};
      byte[][] data = {SimpleDmaRig.countingPattern(8192, 5), SimpleDmaRig.countingPattern(8192, 9)};
      long[] rc = new long[2];
      var threads = new java.util.ArrayList<dev.driverlab.kernel.sched.SimThread>();
      for (int i = 0; i < 2; i++) {
        int n = i;
        rig.poke(bufs[n], data[n]);
        rig.poke(args[n], SimpleDmaUapi.transfer(SDMA_TO_DEVICE, n * 8192, bufs[n], 8192));
        threads.add(rig.p.startThread("xfer" + n, () -> rc[n] = rig.p.ioctl(fd, SDMA_IOC_TRANSFER, args[n])));
      }
      threads.forEach(rig.p::join);
      assertArrayEquals(new long[2], rc);
      assertArrayEquals(data[0], rig.deviceRam(0, 0, 8192));
      assertArrayEquals(data[1], rig.deviceRam(0, 8192, 8192));
      assertFalse(rig.k.dmesg().contains("doorbell refused"), rig.k.dmesg().text());
    }
  }
}
