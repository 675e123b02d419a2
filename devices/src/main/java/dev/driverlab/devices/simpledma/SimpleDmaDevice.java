package dev.driverlab.devices.simpledma;

import dev.driverlab.devices.model.BarHandler;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.time.VirtualClock;
import java.util.Arrays;

/**
 * The tutorial's "simple DMA" engine (shared/reference/seed-examples.md §2): four registers (destination
 * in device RAM, source bus address, size, a doorbell) grown into a usable device with a direction, a
 * status, an interrupt with an acknowledge, and its on-board RAM visible through a second BAR.
 *
 * <h2>Identity</h2>
 * <pre>
 *   vendor:device   d1ab:0001  "DriverLab simple DMA"   (0xd1ab is not in pci.ids: an experimental id)
 *   subsystem       d1ab:0001        revision 01
 *   class           088000  system peripheral / other
 *   interrupt pin   A (INTx), MSI: 1 vector, 64-bit address, no per-vector masking
 *   PCIe endpoint   Max Payload Size supported 256 B (DevCap code 1), Gen3 x4
 *   BAR0            4 KiB, 32-bit memory, non-prefetchable: the registers below
 *   BAR1            64 KiB, 32-bit memory, non-prefetchable: on-board RAM, any 1/2/4/8-byte access
 * </pre>
 *
 * <h2>BAR0 register map</h2>
 * All registers are 32 bits wide, little-endian, accessed with aligned 4-byte loads and stores; the
 * only 8-byte access is to SRC_ADDR as a whole (0x10). Any other size or alignment is a guest error:
 * reads return all ones, writes are dropped. Offsets 0x0C, 0x2C and 0x38..0xFFC are reserved: they read
 * 0 and a write to them (or to a read-only register) is a guest error and changes nothing.
 * <pre>
 *  off   name         access   reset       bits
 *  ----  -----------  -------  ----------  --------------------------------------------------------
 *  0x00  ID           RO       0x0100d1ab  [31:24] major 1  [23:16] minor 0  [15:0] magic 0xd1ab
 *  0x04  RAM_SIZE     RO       0x00010000  bytes of on-board RAM (BAR1)
 *  0x08  DST_ADDR     RW       0           [31:0] offset in device RAM
 *  0x0C  (reserved)
 *  0x10  SRC_ADDR_LO  RW       0           [31:0] host bus address, low half  (8-byte access: all 64)
 *  0x14  SRC_ADDR_HI  RW       0           [31:0] host bus address, high half
 *  0x18  SIZE         RW       0           [31:0] bytes to move, 1 .. 65536
 *  0x1C  DIRECTION    RW       0           0 = TO_DEVICE (host → device RAM), 1 = FROM_DEVICE
 *  0x20  CONTROL      WO       reads 0     [0] START: write 1 rings the doorbell; [31:1] ignored
 *  0x24  STATUS       RO, [3]  0           [0] BUSY     a transfer is in flight (doorbell .. completion)
 *                     W1C                  [1] DONE     the last accepted transfer finished
 *                                          [2] ERROR    ... and failed; the cause is in ERROR_CAUSE
 *                                          [3] REFUSED  a doorbell arrived while BUSY and was ignored
 *  0x28  ERROR_CAUSE  RO       0           cause of the last failed transfer, ERR_* below (0 = none)
 *  0x2C  (reserved)
 *  0x30  INT_STATUS   RW1C     0           [0] DONE   set at every completion (success or failure)
 *                                          [1] ERROR  set, with DONE, when the transfer failed
 *  0x34  INT_ENABLE   RW       0           [1:0] as INT_STATUS: which causes interrupt; [31:2] RO 0
 * </pre>
 *
 * <h2>What SRC and DST mean</h2>
 * The names are the tutorial's, for its host → device transfer, and the registers keep their roles in
 * both directions: <b>DST_ADDR always holds the offset in device RAM, SRC_ADDR always the host bus
 * address</b> (what {@code dma_alloc_coherent}/{@code dma_map_single} returned).
 * <pre>
 *   DIRECTION 0  TO_DEVICE    host RAM [SRC_ADDR, +SIZE) ──MRd/CplD──► device RAM [DST_ADDR, +SIZE)
 *   DIRECTION 1  FROM_DEVICE  device RAM [DST_ADDR, +SIZE) ──MWr──► host RAM [SRC_ADDR, +SIZE)
 * </pre>
 *
 * <h2>A doorbell, step by step</h2>
 * <pre>
 *  t0  CONTROL.START=1   BUSY set? ──yes──► STATUS.REFUSED=1, guest error, nothing else (no interrupt)
 *                          │ no
 *                          ▼ latch DIRECTION, DST_ADDR, SRC_ADDR, SIZE; STATUS = BUSY, ERROR_CAUSE = 0
 *                        validate (in this order): DIRECTION ∈ {0,1}    else ERR_BAD_DIRECTION
 *                                                  SIZE != 0            else ERR_ZERO_SIZE
 *                                                  DST_ADDR + SIZE ≤ 64 KiB   else ERR_DEVICE_RANGE
 *                                                  SRC_ADDR + SIZE ≤ 2^64     else ERR_HOST_RANGE
 *                          │ invalid: guest error; no TLP ──► completion at t0 + SETUP_LATENCY_NS
 *                          ▼ valid
 *  t0 + SETUP_LATENCY_NS   one dmaRead / dmaWrite of SIZE bytes: the core sends MRd (≤ MRRS, no 4 KiB
 *                          crossing; CplDs come back split at the Root Complex's MPS) or posted MWr
 *                          (≤ MPS, no 4 KiB crossing). TO_DEVICE data is staged and lands in device RAM
 *                          only if every completion was good: a failed read leaves device RAM untouched.
 *  t1 = t0 + SETUP_LATENCY_NS + transferTimeNs(SIZE)   (the link model's time for the payload)
 *      completion: STATUS = DONE (| ERROR), ERROR_CAUSE, INT_STATUS |= DONE (| ERROR) ──► interrupt
 * </pre>
 * A failed DMA (the core's {@link DmaResult}) still completes at t1 with ERROR and its cause: the engine
 * reports when it is through with the descriptor, whatever happened to it. The registers are latched at
 * the doorbell, so writing them while BUSY prepares the next transfer and does not touch this one. The
 * CPU may access device RAM through BAR1 at any time; the engine does not lock it. The interrupt is
 * never raised from inside the MMIO store that rang the doorbell: every outcome is a clock event.
 *
 * <h2>Interrupts</h2>
 * The interrupt condition is {@code INT_STATUS & INT_ENABLE}. With MSI enabled, one message (vector 0)
 * is sent each time a cause is set while enabled, and when INT_ENABLE unmasks a pending cause; MSI is
 * a memory write, so it needs Bus Master Enable (the core drops it with an error line otherwise). With
 * MSI off, INTA# is a level that follows the condition: asserted until the driver clears INT_STATUS
 * (write 1s) or masks INT_ENABLE. INT_ENABLE resets to 0: a driver must enable the causes it wants.
 *
 * <h2>Timing</h2>
 * {@value #SETUP_LATENCY_NS} ns of setup (inferred: latching the descriptor and building the first
 * request; real engines quote a few hundred ns) plus the link model's {@code transferTimeNs(SIZE)}, the
 * time the link needs for SIZE bytes of payload at the programmed Max Payload Size.
 */
public final class SimpleDmaDevice extends PciDeviceModel {
  // ---- identity ---------------------------------------------------------------------------------

  /** Not in pci.ids (checked against the pciutils database): an experimental vendor id. */
  public static final int VENDOR_ID = 0xd1ab;
  public static final int DEVICE_ID = 0x0001;
  public static final int REVISION = 0x01;
  /** System peripheral, other. */
  public static final int CLASS_CODE = 0x088000;

  /** BAR0: the registers. */
  public static final int BAR_REGS = 0;
  /** BAR1: on-board RAM. */
  public static final int BAR_RAM = 1;
  public static final int REGS_SIZE = 4 << 10;
  public static final int RAM_SIZE = 64 << 10;

  // ---- BAR0 registers ---------------------------------------------------------------------------

  public static final int REG_ID = 0x00;
  public static final int REG_RAM_SIZE = 0x04;
  public static final int REG_DST_ADDR = 0x08;
  public static final int REG_SRC_ADDR_LO = 0x10;
  public static final int REG_SRC_ADDR_HI = 0x14;
  public static final int REG_SIZE = 0x18;
  public static final int REG_DIRECTION = 0x1c;
  public static final int REG_CONTROL = 0x20;
  public static final int REG_STATUS = 0x24;
  public static final int REG_ERROR_CAUSE = 0x28;
  public static final int REG_INT_STATUS = 0x30;
  public static final int REG_INT_ENABLE = 0x34;

  /** ID: version 1.0 in bits 31:16, magic 0xd1ab in bits 15:0. */
  public static final int ID_VALUE = 0x0100_d1ab;
  public static final int ID_MAGIC = 0xd1ab;

  /** DIRECTION: host RAM at SRC_ADDR → device RAM at DST_ADDR (the tutorial's transfer). */
  public static final int DIR_TO_DEVICE = 0;
  /** DIRECTION: device RAM at DST_ADDR → host RAM at SRC_ADDR. */
  public static final int DIR_FROM_DEVICE = 1;

  /** CONTROL: write 1 to start the programmed transfer. */
  public static final int CONTROL_START = 1 << 0;

  public static final int STATUS_BUSY = 1 << 0;
  public static final int STATUS_DONE = 1 << 1;
  public static final int STATUS_ERROR = 1 << 2;
  /** Write 1 to clear; also cleared by the next accepted doorbell. */
  public static final int STATUS_REFUSED = 1 << 3;

  public static final int INT_DONE = 1 << 0;
  public static final int INT_ERROR = 1 << 1;
  private static final int INT_ALL = INT_DONE | INT_ERROR;

  // ERROR_CAUSE values. The first four are the engine's own checks at the doorbell; the rest mirror
  // the core's DmaResult.
  public static final int ERR_NONE = 0;
  public static final int ERR_ZERO_SIZE = 1;
  /** DST_ADDR + SIZE runs past the end of on-board RAM. */
  public static final int ERR_DEVICE_RANGE = 2;
  /** SRC_ADDR + SIZE wraps past the top of the 64-bit bus address space. */
  public static final int ERR_HOST_RANGE = 3;
  /** DIRECTION is neither 0 nor 1. */
  public static final int ERR_BAD_DIRECTION = 4;
  /** Bus Master Enable is clear in the function's Command register: no TLP was sent. */
  public static final int ERR_BUS_MASTER_DISABLED = 5;
  /** A request came back Unsupported Request: no RAM there, a bridge not mastering, an IOMMU fault. */
  public static final int ERR_UNSUPPORTED_REQUEST = 6;
  public static final int ERR_COMPLETER_ABORT = 7;
  /** A read completion was poisoned; its data was not used. */
  public static final int ERR_POISONED = 8;
  public static final int ERR_COMPLETION_TIMEOUT = 9;

  /** Fixed engine setup time between the doorbell and the first request, ns (inferred). */
  public static final long SETUP_LATENCY_NS = 500;

  private static final long ALL_ONES = -1L;

  /** The descriptor as latched at the doorbell. */
  private record Transfer(int direction, long deviceOffset, long busAddress, long size) {
    boolean toDevice() {
      return direction == DIR_TO_DEVICE;
    }

    @Override
    public String toString() {
      return toDevice()
          ? String.format("to device: %d bytes from bus %#x to RAM %#x", size, busAddress, deviceOffset)
          : String.format("from device: %d bytes from RAM %#x to bus %#x", size, deviceOffset, busAddress);
    }
  }

  private final byte[] ram = new byte[RAM_SIZE];
  private int dstAddr;
  private long srcAddr;
  private int size;
  private int direction;
  private int status;
  private int errorCause;
  private int intStatus;
  private int intEnable;
  private boolean line;
  private Transfer current;
  private VirtualClock.Event pending;

  @Override
  protected void declare(FunctionSpec f) {
    f.ids(VENDOR_ID, DEVICE_ID).subsystem(VENDOR_ID, DEVICE_ID).revision(REVISION).classCode(CLASS_CODE)
        .interruptPin(1)
        .msi(1, true, false)
        .pcieEndpoint(1, 3, 4)
        .memoryBar(BAR_REGS, REGS_SIZE, new Registers())
        .memoryBar(BAR_RAM, RAM_SIZE, new OnboardRam());
  }

  @Override
  protected void reset() {
    if (pending != null) {
      pending.cancel();
      pending = null;
    }
    current = null;
    Arrays.fill(ram, (byte) 0);
    dstAddr = 0;
    srcAddr = 0;
    size = 0;
    direction = 0;
    status = 0;
    errorCause = ERR_NONE;
    intStatus = 0;
    intEnable = 0;
    if (line) {
      line = false;
      lowerIntx();
    }
  }

  /** Name of an ERROR_CAUSE value, for messages ("ZERO_SIZE"; "UNKNOWN(42)" for others). */
  public static String causeName(int cause) {
    return switch (cause) {
      case ERR_NONE -> "NONE";
      case ERR_ZERO_SIZE -> "ZERO_SIZE";
      case ERR_DEVICE_RANGE -> "DEVICE_RANGE";
      case ERR_HOST_RANGE -> "HOST_RANGE";
      case ERR_BAD_DIRECTION -> "BAD_DIRECTION";
      case ERR_BUS_MASTER_DISABLED -> "BUS_MASTER_DISABLED";
      case ERR_UNSUPPORTED_REQUEST -> "UNSUPPORTED_REQUEST";
      case ERR_COMPLETER_ABORT -> "COMPLETER_ABORT";
      case ERR_POISONED -> "POISONED";
      case ERR_COMPLETION_TIMEOUT -> "COMPLETION_TIMEOUT";
      default -> "UNKNOWN(" + cause + ")";
    };
  }

  // ---- the engine -------------------------------------------------------------------------------

  private void doorbell() {
    if ((status & STATUS_BUSY) != 0) {
      status |= STATUS_REFUSED;
      guestError("doorbell refused: a transfer is in flight (%s); wait for STATUS.DONE", current);
      return;
    }
    Transfer t = new Transfer(direction, dstAddr & 0xffffffffL, srcAddr, size & 0xffffffffL);
    current = t;
    status = STATUS_BUSY;
    errorCause = ERR_NONE;
    int cause = validate(t);
    if (cause != ERR_NONE) {
      pending = schedule(SETUP_LATENCY_NS, "simple-dma rejects " + t, () -> complete(cause));
      return;
    }
    pending = schedule(SETUP_LATENCY_NS, "simple-dma starts " + t, () -> start(t));
  }

  /** The engine's own checks; logs a guest error for a bad descriptor. */
  private int validate(Transfer t) {
    if (t.direction() != DIR_TO_DEVICE && t.direction() != DIR_FROM_DEVICE) {
      guestError("doorbell rejected: DIRECTION %#x is neither %d (to device) nor %d (from device)",
          t.direction(), DIR_TO_DEVICE, DIR_FROM_DEVICE);
      return ERR_BAD_DIRECTION;
    }
    if (t.size() == 0) {
      guestError("doorbell rejected: SIZE is 0");
      return ERR_ZERO_SIZE;
    }
    if (t.deviceOffset() + t.size() > RAM_SIZE) {
      guestError("doorbell rejected: device RAM range [%#x, +%d) runs past the %d KiB of on-board RAM",
          t.deviceOffset(), t.size(), RAM_SIZE >> 10);
      return ERR_DEVICE_RANGE;
    }
    if (Long.compareUnsigned(t.busAddress(), -t.size()) > 0) {
      guestError("doorbell rejected: bus range [%#x, +%d) wraps past the top of the address space",
          t.busAddress(), t.size());
      return ERR_HOST_RANGE;
    }
    return ERR_NONE;
  }

  private void start(Transfer t) {
    int n = (int) t.size();
    int dev = (int) t.deviceOffset();
    DmaResult r;
    if (t.toDevice()) {
      byte[] staged = new byte[n];
      r = dmaRead(t.busAddress(), staged, 0, n);
      if (r.ok()) {
        System.arraycopy(staged, 0, ram, dev, n);
      }
    } else {
      r = dmaWrite(t.busAddress(), ram, dev, n);
    }
    int cause = causeOf(r);
    pending = schedule(transferTimeNs(n), "simple-dma completes " + t, () -> complete(cause));
  }

  private static int causeOf(DmaResult r) {
    return switch (r) {
      case OK -> ERR_NONE;
      case BUS_MASTER_DISABLED -> ERR_BUS_MASTER_DISABLED;
      case UNSUPPORTED_REQUEST -> ERR_UNSUPPORTED_REQUEST;
      case COMPLETER_ABORT -> ERR_COMPLETER_ABORT;
      case POISONED -> ERR_POISONED;
      case COMPLETION_TIMEOUT -> ERR_COMPLETION_TIMEOUT;
    };
  }

  private void complete(int cause) {
    pending = null;
    current = null;
    errorCause = cause;
    status = (status & STATUS_REFUSED) | STATUS_DONE | (cause != ERR_NONE ? STATUS_ERROR : 0);
    raise(INT_DONE | (cause != ERR_NONE ? INT_ERROR : 0));
  }

  // ---- interrupts -------------------------------------------------------------------------------

  /** Sets interrupt causes; one MSI if any of them is enabled. */
  private void raise(int causes) {
    intStatus |= causes;
    if ((causes & intEnable) != 0 && msiEnabled()) {
      signalMsi(0);
    }
    updateLine();
  }

  /** INTx follows INT_STATUS &amp; INT_ENABLE (the core holds it back while MSI is on). */
  private void updateLine() {
    boolean level = (intStatus & intEnable) != 0;
    if (level != line) {
      line = level;
      if (level) {
        raiseIntx();
      } else {
        lowerIntx();
      }
    }
  }

  private void writeIntEnable(int value) {
    int unmasked = value & ~intEnable & intStatus;
    intEnable = value & INT_ALL;
    if (unmasked != 0 && msiEnabled()) {
      signalMsi(0);
    }
    updateLine();
  }

  // ---- BAR0 -------------------------------------------------------------------------------------

  private long readRegister(long offset, int size) {
    if (size == 8 && offset == REG_SRC_ADDR_LO) {
      return srcAddr;
    }
    if (size != 4 || (offset & 3) != 0) {
      guestError("%d-byte read at BAR0 %#x: registers take aligned 4-byte accesses (8 bytes at SRC_ADDR)",
          size, offset);
      return size == 8 ? ALL_ONES : (1L << (8 * size)) - 1;
    }
    int v = switch ((int) offset) {
      case REG_ID -> ID_VALUE;
      case REG_RAM_SIZE -> RAM_SIZE;
      case REG_DST_ADDR -> dstAddr;
      case REG_SRC_ADDR_LO -> (int) srcAddr;
      case REG_SRC_ADDR_HI -> (int) (srcAddr >>> 32);
      case REG_SIZE -> this.size;
      case REG_DIRECTION -> direction;
      case REG_CONTROL -> 0;
      case REG_STATUS -> status;
      case REG_ERROR_CAUSE -> errorCause;
      case REG_INT_STATUS -> intStatus;
      case REG_INT_ENABLE -> intEnable;
      default -> 0; // reserved
    };
    return v & 0xffffffffL;
  }

  private void writeRegister(long offset, long value, int size) {
    if (size == 8 && offset == REG_SRC_ADDR_LO) {
      srcAddr = value;
      return;
    }
    if (size != 4 || (offset & 3) != 0) {
      guestError("%d-byte write of %#x at BAR0 %#x dropped: registers take aligned 4-byte accesses"
          + " (8 bytes at SRC_ADDR)", size, value, offset);
      return;
    }
    int v = (int) value;
    switch ((int) offset) {
      case REG_DST_ADDR -> dstAddr = v;
      case REG_SRC_ADDR_LO -> srcAddr = (srcAddr & 0xffffffff_00000000L) | (v & 0xffffffffL);
      case REG_SRC_ADDR_HI -> srcAddr = (srcAddr & 0xffffffffL) | ((long) v << 32);
      case REG_SIZE -> this.size = v;
      case REG_DIRECTION -> direction = v;
      case REG_CONTROL -> {
        if ((v & CONTROL_START) != 0) {
          doorbell();
        }
      }
      case REG_STATUS -> status &= ~(v & STATUS_REFUSED);
      case REG_INT_STATUS -> {
        intStatus &= ~v;
        updateLine();
      }
      case REG_INT_ENABLE -> writeIntEnable(v);
      case REG_ID, REG_RAM_SIZE, REG_ERROR_CAUSE ->
          guestError("write of %#x to read-only register at BAR0 %#x ignored", v, offset);
      default -> guestError("write of %#x to reserved BAR0 offset %#x ignored", v, offset);
    }
  }

  private final class Registers implements BarHandler {
    @Override
    public long read(long offset, int size) {
      return readRegister(offset, size);
    }

    @Override
    public void write(long offset, long value, int size) {
      writeRegister(offset, value, size);
    }
  }

  // ---- BAR1 -------------------------------------------------------------------------------------

  /** On-board RAM: plain little-endian memory; the core hands over aligned 1/2/4/8-byte accesses. */
  private final class OnboardRam implements BarHandler {
    @Override
    public long read(long offset, int size) {
      if (offset < 0 || offset + size > RAM_SIZE) {
        return size == 8 ? ALL_ONES : (1L << (8 * size)) - 1;
      }
      int o = (int) offset;
      long v = 0;
      for (int i = size - 1; i >= 0; i--) {
        v = v << 8 | (ram[o + i] & 0xffL);
      }
      return v;
    }

    @Override
    public void write(long offset, long value, int size) {
      if (offset < 0 || offset + size > RAM_SIZE) {
        return;
      }
      int o = (int) offset;
      for (int i = 0; i < size; i++) {
        ram[o + i] = (byte) (value >>> (8 * i));
      }
    }
  }
}
