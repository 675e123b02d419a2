package dev.driverlab.devices.pcie.check;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Bridge;
import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.LinkPartner;
import dev.driverlab.devices.pcie.PciFunction;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.Switch;
import dev.driverlab.devices.pcie.tlp.PcieId;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A machine's fabric, walked from the Root Complex down; what was found is cached until a lookup misses.
 *
 * <p>The protocol checker asks for the function behind a TLP's requester and for the link a TLP
 * crossed on every TLP, always with the same few instances (a function's own {@code id()}, a link's own
 * name), so small direct-mapped caches keyed by the identity of those instances sit in front of the
 * maps. They hold only answers the maps give, and are emptied whenever the maps are rebuilt, so they
 * answer exactly as the maps would.
 */
final class MachineTopology implements FabricTopology {
  private static final int RECENT = 32; // a power of two

  private final Machine machine;
  private final Map<PcieId, PciFunction> functions = new HashMap<>();
  private final Map<String, Link> links = new HashMap<>();
  private final PcieId[] recentIds = new PcieId[RECENT];
  private final PciFunction[] recentFunctions = new PciFunction[RECENT];
  /** The function's own ID when it was cached: while it still has that ID, it still equals the key. */
  private final PcieId[] recentFunctionIds = new PcieId[RECENT];
  private final String[] recentNames = new String[RECENT];
  private final Link[] recentLinks = new Link[RECENT];
  /** Counts rescans (see {@link FabricTopology#version()}). */
  private long version;

  MachineTopology(Machine machine) {
    this.machine = machine;
  }

  @Override
  public PciFunction function(PcieId id) {
    int i = id == null ? 0 : slot(id.requesterId());
    PciFunction f = recentFunctions[i];
    if (recentIds[i] == id && f != null && f.id() == recentFunctionIds[i]) {
      return f; // the map is unchanged, and the function it gives still has an ID equal to id
    }
    f = functions.get(id);
    if (f == null || !f.id().equals(id)) {
      rescan();
      f = functions.get(id);
    }
    if (f != null && f.id().equals(id)) {
      recentIds[i] = id;
      recentFunctions[i] = f;
      recentFunctionIds[i] = f.id();
    }
    return f;
  }

  private static int slot(int hash) {
    return (hash ^ hash >>> 5 ^ hash >>> 16) & (RECENT - 1);
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

  @Override
  public long version() {
    return version;
  }

  @Override
  public Link link(String name) {
    int i = name == null ? 0 : slot(name.hashCode());
    Link l = recentLinks[i];
    if (recentNames[i] == name && l != null) {
      return l;
    }
    l = links.get(name);
    if (l == null) {
      rescan();
      l = links.get(name);
    }
    if (l != null) {
      recentNames[i] = name;
      recentLinks[i] = l;
    }
    return l;
  }

  private void rescan() {
    version++;
    functions.clear();
    links.clear();
    Arrays.fill(recentIds, null);
    Arrays.fill(recentFunctions, null);
    Arrays.fill(recentFunctionIds, null);
    Arrays.fill(recentNames, null);
    Arrays.fill(recentLinks, null);
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
