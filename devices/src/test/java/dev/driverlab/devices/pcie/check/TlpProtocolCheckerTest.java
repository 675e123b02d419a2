package dev.driverlab.devices.pcie.check;

import static dev.driverlab.devices.pcie.tlp.LinkDirection.DOWNSTREAM;
import static dev.driverlab.devices.pcie.tlp.LinkDirection.UPSTREAM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.BarHandler;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.PcieDevice;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.ExpressDma;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpFields;
import dev.driverlab.devices.testing.BareMetal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every protocol rule fires on a known-bad TLP sequence, with its exact message, and stays quiet on a
 * correct run of the real fabric. Sequences either cross a real machine (a rogue endpoint sends what
 * the Endpoint core never would) or are fed to the checker directly, in wire order, on one link.
 */
class TlpProtocolCheckerTest {
  static final PcieId DEV = new PcieId(3, 0, 0);
  static final PcieId RC = new PcieId(0, 0, 0);
  static final String LINK = "switch0/0";

  /** A well-behaved DMA-capable endpoint: one register BAR, PCIe capability with MPS up to 256. */
  static final class Dma extends PciDeviceModel implements BarHandler {
    int reg = 0x1234_5678;

    @Override
    protected void declare(FunctionSpec f) {
      f.ids(0x1af4, 0x10f1).classCode(0xff0000).msi(1, true, false).pcieEndpoint(1, 3, 4).memoryBar(0, 4096, this);
    }

    @Override
    public long read(long offset, int size) {
      return reg & 0xffffffffL;
    }

    @Override
    public void write(long offset, long value, int size) {
      reg = (int) value;
    }

    DmaResult read(long a, byte[] d) {
      return dmaRead(a, d, 0, d.length);
    }

    DmaResult write(long a, byte[] d) {
      return dmaWrite(a, d, 0, d.length);
    }
  }

  private static TlpProtocolChecker bare() {
    return new TlpProtocolChecker(FabricTopology.none());
  }

  private static ProtocolViolation only(TlpProtocolChecker c, ProtocolRule rule) {
    List<ProtocolViolation> v = c.violations();
    assertEquals(1, v.size(), () -> "expected one " + rule + ", got " + v);
    assertEquals(rule, v.get(0).rule());
    return v.get(0);
  }

  private static int[] header(String fields) {
    return TlpFields.encode(TlpFields.parse(fields));
  }

  // ---- a correct run ---------------------------------------------------------------------------

  @Test
  void aCorrectRunOfTheRealFabricBreaksNoRule() {
    Machine m = Machine.createDefault();
    Dma d = new Dma();
    Slot slot = m.plug(d);
    BareMetal bm = BareMetal.boot(m);
    TlpProtocolChecker c = TlpProtocolChecker.install(m);
    Endpoint ep = (Endpoint) slot.functions().get(0);
    long bar = BareMetal.barBase(ep, 0);

    byte[] data = new byte[3000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 13);
    }
    m.writeRam(0x10_0f05, data, 0, data.length);
    byte[] back = new byte[3000];
    assertEquals(DmaResult.OK, d.read(0x10_0f05, back));       // unaligned, crosses 4 KiB: split by the core
    assertArrayEquals(data, back);
    assertEquals(DmaResult.OK, d.write(0x20_0ffe, data));     // MWrs at MPS 128
    bm.write(bar, 0xcafe, 4);
    assertEquals(0xcafe, bm.read(bar, 4));
    assertEquals(0x1af4, m.read(Machine.ECAM_BASE + (3 << 20), 2)); // config read through two bridges

    assertEquals(List.of(), c.finish(m.clock().nowNs()));
    assertEquals(List.of(), c.outstanding());
  }

  // ---- one header ------------------------------------------------------------------------------

  @Test
  void malformedHeaderNamesTheReservedType() {
    TlpProtocolChecker c = bare();
    c.check(10, UPSTREAM, LINK, new int[] {0x0300_0001, 0x0300_00ff, 0x1000});
    ProtocolViolation v = only(c, ProtocolRule.MALFORMED);
    assertEquals("reserved fmt/type: fmt=0b000 type=0b00011", v.message());
    assertEquals("dw0=0x03000001 dw1=0x030000ff dw2=0x00001000", v.tlp());
  }

  @Test
  void readCrossingFourKibIsReported() {
    TlpProtocolChecker c = bare();
    c.check(0, UPSTREAM, LINK, header("kind=MRd requester=03:00.0 tag=1 length=4 first_be=0xf last_be=0xf "
        + "address=0x00100ff8"));
    ProtocolViolation v = only(c, ProtocolRule.CROSSES_4K);
    assertEquals("MRd of 4 DW at 0x100ff8 crosses a 4 KiB boundary (ends at 0x101007)", v.message());
    assertEquals(DEV, v.culprit());
    assertEquals("03:00.0 on switch0/0 UP: MRd of 4 DW at 0x100ff8 crosses a 4 KiB boundary (ends at 0x101007) "
        + "(PCIe §2.2.7) [" + v.tlp() + "]", v.summary());
  }

  @Test
  void oneDwRequestWithLastByteEnablesIsReported() {
    TlpProtocolChecker c = bare();
    c.check(0, UPSTREAM, LINK, header("kind=MWr requester=03:00.0 tag=0 length=1 first_be=0xf last_be=0xf "
        + "address=0x00002000"));
    assertEquals("Last DW BE must be 0 for a 1 DW request, is 0xf", only(c, ProtocolRule.BYTE_ENABLES).message());
  }

  @Test
  void nonContiguousByteEnablesInALongRequestAreReported() {
    TlpProtocolChecker c = bare();
    c.check(0, UPSTREAM, LINK, header("kind=MWr requester=03:00.0 tag=0 length=3 first_be=0x5 last_be=0xf "
        + "address=0x00002000"));
    assertEquals("non-contiguous byte enables in a 3 DW request: First 0x5, Last 0xf",
        only(c, ProtocolRule.BYTE_ENABLES).message());
  }

  @Test
  void qwordAlignedTwoDwRequestMayHaveSparseByteEnables() {
    TlpProtocolChecker c = bare();
    c.check(0, UPSTREAM, LINK, header("kind=MWr requester=03:00.0 tag=0 length=2 first_be=0x5 last_be=0xa "
        + "address=0x00002000"));
    assertEquals(List.of(), c.violations(), "§2.2.5 allows any BEs in a QW-aligned 2 DW request");
  }

  // ---- limits from config space (a rogue endpoint on a real machine) ---------------------------

  private record Rig(Machine machine, RogueFunction rogue, TlpProtocolChecker checker) {}

  private static Rig rogueRig() {
    Machine m = Machine.createDefault();
    RogueFunction rogue = new RogueFunction(m.fabric());
    m.slots().get(0).plug(new PcieDevice().add(rogue));
    BareMetal.boot(m);
    return new Rig(m, rogue, TlpProtocolChecker.install(m));
  }

  @Test
  void readLargerThanMaxReadRequestSizeIsReported() {
    Rig r = rogueRig();
    r.rogue().send(Tlp.memRead(r.rogue().id(), 7, 0x10_0000, 1024)); // MRRS is 512 after reset
    List<ProtocolViolation> v = r.checker().violations();
    assertEquals(2, v.size(), "once on the slot's link, once on the root port's: " + v);
    assertEquals(List.of("switch0/0", "00:01.0"), v.stream().map(ProtocolViolation::link).toList());
    assertEquals(ProtocolRule.MAX_READ_REQUEST, v.get(0).rule());
    assertEquals("MRd of 1024 bytes exceeds the requester's Max_Read_Request_Size of 512 bytes", v.get(0).message());
    assertEquals(new PcieId(3, 0, 0), v.get(0).culprit());
    assertEquals(8, r.rogue().completions.size(), "the Root Complex still answered, split at MPS 128");
  }

  @Test
  void raisingMaxReadRequestSizeMakesTheSameReadLegal() {
    Rig r = rogueRig();
    int cap = r.rogue().config().findCapability(Capabilities.ID_EXP);
    int ctl = r.rogue().config().read16(cap + Capabilities.EXP_DEVCTL);
    r.rogue().config().write(cap + Capabilities.EXP_DEVCTL, 2, (ctl & ~0x7000) | 3 << 12); // 1024 bytes
    r.rogue().send(Tlp.memRead(r.rogue().id(), 7, 0x10_0000, 1024));
    assertEquals(List.of(), r.checker().violations());
  }

  @Test
  void writeLargerThanMaxPayloadSizeIsReported() {
    Rig r = rogueRig();
    r.rogue().send(Tlp.memWrite(r.rogue().id(), 0x10_0000, new byte[256], 0, 256));
    List<ProtocolViolation> v = r.checker().violations();
    assertEquals(2, v.size(), v::toString);
    assertEquals(ProtocolRule.MAX_PAYLOAD, v.get(0).rule());
    assertEquals("MWr payload of 256 bytes exceeds the requester's Max_Payload_Size of 128 bytes",
        v.get(0).message());
  }

  @Test
  void writeWithinTheEndpointsMpsButAboveItsPortsIsReported() {
    Rig r = rogueRig();
    int cap = r.rogue().config().findCapability(Capabilities.ID_EXP);
    int ctl = r.rogue().config().read16(cap + Capabilities.EXP_DEVCTL);
    r.rogue().config().write(cap + Capabilities.EXP_DEVCTL, 2, (ctl & ~0xe0) | 1 << 5); // 256 bytes
    r.rogue().send(Tlp.memWrite(r.rogue().id(), 0x10_0000, new byte[256], 0, 256));
    ProtocolViolation v = r.checker().violations().get(0);
    assertEquals(ProtocolRule.MAX_PAYLOAD, v.rule());
    assertEquals("MWr payload of 256 bytes exceeds Max_Payload_Size 128 of the port above link switch0/0 "
        + "(switch0 downstream port 0)", v.message());
  }

  // ---- sequences on one link -------------------------------------------------------------------

  @Test
  void tagReusedWhileOutstandingIsReported() {
    TlpProtocolChecker c = bare();
    c.onTlp(100, UPSTREAM, LINK, Tlp.memRead(DEV, 5, 0x1000, 64));
    c.onTlp(200, UPSTREAM, LINK, Tlp.memRead(DEV, 5, 0x2000, 64));
    assertEquals("03:00.0 reuses tag 5 while its MRd sent at 100 ns is still waiting for a completion",
        only(c, ProtocolRule.TAG_IN_USE).message());
  }

  @Test
  void tagMayBeReusedOnceCompleted() {
    TlpProtocolChecker c = bare();
    Tlp rd = Tlp.memRead(DEV, 5, 0x1000, 64);
    c.onTlp(100, UPSTREAM, LINK, rd);
    c.onTlp(110, DOWNSTREAM, LINK, Tlp.readCompletion(rd, RC, new byte[64], 0));
    c.onTlp(200, UPSTREAM, LINK, Tlp.memRead(DEV, 5, 0x2000, 64));
    c.onTlp(210, DOWNSTREAM, LINK, Tlp.readCompletion(Tlp.memRead(DEV, 5, 0x2000, 64), RC, new byte[64], 0));
    assertEquals(List.of(), c.finish(300));
  }

  @Test
  void completionWithoutRequestIsReported() {
    TlpProtocolChecker c = bare();
    Tlp rd = Tlp.memRead(DEV, 9, 0x1000, 8);
    c.onTlp(100, DOWNSTREAM, LINK, Tlp.readCompletion(rd, RC, new byte[8], 0));
    ProtocolViolation v = only(c, ProtocolRule.UNEXPECTED_COMPLETION);
    assertEquals("CplD for 03:00.0 tag 9, which has no request outstanding on this link", v.message());
    assertEquals(RC, v.culprit(), "the completer sent it");
  }

  @Test
  void wrongByteCountIsReported() {
    TlpProtocolChecker c = bare();
    Tlp rd = Tlp.memRead(DEV, 1, 0x1000, 256);
    c.onTlp(0, UPSTREAM, LINK, rd);
    c.onTlp(1, DOWNSTREAM, LINK, Tlp.completionWithData(rd, RC, 128, 0x00, new byte[128], 0, 128));
    assertEquals("CplD has Byte Count 128, but 256 bytes of the 256-byte read remained",
        only(c, ProtocolRule.COMPLETION_BYTE_COUNT).message());
  }

  @Test
  void wrongLowerAddressIsReported() {
    TlpProtocolChecker c = bare();
    Tlp rd = Tlp.memRead(DEV, 1, 0x1010, 16);
    c.onTlp(0, UPSTREAM, LINK, rd);
    c.onTlp(1, DOWNSTREAM, LINK, Tlp.completionWithData(rd, RC, 16, 0x00, new byte[16], 0, 16));
    assertEquals("CplD has Lower Address 0x00, but its first byte is at 0x1010 (Lower Address 0x10)",
        only(c, ProtocolRule.COMPLETION_LOWER_ADDRESS).message());
  }

  @Test
  void partialCompletionNotEndingOnTheRcbIsReported() {
    TlpProtocolChecker c = bare();
    Tlp rd = Tlp.memRead(DEV, 2, 0x1000, 256);
    c.onTlp(0, UPSTREAM, LINK, rd);
    c.onTlp(1, DOWNSTREAM, LINK, Tlp.completionWithData(rd, RC, 256, 0x00, new byte[96], 0, 96));
    c.onTlp(2, DOWNSTREAM, LINK, Tlp.completionWithData(rd, RC, 160, 0x60, new byte[160], 0, 160));
    assertEquals("a partial CplD must end on the completer's 64-byte Read Completion Boundary, this one ends at "
        + "0x1060", only(c, ProtocolRule.COMPLETION_BOUNDARY).message());
    assertEquals(List.of(), c.outstanding(), "the second completion still finished the read");
  }

  @Test
  void completionsSplitAtTheRcbAreLegal() {
    TlpProtocolChecker c = bare();
    Tlp rd = Tlp.memRead(DEV, 2, 0x1030, 200); // 0x1030..0x10f7
    c.onTlp(0, UPSTREAM, LINK, rd);
    c.onTlp(1, DOWNSTREAM, LINK, Tlp.completionWithData(rd, RC, 200, 0x30, new byte[16], 0, 16)); // to 0x1040
    c.onTlp(2, DOWNSTREAM, LINK, Tlp.completionWithData(rd, RC, 184, 0x40, new byte[128], 0, 128)); // to 0x10c0
    c.onTlp(3, DOWNSTREAM, LINK, Tlp.completionWithData(rd, RC, 56, 0x40, new byte[56], 0, 56));
    assertEquals(List.of(), c.finish(4));
  }

  @Test
  void lastCompletionCarryingMoreThanRemainsIsReported() {
    TlpProtocolChecker c = bare();
    Tlp rd2 = Tlp.memRead(DEV, 4, 0x1000, 8);
    c.onTlp(2, UPSTREAM, LINK, rd2);
    int[] h = Tlp.completionWithData(rd2, RC, 8, 0x00, new byte[8], 0, 8).headerDwords();
    h[0] = (h[0] & ~0x3ff) | 4; // Length 4 DW for 8 bytes
    c.check(3, DOWNSTREAM, LINK, h);
    assertEquals("the last CplD must carry the 8 remaining bytes in 2 DW, has Length 4 DW",
        only(c, ProtocolRule.COMPLETION_LENGTH).message());
  }

  @Test
  void unsupportedRequestCompletionEndsTheRead() {
    TlpProtocolChecker c = bare();
    Tlp rd = Tlp.memRead(DEV, 6, 0x1000, 100);
    c.onTlp(0, UPSTREAM, LINK, rd);
    c.onTlp(1, DOWNSTREAM, LINK, Tlp.completion(rd, RC, CplStatus.UR));
    assertEquals(List.of(), c.finish(2));
  }

  @Test
  void requestNeverCompletedByTheEndOfTheRunIsATimeout() {
    TlpProtocolChecker c = bare();
    c.onTlp(1_000, UPSTREAM, LINK, Tlp.memRead(DEV, 8, 0x1000, 4));
    assertEquals(List.of("switch0/0: " + Tlp.memRead(DEV, 8, 0x1000, 4)), c.outstanding());
    List<ProtocolViolation> v = c.finish(5_000);
    assertEquals(1, v.size());
    assertEquals(ProtocolRule.COMPLETION_TIMEOUT, v.get(0).rule());
    assertEquals("MRd tag 8 from 03:00.0 was never completed (sent at 1000 ns, run ended at 5000 ns)",
        v.get(0).message());
    assertEquals(List.of(), c.outstanding());
  }

  /**
   * The checker records a memory read by its header words rather than by the TLP; every report on it
   * must still show the request exactly as it crossed, whatever header fields it set.
   */
  @Test
  void reportsShowAnOutstandingMemoryReadExactlyAsItCrossed() {
    Tlp plain = Tlp.memRead(DEV, 8, 0x1000, 4);
    Tlp high = Tlp.memRead(DEV, 0x2a5, 0x1_2345_6780L, 256).withTc(5).withAttr(6).withDigest(true);
    Tlp locked = Tlp.decode(header("kind=MRdLk requester=03:00.0 tag=0x301 address=0xfee01004 length=2 first_be=0xe "
        + "last_be=0x7 th=1 ph=2 at=1 ep=1"), null);
    for (Tlp rd : List.of(plain, high, locked)) {
      TlpProtocolChecker c = bare();
      c.onTlp(1_000, UPSTREAM, LINK, rd);
      assertEquals(List.of(LINK + ": " + rd), c.outstanding(), () -> "outstanding " + rd);
      c.onTlp(2_000, UPSTREAM, LINK, rd); // the same tag again, while the first still waits
      ProtocolViolation reuse = only(c, ProtocolRule.TAG_IN_USE);
      assertEquals(rd.toString(), reuse.tlp(), "the reusing request");
      assertTrue(reuse.message().contains("while its " + rd.type().mnemonic() + " sent at 1000 ns"), reuse::message);
      List<ProtocolViolation> v = c.finish(5_000);
      assertEquals(2, v.size(), v::toString);
      assertEquals(rd.toString(), v.get(1).tlp(), "the timed-out request, rebuilt from its header");
      assertTrue(v.get(1).message().startsWith(rd.type().mnemonic() + " tag " + rd.tag() + " from 03:00.0 "),
          v.get(1)::message);
    }
  }

  @Test
  void requestOlderThanTheCompletionTimeoutIsReportedWhenTimeMovesOn() {
    TlpProtocolChecker c = new TlpProtocolChecker(FabricTopology.none(), 1_000);
    c.onTlp(0, DOWNSTREAM, LINK, Tlp.cfgRead(false, RC, 1, DEV, 0, 0xf));
    c.onTlp(500, UPSTREAM, LINK, Tlp.message(DEV, 4, 0x20, 0));
    assertEquals(List.of(), c.violations(), "not late yet");
    c.onTlp(1_500, UPSTREAM, LINK, Tlp.message(DEV, 4, 0x24, 0));
    assertEquals("CfgRd0 tag 1 from 00:00.0 to 03:00.0 got no completion within 1000 ns (sent at 0 ns)",
        only(c, ProtocolRule.COMPLETION_TIMEOUT).message());
  }

  /**
   * A burst's MWrs go out one after another until its last request's time: the checker admits it
   * without TLPs only if no completion timeout falls due by then (the TLP road would report it from
   * the first request sent after that), and afterwards it has seen time up to that last request.
   */
  @Test
  void aBurstIsAdmittedOnlyIfNoCompletionTimeoutFallsDueBeforeItsLastRequest() {
    TlpProtocolChecker c = new TlpProtocolChecker(FabricTopology.none(), 1_000);
    c.onTlp(0, DOWNSTREAM, LINK, Tlp.cfgRead(false, RC, 1, DEV, 0, 0xf)); // due by 1000 ns
    ExpressDma burst = new ExpressDma();
    burst.start(500, ExpressDma.Kind.DEVICE_WRITE, DEV, 0, 0x1000, 1024);
    burst.addUpLink(LINK, 0);
    burst.run(4, 256);
    burst.pacedUntil(1_000);
    assertTrue(c.admits(burst), "the last request goes out at 1000 ns, not after");
    burst.pacedUntil(1_001);
    assertFalse(c.admits(burst), "the last request goes out after the timeout: the TLP road reports it");
    ExpressDma single = new ExpressDma();
    single.start(500, ExpressDma.Kind.DEVICE_WRITE, DEV, 0, 0x1000, 256);
    single.addUpLink(LINK, 0);
    assertEquals(500, single.lastRequestNs(), "not a burst: the one request goes out at its time");
    assertTrue(c.admits(single));

    burst.pacedUntil(900);
    assertTrue(c.admits(burst));
    c.onExpress(burst);
    assertEquals(List.of(), c.violations());
    c.onTlp(1_001, UPSTREAM, LINK, Tlp.message(DEV, 4, 0x20, 0));
    assertEquals("CfgRd0 tag 1 from 00:00.0 to 03:00.0 got no completion within 1000 ns (sent at 0 ns)",
        only(c, ProtocolRule.COMPLETION_TIMEOUT).message());
  }

  @Test
  void aTimedOutRequestBlamesTheFunctionThatOwedTheCompletion() {
    Machine m = Machine.createDefault();
    Slot slot = m.plug(new Dma());
    BareMetal.boot(m);
    TlpProtocolChecker c = new TlpProtocolChecker(FabricTopology.of(m));
    Endpoint ep = (Endpoint) slot.functions().get(0);
    long bar = BareMetal.barBase(ep, 0);
    c.onTlp(0, DOWNSTREAM, "00:01.0", Tlp.memRead(RC, 4, bar + 8, 4));
    c.onTlp(0, DOWNSTREAM, "00:01.0", Tlp.cfgRead(true, RC, 5, ep.id(), 0, 0xf));
    List<ProtocolViolation> v = c.finish(10);
    assertEquals(2, v.size());
    assertEquals(ep.id(), v.get(0).culprit(), "the endpoint whose BAR holds the address");
    assertEquals(String.format("MRd tag 4 from 00:00.0 to %s was never completed (sent at 0 ns, run ended at 10 ns)",
        ep.id()), v.get(0).message());
    assertEquals(ep.id(), v.get(1).culprit(), "the config request's target");
  }

  @Test
  void requestsOnADeadLinkAreNotTracked() {
    Machine m = Machine.createDefault();
    Slot slot = m.plug(new Dma());
    BareMetal.boot(m);
    TlpProtocolChecker c = new TlpProtocolChecker(FabricTopology.of(m));
    slot.link().setUp(false);
    c.onTlp(0, DOWNSTREAM, "switch0/0", Tlp.memRead(RC, 4, 0xc000_0000L, 4));
    assertEquals(List.of(), c.finish(10), "the model drops them by design: no completion is owed on that link");
  }

  @Test
  void listenersSeeEachViolationAsItIsFound() {
    TlpProtocolChecker c = bare();
    List<ProtocolRule> seen = new ArrayList<>();
    c.addListener(v -> seen.add(v.rule()));
    c.onTlp(0, DOWNSTREAM, LINK, Tlp.readCompletion(Tlp.memRead(DEV, 1, 0, 4), RC, new byte[4], 0));
    assertEquals(List.of(ProtocolRule.UNEXPECTED_COMPLETION), seen);
    c.clearViolations();
    assertEquals(List.of(), c.violations());
  }

  @Test
  void badArgumentsAreRefusedWithTheirValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TlpProtocolChecker(FabricTopology.none(), 0));
    assertEquals("completion timeout must be positive: 0", e.getMessage());
    TlpProtocolChecker c = bare();
    c.check(0, UPSTREAM, LINK, new int[] {1, 2});
    assertEquals("header must be 3 or 4 dwords, got 2", only(c, ProtocolRule.MALFORMED).message());
    assertTrue(c.outstanding().isEmpty());
  }
}
