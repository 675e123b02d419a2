package dev.driverlab.devices.simpledma;

import static dev.driverlab.devices.simpledma.SimpleDmaDevice.*;
import static dev.driverlab.devices.simpledma.SimpleDmaRig.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.LinkTiming;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.devices.simpledma.SimpleDmaRig.Seen;
import dev.driverlab.devices.testing.BareMetal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Transfers on the link: the tutorial's worked example (seed-examples.md §2), device to host, large
 * transfers split at MRRS, MPS and 4 KiB, timing on the virtual clock, and a busy engine.
 */
class SimpleDmaTransferTest {
  @Test
  void tutorialTransferIsOneReadOneCompletionThenTheMsi() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.m.writeRam(TUTORIAL_BUS_ADDRESS, tutorialPattern(TUTORIAL_SIZE), 0, TUTORIAL_SIZE);
    r.msiOn();
    r.interruptsOn();
    r.program(DIR_TO_DEVICE, TUTORIAL_DEVICE_OFFSET, TUTORIAL_BUS_ADDRESS, TUTORIAL_SIZE);
    r.ring();
    assertEquals(STATUS_BUSY, r.reg(REG_STATUS));
    r.run();

    List<Seen> s = r.seen;
    assertEquals(3, s.size(), r.trace());
    Tlp mrd = s.get(0).tlp();
    Tlp cpld = s.get(1).tlp();
    Tlp msi = s.get(2).tlp();
    assertEquals(TlpType.MRD, mrd.type(), r.trace());
    assertEquals(LinkDirection.UPSTREAM, s.get(0).dir());
    assertEquals(TUTORIAL_BUS_ADDRESS, mrd.address());
    assertEquals(8, mrd.lengthDw());
    assertEquals(12, mrd.headerBytes(), "an address below 4 GiB uses the 3 DW header");
    assertEquals(0xf, mrd.firstBe());
    assertEquals(0xf, mrd.lastBe());
    assertEquals(r.ep.id(), mrd.requester(), "the engine's own requester ID");

    assertEquals(TlpType.CPLD, cpld.type(), r.trace());
    assertEquals(LinkDirection.DOWNSTREAM, s.get(1).dir());
    assertEquals(mrd.tag(), cpld.tag(), "the completion carries the request's tag");
    assertEquals(r.ep.id(), cpld.requester(), "routed back by the requester ID");
    assertEquals(new PcieId(0, 0, 0), cpld.completer(), "the Root Complex completes");
    assertEquals(CplStatus.SC, cpld.status());
    assertEquals(32, cpld.byteCount());
    assertEquals(8, cpld.lengthDw());
    assertArrayEquals(tutorialPattern(32), cpld.payload());

    assertEquals(TlpType.MWR, msi.type(), r.trace());
    assertEquals(LinkDirection.UPSTREAM, s.get(2).dir());
    assertEquals(0xfee0_0000L, msi.address() & ~0xf_ffffL);
    assertEquals(r.ep.id(), msi.requester());
    assertEquals(MSI_DATA, msi.payloadLe(0, 4));

    assertEquals(List.of(new BareMetal.Msi(r.ep.id(), 0xfee0_0000L, MSI_DATA)), r.bm.msis());
    assertArrayEquals(tutorialPattern(32), r.deviceRam(TUTORIAL_DEVICE_OFFSET, 32));
    assertEquals(0x0403_0201L, r.bm.read(r.ram + TUTORIAL_DEVICE_OFFSET, 4));
    assertEquals(STATUS_DONE, r.reg(REG_STATUS));
    assertEquals(ERR_NONE, r.reg(REG_ERROR_CAUSE));
    assertEquals(INT_DONE, r.reg(REG_INT_STATUS));
    assertTrue(r.errors.isEmpty(), r.errors.toString());
  }

  @Test
  void tutorialTransferOnTheAnalyzer() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.m.writeRam(TUTORIAL_BUS_ADDRESS, tutorialPattern(TUTORIAL_SIZE), 0, TUTORIAL_SIZE);
    r.msiOn();
    r.interruptsOn();
    r.program(DIR_TO_DEVICE, TUTORIAL_DEVICE_OFFSET, TUTORIAL_BUS_ADDRESS, TUTORIAL_SIZE);
    r.ring();
    r.run();
    // Doorbell at 0; MRd and CplD after the 500 ns setup; MSI after the 32 bytes' link time (10 ns
    // at Gen3 x4, MPS 128). The card sits on bus 03 (root port bus 1, switch internal bus 2).
    assertEquals(String.join("\n",
        "     0.500 us  UP    MRd    req=03:00.0 tag=00 addr=00000000001ff000 len=8 be=f/f",
        "     0.500 us  DOWN  CplD   cpl=00:00.0 req=03:00.0 tag=00 st=SC bc=32 la=00 len=8"
            + " data=01 02 03 04 01 02 03 04 01 02 03 04 01 02 03 04 ...",
        "     0.510 us  UP    MWr    req=03:00.0 tag=00 addr=00000000fee00000 len=1 be=f/0 data=41 00 00 00"),
        r.trace());
  }

  // ---- device to host -----------------------------------------------------------------------------

  @Test
  void deviceToHostSendsPostedWritesFromDeviceRamToTheBusAddress() {
    SimpleDmaRig r = new SimpleDmaRig();
    byte[] data = pattern(64, 7);
    r.fillDeviceRam(0x1000, data);
    r.msiOn();
    r.interruptsOn();
    r.program(DIR_FROM_DEVICE, 0x1000, 0x0030_0000L, 64);
    r.ring();
    r.run();

    assertEquals(List.of(TlpType.MWR, TlpType.MWR), r.seen.stream().map(x -> x.tlp().type()).toList(), r.trace());
    Tlp w = r.seen.get(0).tlp();
    assertEquals(0x0030_0000L, w.address());
    assertEquals(16, w.lengthDw());
    assertEquals(r.ep.id(), w.requester());
    assertArrayEquals(data, w.payload());
    assertTrue(SimpleDmaRig.isMsi(r.seen.get(1).tlp()), "then the MSI");
    assertTrue(r.seenOf(TlpType.CPLD).isEmpty(), "posted: no completion");
    assertArrayEquals(data, r.hostRam(0x0030_0000L, 64));
    assertEquals(STATUS_DONE, r.reg(REG_STATUS));
    assertEquals(1, r.bm.msis().size());
  }

  // ---- large transfers ----------------------------------------------------------------------------

  /**
   * Reads split at MRRS and at 4 KiB; the Root Complex answers each read with completions of at most
   * MPS (for host addresses aligned to its 64-byte RCB, ceil(read / MPS) of them).
   */
  @ParameterizedTest(name = "{0} bytes from {1}, MPS {2}, MRRS {3}: {4} MRd, {5} CplD")
  @CsvSource({
      "8192, 0x00100000, 128,  512, 16, 64", // 8192 / 512 reads, 512 / 128 completions each
      "8192, 0x00100F00, 256,  512, 17, 32", // 256 up to the 4 KiB line, 15 x 512, 256
      "8192, 0x00100F00, 256, 1024,  9, 32", // 256, 7 x 1024, 768
      "4096, 0x00100040, 128,  128, 33, 33", // 31 x 128, 64 up to the 4 KiB line at 0x101000, 64
  })
  void largeHostToDeviceSplitsReadsAtMrrsAndCompletionsAtMps(int size, String host, int mps, int mrrs,
      int expectedReads, int expectedCompletions) {
    long bus = Long.decode(host);
    SimpleDmaRig r = new SimpleDmaRig();
    r.payloadSizes(mps, mrrs);
    byte[] data = pattern(size, 3);
    r.m.writeRam(bus, data, 0, size);
    r.program(DIR_TO_DEVICE, 0, bus, size);
    r.ring();
    r.run();

    List<Tlp> reads = r.seenOf(TlpType.MRD);
    List<Tlp> cpls = r.seenOf(TlpType.CPLD);
    assertEquals(expectedReads, reads.size(), r.trace());
    assertEquals(expectedCompletions, cpls.size(), r.trace());
    long next = bus;
    for (Tlp rd : reads) {
      assertEquals(next, rd.address(), "reads cover the buffer in order");
      assertTrue(rd.requestByteLength() <= mrrs, rd::toString);
      assertFalse(crosses4k(rd.address(), rd.requestByteLength()), rd::toString);
      next += rd.requestByteLength();
    }
    assertEquals(bus + size, next);
    // each completion answers the read just before it (the engine waits for one read at a time)
    int lastTag = -1;
    int bytes = 0;
    for (Seen x : r.seen) {
      Tlp t = x.tlp();
      if (t.type() == TlpType.MRD) {
        lastTag = t.tag();
      } else if (t.type() == TlpType.CPLD) {
        assertEquals(lastTag, t.tag(), t::toString);
        assertTrue(t.payloadLength() <= mps, t::toString);
        bytes += t.payloadLength();
      }
    }
    assertEquals(size, bytes);
    assertArrayEquals(data, r.deviceRam(0, size));
    assertEquals(STATUS_DONE, r.reg(REG_STATUS));
  }

  @ParameterizedTest(name = "{0} bytes to {1}, MPS {2}: {3} MWr")
  @CsvSource({
      "8192, 0x00200000, 128, 64",
      "8192, 0x00200000, 256, 32",
      "8192, 0x00200FC0, 128, 65", // 64 up to the 4 KiB line, 63 x 128, 64
      "8192, 0x00200FC0, 256, 33", // 64, 31 x 256, 192
  })
  void largeDeviceToHostSplitsWritesAtMpsAndAt4k(int size, String host, int mps, int expectedWrites) {
    long bus = Long.decode(host);
    SimpleDmaRig r = new SimpleDmaRig();
    r.payloadSizes(mps, 512);
    byte[] data = pattern(size, 11);
    r.fillDeviceRam(0, data);
    r.program(DIR_FROM_DEVICE, 0, bus, size);
    r.ring();
    r.run();

    List<Tlp> writes = r.dataWrites();
    assertEquals(expectedWrites, writes.size(), r.trace());
    long next = bus;
    for (Tlp w : writes) {
      assertEquals(next, w.address());
      assertTrue(w.requestByteLength() <= mps, w::toString);
      assertFalse(crosses4k(w.address(), w.requestByteLength()), w::toString);
      next += w.requestByteLength();
    }
    assertEquals(bus + size, next);
    assertTrue(r.seenOf(TlpType.MRD).isEmpty());
    assertArrayEquals(data, r.hostRam(bus, size));
  }

  // ---- timing -------------------------------------------------------------------------------------

  @Test
  void completionComesSetupPlusLinkTimeAfterTheDoorbell() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.msiOn();
    r.interruptsOn();
    r.m.clock().advance(12_345);
    int size = 8192;
    r.program(DIR_TO_DEVICE, 0, 0x0010_0000L, size);
    long t0 = r.now();
    r.ring();

    long transfer = r.ep.transferTimeNs(size);
    // the link model's figure, computed here from its formula: Gen3 x4 at MPS 128
    double bytesPerSec = new LinkTiming(3, 4).effectiveBandwidthBytesPerSec(128);
    assertEquals((long) Math.ceil(size * 1e9 / bytesPerSec), transfer);
    assertTrue(transfer > 2000, "8 KiB takes microseconds on Gen3 x4: " + transfer);

    r.m.clock().advanceTo(t0 + SETUP_LATENCY_NS - 1);
    assertTrue(r.seen.isEmpty(), r.trace());
    r.m.clock().advanceTo(t0 + SETUP_LATENCY_NS);
    assertEquals(16, r.seenOf(TlpType.MRD).size());
    assertTrue(r.seen.stream().allMatch(x -> x.timeNs() == t0 + SETUP_LATENCY_NS), r.trace());
    assertEquals(STATUS_BUSY, r.reg(REG_STATUS), "data moved, but the engine is not done");

    long done = t0 + SETUP_LATENCY_NS + transfer;
    r.m.clock().advanceTo(done - 1);
    assertEquals(STATUS_BUSY, r.reg(REG_STATUS));
    assertTrue(r.bm.msis().isEmpty());
    r.m.clock().advanceTo(done);
    assertEquals(STATUS_DONE, r.reg(REG_STATUS));
    assertEquals(1, r.bm.msis().size());
    Seen msi = r.seen.get(r.seen.size() - 1);
    assertTrue(SimpleDmaRig.isMsi(msi.tlp()));
    assertEquals(done, msi.timeNs());
    assertFalse(r.m.clock().hasPending(), "nothing left on the clock");
  }

  @Test
  void aBiggerTransferTakesLonger() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.interruptsOn();
    r.program(DIR_FROM_DEVICE, 0, 0x0010_0000L, 32);
    r.ring();
    r.run();
    long small = r.now();
    r.setReg(REG_INT_STATUS, INT_DONE);
    r.program(DIR_FROM_DEVICE, 0, 0x0010_0000L, 32 << 10);
    long t0 = r.now();
    r.ring();
    r.run();
    assertEquals(SETUP_LATENCY_NS + r.ep.transferTimeNs(32), small);
    assertEquals(t0 + SETUP_LATENCY_NS + r.ep.transferTimeNs(32 << 10), r.now());
    assertTrue(r.now() - t0 > 10 * small);
  }

  // ---- busy ---------------------------------------------------------------------------------------

  @Test
  void aSecondDoorbellWhileBusyIsRefusedAndTheFirstTransferCarriesOn() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.m.writeRam(TUTORIAL_BUS_ADDRESS, tutorialPattern(64), 0, 64);
    r.msiOn();
    r.interruptsOn();
    r.program(DIR_TO_DEVICE, TUTORIAL_DEVICE_OFFSET, TUTORIAL_BUS_ADDRESS, 32);
    r.ring();
    r.program(DIR_TO_DEVICE, 0, TUTORIAL_BUS_ADDRESS, 64); // latched at the doorbell: affects the next one
    r.setReg(REG_CONTROL, CONTROL_START);
    assertEquals(STATUS_BUSY | STATUS_REFUSED, r.reg(REG_STATUS));
    assertEquals(1, r.errors.size(), r.errors.toString());
    assertTrue(r.errors.get(0).contains("doorbell refused: a transfer is in flight"), r.errors.get(0));
    r.seen.clear();
    r.run();

    List<Tlp> reads = r.seenOf(TlpType.MRD);
    assertEquals(1, reads.size(), r.trace());
    assertEquals(8, reads.get(0).lengthDw(), "the first descriptor, 32 bytes");
    assertEquals(STATUS_DONE | STATUS_REFUSED, r.reg(REG_STATUS));
    assertEquals(ERR_NONE, r.reg(REG_ERROR_CAUSE), "a refusal is not a transfer error");
    assertEquals(1, r.bm.msis().size(), "no interrupt for the refusal");
    assertArrayEquals(new byte[32], r.deviceRam(0, 32), "the refused descriptor did nothing");

    r.setReg(REG_STATUS, STATUS_DONE | STATUS_ERROR); // only REFUSED is write-1-to-clear
    assertEquals(STATUS_DONE | STATUS_REFUSED, r.reg(REG_STATUS));
    r.setReg(REG_STATUS, STATUS_REFUSED);
    assertEquals(STATUS_DONE, r.reg(REG_STATUS));

    r.ring(); // now the second descriptor runs
    r.run();
    assertArrayEquals(tutorialPattern(64), r.deviceRam(0, 64));
    assertEquals(STATUS_DONE, r.reg(REG_STATUS));
  }

  @Test
  void anAcceptedDoorbellClearsTheLastOutcome() {
    SimpleDmaRig r = new SimpleDmaRig();
    r.program(DIR_TO_DEVICE, 0, TUTORIAL_BUS_ADDRESS, 0);
    r.ring();
    r.setReg(REG_CONTROL, CONTROL_START); // refused
    r.run();
    assertEquals(STATUS_DONE | STATUS_ERROR | STATUS_REFUSED, r.reg(REG_STATUS));
    assertEquals(ERR_ZERO_SIZE, r.reg(REG_ERROR_CAUSE));
    r.setReg(REG_SIZE, 4);
    r.ring();
    assertEquals(STATUS_BUSY, r.reg(REG_STATUS));
    assertEquals(ERR_NONE, r.reg(REG_ERROR_CAUSE));
  }
  @Test
  void aRoundTripBringsTheTutorialBytesBackToAnotherHostBuffer() {
    SimpleDmaRig r = new SimpleDmaRig();
    assertArrayEquals(new byte[32], r.deviceRam(TUTORIAL_DEVICE_OFFSET, 32), "device RAM starts zeroed");
    r.m.writeRam(TUTORIAL_BUS_ADDRESS, tutorialPattern(32), 0, 32);
    r.program(DIR_TO_DEVICE, TUTORIAL_DEVICE_OFFSET, TUTORIAL_BUS_ADDRESS, 32);
    r.ring();
    r.run();
    r.program(DIR_FROM_DEVICE, TUTORIAL_DEVICE_OFFSET, 0x0040_0000L, 32);
    r.ring();
    r.run();
    assertArrayEquals(tutorialPattern(32), r.hostRam(0x0040_0000L, 32));
    assertEquals(STATUS_DONE, r.reg(REG_STATUS));
  }
}
