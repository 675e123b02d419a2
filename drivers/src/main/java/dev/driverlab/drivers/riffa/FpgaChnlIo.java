package dev.driverlab.drivers.riffa;

import static dev.driverlab.kernel.mm.Uaccess.copy_from_user;

/**
 * {@code struct fpga_chnl_io}, the argument of IOCTL_SEND and IOCTL_RECV (riffa.md §1.3), as gcc lays it
 * out on x86-64 (40 bytes, little-endian):
 *
 * <pre>
 *  offset  field     C type                meaning
 *   0      id        int                   FPGA id (slot 0..4)
 *   4      chnl      int                   channel
 *   8      len       unsigned int          words to send / receive capacity in words
 *  12      offset    unsigned int          destination offset in words (send only)
 *  16      last      unsigned int          1 ends the FPGA-side transaction (send only)
 *  20      (pad)                           4 bytes to align the next field
 *  24      timeout   unsigned long long    inactivity timeout in ms, 0 = forever
 *  32      data      char *                the user buffer
 * </pre>
 *
 * Unsigned C fields are kept in Java ints/longs bit for bit; callers widen with
 * {@code Integer.toUnsignedLong} where the C code computes in 64 bits.
 */
record FpgaChnlIo(int id, int chnl, int len, int offset, int last, long timeout, long data) {
  static final int SIZE = 40;
  static final int OFF_ID = 0, OFF_CHNL = 4, OFF_LEN = 8, OFF_OFFSET = 12, OFF_LAST = 16, OFF_TIMEOUT = 24;
  static final int OFF_DATA = 32;

  /** Decodes the 40 bytes copied from the user. */
  static FpgaChnlIo decode(byte[] b) {
    return new FpgaChnlIo(le32(b, OFF_ID), le32(b, OFF_CHNL), le32(b, OFF_LEN), le32(b, OFF_OFFSET),
        le32(b, OFF_LAST), le64(b, OFF_TIMEOUT), le64(b, OFF_DATA));
  }

  /**
   * {@code copy_from_user(&io, (void *) arg, sizeof(fpga_chnl_io))}: fills {@code out[0]} and returns
   * 0, or returns the number of bytes that could not be copied (as the C driver hands back).
   */
  static long copyFromUser(FpgaChnlIo[] out, long uarg) {
    byte[] raw = new byte[SIZE];
    long left = copy_from_user(raw, uarg, SIZE);
    if (left == 0) {
      out[0] = decode(raw);
    }
    return left;
  }

  static int le32(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
  }

  static long le64(byte[] b, int at) {
    return (le32(b, at) & 0xffffffffL) | (long) le32(b, at + 4) << 32;
  }
}
