package dev.driverlab.devices.pcie;

import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.Tlp;
import java.util.List;

/**
 * A slot below a root port or switch downstream port. Empty, it answers config requests with UR (all
 * ones to the CPU); a card can be plugged at build time or hot-added later.
 */
public final class Slot implements LinkPartner {
  private final String name;
  private final Fabric fabric;
  private Link link;
  private LinkPartner card;

  public Slot(Fabric fabric, String name) {
    this.fabric = fabric;
    this.name = name;
  }

  public String name() {
    return name;
  }

  public Link link() {
    return link;
  }

  public boolean occupied() {
    return card != null;
  }

  public LinkPartner card() {
    return card;
  }

  /** Plugs a single-function card built from {@code model}. */
  public PcieDevice plug(PciDeviceModel model) {
    PcieDevice dev = new PcieDevice().add(new Endpoint(fabric, 0, 0, model));
    plug(dev);
    return dev;
  }

  /** Plugs any card (multi-function device or a switch). */
  public void plug(LinkPartner card) {
    if (this.card != null) {
      throw new IllegalStateException("slot " + name + " is occupied");
    }
    this.card = card;
    if (link != null) {
      card.attach(link);
      link.setUp(true);
      link.train();
    }
  }

  /** Surprise removal: the card is gone and the link is down. */
  public LinkPartner unplug() {
    LinkPartner c = card;
    card = null;
    return c;
  }

  @Override
  public Tlp fromUpstream(Tlp tlp) {
    if (card != null) {
      return card.fromUpstream(tlp);
    }
    return tlp.type().nonPosted() ? Tlp.completion(tlp, tlp.requester(), CplStatus.UR) : null;
  }

  @Override
  public void attach(Link link) {
    this.link = link;
    if (card != null) {
      card.attach(link);
    }
  }

  @Override
  public List<PciFunction> functions() {
    return card == null ? List.of() : card.functions();
  }

  @Override
  public String toString() {
    return "slot " + name + (card == null ? " (empty)" : "");
  }
}
