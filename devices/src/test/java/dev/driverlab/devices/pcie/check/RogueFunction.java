package dev.driverlab.devices.pcie.check;

import dev.driverlab.devices.pcie.Fabric;
import dev.driverlab.devices.pcie.PciFunction;
import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.Tlp;
import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately broken PCIe endpoint for checker tests: it sends whatever TLP the test hands it up its
 * link, bypassing the splitting and tagging the {@code Endpoint} core does for well-behaved models.
 * It has a PCI Express capability (so Device Control limits apply) and no BARs.
 */
final class RogueFunction extends PciFunction {
  final List<Tlp> completions = new ArrayList<>();

  RogueFunction(Fabric fabric) {
    super(fabric, 0, 0);
    config.init(0x00, 2, 0x1234).init(0x02, 2, 0xbad0).init(0x09, 3, 0xff0000);
    Capabilities.addPcie(config, 0, 1, 1, 1, false);
  }

  /** Sends {@code tlp} as is; returns what the fabric answered for a posted request (SC or UR). */
  CplStatus send(Tlp tlp) {
    return sendUpstream(tlp);
  }

  @Override
  public Tlp handleRequest(Tlp tlp) {
    return tlp.type().nonPosted() ? Tlp.completion(tlp, id(), CplStatus.UR) : null;
  }

  @Override
  public boolean claims(long address) {
    return false;
  }

  @Override
  public void completionArrived(Tlp cpl) {
    completions.add(cpl.owned()); // a completion may read RAM in place: what is kept must own its bytes
  }
}
