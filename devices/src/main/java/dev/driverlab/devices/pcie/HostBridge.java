package dev.driverlab.devices.pcie;

import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.Tlp;

/** Function 00:00.0: the host bridge, the Root Complex's own identity on bus 0 (Intel Q35 MCH ids). */
final class HostBridge extends PciFunction {
  HostBridge(Fabric fabric) {
    super(fabric, 0, 0);
    config.init(ConfigSpace.VENDOR_ID, 2, 0x8086).init(ConfigSpace.DEVICE_ID, 2, 0x29c0);
    config.init(ConfigSpace.CLASS_PROG, 3, 0x060000).init(ConfigSpace.SUBSYSTEM_VENDOR_ID, 2, 0x1af4)
        .init(ConfigSpace.SUBSYSTEM_ID, 2, 0x1100);
    config.initWritable(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER);
  }

  @Override
  public Tlp handleRequest(Tlp tlp) {
    return tlp.type().nonPosted() ? Tlp.completion(tlp, id(), CplStatus.UR) : null;
  }

  @Override
  public boolean claims(long address) {
    return false;
  }
}
