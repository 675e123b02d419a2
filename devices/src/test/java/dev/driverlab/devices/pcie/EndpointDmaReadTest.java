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
