package dev.driverlab.devices.pcie;

import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.pcie.check.TlpProtocolChecker;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An Endpoint's DMA from an address that is not DW-aligned: the request's Length counts whole DWs
 * from the DW the address sits in, so the bytes a request carries or asks for are cut so that its
 * Length stays within MRRS (reads) and MPS (writes). The protocol checker watches.
 */
class DmaSplitTest {
  @Test
  void unalignedReadsAndWritesStayWithinMrrsAndMps() throws Exception {
    FabricTest.Scratch s = new FabricTest.Scratch();
    Machine m = FabricTest.booted(s);
    TlpProtocolChecker checker = TlpProtocolChecker.install(m);
    List<Tlp> up = new ArrayList<>();
    m.fabric().addObserver((t, dir, link, tlp) -> {
      if (dir == LinkDirection.UPSTREAM && link.equals("switch0/0")
          && (tlp.type() == TlpType.MRD || tlp.type() == TlpType.MWR)) {
        up.add(tlp);
      }
    });
    byte[] src = FabricTest.pattern(3000, 4);
    m.writeRam(0x30_0000, src, 0, src.length);
    Endpoint ep = (Endpoint) m.rootComplex().links().stream()
        .flatMap(l -> l.partner() instanceof Switch sw ? sw.links().stream() : java.util.stream.Stream.of())
        .map(Link::partner).filter(p -> p instanceof Slot sl && sl.card() != null)
        .flatMap(p -> ((Slot) p).functions().stream()).findFirst().orElseThrow();
    int mrrs = ep.maxReadRequestBytes();
    int mps = ep.maxPayloadBytes();

    byte[] got = new byte[2999];
    assertEquals(DmaResult.OK, s.dmaReadInto(0x30_0001, got, 0, got.length));
    byte[] back = new byte[2999];
    System.arraycopy(src, 1, back, 0, back.length);
    assertArrayEquals(back, got);
    assertEquals(DmaResult.OK, s.write(0x40_0003, back));
    byte[] written = new byte[back.length];
    m.readRam(0x40_0003, written, 0, written.length);
    assertArrayEquals(back, written);

    assertEquals(List.of(), checker.violations());
    assertFalse(up.isEmpty());
    for (Tlp t : up) {
      int limit = t.type() == TlpType.MRD ? mrrs : mps;
      assertTrue(t.lengthDw() * 4 <= limit, t + " within " + limit);
    }
    Tlp first = up.get(0);
    assertEquals(TlpType.MRD, first.type());
    assertEquals(mrrs / 4, first.lengthDw(), "the first MRd asks for MRRS - 1 bytes from 0x300001: Length MRRS");
  }
}
