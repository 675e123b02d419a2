package dev.driverlab.devices.pcie.check;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Bridge;
import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.PciFunction;
import dev.driverlab.devices.pcie.tlp.PcieId;

/**
 * What the protocol checker needs to know about the hardware around a TLP: the function behind a
 * requester or completer ID (to read its Device Control and Link Control) and the port at the top of
 * a link. {@link #of(Machine)} walks a machine's fabric; tests may supply their own.
 */
public interface FabricTopology {
  /** The function with this ID, or null if there is none (yet). */
  PciFunction function(PcieId id);

  /** The downstream-facing port (root port or switch downstream port) of the named link, or null. */
  Bridge portOf(String linkName);

  /** The function (not a bridge) whose enabled BAR holds memory {@code address}, or null. */
  PciFunction claimant(long address);

  /** Whether the named link is up (a request sent down a dead link is never completed, by design). */
  boolean linkUp(String linkName);

  /**
   * The named link, or null if this topology does not know it as a {@link Link}; then {@link #portOf}
   * and {@link #linkUp} answer for it.
   */
  default Link link(String linkName) {
    return null;
  }

  /** What {@link #version()} returns for a topology that does not track its changes. */
  long UNTRACKED = Long.MIN_VALUE;

  /**
   * A number that changes whenever the answers of {@link #function} and {@link #link} may change, so a
   * caller may keep them until it does (the protocol checker does, per link); {@link #UNTRACKED} (the
   * default) if this topology cannot tell, and nothing may be kept.
   */
  default long version() {
    return UNTRACKED;
  }

  /** Knows nothing: every rule that needs config space is skipped. */
  static FabricTopology none() {
    return new FabricTopology() {
      @Override
      public PciFunction function(PcieId id) {
        return null;
      }

      @Override
      public Bridge portOf(String linkName) {
        return null;
      }

      @Override
      public PciFunction claimant(long address) {
        return null;
      }

      @Override
      public boolean linkUp(String linkName) {
        return true;
      }
    };
  }

  /**
   * The live topology of {@code machine}: root ports, switches and slots, walked again whenever an ID
   * or link is not found (bus numbers are captured from config writes, and cards are hot-plugged).
   */
  static FabricTopology of(Machine machine) {
    return new MachineTopology(machine);
  }
}
