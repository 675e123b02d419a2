package dev.driverlab.devices.pcie.check;

import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.PcieId;

/**
 * One broken PCIe rule, as the protocol checker saw it on the wire.
 *
 * @param rule the rule
 * @param timeNs virtual time of the offending TLP (or of the check that found a missing one)
 * @param link the link's name ("00:01.0", "switch0/2")
 * @param direction which way the offending TLP crossed the link
 * @param culprit the function that sent the offending TLP (the requester of a request that was never
 *     completed), or null when the header did not say
 * @param message what was wrong, with the numbers: "MRd of 1024 bytes exceeds Max_Read_Request_Size
 *     of 512 bytes"
 * @param tlp the offending TLP in analyzer form (or its header fields, for a raw header)
 */
public record ProtocolViolation(ProtocolRule rule, long timeNs, String link, LinkDirection direction,
    PcieId culprit, String message, String tlp) {

  /**
   * The one-line form: {@code "01:00.0 on 00:01.0 UP: MRd of 1024 bytes exceeds
   * Max_Read_Request_Size of 512 bytes (PCIe §7.5.3.4) [MRd req=01:00.0 ...]"}.
   */
  public String summary() {
    return (culprit == null ? "?" : culprit.toString()) + " on " + link + " "
        + (direction == LinkDirection.UPSTREAM ? "UP" : "DOWN") + ": " + message + " (PCIe " + rule.section()
        + ") [" + tlp + "]";
  }

  @Override
  public String toString() {
    return rule + ": " + summary();
  }
}
