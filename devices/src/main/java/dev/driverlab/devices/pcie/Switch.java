package dev.driverlab.devices.pcie;

import static com.google.common.base.Preconditions.checkArgument;

import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.LinkTiming;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.ArrayList;
import java.util.List;

/**
 * A PCIe switch: one upstream port (a bridge, function 0 of the device on the upstream link) and an
 * internal bus carrying its downstream ports (bridges at device numbers 0, 1, 2, …), each with a link
 * to a slot. Modelled on TI's XIO3130 as QEMU presents it (ids 104c:8232 / 104c:8233).
 */
public final class Switch implements LinkPartner {
  public static final int VENDOR_TI = 0x104c, UPSTREAM_ID = 0x8232, DOWNSTREAM_ID = 0x8233;

  private final Fabric fabric;
  private final String name;
  private final Bridge upstream;
  private final List<Bridge> downstream = new ArrayList<>();
  /** {@link #downstream} as an array, for routing on the internal bus (no list access per TLP). */
  private Bridge[] ports = new Bridge[0];
  private final List<Link> links = new ArrayList<>();

  public Switch(Fabric fabric, String name, int gen, int width) {
    this.fabric = fabric;
    this.name = name;
    this.upstream = new Bridge(fabric, name + " upstream port", Bridge.Role.UPSTREAM_PORT, VENDOR_TI, UPSTREAM_ID,
        0, 0, 2, gen, width);
    upstream.connectInternalBus(this);
  }

  public Bridge upstreamPort() {
    return upstream;
  }

  public List<Bridge> downstreamPorts() {
    return List.copyOf(downstream);
  }

  public List<Link> links() {
    return List.copyOf(links);
  }

  /** Adds a downstream port with {@code partner} plugged into its slot; returns the new link. */
  public Link addPort(LinkPartner partner, int gen, int width) {
    int dev = downstream.size();
    checkArgument(dev < 32, "a switch has at most 32 downstream ports");
    Bridge port = new Bridge(fabric, name + " downstream port " + dev, Bridge.Role.DOWNSTREAM_PORT, VENDOR_TI,
        DOWNSTREAM_ID, dev, 0, 2, gen, width);
    port.connectSwitchUpstream(upstream, dev);
    port.setUpstream(tlp -> upstream.fromSecondary(tlp, dev));
    Link link = new Link(fabric, name + "/" + dev, new LinkTiming(gen, width), port, partner);
    port.connectSecondaryLink(link);
    partner.attach(link);
    link.train();
    downstream.add(port);
    ports = downstream.toArray(new Bridge[0]);
    links.add(link);
    return link;
  }

  @Override
  public void attach(Link link) {
    upstream.connectUplink(link);
    upstream.setUpstream(link::up);
  }

  @Override
  public List<PciFunction> functions() {
    return List.of(upstream);
  }

  /** The switch's device on the upstream link: only the upstream port (device 0, function 0). */
  @Override
  public Tlp fromUpstream(Tlp tlp) {
    TlpType t = tlp.type();
    if (t == TlpType.CFGRD0 || t == TlpType.CFGWR0) {
      if (tlp.target().device() != 0 || tlp.target().function() != 0) {
        return Tlp.completion(tlp, tlp.target(), CplStatus.UR);
      }
      return upstream.handleConfig(tlp);
    }
    return upstream.fromPrimary(tlp);
  }

  /**
   * Routing on the internal bus (the upstream port's secondary side). Every completion of every DMA
   * read into a device below passes here: the common cases are a short dispatch, config routing is
   * a method of its own.
   */
  Tlp internalBus(Tlp tlp) {
    TlpType t = tlp.type();
    if (t.completion()) {
      // p.fromPrimary(tlp) would check again that p routes the requester's bus (it does: that is how
      // p was found) and send it down p's link; straight to the link, so the completion road has no
      // third fromPrimary frame (see Bridge.sendPrimaryMemory).
      Bridge p = portRoutingBus(tlp.requester().bus());
      return p == null ? null : p.secondaryLink().down(tlp);
    }
    if (t.isMemory()) {
      Bridge p = portClaiming(tlp.address());
      if (p != null) {
        return p.fromPrimary(tlp);
      }
      return t.nonPosted() ? Tlp.completion(tlp, upstream.id(), CplStatus.UR) : null;
    }
    if (t.isConfig()) {
      return configOnInternalBus(tlp, t);
    }
    return null;
  }

  private Tlp configOnInternalBus(Tlp tlp, TlpType t) {
    if (t == TlpType.CFGRD0 || t == TlpType.CFGWR0) {
      int dev = tlp.target().device();
      if (dev >= ports.length || tlp.target().function() != 0) {
        return Tlp.completion(tlp, tlp.target(), CplStatus.UR);
      }
      return ports[dev].handleConfig(tlp);
    }
    Bridge p = portRoutingBus(tlp.target().bus());
    return p != null ? p.fromPrimary(tlp) : Tlp.completion(tlp, upstream.id(), CplStatus.UR);
  }

  /** The downstream port whose bus range holds {@code bus}, or null. */
  Bridge portRoutingBus(int bus) {
    for (Bridge p : ports) {
      if (p.routesBus(bus)) {
        return p;
      }
    }
    return null;
  }

  /** The downstream port whose windows claim {@code address}, or null. */
  Bridge portClaiming(long address) {
    for (Bridge p : ports) {
      if (p.claims(address)) {
        return p;
      }
    }
    return null;
  }
}
