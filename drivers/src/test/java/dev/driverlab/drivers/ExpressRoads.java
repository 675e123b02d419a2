package dev.driverlab.drivers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.Switch;
import dev.driverlab.devices.pcie.tlp.ExpressObserver;
import dev.driverlab.devices.testing.ExpressSpy;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.check.KernelChecks;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.printk.Dmesg;
import java.util.ArrayList;
import java.util.List;

/**
 * A driver run on two machines built alike: on one the kernel's own bus checks (both
 * {@link ExpressObserver}s) watch the links, so a device's DMA may take the DMA express; on the other
 * a plain observer is registered too, so every DMA crosses as TLPs. {@link #watch} sets a machine up
 * before boot; {@link #end} takes what a run left; {@link #assertSameEnd} compares two.
 */
public final class ExpressRoads {
  private ExpressRoads() {}

  /** What watches one machine: the spy, and on the TLP-road machine the plain observer's count. */
  public static final class Watch {
    public final ExpressSpy spy = new ExpressSpy();
    public final boolean road;
    private long plainTlps;

    Watch(boolean road) {
      this.road = road;
    }

    public long plainTlps() {
      return plainTlps;
    }
  }

  /** Puts the spy on {@code m} and, for the TLP-road machine, a plain observer (before boot). */
  public static Watch watch(Machine m, boolean road) {
    Watch w = new Watch(road);
    m.fabric().addObserver(w.spy);
    if (road) {
      m.fabric().addObserver((t, dir, link, tlp) -> w.plainTlps++);
    }
    return w;
  }

  /** What a run left: dmesg as printed, the data it moved, the clock, each link's time, the checks' findings. */
  public record End(List<String> dmesg, String data, long nowNs, List<String> busyPs, long checked,
      List<BugReport> reports, List<String> violations) {}

  public static End end(Kernel k, String data) {
    KernelChecks checks = KernelChecks.of(k);
    return new End(k.dmesg().lines().stream().map(Dmesg.Line::format).toList(), data, k.machine().clock().nowNs(),
        busy(k.machine()), checks.dmaTlp().checked(), k.bugs().reports(),
        checks.protocol().violations().stream().map(Object::toString).toList());
  }

  /** Every link, root ports' first, then each switch's, with the time it has carried. */
  public static List<String> busy(Machine m) {
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

  /**
   * The express machine ended as the TLP-road machine did, field by field; the express moved some DMA
   * on the one and none on the other, whose DMA crossed as TLPs.
   */
  public static void assertSameEnd(End express, Watch e, End road, Watch r) {
    String differs = "the express machine differs from the TLP road's ";
    assertEquals(road.data(), express.data(), differs + "data");
    assertEquals(road.dmesg(), express.dmesg(), differs + "dmesg");
    assertEquals(road.nowNs(), express.nowNs(), differs + "virtual time");
    assertEquals(road.busyPs(), express.busyPs(), differs + "link times");
    assertEquals(road.checked(), express.checked(), differs + "DMA-TLP checked() count");
    assertEquals(road.reports(), express.reports(), differs + "bug reports");
    assertEquals(road.violations(), express.violations(), differs + "protocol violations");
    assertTrue(e.spy.expresses() > 0, "the express moved DMA on the express machine");
    assertEquals(0, r.spy.expresses(), "a plain observer keeps every DMA on the TLP road");
    assertTrue(r.plainTlps() > 0);
    assertTrue(express.checked() > 0, "the DMA-TLP check saw the DMA");
  }
}
