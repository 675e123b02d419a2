package dev.driverlab.userland.testing;

import dev.driverlab.devices.pcie.tlp.AnalyzerText;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;

/**
 * One TLP as the recorder saw it cross one link. A TLP that crosses two links (through a switch) is
 * seen twice, once per link; narrow a {@link TlpLog} to one link to count each TLP once.
 *
 * @param seq the recorder's running number (0 for the first TLP of the machine's life)
 * @param timeNs the machine's virtual time when it crossed
 * @param dir which way it crossed
 * @param link the link's name ("00:01.0", "switch0/2")
 * @param tlp the TLP, an immutable value
 */
public record SeenTlp(long seq, long timeNs, LinkDirection dir, String link, Tlp tlp) {

  /** The protocol-analyzer line ({@link AnalyzerText#line(long, LinkDirection, String, Tlp)}). */
  public String line() {
    return AnalyzerText.line(timeNs, dir, link, tlp);
  }

  public boolean upstream() {
    return dir == LinkDirection.UPSTREAM;
  }

  @Override
  public String toString() {
    return line();
  }
}
