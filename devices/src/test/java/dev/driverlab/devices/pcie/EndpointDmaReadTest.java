package dev.driverlab.devices.pcie;

import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.devices.testing.BareMetal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The endpoint's DMA read requester: completions matched to their request by tag, copied into the
 * buffer of the read that issued it, also when reads nest and tags come round again.
 */
class EndpointDmaReadTest {
  private static final long HOST = 0x20_0000;

  @Test
  void readsLongerThanTheTagSpaceReuseTagsAndDeliverEveryByte() {
    FabricTest.Scratch s = new FabricTest.Scratch();
    Machine m = FabricTest.booted(s);
    byte[] src = FabricTest.pattern(300 * 512, 3); // 300 MRd at MRRS 512: tags wrap past 255
    m.writeRam(HOST, src, 0, src.length);
    byte[] dst = new byte[src.length];
    assertEquals(DmaResult.OK, s.read(HOST, dst));
    assertArrayEquals(src, dst);
    byte[] again = new byte[src.length];
    assertEquals(DmaResult.OK, s.read(HOST, again));
    assertArrayEquals(src, again);
  }

  /** Every link of the machine, root port links first, then each switch's, in order. */
  private static List<Link> allLinks(Machine m) {
    List<Link> out = new ArrayList<>();
    for (Link l : m.rootComplex().links()) {
      out.add(l);
      if (l.partner() instanceof Switch sw) {
        out.addAll(sw.links());
      }
    }
    return out;
  }

  private static long[] busy(Machine m) {
    return allLinks(m).stream().mapToLong(Link::busyPs).toArray();
  }

  /**
   * Unwatched, the Root Complex answers a read in one burst; watched, completion by completion. Both
   * must leave the same bytes in the buffer and the same time on every link, for every alignment and
   * length, for RAM written and never written.
   */
  @Test
  void theUnwatchedReadBurstMatchesCompletionByCompletion() throws Exception {
    FabricTest.Scratch plain = new FabricTest.Scratch();
    FabricTest.Scratch watched = new FabricTest.Scratch();
    Machine a = FabricTest.booted(plain);
    Machine b = FabricTest.booted(watched);
    List<Integer> cplds = new ArrayList<>();
    b.fabric().addObserver((t, dir, link, tlp) -> {
      if (tlp.type() == TlpType.CPLD) {
        cplds.add(tlp.payloadLength());
      }
    });
    byte[] src = FabricTest.pattern(3 * 4096, 5);
    a.writeRam(HOST, src, 0, src.length);
    b.writeRam(HOST, src, 0, src.length);
    int[] offsets = {0, 1, 2, 3, 60, 63, 64, 100, 4000};
    int[] lens = {1, 2, 3, 4, 5, 63, 64, 65, 127, 128, 255, 256, 257, 511, 512, 513, 1000, 4096, 5000};
    for (long base : new long[] {HOST, HOST + 0x40_0000}) { // written RAM, then RAM never written
      for (int off : offsets) {
        for (int len : lens) {
          byte[] da = new byte[len + 3];
          byte[] db = new byte[len + 3];
          assertEquals(DmaResult.OK, plain.dmaReadInto(base + off, da, 2, len));
          assertEquals(DmaResult.OK, watched.dmaReadInto(base + off, db, 2, len));
          assertArrayEquals(db, da, "bytes of " + len + " at +" + off);
          assertArrayEquals(busy(b), busy(a), "link time after " + len + " bytes at +" + off);
        }
      }
    }
    assertFalse(cplds.isEmpty(), "the watched machine's reads were completion by completion");
  }

  /**
   * Unwatched, a device's writes take the express (no MWr objects); watched, every MWr crosses the
   * road. Both must leave the same RAM and the same time on every link, for every alignment and length.
   */
  @Test
  void unwatchedWritesMatchWatchedOnes() throws Exception {
    FabricTest.Scratch plain = new FabricTest.Scratch();
    FabricTest.Scratch watched = new FabricTest.Scratch();
    Machine a = FabricTest.booted(plain);
    Machine b = FabricTest.booted(watched);
    List<Integer> mwrs = new ArrayList<>();
    b.fabric().addObserver((t, dir, link, tlp) -> {
      if (tlp.type() == TlpType.MWR) {
        mwrs.add(tlp.payloadLength());
      }
    });
    int[] offsets = {0, 1, 2, 3, 60, 64, 100, 4000};
    int[] lens = {1, 3, 4, 5, 64, 65, 128, 255, 256, 257, 512, 1000, 4096, 5000};
    int seed = 0;
    for (int off : offsets) {
      for (int len : lens) {
        byte[] src = FabricTest.pattern(len, seed++);
        assertEquals(DmaResult.OK, plain.write(HOST + off, src));
        assertEquals(DmaResult.OK, watched.write(HOST + off, src));
        byte[] ra = new byte[len + 8];
        byte[] rb = new byte[len + 8];
        a.readRam(HOST + off - (off > 0 ? 1 : 0), ra, 0, ra.length);
        b.readRam(HOST + off - (off > 0 ? 1 : 0), rb, 0, rb.length);
        assertArrayEquals(rb, ra, "RAM after " + len + " bytes at +" + off);
        assertArrayEquals(busy(b), busy(a), "link time after " + len + " bytes at +" + off);
      }
    }
    assertFalse(mwrs.isEmpty(), "the watched machine's writes crossed as MWr TLPs");
  }

  /**
   * Unwatched, a whole read goes at once and uses up the tags its MRds would have: the next read,
   * watched, carries the same tag on both machines; a run of 300 MRds (tags wrapping) as well.
   */
  @Test
  void aWholeReadAtOnceUsesTheTagsItsRequestsWould() throws Exception {
    FabricTest.Scratch plain = new FabricTest.Scratch();
    FabricTest.Scratch watched = new FabricTest.Scratch();
    Machine a = FabricTest.booted(plain);
    Machine b = FabricTest.booted(watched);
    List<Integer> tagsB = new ArrayList<>();
    b.fabric().addObserver((t, dir, link, tlp) -> {
      if (tlp.type() == TlpType.MRD && link.equals("switch0/0")) {
        tagsB.add(tlp.tag());
      }
    });
    byte[] src = FabricTest.pattern(300 * 512, 7);
    a.writeRam(HOST, src, 0, src.length);
    b.writeRam(HOST, src, 0, src.length);
    for (int len : new int[] {5000, 300 * 512}) {
      byte[] da = new byte[len];
      byte[] db = new byte[len];
      assertEquals(DmaResult.OK, plain.dmaReadInto(HOST + 4, da, 0, len));
      assertEquals(DmaResult.OK, watched.dmaReadInto(HOST + 4, db, 0, len));
      assertArrayEquals(db, da);
      assertArrayEquals(java.util.Arrays.copyOfRange(src, 4, 4 + len), da);
      assertArrayEquals(busy(b), busy(a), "link time after " + len + " bytes");
    }
    List<Integer> tagsA = new ArrayList<>();
    try (AutoCloseable c = a.fabric().addObserver((t, dir, link, tlp) -> {
      if (tlp.type() == TlpType.MRD && link.equals("switch0/0")) {
        tagsA.add(tlp.tag());
      }
    })) {
      assertEquals(DmaResult.OK, plain.dmaReadInto(HOST, new byte[4], 0, 4));
    }
    assertEquals(DmaResult.OK, watched.dmaReadInto(HOST, new byte[4], 0, 4));
    assertEquals(1, tagsA.size());
    assertTrue(tagsB.size() > 300, "the watched machine's reads were MRd by MRd: " + tagsB.size());
    assertEquals(tagsB.get(tagsB.size() - 1), tagsA.get(0), "the same next tag");
  }

  @Test
  void aReadNestedInsideAnotherFillsItsOwnBuffer() throws Exception {
    FabricTest.Scratch s = new FabricTest.Scratch();
    Machine m = FabricTest.booted(s);
    byte[] outerSrc = FabricTest.pattern(4096, 1);
    byte[] innerSrc = FabricTest.pattern(2048, 99);
    m.writeRam(HOST, outerSrc, 0, outerSrc.length);
    m.writeRam(HOST + 0x10000, innerSrc, 0, innerSrc.length);
    byte[] outer = new byte[outerSrc.length];
    byte[] inner = new byte[innerSrc.length];
    List<DmaResult> innerResult = new ArrayList<>();
    // The first completion of the outer read starts a second read of the same device, from within
    // the outer read's request: the inner read takes the next tags and its own buffer.
    try (AutoCloseable c = m.fabric().addObserver((t, dir, link, tlp) -> {
      if (tlp.type() == TlpType.CPLD && innerResult.isEmpty()) {
        innerResult.add(null);
        innerResult.set(0, s.read(HOST + 0x10000, inner));
      }
    })) {
      assertEquals(DmaResult.OK, s.read(HOST, outer));
    }
    assertEquals(DmaResult.OK, innerResult.get(0));
    assertArrayEquals(innerSrc, inner);
    assertArrayEquals(outerSrc, outer);
  }

  @Test
  void aCompletionAfterItsReadEndedIsReportedAndCopiesNothing() {
    FabricTest.Scratch s = new FabricTest.Scratch();
    Machine m = Machine.createDefault();
    Slot slot = m.plug(s);
    BareMetal.boot(m);
    List<String> errors = new ArrayList<>();
    m.fabric().addErrorSink(errors::add);
    byte[] dst = new byte[64];
    assertEquals(DmaResult.OK, s.read(HOST, dst));
    Endpoint f = (Endpoint) ((PcieDevice) slot.card()).functions().get(0);
    Tlp request = Tlp.memRead(f.id(), 0, HOST, 64);
    f.completionArrived(Tlp.completionWithData(request, m.rootComplex().bus0Functions().get(0).id(), 64, 0,
        new byte[64], 0, 64));
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).contains("unexpected completion with tag 0"), errors.get(0));
  }
}
