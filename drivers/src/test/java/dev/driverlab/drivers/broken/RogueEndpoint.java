package dev.driverlab.drivers.broken;

import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.Fabric;
import dev.driverlab.devices.pcie.PciFunction;
import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;

/**
 * A broken device model for the catalogue's protocol entries: a PCIe endpoint written straight on the
 * fabric's function core, without the Endpoint core that keeps well-behaved models within the rules.
 *
 * <pre>
 *   BAR0 (4 KiB, 32-bit memory)
 *   0x00  STATUS    RO   0x600d600d, but the completion's Byte Count says 8 for a 4-byte read
 *   0x04  DOORBELL  WO   n: read n bytes of host memory at {@link #DMA_ADDRESS} in ONE request,
 *                        whatever Max_Read_Request_Size says
 * </pre>
 */
final class RogueEndpoint extends PciFunction {
  static final int VENDOR = 0x1234, DEVICE = 0xbad1;
  static final int REG_STATUS = 0x00, REG_DOORBELL = 0x04;
  static final long DMA_ADDRESS = 0x0100_0000L;

  private int tag;

  RogueEndpoint(Fabric fabric) {
    super(fabric, 0, 0);
    config.init(ConfigSpace.VENDOR_ID, 2, VENDOR).init(ConfigSpace.DEVICE_ID, 2, DEVICE);
    config.init(ConfigSpace.CLASS_PROG, 3, 0xff0000);
    config.initWritable(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER);
    config.initWritable(ConfigSpace.BAR0, 4, 0xfffff000L);
    Capabilities.addPcie(config, 0, 0, 1, 1, false);
  }

  private long bar0() {
    return config.read32(ConfigSpace.BAR0) & 0xfffff000L;
  }

  @Override
  public boolean claims(long address) {
    long base = bar0();
    return memorySpaceEnabled() && base != 0 && address >= base && address < base + 4096;
  }

  @Override
  public Tlp handleRequest(Tlp tlp) {
    long off = tlp.requestFirstByteAddress() - bar0();
    if (tlp.type() == TlpType.MRD) {
      byte[] v = {0x0d, 0x60, 0x0d, 0x60};
      // The bug: Byte Count 8 (two more bytes owed than asked for) on a complete answer.
      return Tlp.completionWithData(tlp, id(), tlp.requestByteLength() + 4, (int) tlp.requestFirstByteAddress() & 0x7f,
          v, 0, tlp.requestByteLength());
    }
    if (tlp.type() == TlpType.MWR && off == REG_DOORBELL) {
      int n = (int) tlp.payloadLe((int) (tlp.requestFirstByteAddress() & 3), 4);
      sendUpstream(Tlp.memRead(id(), tag++ & 0xff, DMA_ADDRESS, n)); // the bug: one request, any size
      return null;
    }
    return tlp.type().nonPosted() ? Tlp.completion(tlp, id(), CplStatus.UR) : null;
  }

  @Override
  public void completionArrived(Tlp cpl) {
    // the data is dropped: this model only exists to break rules
  }
}
