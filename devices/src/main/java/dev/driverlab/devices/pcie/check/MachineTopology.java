package dev.driverlab.devices.pcie.check;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Bridge;
import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.LinkPartner;
import dev.driverlab.devices.pcie.PciFunction;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.Switch;
import dev.driverlab.devices.pcie.tlp.PcieId;
import java.util.HashMap;
import java.util.Map;

/** A machine's fabric, walked from the Root Complex down; what was found is cached until a lookup misses. */
final class MachineTopology implements FabricTopology {
  private final Machine machine;
  private final Map<PcieId, PciFunction> functions = new HashMap<>();
  private final Map<String, Link> links = new HashMap<>();

  MachineTopology(Machine machine) {
    this.machine = machine;
  }

  @Override
  public PciFunction function(PcieId id) {
    PciFunction f = functions.get(id);
    if (f == null || !f.id().equals(id)) {
      rescan();
      f = functions.get(id);
    }
    return f;
  }

  @Override
  public Bridge portOf(String linkName) {
    Link l = link(linkName);
    return l == null ? null : l.port();
  }

  @Override
  public PciFunction claimant(long address) {
    if (functions.isEmpty()) {
      rescan();
    }
    for (PciFunction f : functions.values()) {
      if (!f.isBridge() && f.claims(address)) {
        return f;
      }
    }
    return null;
  }

  @Override
  public boolean linkUp(String linkName) {
    Link l = link(linkName);
    return l == null || l.isUp();
  }

  private Link link(String name) {
    Link l = links.get(name);
    if (l == null) {
      rescan();
      l = links.get(name);
    }
    return l;
  }

  private void rescan() {
    functions.clear();
    links.clear();
    for (PciFunction f : machine.rootComplex().bus0Functions()) {
      functions.put(f.id(), f);
      if (f instanceof Bridge b && b.secondaryLink() != null) {
        walk(b.secondaryLink());
      }
    }
  }

  private void walk(Link link) {
    links.put(link.name(), link);
    LinkPartner p = link.partner();
    if (p instanceof Slot s) {
      p = s.card();
    }
    if (p instanceof Switch sw) {
      functions.put(sw.upstreamPort().id(), sw.upstreamPort());
      for (Bridge port : sw.downstreamPorts()) {
        functions.put(port.id(), port);
        if (port.secondaryLink() != null) {
          walk(port.secondaryLink());
        }
      }
    } else if (p != null) {
      for (PciFunction f : p.functions()) {
        functions.put(f.id(), f);
      }
    }
  }
}
