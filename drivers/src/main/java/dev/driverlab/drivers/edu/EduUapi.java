package dev.driverlab.drivers.edu;

import static dev.driverlab.kernel.uapi.Ioctl._IOR;
import static dev.driverlab.kernel.uapi.Ioctl._IOW;
import static dev.driverlab.kernel.uapi.Ioctl._IOWR;

/**
 * The user-space ABI of the edu driver: what a C program would find in {@code <linux/edu.h>}. Commands
 * use magic 'E' and the generic ioctl layout (edu-and-linux-api.md §C.10). Values are little-endian.
 *
 * <pre>
 *   command                  number       argument (user pointer)           effect
 *   EDU_IOC_IDENT            0x80044501   __u32 out                         ident register (0xRRrr00ED)
 *   EDU_IOC_LIVENESS         0xC0044502   __u32 in/out                      writes v, returns the read-back ~v
 *   EDU_IOC_FACTORIAL        0xC0044503   __u32 in/out                      n in, n! mod 2^32 out (waits for IRQ 0x1)
 *   EDU_IOC_DMA_TO_DEVICE    0x40104504   struct edu_dma_xfer in            user buffer → device buffer
 *   EDU_IOC_DMA_FROM_DEVICE  0x40104505   struct edu_dma_xfer in            device buffer → user buffer
 *
 *   struct edu_dma_xfer {          16 bytes, no padding
 *       __u64 user_addr;     +0    the user buffer (read for TO_DEVICE, written for FROM_DEVICE)
 *       __u32 offset;        +8    first byte in the device's 4 KiB buffer
 *       __u32 len;           +12   bytes to move; offset + len ≤ 4096
 *   };
 * </pre>
 *
 * The DMA commands are {@code _IOW}: the kernel only reads the struct; the data itself travels through
 * {@code user_addr}. Every command returns 0 on success or -1 with errno:
 * <ul>
 *   <li>ENOTTY: not one of these commands;
 *   <li>EFAULT: the argument or {@code user_addr} points to memory the process has not mapped;
 *   <li>EINVAL: {@code offset} or {@code offset + len} lies beyond the 4 KiB buffer;
 *   <li>ETIMEDOUT: the completion interrupt did not arrive in time (dmesg says why, when it can tell);
 *   <li>EBUSY: a DMA that timed out earlier is still running;
 *   <li>ENODEV: the card was removed while the file was open;
 *   <li>EINTR: a signal arrived while waiting for another user of the card.
 * </ul>
 * {@code len} 0 is accepted and moves nothing.
 *
 * <p>{@code read}/{@code write} on {@code /dev/eduN} move data through the same 4 KiB buffer, the file
 * position being the offset in it (see {@code EduFileOps}).
 */
public final class EduUapi {
  private EduUapi() {}

  /** The ioctl magic ("type") byte. */
  public static final int EDU_IOC_MAGIC = 'E';
  /** {@code sizeof(struct edu_dma_xfer)}. */
  public static final int EDU_DMA_XFER_SIZE = 16;
  /** Offsets of the fields of {@code struct edu_dma_xfer}. */
  public static final int XFER_USER_ADDR = 0, XFER_OFFSET = 8, XFER_LEN = 12;
  /** Size of the device's DMA buffer, and so of the file {@code /dev/eduN}. */
  public static final int EDU_BUFFER_SIZE = EduRegs.DMA_BUFFER_SIZE;

  /** {@code _IOR('E', 1, __u32)}. */
  public static final int EDU_IOC_IDENT = _IOR(EDU_IOC_MAGIC, 1, 4);
  /** {@code _IOWR('E', 2, __u32)}. */
  public static final int EDU_IOC_LIVENESS = _IOWR(EDU_IOC_MAGIC, 2, 4);
  /** {@code _IOWR('E', 3, __u32)}. */
  public static final int EDU_IOC_FACTORIAL = _IOWR(EDU_IOC_MAGIC, 3, 4);
  /** {@code _IOW('E', 4, struct edu_dma_xfer)}. */
  public static final int EDU_IOC_DMA_TO_DEVICE = _IOW(EDU_IOC_MAGIC, 4, EDU_DMA_XFER_SIZE);
  /** {@code _IOW('E', 5, struct edu_dma_xfer)}. */
  public static final int EDU_IOC_DMA_FROM_DEVICE = _IOW(EDU_IOC_MAGIC, 5, EDU_DMA_XFER_SIZE);

  /** The device node of card {@code minor}: "/dev/edu0", "/dev/edu1", … */
  public static String devicePath(int minor) {
    return "/dev/edu" + minor;
  }
}
