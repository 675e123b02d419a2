package dev.driverlab.devices.pcie;

import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.pcie.check.TlpProtocolChecker;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpObserver;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DMA TLPs read their payload in place from the sender's buffer while in flight; whoever may keep a
 * TLP (an observer by default, every interceptor) gets one whose payload does not change later.
 */
class PayloadViewFabricTest {
  private static final long HOST = 0x10_0000;

  /** An observer that only looks during the call, as the checkers do. */
  private static final class Looking implements TlpObserver {
    final List<Boolean> owned = new ArrayList<>();

    @Override
    public void onTlp(long timeNs, LinkDirection dir, String linkName, Tlp tlp) {
      if (tlp.type() == TlpType.MWR || tlp.type() == TlpType.CPLD) {
        owned.add(tlp.ownsPayload());
      }
    }

    @Override
    public boolean keepsTlps() {
      return false;
    }
  }

  @Test
  void writesKeptByAnObserverDoNotChangeWhenTheDeviceBufferDoes() throws Exception {
    FabricTest.Scratch s = new FabricTest.Scratch();
    Machine m = FabricTest.booted(s);
    byte[] buf = FabricTest.pattern(1024, 1);
    List<Tlp> kept = new ArrayList<>();
    try (AutoCloseable c = m.fabric().addObserver((t, dir, link, tlp) -> {
      if (tlp.type() == TlpType.MWR) {
        kept.add(tlp);
      }
    })) {
      assertEquals(DmaResult.OK, s.write(HOST, buf));
    }
    byte[] sent = buf.clone();
    Arrays.fill(buf, (byte) 0);
    assertFalse(kept.isEmpty());
    byte[] rebuilt = new byte[1024];
    for (Tlp t : kept) {
      assertTrue(t.ownsPayload(), "a keeping observer is shown owned TLPs: " + t);
      t.copyPayload(0, rebuilt, (int) (t.address() - HOST), t.payloadLength());
    }
    assertArrayEquals(sent, rebuilt);
    byte[] ram = new byte[1024];
    m.readRam(HOST, ram, 0, 1024);
    assertArrayEquals(sent, ram);
  }

  @Test
  void completionsKeptByAnObserverDoNotChangeWhenRamIsWrittenAgain() throws Exception {
    FabricTest.Scratch s = new FabricTest.Scratch();
    Machine m = FabricTest.booted(s);
    byte[] host = FabricTest.pattern(1024, 2);
    m.writeRam(HOST, host, 0, host.length);
    List<Tlp> kept = new ArrayList<>();
    byte[] got = new byte[1024];
    try (AutoCloseable c = m.fabric().addObserver((t, dir, link, tlp) -> {
      if (tlp.type() == TlpType.CPLD && link.equals("switch0/0")) {
        kept.add(tlp);
      }
    })) {
      assertEquals(DmaResult.OK, s.read(HOST, got));
    }
    assertArrayEquals(host, got);
    m.writeRam(HOST, new byte[1024], 0, 1024);
    int total = 0;
    for (Tlp t : kept) {
      assertTrue(t.ownsPayload());
      byte[] p = t.payload();
      for (byte b : p) {
        total |= b;
      }
    }
    assertNotEquals(0, total, "the kept completions still carry the bytes read, not the zeros written since");
  }

  @Test
  void observersThatDoNotKeepTlpsSpareDmaTheCopy() throws Exception {
    FabricTest.Scratch s = new FabricTest.Scratch();
    Machine m = FabricTest.booted(s);
    m.writeRam(HOST, FabricTest.pattern(512, 3), 0, 512);
    Looking looking = new Looking();
    try (AutoCloseable c = m.fabric().addObserver(looking)) {
      assertEquals(DmaResult.OK, s.write(HOST + 4096, FabricTest.pattern(512, 4)));
      assertEquals(DmaResult.OK, s.read(HOST, new byte[512]));
    }
    assertFalse(looking.owned.isEmpty());
    assertTrue(looking.owned.stream().noneMatch(o -> o), "DMA payloads travel as views: " + looking.owned);
  }

  @Test
  void theProtocolCheckerDoesNotKeepTlpsAndStillChecksTheViews() throws Exception {
    FabricTest.Scratch s = new FabricTest.Scratch();
    Machine m = FabricTest.booted(s);
    TlpProtocolChecker checker = TlpProtocolChecker.install(m);
    m.writeRam(HOST, FabricTest.pattern(512, 7), 0, 512);
    Looking looking = new Looking();
    byte[] back = new byte[512];
    try (AutoCloseable c = m.fabric().addObserver(looking)) {
      assertEquals(DmaResult.OK, s.write(HOST + 4096, FabricTest.pattern(512, 8)));
      assertEquals(DmaResult.OK, s.read(HOST, back));
    }
    assertArrayEquals(FabricTest.pattern(512, 7), back);
    assertFalse(looking.owned.isEmpty());
    assertTrue(looking.owned.stream().noneMatch(o -> o), "a checked fabric carries views: " + looking.owned);
    assertEquals(List.of(), checker.violations());
    assertEquals(List.of(), checker.outstanding(), "every read the checker saw was completed");
  }

  @Test
  void oneKeepingObserverAmongOthersMakesEveryoneSeeOwnedTlps() throws Exception {
    FabricTest.Scratch s = new FabricTest.Scratch();
    Machine m = FabricTest.booted(s);
    Looking looking = new Looking();
    List<Tlp> kept = new ArrayList<>();
    try (AutoCloseable a = m.fabric().addObserver(looking);
        AutoCloseable b = m.fabric().addObserver((t, dir, link, tlp) -> kept.add(tlp))) {
      assertEquals(DmaResult.OK, s.write(HOST, FabricTest.pattern(256, 5)));
    }
    assertFalse(looking.owned.isEmpty());
    assertTrue(looking.owned.stream().allMatch(o -> o));
    Tlp first = kept.stream().filter(t -> t.type() == TlpType.MWR).findFirst().orElseThrow();
    Tlp second = kept.stream().filter(t -> t.type() == TlpType.MWR).skip(1).findFirst().orElseThrow();
    assertSame(first, second, "copied once, then the same owned TLP crosses the next link");
  }

  @Test
  void interceptorsSeeOwnedTlpsAndMayKeepThem() throws Exception {
    FabricTest.Scratch s = new FabricTest.Scratch();
    Machine m = FabricTest.booted(s);
    byte[] buf = FabricTest.pattern(256, 6);
    List<Tlp> kept = new ArrayList<>();
    try (AutoCloseable c = m.fabric().addInterceptor((t, dir, link, tlp) -> {
      if (tlp.type() == TlpType.MWR) {
        kept.add(tlp);
      }
      return tlp;
    })) {
      assertEquals(DmaResult.OK, s.write(HOST, buf));
    }
    byte[] sent = buf.clone();
    Arrays.fill(buf, (byte) 0);
    assertFalse(kept.isEmpty());
    for (Tlp t : kept) {
      assertTrue(t.ownsPayload());
      int at = (int) (t.address() - HOST);
      assertArrayEquals(Arrays.copyOfRange(sent, at, at + t.payloadLength()), t.payload());
    }
    byte[] ram = new byte[256];
    m.readRam(HOST, ram, 0, 256);
    assertArrayEquals(sent, ram);
  }
}
