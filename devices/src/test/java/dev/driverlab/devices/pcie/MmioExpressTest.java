package dev.driverlab.devices.pcie;

import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.BarHandler;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.pcie.check.TlpProtocolChecker;
import dev.driverlab.devices.pcie.tlp.ExpressDma;
import dev.driverlab.devices.pcie.tlp.ExpressObserver;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.devices.testing.BareMetal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The MMIO-read express (RootComplex.mmioRead): a CPU load from an Endpoint's BAR, with only
 * ExpressObservers watching, moves without TLP objects and leaves everything as the TLP road does.
 * Each test runs the same accesses on two machines: one where the express may run, and one where a
 * plain observer (which needs the TLPs) forces the TLP road.
 */
class MmioExpressTest {
  /** An ExpressObserver that counts what it is shown, and admits what {@link #admit} says. */
  static final class Counting implements ExpressObserver {
    boolean admit = true;
    final List<String> express = new ArrayList<>();
    int mrdDown;

    @Override
    public boolean admits(ExpressDma dma) {
      return admit;
    }

    @Override
    public void onExpress(ExpressDma dma) {
      express.add(dma.toString());
    }

    @Override
    public void onTlp(long timeNs, LinkDirection dir, String linkName, Tlp tlp) {
      if (dir == LinkDirection.DOWNSTREAM && tlp.type() == TlpType.MRD) {
        mrdDown++;
      }
    }
  }

  /** The machine's links: the root ports' and the switches' below them. */
  static List<Link> links(Machine m) {
    List<Link> out = new ArrayList<>();
    for (Link l : m.rootComplex().links()) {
      out.add(l);
      LinkPartner p = l.partner();
      if (p instanceof Switch sw) {
        out.addAll(sw.links());
      }
    }
    return out;
  }

  /** The default machine with {@code s} behind the switch, booted by firmware; returns its BAR 0. */
  static long bootedBar(Machine m, PciDeviceModel s) {
    Slot slot = m.plug(s);
    BareMetal.boot(m);
    return BareMetal.barBase((Endpoint) slot.functions().get(0), 0);
  }

  static long[] busy(Machine m) {
    return links(m).stream().mapToLong(Link::busyPs).toArray();
  }

  /** The reads: every size at every offset of the first 16 bytes, and one outside every BAR. */
  static List<Long> readAll(Machine m, long bar) {
    List<Long> got = new ArrayList<>();
    for (int size : new int[] {1, 2, 4, 8}) {
      for (int off = 0; off < 16; off++) {
        got.add(m.read(bar + off, size));
      }
    }
    got.add(m.read(Machine.MMIO32_BASE + 0x1000_0000L, 4)); // unclaimed: all ones, by the TLP road
    return got;
  }

  @Test
  void readsByExpressEqualTheTlpRoadWithTheCheckerOn() throws Exception {
    FabricTest.Scratch a = new FabricTest.Scratch();
    FabricTest.Scratch b = new FabricTest.Scratch();
    Machine ma = Machine.createDefault();
    Machine mb = Machine.createDefault();
    long barA = bootedBar(ma, a);
    long barB = bootedBar(mb, b);
    TlpProtocolChecker ca = TlpProtocolChecker.install(ma);
    TlpProtocolChecker cb = TlpProtocolChecker.install(mb);
    Counting counted = new Counting();
    ma.fabric().addObserver(counted);
    List<Tlp> seen = new ArrayList<>();
    mb.fabric().addObserver((t, dir, link, tlp) -> seen.add(tlp)); // a plain observer: TLPs for all
    assertEquals(barA, barB);
    for (FabricTest.Scratch s : List.of(a, b)) {
      s.regs[0] = 0x8877_6655_4433_2211L;
      s.regs[1] = 0xffee_ddcc_bbaa_9988L;
    }

    List<Long> viaExpress = readAll(ma, barA);
    List<Long> viaTlps = readAll(mb, barB);

    assertEquals(viaTlps, viaExpress);
    assertEquals(0x2211L, viaExpress.get(16)); // 2 bytes at offset 0
    assertEquals(0x8877L, viaExpress.get(2 * 16 + 6)); // 4 bytes at offset 6: the scratch register shifted
    assertArrayEquals(busy(mb), busy(ma), "every link carried the same simulated time");
    assertTrue(busy(ma)[0] > 0);
    // 64 reads of the BAR took the express (one onExpress each, no MRd on a link); the unclaimed read
    // stops at the root complex (no port claims it), as on the TLP road.
    assertEquals(64, counted.express.size());
    assertEquals(0, counted.mrdDown);
    assertTrue(counted.express.get(0).startsWith("CPU MRd 00:00.0 tag "), counted.express.get(0));
    assertEquals(64 * 2 * 2, seen.size(), "the TLP road: an MRd and a CplD on each of two links per read");
    assertEquals(List.of(), ca.violations());
    assertEquals(List.of(), ca.outstanding());
    assertEquals(cb.violations(), ca.violations());
  }

  @Test
  void writesByExpressEqualTheTlpRoadWithTheCheckerOn() throws Exception {
    FabricTest.Scratch a = new FabricTest.Scratch();
    FabricTest.Scratch b = new FabricTest.Scratch();
    Machine ma = Machine.createDefault();
    Machine mb = Machine.createDefault();
    long bar = bootedBar(ma, a);
    assertEquals(bar, bootedBar(mb, b));
    TlpProtocolChecker ca = TlpProtocolChecker.install(ma);
    TlpProtocolChecker.install(mb);
    Counting counted = new Counting();
    ma.fabric().addObserver(counted);
    mb.fabric().addObserver((t, dir, link, tlp) -> { });
    long[] busyBefore = busy(ma);

    for (Machine m : List.of(ma, mb)) {
      m.write(bar, 0x1122_3344_5566_7788L, 8);
      m.write(bar + 8, 0xffff_ffff_aabb_ccddL, 4); // the store carries only its 4 bytes
      m.write(bar + 16 + 3, 0x1_23L, 1);
      m.write(bar + 24 + 6, 0xbeefL, 2);
    }

    assertArrayEquals(b.regs, a.regs);
    assertEquals(0x1122_3344_5566_7788L, a.regs[0]);
    assertEquals(0xaabb_ccddL, a.regs[1]);
    assertEquals(0x23L, a.regs[2]);
    assertEquals(0xbeefL, a.regs[3]);
    assertArrayEquals(busy(mb), busy(ma));
    assertFalse(java.util.Arrays.equals(busyBefore, busy(ma)), "the stores took link time");
    assertEquals(4, counted.express.size());
    assertTrue(counted.express.get(0).startsWith("CPU MWr 00:00.0 0x"), counted.express.get(0));
    assertEquals(List.of(), ca.violations());
  }

  @Test
  void anObserverThatDoesNotAdmitGetsTheTlps() throws Exception {
    FabricTest.Scratch s = new FabricTest.Scratch();
    Machine m = Machine.createDefault();
    long bar = bootedBar(m, s);
    Counting counted = new Counting();
    counted.admit = false;
    m.fabric().addObserver(counted);
    s.regs[2] = 0x1234_5678L;

    assertEquals(0x1234_5678L, m.read(bar + 16, 4));

    assertEquals(List.of(), counted.express);
    assertEquals(2, counted.mrdDown, "the MRd crossed the root port's link and the slot's");
  }

  @Test
  void aHandlerThatStartsDmaOrReadsMmioDuringAReadLeavesTheSameState() throws Exception {
    // The register handler runs in the middle of an express read: its own DMA (by express too) and a
    // nested MMIO read (which takes the TLP road) must not disturb the outer read.
    Busy a = new Busy();
    Busy b = new Busy();
    Machine ma = Machine.createDefault();
    Machine mb = Machine.createDefault();
    long bar = bootedBar(ma, a);
    assertEquals(bar, bootedBar(mb, b));
    TlpProtocolChecker ca = TlpProtocolChecker.install(ma);
    TlpProtocolChecker.install(mb);
    mb.fabric().addObserver((t, dir, link, tlp) -> { });
    for (Machine m : List.of(ma, mb)) {
      m.writeRam(0x20_0000, FabricTest.pattern(512, 9), 0, 512);
    }
    a.machine = ma;
    b.machine = mb;
    a.bar = b.bar = bar;

    long va = ma.read(bar + 0x100, 4);
    long vb = mb.read(bar + 0x100, 4);

    assertEquals(vb, va);
    byte[] p = FabricTest.pattern(512, 9);
    long word = (p[4] & 0xffL) | (p[5] & 0xffL) << 8 | (p[6] & 0xffL) << 16 | (p[7] & 0xffL) << 24;
    assertEquals(word ^ 0x1122_3344L, va, "the handler read DMA'd bytes and a nested register");
    assertArrayEquals(FabricTest.pattern(512, 9), a.dmaGot);
    assertArrayEquals(busy(mb), busy(ma));
    assertEquals(List.of(), ca.violations());
    assertEquals(List.of(), ca.outstanding());
  }

  /** A device whose register 0x100 DMAs 512 bytes in and reads its own register 0x8 by MMIO. */
  static final class Busy extends PciDeviceModel implements BarHandler {
    Machine machine;
    long bar;
    byte[] dmaGot = new byte[512];

    @Override
    protected void declare(FunctionSpec f) {
      f.ids(0x1af4, 0x10f1).classCode(0xff0000).pcieEndpoint(1, 3, 4).memoryBar(0, 4096, this);
    }

    @Override
    public long read(long offset, int size) {
      if (offset != 0x100) {
        return offset == 8 ? 0x1122_3344L : 0;
      }
      assertEquals(DmaResult.OK, dmaRead(0x20_0000, dmaGot, 0, 512));
      long nested = machine.read(bar + 8, 4);
      long word = (dmaGot[4] & 0xffL) | (dmaGot[5] & 0xffL) << 8 | (dmaGot[6] & 0xffL) << 16
          | (dmaGot[7] & 0xffL) << 24;
      return word ^ nested;
    }

    @Override
    public void write(long offset, long value, int size) {}
  }
}
