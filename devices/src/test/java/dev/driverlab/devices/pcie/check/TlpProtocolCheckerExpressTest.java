package dev.driverlab.devices.pcie.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.BarHandler;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.pcie.Bridge;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.PciFunction;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.Switch;
import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.pcie.tlp.ExpressDma;
import dev.driverlab.devices.pcie.tlp.ExpressObserver;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.devices.testing.BareMetal;
import dev.driverlab.devices.testing.ExpressSpy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The protocol checker on a bare machine, with and without the DMA express. Every scenario runs on
 * two machines built alike, step by step: on one the checker (and a counting {@link ExpressObserver}
 * that admits everything) are the only observers, so a device's DMA may take the express; on the
 * other a plain observer is registered too, so every DMA crosses as TLPs. After every step both must
 * hold the same bytes, the same time on every link, the same virtual time, the same violations (rule,
 * time, link, culprit, message and TLP text) and the same outstanding requests. Where the checker must
 * report, the express must have declined, so the report comes from the TLP road with its TLP's text.
 */
class TlpProtocolCheckerExpressTest {
  private static final long LOW = 0x20_0000;
  /** In the high RAM of {@link #machine()} (above 4 GiB): requests with a 4 DW header. */
  private static final long HIGH = Machine.HIGH_RAM_BASE + 0x2000;

  /** A DMA-capable endpoint whose engine the test drives: any address, any slice of a buffer. */
  static final class Engine extends PciDeviceModel implements BarHandler {
    @Override
    protected void declare(FunctionSpec f) {
      f.ids(0x1af4, 0x10f2).classCode(0xff0000).pcieEndpoint(1, 3, 4).memoryBar(0, 4096, this);
    }

    @Override
    public long read(long offset, int size) {
      return 0;
    }

    @Override
    public void write(long offset, long value, int size) {}

    DmaResult read(long address, byte[] dst, int off, int len) {
      return dmaRead(address, dst, off, len);
    }

    DmaResult write(long address, byte[] src, int off, int len) {
      return dmaWrite(address, src, off, len);
    }
  }

  /** One machine of a pair: an {@link Engine} in {@code slot}, booted, the checker and the spy on it. */
  private static final class Run {
    final Machine m;
    final Engine engine = new Engine();
    final Endpoint ep;
    final TlpProtocolChecker checker;
    final ExpressSpy spy = new ExpressSpy();
    /** TLPs the plain observer saw, as "link direction type Length" (the TLP-road machine only). */
    final List<String> plainSaw = new ArrayList<>();

    Run(Machine m, String slot, boolean road) {
      this.m = m;
      Slot s = m.slot(slot);
      s.plug(engine);
      BareMetal.boot(m);
      ep = (Endpoint) s.functions().get(0);
      checker = TlpProtocolChecker.install(m);
      m.fabric().addObserver(spy);
      if (road) {
        m.fabric().addObserver((t, dir, link, tlp) -> plainSaw.add(link + " " + dir + " " + tlp.type() + " " + tlp.lengthDw()));
      }
    }

    /** Every link of the machine, root ports' first, then each switch's, with its time so far. */
    List<String> busy() {
      List<String> out = new ArrayList<>();
      for (Link l : m.rootComplex().links()) {
        out.add(l.name() + "=" + l.busyPs());
        if (l.partner() instanceof Switch sw) {
          for (Link sl : sw.links()) {
            out.add(sl.name() + "=" + sl.busyPs());
          }
        }
      }
      return out;
    }

    String ram(long address, int len) {
      byte[] b = new byte[len];
      m.readRam(address, b, 0, len);
      return HexFormat.of().formatHex(b);
    }

    /** What a step left: its result and bytes, every link's time, the clock, the checker's findings. */
    State state(Object result, String bytes) {
      return new State(result, bytes, busy(), m.clock().nowNs(), checker.violations(), checker.outstanding());
    }
  }

  private record State(Object result, String bytes, List<String> busyPs, long nowNs,
      List<ProtocolViolation> violations, List<String> outstanding) {}

  /** The express machine and the TLP-road machine, built alike. */
  private record Pair(Run express, Run road) {
    /** Runs {@code step} on both and fails unless they end in the same state. */
    State step(String what, Function<Run, State> step) {
      State e = step.apply(express);
      State r = step.apply(road);
      String differs = what + ": the express machine differs from the TLP road's ";
      assertEquals(r.result(), e.result(), differs + "result");
      assertEquals(r.bytes(), e.bytes(), differs + "bytes");
      assertEquals(r.busyPs(), e.busyPs(), differs + "link times");
      assertEquals(r.nowNs(), e.nowNs(), differs + "virtual time");
      assertEquals(r.violations(), e.violations(), differs + "violations");
      assertEquals(r.outstanding(), e.outstanding(), differs + "outstanding requests");
      return e;
    }

    void writeRamBoth(long address, byte[] b) {
      express.m.writeRam(address, b, 0, b.length);
      road.m.writeRam(address, b, 0, b.length);
    }

    /** The express was taken on one side only, and the road side saw every DMA as TLPs. */
    void assertRoads(int expresses) {
      assertEquals(expresses, express.spy.expresses(), "transfers the express moved");
      assertEquals(0, road.spy.expresses(), "a plain observer keeps every DMA on the TLP road");
      assertTrue(road.spy.dmaTlps() > 0 && !road.plainSaw.isEmpty(), "the road machine's DMA crossed as TLPs");
    }
  }

  /** 3 GiB low RAM and 16 MiB above 4 GiB; the default switch and direct slots. */
  private static Machine machine() {
    return Machine.builder().ramBytes((3L << 30) + (16L << 20)).build();
  }

  private static Pair pair(String slot) {
    return new Pair(new Run(machine(), slot, false), new Run(machine(), slot, true));
  }

  static byte[] pattern(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 13 + seed);
    }
    return b;
  }

  private static State read(Run r, long address, int len) {
    byte[] dst = new byte[len + 4];
    DmaResult res = r.engine.read(address, dst, 2, len);
    return r.state(res, HexFormat.of().formatHex(dst));
  }

  private static State write(Run r, long address, byte[] src) {
    DmaResult res = r.engine.write(address, src, 0, src.length);
    return r.state(res, r.ram(address - 8, src.length + 16));
  }

  /** A 16-bit config write through ECAM, as software would make it. */
  private static void configWrite16(Machine m, PciFunction f, int reg, int value) {
    long at = Machine.ECAM_BASE + ((long) f.id().bus() << 20 | (long) f.id().device() << 15
        | (long) f.id().function() << 12 | reg);
    m.write(at, value, 2);
  }

  /** Sets Max_Payload_Size (and keeps the rest) of {@code f}'s Device Control through ECAM. */
  private static void setMps(Machine m, PciFunction f, int bytes) {
    int devctl = f.config().findCapability(Capabilities.ID_EXP) + Capabilities.EXP_DEVCTL;
    int v = f.config().read16(devctl);
    int code = Integer.numberOfTrailingZeros(bytes / 128);
    configWrite16(m, f, devctl, (v & ~Capabilities.EXP_DEVCTL_PAYLOAD) | code << 5);
    assertEquals(bytes, f.maxPayloadLimit());
  }

  /** Sets Max_Read_Request_Size (and keeps the rest) of {@code f}'s Device Control through ECAM. */
  private static void setMrrs(Machine m, PciFunction f, int bytes) {
    int devctl = f.config().findCapability(Capabilities.ID_EXP) + Capabilities.EXP_DEVCTL;
    int v = f.config().read16(devctl);
    int code = Integer.numberOfTrailingZeros(bytes / 128);
    configWrite16(m, f, devctl, (v & ~Capabilities.EXP_DEVCTL_READRQ) | code << 12);
    assertEquals(bytes, f.maxReadRequestLimit());
  }

  private static Bridge rootPort(Machine m, String name) {
    return m.rootComplex().rootPorts().stream().filter(p -> p.name().equals("root port " + name)).findFirst()
        .orElseThrow();
  }

  // ---- nothing to report: the express moves it, and leaves what the TLPs would have ----------------

  @Test
  void aCleanDmaWithTheCheckerAloneTakesTheExpress() {
    Pair p = pair("switch0/0");
    byte[] src = pattern(4096, 7);
    p.writeRamBoth(LOW, src);
    State r = p.step("4 KiB read", run -> read(run, LOW, 4096));
    State w = p.step("4 KiB write", run -> write(run, LOW + 0x10000, src));
    assertEquals(DmaResult.OK, r.result());
    assertEquals(DmaResult.OK, w.result());
    assertEquals("0000" + HexFormat.of().formatHex(src) + "0000", r.bytes());
    assertEquals(List.of(), r.violations());
    assertEquals(List.of(), w.violations());
    assertEquals(List.of(), w.outstanding());
    assertEquals(List.of(), p.express().checker.finish(p.express().m.clock().nowNs()));
    assertTrue(w.busyPs().stream().filter(s -> s.startsWith("switch0/0=") || s.startsWith("00:01.0="))
        .noneMatch(s -> s.endsWith("=0")), "both links on the road carried the DMA: " + w.busyPs());
    // Each transfer at once: 4096 bytes in 8 MRds of 512 bytes (MRRS) and 32 MWrs of 128 bytes (MPS).
    p.assertRoads(2);
    assertEquals(List.of("DEVICE_READ x8 <=512", "DEVICE_WRITE x32 <=128"), p.express().spy.shapes());
    assertEquals(8 + 32, p.road().plainSaw.stream().filter(s -> s.startsWith("00:01.0 UPSTREAM ")).count(),
        "the same requests as TLPs on the root port's link: " + p.road().plainSaw);
    assertEquals(0, p.express().spy.dmaTlps(), "no DMA TLP object crossed a link of the express machine");
  }

  /**
   * Every alignment and length, reads and writes, behind the switch (two links) and in a direct slot
   * (one link), in low RAM (3 DW headers) and above 4 GiB (4 DW headers): the same bytes, link times
   * and findings after every transfer. Unaligned writes take the TLP road on both machines; the rest
   * take the express on one machine. The Endpoint cuts requests at MPS and MRRS counted in whole DWs
   * from the address's DW, so no request of any shape breaks a limit: nothing is reported.
   */
  @ParameterizedTest(name = "{0} at {1}")
  @CsvSource({"switch0/0, 0x200000", "switch0/0, 0x100002000", "00:02.0, 0x200000", "00:02.0, 0x100002000"})
  void everyShapeOfDmaLeavesWhatTheTlpRoadLeaves(String slot, String baseHex) {
    long base = Long.decode(baseHex);
    Pair p = pair(slot);
    p.writeRamBoth(base, pattern(3 * 4096, 5));
    int[] offsets = {0, 1, 3, 4, 60, 64, 100, 4000};
    int[] lens = {1, 3, 4, 5, 64, 65, 128, 255, 256, 257, 512, 513, 1000, 4096, 5000};
    int seed = 0;
    for (int off : offsets) {
      for (int len : lens) {
        long at = base + off;
        State r = p.step("read of " + len + " at +" + off, run -> read(run, at, len));
        assertEquals(DmaResult.OK, r.result());
        byte[] src = pattern(len, seed++);
        long to = base + 0x8000 + off;
        State w = p.step("write of " + len + " at +" + off, run -> write(run, to, src));
        assertEquals(DmaResult.OK, w.result());
      }
    }
    assertTrue(p.express().spy.expresses() > 0, "some transfers took the express");
    p.assertRoads(p.express().spy.expresses());
    assertEquals(List.of(), p.express().checker.violations(), "no request of any shape breaks a limit");
    assertEquals(List.of(), p.express().checker.outstanding());
    for (String tlp : p.road().plainSaw) { // what the Endpoint sent up: Length within MRRS 512 and MPS 128
      String[] f = tlp.split(" ");
      if (f[1].equals("UPSTREAM")) {
        assertTrue(Integer.parseInt(f[3]) * 4 <= (f[2].equals("MRD") ? 512 : 128), tlp);
      }
    }
  }

  // ---- which observers close the express ------------------------------------------------------------

  /** A plain observer of the given kinds that keeps nothing and counts what it is shown, by type. */
  private static final class Watching implements dev.driverlab.devices.pcie.tlp.TlpObserver {
    final List<TlpType> types;
    final LinkDirection dir;
    final List<String> seen = new ArrayList<>();

    Watching(LinkDirection dir, TlpType... types) {
      this.dir = dir;
      this.types = List.of(types);
    }

    @Override
    public boolean keepsTlps() {
      return false;
    }

    @Override
    public boolean watches(LinkDirection d, TlpType type) {
      return d == dir && types.contains(type);
    }

    @Override
    public void onTlp(long timeNs, LinkDirection d, String link, Tlp tlp) {
      seen.add(link + " " + tlp.type() + " " + tlp.payloadLength());
    }
  }

  /**
   * A plain observer of the completions going down alone keeps every read on the TLP road (it sees each
   * CplD the road carries, as many as on a machine where every DMA takes the road), while writes, which
   * it does not watch, still take the express; one of the CPU's MMIO writes alone closes nothing.
   */
  @Test
  void aPlainObserverClosesTheExpressOnlyForTheTransfersItWatches() {
    Pair p = pair("switch0/0");
    Watching cplds = new Watching(LinkDirection.DOWNSTREAM, TlpType.CPLD);
    Watching mmio = new Watching(LinkDirection.DOWNSTREAM, TlpType.MWR);
    Watching roadCplds = new Watching(LinkDirection.DOWNSTREAM, TlpType.CPLD);
    p.express().m.fabric().addObserver(cplds);
    p.express().m.fabric().addObserver(mmio);
    p.road().m.fabric().addObserver(roadCplds);
    p.writeRamBoth(LOW, pattern(4096, 8));
    p.step("1 KiB read", run -> read(run, LOW + 4, 1024));
    assertEquals(0, p.express().spy.expresses(), "the read's completions are watched: the TLP road");
    assertEquals(roadCplds.seen, cplds.seen, "every CplD, on both links");
    // 2 MRd of 512 bytes from +4 and +516, each answered in 124 + 3 x 128 + 4 bytes at MPS 128, on 2 links
    assertEquals(2 * 2 * 5, cplds.seen.size(), cplds.seen::toString);
    p.step("1 KiB write", run -> write(run, LOW + 0x2000, pattern(1024, 9)));
    assertEquals(List.of("DEVICE_WRITE x8 <=128"), p.express().spy.shapes(),
        "nobody plain watches the MWrs: the express, the whole write at once");
    assertEquals(List.of(), mmio.seen, "no MMIO write was made");
  }

  /** The express closes when a plain observer comes and opens again when it goes. */
  @Test
  void thePlainObserversHandleReopensTheExpress() throws Exception {
    Pair p = pair("00:02.0");
    p.writeRamBoth(LOW, pattern(4096, 10));
    Watching late = new Watching(LinkDirection.UPSTREAM, TlpType.MRD);
    try (AutoCloseable h = p.express().m.fabric().addObserver(late)) {
      p.step("a read while a plain observer watches MRds", run -> read(run, LOW, 256));
      assertEquals(List.of("00:02.0 MRD 0"), late.seen);
      assertEquals(0, p.express().spy.expresses());
    }
    p.step("a read after it stopped watching", run -> read(run, LOW + 256, 256));
    assertEquals(1, late.seen.size());
    p.assertRoads(1);
    assertEquals(List.of("DEVICE_READ x1 <=256"), p.express().spy.shapes());
  }

  // ---- something to report: the express declines, the TLP road reports it -------------------------

  @Test
  void aWriteAboveThePortsMpsIsReportedFromTheTlpRoad() {
    Pair p = pair("switch0/0");
    for (Run run : List.of(p.express(), p.road())) {
      setMps(run.m, run.ep, 256); // the endpoint may write 256 bytes; its ports still take 128
    }
    byte[] src = pattern(1024, 1);
    State w = p.step("1 KiB write at MPS 256", run -> write(run, LOW, src));
    assertEquals(8, w.violations().size(), "4 MWr of 256 bytes, each on 2 links: " + w.violations());
    ProtocolViolation v = w.violations().get(0);
    assertEquals(ProtocolRule.MAX_PAYLOAD, v.rule());
    assertEquals("switch0/0", v.link());
    assertEquals("MWr payload of 256 bytes exceeds Max_Payload_Size 128 of the port above link switch0/0 "
        + "(switch0 downstream port 0)", v.message());
    assertTrue(v.tlp().startsWith("MWr"), v.tlp());
    assertEquals("00:01.0", w.violations().get(1).link());
    assertEquals(0, p.express().spy.expresses(), "every MWr broke the rule: none may take the express");
    assertTrue(p.express().spy.dmaTlps() > 0);
  }

  /** Only the last link of the road breaks the rule: the express must look at every link, not the first. */
  @Test
  void aWriteAboveTheRootPortsMpsAloneIsReportedFromTheTlpRoad() {
    Pair p = pair("switch0/0");
    for (Run run : List.of(p.express(), p.road())) {
      setMps(run.m, run.ep, 256);
      setMps(run.m, run.m.slot("switch0/0").link().port(), 256); // the switch's downstream port
    }
    byte[] src = pattern(512, 6);
    State w = p.step("512-byte write at MPS 256", run -> write(run, LOW, src));
    assertEquals(List.of("00:01.0", "00:01.0"), w.violations().stream().map(ProtocolViolation::link).toList());
    assertEquals("MWr payload of 256 bytes exceeds Max_Payload_Size 128 of the port above link 00:01.0 "
        + "(root port 00:01.0)", w.violations().get(0).message());
    assertEquals(0, p.express().spy.expresses());
    p.step("128-byte write", run -> write(run, LOW + 0x1000, pattern(128, 7))); // fits everywhere
    p.assertRoads(1);
  }

  @Test
  void aReadAnsweredAboveTheRequestersMpsIsReportedFromTheTlpRoad() {
    Pair p = pair("switch0/0");
    p.writeRamBoth(LOW, pattern(4096, 2));
    for (Run run : List.of(p.express(), p.road())) {
      setMps(run.m, rootPort(run.m, "00:01.0"), 256); // the Root Complex answers in 256-byte CplDs
    }
    State r = p.step("512-byte read", run -> read(run, LOW, 512));
    assertEquals(DmaResult.OK, r.result());
    assertEquals(4, r.violations().size(), "2 CplD of 256 bytes, each on 2 links: " + r.violations());
    ProtocolViolation v = r.violations().get(0);
    assertEquals(ProtocolRule.MAX_PAYLOAD, v.rule());
    assertEquals("00:01.0", v.link(), "the completion crosses the root port's link first");
    assertEquals("CplD payload of 256 bytes exceeds the requester's Max_Payload_Size of 128 bytes", v.message());
    assertTrue(v.tlp().startsWith("CplD"), v.tlp());
    assertEquals(List.of(), r.outstanding());
    // 128 bytes still fit: one CplD of 128, the express again.
    State small = p.step("128-byte read", run -> read(run, LOW + 1024, 128));
    assertEquals(4, small.violations().size(), "nothing new");
    p.assertRoads(1);
  }

  /** The answer fits the requester and the root port but not the switch's port above the requester's link. */
  @Test
  void aReadAnsweredAboveTheSwitchPortsMpsIsReportedFromTheTlpRoad() {
    Pair p = pair("switch0/0");
    p.writeRamBoth(LOW, pattern(4096, 2));
    for (Run run : List.of(p.express(), p.road())) {
      setMps(run.m, run.ep, 256);
      setMps(run.m, rootPort(run.m, "00:01.0"), 256);
    }
    State r = p.step("512-byte read", run -> read(run, LOW, 512));
    assertEquals(DmaResult.OK, r.result());
    assertEquals("0000" + HexFormat.of().formatHex(pattern(4096, 2), 0, 512) + "0000", r.bytes());
    assertEquals(List.of("switch0/0", "switch0/0"), r.violations().stream().map(ProtocolViolation::link).toList());
    assertEquals("CplD payload of 256 bytes exceeds Max_Payload_Size 128 of the port above link switch0/0 "
        + "(switch0 downstream port 0)", r.violations().get(0).message());
    assertEquals(0, p.express().spy.expresses());
  }

  /**
   * An Endpoint cuts a read at MRRS counted in whole DWs from the DW its address sits in, so 512 bytes
   * from an odd address go as an MRd of 511 bytes (Length 128 DW, MRRS 512 exactly) and one of 1 byte:
   * nothing to report, and the express takes the whole read as one run of 2 requests. With MRRS
   * lowered to 128 through config space (as a driver's pcie_set_readrq would), the next read is cut
   * anew: 127 + 3 x 128 + 1 bytes, 5 MRds of at most 32 DW, still nothing to report.
   */
  @Test
  void anUnalignedReadIsCutAtMrrsInWholeDwsAndTakesTheExpress() {
    Pair p = pair("00:02.0");
    byte[] src = pattern(4096, 3);
    p.writeRamBoth(LOW, src);
    State r = p.step("512-byte read at +1", run -> read(run, LOW + 1, 512));
    assertEquals(DmaResult.OK, r.result());
    assertEquals("0000" + HexFormat.of().formatHex(src, 1, 513) + "0000", r.bytes());
    assertEquals(List.of(), r.violations());
    assertEquals(List.of("DEVICE_READ x2 <=512"), p.express().spy.shapes());
    assertEquals(List.of("00:02.0 UPSTREAM MRD 128", "00:02.0 UPSTREAM MRD 1"), mrds(p.road()));

    for (Run run : List.of(p.express(), p.road())) {
      setMrrs(run.m, run.ep, 128);
    }
    State small = p.step("512-byte read at +0x801, MRRS 128", run -> read(run, LOW + 0x801, 512));
    assertEquals("0000" + HexFormat.of().formatHex(src, 0x801, 0x801 + 512) + "0000", small.bytes());
    assertEquals(List.of(), small.violations());
    assertEquals(List.of("DEVICE_READ x2 <=512", "DEVICE_READ x5 <=128"), p.express().spy.shapes());
    assertEquals(List.of("00:02.0 UPSTREAM MRD 128", "00:02.0 UPSTREAM MRD 1", "00:02.0 UPSTREAM MRD 32",
        "00:02.0 UPSTREAM MRD 32", "00:02.0 UPSTREAM MRD 32", "00:02.0 UPSTREAM MRD 32", "00:02.0 UPSTREAM MRD 1"),
        mrds(p.road()));
    p.assertRoads(2);
  }

  /**
   * No Endpoint DMA can break MRRS any more (above), so the checker's MRRS guard in {@code admits} is
   * tried on its own: a read described to it as one MRd of 516 bytes (512 from an odd address, Length
   * 129 DW) from a requester at MRRS 512 is declined, so that the TLP road would report it with its
   * TLP's text; the same read cut as the Endpoint cuts it (511 bytes, 128 DW) is admitted. Asking
   * changes nothing.
   */
  @Test
  void theCheckerDeclinesAnExpressReadAboveTheRequestersMrrs() {
    Run run = new Run(machine(), "00:02.0", false);
    assertEquals(512, run.ep.maxReadRequestLimit());
    ExpressDma dma = new ExpressDma();
    Function<Integer, ExpressDma> readOf = len -> {
      dma.start(run.m.clock().nowNs(), ExpressDma.Kind.DEVICE_READ, run.ep.id(), 0, LOW + 1, len);
      dma.requesterLimits(run.ep.maxPayloadLimit(), run.ep.maxReadRequestLimit());
      dma.addUpLink("00:02.0", run.ep.link().port().maxPayloadLimit());
      dma.answer(run.m.rootComplex().bus0Functions().get(0).id(), 128, 64);
      return dma;
    };
    assertEquals(516, readOf.apply(512).largestRequestBytes());
    assertFalse(run.checker.admits(readOf.apply(512)), "an MRd of 129 DW breaks MRRS 512");
    assertEquals(512, readOf.apply(511).largestRequestBytes());
    assertTrue(run.checker.admits(readOf.apply(511)), "an MRd of 128 DW does not");
    ExpressDma whole = readOf.apply(1024);
    whole.run(3, 512); // 511 + 512 + 1 bytes: no request above 128 DW
    assertTrue(run.checker.admits(whole));
    whole.run(2, 516); // a cut the Endpoint never makes
    assertFalse(run.checker.admits(whole));
    assertEquals(List.of(), run.checker.violations());
    assertEquals(List.of(), run.checker.outstanding());
  }

  /** The MRds the plain observer of {@code run} saw going up, as "link direction MRD Length". */
  private static List<String> mrds(Run run) {
    return run.plainSaw.stream().filter(s -> s.contains(" UPSTREAM MRD ")).toList();
  }

  /**
   * A read the wire lost (an interceptor drops it above the switch) leaves its tag outstanding on the
   * switch's link; when the engine's tags come round to it again, that read reuses a tag in use.
   */
  @Test
  void aTagStillOutstandingIsReportedFromTheTlpRoad() throws Exception {
    Pair p = pair("switch0/0");
    p.writeRamBoth(LOW, pattern(4096, 4));
    for (Run run : List.of(p.express(), p.road())) {
      try (AutoCloseable drop = run.m.fabric().addInterceptor((t, dir, link, tlp) ->
          tlp.type() == TlpType.MRD && link.equals("00:01.0") ? null : tlp)) {
        assertEquals(DmaResult.COMPLETION_TIMEOUT, run.engine.read(LOW, new byte[64], 0, 64)); // tag 0
      }
    }
    State lost = p.step("after the lost read", run -> run.state(null, ""));
    assertEquals(List.of("switch0/0: " + Tlp.memRead(p.express().ep.id(), 0, LOW, 64)), lost.outstanding());
    // While a request waits, a read of many MRds is not taken whole (their tags would have to be
    // checked on every link): each MRd alone takes the express (tags 1..4, none in use).
    p.step("2 KiB read with tags 1 to 4", run -> read(run, LOW + 1024, 2048));
    assertEquals(Collections.nCopies(4, "DEVICE_READ x1 <=512"), p.express().spy.shapes());
    for (int i = 5; i < 256; i++) { // tags 5..255: nothing in the way
      long at = LOW + 16L * (i % 200);
      p.step("read with tag " + i, run -> read(run, at, 16));
    }
    assertEquals(List.of(), p.express().checker.violations());
    State again = p.step("read with tag 0 again", run -> read(run, LOW + 64, 64));
    assertEquals(DmaResult.OK, again.result());
    assertEquals(1, again.violations().size(), again.violations()::toString);
    ProtocolViolation v = again.violations().get(0);
    assertEquals(ProtocolRule.TAG_IN_USE, v.rule());
    assertEquals("switch0/0", v.link());
    assertEquals(Tlp.memRead(p.express().ep.id(), 0, LOW + 64, 64).toString(), v.tlp());
    assertEquals(List.of(), again.outstanding(), "the new read's completion ended it");
    p.assertRoads(255);
  }

  /**
   * The lost read's completion timeout falls due while no TLP crosses; the next DMA, read or write,
   * must report it at that time (the express declines), and the one after may take the express.
   */
  @ParameterizedTest(name = "then a {0}")
  @CsvSource({"read", "write"})
  void aCompletionTimeoutFallingDueIsReportedFromTheTlpRoad(String kind) throws Exception {
    Pair p = pair("switch0/0");
    p.writeRamBoth(LOW, pattern(4096, 4));
    for (Run run : List.of(p.express(), p.road())) {
      try (AutoCloseable drop = run.m.fabric().addInterceptor((t, dir, link, tlp) ->
          tlp.type() == TlpType.MRD && link.equals("00:01.0") ? null : tlp)) {
        run.engine.read(LOW, new byte[64], 0, 64);
      }
      run.m.clock().advance(TlpProtocolChecker.DEFAULT_COMPLETION_TIMEOUT_NS + 1_000);
    }
    // One TLP each (256 bytes < MRRS, 128 bytes = MPS): the first crosses while the timeout is due.
    Function<Run, State> dma = kind.equals("read") ? run -> read(run, LOW + 256, 256)
        : run -> write(run, LOW + 0x4000, pattern(128, 9));
    State s = p.step("the first DMA after the timeout", dma);
    assertEquals(DmaResult.OK, s.result());
    assertEquals(1, s.violations().size(), s.violations()::toString);
    ProtocolViolation v = s.violations().get(0);
    assertEquals(ProtocolRule.COMPLETION_TIMEOUT, v.rule());
    assertEquals(TlpProtocolChecker.DEFAULT_COMPLETION_TIMEOUT_NS + 1_000, v.timeNs());
    assertEquals("switch0/0", v.link());
    assertEquals(Tlp.memRead(p.express().ep.id(), 0, LOW, 64).toString(), v.tlp());
    assertEquals(List.of(), s.outstanding());
    assertEquals(0, p.express().spy.expresses(), "declined while the timeout was due");
    p.step("the next DMA", dma);
    p.assertRoads(1);
  }
}
