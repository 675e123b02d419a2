package dev.driverlab.drivers.simpledma;

import static dev.driverlab.kernel.uapi.Ioctl._IOR;
import static dev.driverlab.kernel.uapi.Ioctl._IOW;
import static dev.driverlab.kernel.uapi.Ioctl._IOWR;

/**
 * The simple-dma driver's user interface, as a C driver's {@code include/uapi/linux/simple_dma.h}
 * would give it: the ioctl commands on /dev/simple-dma (magic {@code 'S'}) and the layout of the
 * structs they take. All fields are little-endian, naturally aligned, with no hidden padding, so the
 * layout is the same for every ABI. A program mirrors these numbers, as a C program includes the header.
 *
 * <pre>
 *  SDMA_IOC_INFO       _IOR ('S', 0, struct sdma_info)      = 0x80205300
 *  SDMA_IOC_TRANSFER   _IOWR('S', 1, struct sdma_transfer)  = 0xc0285301
 *  SDMA_IOC_READ_RAM   _IOW ('S', 2, struct sdma_ram_io)    = 0x40105302
 *  SDMA_IOC_WRITE_RAM  _IOW ('S', 3, struct sdma_ram_io)    = 0x40105303
 *
 *  struct sdma_info (32 bytes, filled in by the driver)
 *   0  __u32 id             the ID register: version in [31:16], 0xd1ab in [15:0]
 *   4  __u32 ram_size       bytes of device RAM (RAM_SIZE register)
 *   8  __u64 buf_bus_addr   bus address of the driver's DMA buffer (what SRC_ADDR will hold)
 *  16  __u32 buf_size       bytes in that buffer: the largest transfer
 *  20  __u32 irq_mode       SDMA_IRQ_INTX 0, SDMA_IRQ_MSI 1
 *  24  __u32 max_read_req   the function's Max Read Request Size in bytes (splits its MRds)
 *  28  __u32 max_payload    the function's Max Payload Size in bytes (splits its MWrs)
 *
 *  struct sdma_transfer (40 bytes)
 *   0  __u32 direction      in   SDMA_TO_DEVICE 0 (user buffer → device RAM), SDMA_FROM_DEVICE 1
 *   4  __u32 dev_offset     in   offset in device RAM
 *   8  __u64 user_addr      in   the user buffer
 *  16  __u32 length         in   bytes, 1 .. buf_size, dev_offset + length ≤ ram_size
 *  20  __u32 flags          in   must be 0
 *  24  __u64 bus_addr       out  the host bus address the engine used (SRC_ADDR)
 *  32  __u64 elapsed_ns     out  simulated time from the doorbell to the completion interrupt
 *
 *  struct sdma_ram_io (16 bytes): device RAM through BAR1, no DMA
 *   0  __u32 dev_offset     offset in device RAM
 *   4  __u32 length         bytes, 1 .. ram_size - dev_offset
 *   8  __u64 user_addr      READ_RAM copies device RAM here; WRITE_RAM copies from here
 * </pre>
 * Errors: -EINVAL for a bad direction, length, range or non-zero flags (checked before the hardware
 * is touched); -EFAULT for a struct or user buffer the process cannot access; -EIO when the engine
 * reports an error (dmesg names the ERROR_CAUSE); -ETIMEDOUT if the engine never completes; -ENOTTY
 * for any other command.
 */
public final class SimpleDmaUapi {
  private SimpleDmaUapi() {}

  public static final int SDMA_IOC_MAGIC = 'S';

  public static final int SDMA_INFO_SIZE = 32;
  public static final int SDMA_TRANSFER_SIZE = 40;
  public static final int SDMA_RAM_IO_SIZE = 16;

  public static final int SDMA_IOC_INFO = _IOR(SDMA_IOC_MAGIC, 0, SDMA_INFO_SIZE);
  public static final int SDMA_IOC_TRANSFER = _IOWR(SDMA_IOC_MAGIC, 1, SDMA_TRANSFER_SIZE);
  public static final int SDMA_IOC_READ_RAM = _IOW(SDMA_IOC_MAGIC, 2, SDMA_RAM_IO_SIZE);
  public static final int SDMA_IOC_WRITE_RAM = _IOW(SDMA_IOC_MAGIC, 3, SDMA_RAM_IO_SIZE);

  public static final int SDMA_TO_DEVICE = 0;
  public static final int SDMA_FROM_DEVICE = 1;

  public static final int SDMA_IRQ_INTX = 0;
  public static final int SDMA_IRQ_MSI = 1;

  // struct sdma_info
  public static final int INFO_ID = 0, INFO_RAM_SIZE = 4, INFO_BUF_BUS_ADDR = 8, INFO_BUF_SIZE = 16;
  public static final int INFO_IRQ_MODE = 20, INFO_MAX_READ_REQ = 24, INFO_MAX_PAYLOAD = 28;

  // struct sdma_transfer
  public static final int XFER_DIRECTION = 0, XFER_DEV_OFFSET = 4, XFER_USER_ADDR = 8, XFER_LENGTH = 16;
  public static final int XFER_FLAGS = 20, XFER_BUS_ADDR = 24, XFER_ELAPSED_NS = 32;

  // struct sdma_ram_io
  public static final int RAMIO_DEV_OFFSET = 0, RAMIO_LENGTH = 4, RAMIO_USER_ADDR = 8;

  /** The /dev name of card {@code minor}: "simple-dma" for the first card, "simple-dma1", … after it. */
  public static String deviceName(int minor) {
    return minor == 0 ? "simple-dma" : "simple-dma" + minor;
  }

  // ---- little-endian field access on a struct's bytes -------------------------------------------

  public static int getLe32(byte[] b, int off) {
    return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
  }

  public static long getLe64(byte[] b, int off) {
    return (getLe32(b, off) & 0xffffffffL) | (long) getLe32(b, off + 4) << 32;
  }

  public static void putLe32(byte[] b, int off, int v) {
    for (int i = 0; i < 4; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }

  public static void putLe64(byte[] b, int off, long v) {
    for (int i = 0; i < 8; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }

  /** A {@code struct sdma_transfer} with the input fields set and the outputs zero. */
  public static byte[] transfer(int direction, int devOffset, long userAddr, int length) {
    byte[] b = new byte[SDMA_TRANSFER_SIZE];
    putLe32(b, XFER_DIRECTION, direction);
    putLe32(b, XFER_DEV_OFFSET, devOffset);
    putLe64(b, XFER_USER_ADDR, userAddr);
    putLe32(b, XFER_LENGTH, length);
    return b;
  }

  /** A {@code struct sdma_ram_io}. */
  public static byte[] ramIo(int devOffset, int length, long userAddr) {
    byte[] b = new byte[SDMA_RAM_IO_SIZE];
    putLe32(b, RAMIO_DEV_OFFSET, devOffset);
    putLe32(b, RAMIO_LENGTH, length);
    putLe64(b, RAMIO_USER_ADDR, userAddr);
    return b;
  }
}
