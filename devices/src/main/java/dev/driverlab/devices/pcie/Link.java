package dev.driverlab.devices.pcie;

import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.LinkTiming;
import dev.driverlab.devices.pcie.tlp.Tlp;

/**
 * A point-to-point PCIe link between a downstream-facing port (root port or switch downstream port)
 * and its partner. Every TLP that crosses it is shown to the fabric's observers, and the link keeps
 * the simulated time its traffic occupies it ({@link LinkTiming}).
 */
public final class Link {
  private final Fabric fabric;
  private final String name;
  private final LinkTiming timing;
  private final Bridge port;
  private final LinkPartner partner;
  private long busyPs;
  private boolean up = true;

  Link(Fabric fabric, String name, LinkTiming timing, Bridge port, LinkPartner partner) {
    this.fabric = fabric;
    this.name = name;
    this.timing = timing;
    this.port = port;
    this.partner = partner;
  }

  public String name() {
    return name;
  }

  public LinkTiming timing() {
    return timing;
  }

  public Bridge port() {
    return port;
  }

  public LinkPartner partner() {
    return partner;
  }

  /** Total simulated time this link has carried traffic, in picoseconds. */
  public long busyPs() {
    return busyPs;
  }

  public boolean isUp() {
    return up;
  }

  /** Surprise removal: the partner is gone; requests to it fail as on a dead link. */
  public void setUp(boolean up) {
    this.up = up;
  }

  Tlp down(Tlp tlp) {
    busyPs += timing.tlpTimePs(tlp);
    fabric.trace(LinkDirection.DOWNSTREAM, name, tlp);
    if (!up) {
      return null;
    }
    Tlp cpl = partner.fromUpstream(tlp);
    if (cpl != null) {
      busyPs += timing.tlpTimePs(cpl);
      fabric.trace(LinkDirection.UPSTREAM, name, cpl);
    }
    return cpl;
  }

  /** A TLP from the partner going up; the port forwards it. {@code child} is the device number below. */
  CplStatus up(Tlp tlp) {
    busyPs += timing.tlpTimePs(tlp);
    fabric.trace(LinkDirection.UPSTREAM, name, tlp);
    return up ? port.fromSecondary(tlp, 0) : CplStatus.UR;
  }
}
