package dev.driverlab.drivers.riffa;

/**
 * What RIFFA's user library and driver agree on ({@code riffa_driver.h}; riffa.md §1.3): the device
 * node, the four ioctl numbers and the two structures passed through them, laid out per the x86-64 ABI.
 *
 * <p>The ioctl numbers encode the size of a POINTER (8 bytes), not of the structure, because the C
 * macro is handed a pointer type: {@code _IOW(100, 1, fpga_chnl_io *)}. The direction bits are
 * cosmetic: the driver copies {@code fpga_chnl_io} from the user for both SEND and RECV, copies
 * {@code fpga_info_list} to the user for LIST, and RESET takes the FPGA id by value.
 *
 * <pre>
 *  IOCTL_SEND  = _IOW(100, 1, fpga_chnl_io *)   = 0x40086401
 *  IOCTL_RECV  = _IOR(100, 2, fpga_chnl_io *)   = 0x80086402
 *  IOCTL_LIST  = _IOR(100, 3, fpga_info_list *) = 0x80086403
 *  IOCTL_RESET = _IOW(100, 4, int)              = 0x40046404
 * </pre>
 *
 * Layouts: {@link FpgaChnlIo} (40 bytes) and {@link FpgaInfoList} (164 bytes).
 */
public final class RiffaUapi {
  private RiffaUapi() {}

  /** The one node for every FPGA; the ioctl argument's id picks the FPGA. */
  public static final String DEVICE_PATH = "/dev/riffa";

  public static final int IOCTL_SEND = 0x40086401;
  public static final int IOCTL_RECV = 0x80086402;
  public static final int IOCTL_LIST = 0x80086403;
  public static final int IOCTL_RESET = 0x40046404;
}
