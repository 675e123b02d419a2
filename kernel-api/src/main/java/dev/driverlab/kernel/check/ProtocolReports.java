package dev.driverlab.kernel.check;

import dev.driverlab.devices.pcie.check.ProtocolViolation;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.pci.PciDev;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns the link's protocol violations ({@code TlpProtocolChecker}, in the devices room) into kernel
 * bug reports, so a broken device model fails a test the way a broken driver does:
 *
 * <pre>
 * WARNING: CPU: 0 PID: 100 at EduTest.run(EduTest.java:42)
 * PCIe: 0000:03:00.0: PCIe protocol violation (Max_Read_Request_Size): MRd of 1024 bytes exceeds the
 *       requester's Max_Read_Request_Size of 512 bytes [link=switch0/0 UP] [rule=PCIe Base Spec §7.5.3.4]
 *  TLP: MRd req=03:00.0 tag=07 addr=0000000000100000 len=256 be=f/f
 * </pre>
 * The device named is the function that sent the offending TLP, or for a request nobody completed, the
 * function that owed the completion (none when it was the Root Complex). Each rule is reported once per
 * device: a broken model breaks it on every link of the path and on every TLP after the first; the
 * checker's own list ({@code KernelChecks.protocol().violations()}) keeps them all.
 */
final class ProtocolReports implements Consumer<ProtocolViolation> {
  /**
   * The check protocol violations are filed under: {@code Check.PCIE} once the catalogue has it,
   * {@link Check#WARN} until then.
   */
  static final Check CHECK = named("PCIE", Check.WARN);

  private final Kernel kernel;
  /** Rule and culprit of every violation reported: a broken device breaks its rule on every TLP. */
  private final Set<String> reported = new HashSet<>();

  ProtocolReports(Kernel kernel) {
    this.kernel = kernel;
  }

  static Check named(String name, Check fallback) {
    for (Check c : Check.values()) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    return fallback;
  }

  @Override
  public void accept(ProtocolViolation v) {
    String key = v.rule() + "|" + v.culprit();
    synchronized (this) {
      if (!reported.add(key)) {
        return;
      }
    }
    Object device = null;
    PcieId id = v.culprit();
    if (id != null && !(id.bus() == 0 && id.device() == 0 && id.function() == 0)) {
      PciDev d = kernel.pci().find(id.bus(), id.device() << 3 | id.function());
      device = d != null ? d.dev : id.toString();
    }
    kernel.bugs().reportAt(CHECK, device, "PCIe protocol violation (" + v.rule().label() + "): " + v.message(),
        kernel.callSite(), "TLP: " + v.tlp(), "link", v.link() + " " + (v.direction().name().equals("UPSTREAM")
            ? "UP" : "DOWN"), "rule", "PCIe Base Spec " + v.rule().section());
  }
}
