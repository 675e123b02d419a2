package dev.driverlab.kerneltest;

import dev.driverlab.devices.model.BarHandler;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;

/**
 * A tiny PCIe endpoint for kernel tests: one 4 KiB register BAR, INTA, one MSI vector, and DMA on
 * request. Tests play the hardware's side through its public methods (assert INTx, send an MSI, run a
 * DMA); driver-side test code reaches it only through the kernel API, as a driver would.
 *
 * <pre>
 * BAR0 (4 KiB, 32-bit, non-prefetchable)
 *   0x00  ID        RO  {@link #ID_VALUE}
 *   0x04  SCRATCH   RW  holds the last value written
 *   0x08  DOORBELL  WO  bit 0: assert INTx (held until ACK); bit 1: send MSI vector 0
 *   0x0c  ACK       WO  any write deasserts INTx
 *   0x10  INTX_STAT RO  1 while this device drives INTx, else 0 (what a shared-line handler checks)
 *   0x14 .. 0xfff       read 0, writes ignored
 * BAR2 (optional, 64-bit prefetchable, size chosen by the test): reads 0, writes ignored
 * </pre>
 * Identity: vendor 0x1234 (QEMU's), device {@link #DEVICE_ID} by default (a made-up id), class chosen
 * by the test (0xff0000, "unassigned class", by default).
 */
public final class ScratchDevice extends PciDeviceModel {
  public static final int VENDOR_ID = 0x1234, DEVICE_ID = 0x5c00;
  public static final int REG_ID = 0x00, REG_SCRATCH = 0x04, REG_DOORBELL = 0x08, REG_ACK = 0x0c;
  public static final int REG_INTX_STAT = 0x10;
  public static final int DOORBELL_INTX = 0x1, DOORBELL_MSI = 0x2;
  public static final int ID_VALUE = 0x5c7a7c11;
  public static final long BAR0_SIZE = 4096;

  private final int deviceId;
  private final int classCode;
  private final long bar2Size;
  private int scratch;
  private boolean intx;
  private int mmioReads;

  public ScratchDevice() {
    this(DEVICE_ID, 0xff0000, 0);
  }

  /** {@code bar2Size} 0 declares no BAR2. */
  public ScratchDevice(int deviceId, int classCode, long bar2Size) {
    this.deviceId = deviceId;
    this.classCode = classCode;
    this.bar2Size = bar2Size;
  }

  public static ScratchDevice withClass(int classCode) {
    return new ScratchDevice(DEVICE_ID, classCode, 0);
  }

  public static ScratchDevice withId(int deviceId) {
    return new ScratchDevice(deviceId, 0xff0000, 0);
  }

  @Override
  protected void declare(FunctionSpec f) {
    f.ids(VENDOR_ID, deviceId).classCode(classCode).interruptPin(1).pm().msi(1, true, false)
        .pcieEndpoint(1, 3, 4).memoryBar(0, BAR0_SIZE, new Registers());
    if (bar2Size > 0) {
      f.memoryBar64(2, bar2Size, true, new Zeroes());
    }
  }

  private final class Registers implements BarHandler {
    @Override
    public long read(long offset, int size) {
      mmioReads++;
      return switch ((int) offset) {
        case REG_ID -> ID_VALUE & 0xffffffffL;
        case REG_SCRATCH -> scratch & 0xffffffffL;
        case REG_INTX_STAT -> intx ? 1 : 0;
        default -> 0;
      };
    }

    @Override
    public void write(long offset, long value, int size) {
      switch ((int) offset) {
        case REG_SCRATCH -> scratch = (int) value;
        case REG_DOORBELL -> {
          if ((value & DOORBELL_INTX) != 0) {
            assertIntx();
          }
          if ((value & DOORBELL_MSI) != 0) {
            signalMsi(0);
          }
        }
        case REG_ACK -> deassertIntx();
        default -> { }
      }
    }
  }

  private static final class Zeroes implements BarHandler {
    @Override
    public long read(long offset, int size) {
      return 0;
    }

    @Override
    public void write(long offset, long value, int size) {}
  }

  // ---- the hardware side, for tests ------------------------------------------------------------

  /** Drives INTA# (level): stays asserted until {@link #deassertIntx} or an ACK write. */
  public void assertIntx() {
    intx = true;
    raiseIntx();
  }

  public void deassertIntx() {
    intx = false;
    lowerIntx();
  }

  /** Sends MSI vector 0; false if MSI is off or bus mastering is disabled. */
  public boolean sendMsi() {
    return signalMsi(0);
  }

  /** The device writes {@code data} to host bus address {@code busAddress}. */
  public DmaResult dmaWriteToHost(long busAddress, byte[] data) {
    return dmaWrite(busAddress, data, 0, data.length);
  }

  /** The device reads {@code len} bytes at host bus address {@code busAddress} into {@code into}. */
  public DmaResult dmaReadFromHost(long busAddress, byte[] into) {
    return dmaRead(busAddress, into, 0, into.length);
  }

  public int scratch() {
    return scratch;
  }

  /** Register reads that reached the model (reads refused upstream never arrive). */
  public int mmioReads() {
    return mmioReads;
  }
}
