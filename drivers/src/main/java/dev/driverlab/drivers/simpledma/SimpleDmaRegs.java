package dev.driverlab.drivers.simpledma;

/**
 * The simple DMA engine's registers as its driver knows them: the values of the device's data sheet,
 * copied here because a driver never links against a device model (shared/DESIGN.md, "The four
 * rooms"). Source: the register map in the class comment of the simple-dma device model
 * (devices/.../simpledma/SimpleDmaDevice.java), which grows the four registers of
 * shared/reference/seed-examples.md §2 into a usable engine.
 *
 * <h2>BAR0: registers (4 KiB; aligned 32-bit accesses, SRC_ADDR also as one 64-bit access)</h2>
 * <pre>
 *  off   name         access  bits
 *  ----  -----------  ------  ------------------------------------------------------------------
 *  0x00  ID           RO      [31:24] major 1  [23:16] minor 0  [15:0] magic 0xd1ab
 *  0x04  RAM_SIZE     RO      bytes of on-board RAM behind BAR1 (65536)
 *  0x08  DST_ADDR     RW      offset in device RAM (both directions)
 *  0x10  SRC_ADDR_LO  RW      host bus address [31:0]   (a 64-bit store at 0x10 sets all 64 bits)
 *  0x14  SRC_ADDR_HI  RW      host bus address [63:32]
 *  0x18  SIZE         RW      bytes to move, 1 .. 65536
 *  0x1C  DIRECTION    RW      0 TO_DEVICE (host RAM → device RAM), 1 FROM_DEVICE
 *  0x20  CONTROL      WO      [0] START: the doorbell
 *  0x24  STATUS       RO/W1C  [0] BUSY  [1] DONE  [2] ERROR  [3] REFUSED (W1C: doorbell while BUSY)
 *  0x28  ERROR_CAUSE  RO      ERR_* of the last failed transfer, 0 = none
 *  0x30  INT_STATUS   RW1C    [0] DONE  [1] ERROR: set at completion
 *  0x34  INT_ENABLE   RW      [1:0] as INT_STATUS; resets to 0
 * </pre>
 *
 * <h2>BAR1: on-board RAM (64 KiB, any aligned 1/2/4/8-byte access)</h2>
 *
 * <p>One transfer: the engine latches the registers at the doorbell, works for 500 ns of setup plus
 * the link's time for the payload, then sets STATUS.DONE (| ERROR), INT_STATUS and sends its MSI (or
 * raises INTA#, a level that stays up until INT_STATUS is cleared).
 */
public final class SimpleDmaRegs {
  private SimpleDmaRegs() {}

  public static final int VENDOR_ID = 0xd1ab;
  public static final int DEVICE_ID = 0x0001;

  /** BAR numbers. */
  public static final int BAR_REGS = 0, BAR_RAM = 1;

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

  /** ID[15:0]: identifies the engine (a BAR that reads anything else is not ours). */
  public static final int ID_MAGIC = 0xd1ab;
  /** The RAM size this driver was written for; RAM_SIZE is read at probe and must not exceed it. */
  public static final int RAM_SIZE_MAX = 64 << 10;

  public static final int DIR_TO_DEVICE = 0;
  public static final int DIR_FROM_DEVICE = 1;

  public static final int CONTROL_START = 1 << 0;

  public static final int STATUS_BUSY = 1 << 0;
  public static final int STATUS_DONE = 1 << 1;
  public static final int STATUS_ERROR = 1 << 2;
  public static final int STATUS_REFUSED = 1 << 3;

  public static final int INT_DONE = 1 << 0;
  public static final int INT_ERROR = 1 << 1;
  public static final int INT_ALL = INT_DONE | INT_ERROR;

  // ERROR_CAUSE values.
  public static final int ERR_NONE = 0;
  public static final int ERR_ZERO_SIZE = 1;
  public static final int ERR_DEVICE_RANGE = 2;
  public static final int ERR_HOST_RANGE = 3;
  public static final int ERR_BAD_DIRECTION = 4;
  public static final int ERR_BUS_MASTER_DISABLED = 5;
  public static final int ERR_UNSUPPORTED_REQUEST = 6;
  public static final int ERR_COMPLETER_ABORT = 7;
  public static final int ERR_POISONED = 8;
  public static final int ERR_COMPLETION_TIMEOUT = 9;

  /** The data sheet's name of an ERROR_CAUSE value ("BUS_MASTER_DISABLED"; "UNKNOWN(42)" otherwise). */
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

  /** What an ERROR_CAUSE means for someone reading dmesg. */
  public static String causeMeaning(int cause) {
    return switch (cause) {
      case ERR_NONE -> "no error";
      case ERR_ZERO_SIZE -> "SIZE was 0";
      case ERR_DEVICE_RANGE -> "DST_ADDR + SIZE runs past the end of device RAM";
      case ERR_HOST_RANGE -> "SRC_ADDR + SIZE wraps past the top of the bus address space";
      case ERR_BAD_DIRECTION -> "DIRECTION is neither 0 nor 1";
      case ERR_BUS_MASTER_DISABLED ->
          "Bus Master Enable is clear in the Command register, so the engine sent no TLP (pci_set_master)";
      case ERR_UNSUPPORTED_REQUEST ->
          "the request came back Unsupported Request (no RAM at that bus address, or an IOMMU fault)";
      case ERR_COMPLETER_ABORT -> "the completer aborted the request";
      case ERR_POISONED -> "a read completion was poisoned and its data discarded";
      case ERR_COMPLETION_TIMEOUT -> "a read completion never arrived";
      default -> "a cause this driver does not know";
    };
  }
}
