package dev.driverlab.bench.hw;

import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;

/**
 * A bench-only bus master with no registers: the benchmark drives its DMA engine directly, so a DMA
 * benchmark measures the fabric's requester/completer path (MRd split at MRRS and 4 KiB, CplD split
 * at the root port's MPS and the RCB, MWr split at the endpoint's MPS) and nothing else.
 *
 * <pre>
 *   config   vendor 1234  device be01 (bench-only id, inferred unused)   class ff0000
 *            PCI Express endpoint capability: DevCap MPS supported 512 (code 2), Gen3 x4
 *            no BARs, no interrupts: Bus Master Enable is all it needs
 * </pre>
 */
public final class DmaEngineDevice extends PciDeviceModel {
  public static final int VENDOR_ID = 0x1234, DEVICE_ID = 0xbe01;

  @Override
  protected void declare(FunctionSpec f) {
    f.ids(VENDOR_ID, DEVICE_ID).classCode(0xff0000).pcieEndpoint(2, 3, 4);
  }

  /** Host → device: the engine reads {@code len} bytes of host memory at {@code busAddress} into {@code dst}. */
  public DmaResult readFromHost(long busAddress, byte[] dst, int off, int len) {
    return dmaRead(busAddress, dst, off, len);
  }

  /** Device → host: the engine writes {@code src[off, off+len)} to host memory at {@code busAddress}. */
  public DmaResult writeToHost(long busAddress, byte[] src, int off, int len) {
    return dmaWrite(busAddress, src, off, len);
  }

  @Override
  public String toString() {
    return "dma-engine (1234:be01)";
  }
}
