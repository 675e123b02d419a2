package dev.driverlab.bench.hw;

import dev.driverlab.devices.model.BarHandler;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;

/**
 * A bench-only PCIe endpoint whose BAR0 holds one scratch register: the cheapest register a device can
 * answer, so an MMIO benchmark measures the road (page table, Root Complex, switch, links, TLPs) and
 * not the model.
 *
 * <pre>
 *   config   vendor 1234  device be00 (a bench-only id, inferred: unused by QEMU's 1234 devices)
 *            class ff0000 (unclassified), PCI Express endpoint capability, no interrupts
 *   BAR0     32-bit non-prefetchable memory, 4 KiB, little-endian, 4-byte accesses
 *     0x00   ident     RO  {@link #IDENT}
 *     0x04   scratch   RW  last value written, 0 at reset
 *     other            reads all ones, writes ignored
 * </pre>
 */
public final class ScratchDevice extends PciDeviceModel {
  public static final int VENDOR_ID = 0x1234, DEVICE_ID = 0xbe00;
  public static final int CLASS_CODE = 0xff0000;
  public static final long BAR0_SIZE = 4096;
  public static final int REG_IDENT = 0x00, REG_SCRATCH = 0x04;
  public static final int IDENT = 0x5c7a_7c11;

  private int scratch;

  private final BarHandler registers = new BarHandler() {
    @Override
    public long read(long offset, int size) {
      if (size != 4) {
        return -1L;
      }
      return switch ((int) offset) {
        case REG_IDENT -> IDENT & 0xffff_ffffL;
        case REG_SCRATCH -> scratch & 0xffff_ffffL;
        default -> 0xffff_ffffL;
      };
    }

    @Override
    public void write(long offset, long value, int size) {
      if (size == 4 && offset == REG_SCRATCH) {
        scratch = (int) value;
      }
    }
  };

  @Override
  protected void declare(FunctionSpec f) {
    f.ids(VENDOR_ID, DEVICE_ID).classCode(CLASS_CODE)
        .pcieEndpoint(1, 3, 4)                       // MPS up to 256, Gen3 x4
        .memoryBar(0, BAR0_SIZE, registers);
  }

  @Override
  protected void reset() {
    scratch = 0;
  }

  @Override
  public String toString() {
    return "scratch (1234:be00)";
  }
}
