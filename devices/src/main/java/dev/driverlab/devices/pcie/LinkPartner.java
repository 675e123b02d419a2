package dev.driverlab.devices.pcie;

import dev.driverlab.devices.pcie.tlp.Tlp;

/** What sits at the downstream end of a link: a (multi-function) device or a switch's upstream port. */
public interface LinkPartner {
  /** Handles a TLP arriving from the link; returns the completion of a non-posted request, else null. */
  Tlp fromUpstream(Tlp tlp);

  /** Called once when the partner is plugged into {@code link}. */
  void attach(Link link);

  /** The functions visible at this partner's own bus/device (for topology walks). */
  java.util.List<PciFunction> functions();
}
