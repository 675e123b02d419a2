package dev.driverlab.userland.riffa;

import java.nio.charset.StandardCharsets;

/**
 * {@code fpga_info_list} as C programs see it after {@link Riffa#fpga_list}: the FPGAs the driver has,
 * in slot order (riffa.md §1.3, §6.1). Field names are the C ones, so ported programs read
 * {@code info.num_fpgas}, {@code info.id[i]}, {@code info.name[i]}.
 *
 * <pre>
 *  offset  field       C type        (164 bytes, little-endian, the ioctl's layout)
 *    0     num_fpgas   int
 *    4     id          int[5]        slot of each FPGA; -1 past num_fpgas
 *   24     num_chnls   int[5]
 *   44     name        char[5][16]   the PCI name with "0" appended, e.g. "0000:03:00.00"
 *  124     vendor_id   int[5]
 *  144     device_id   int[5]
 * </pre>
 */
public final class FpgaInfoList {
  /** {@code NUM_FPGAS}: how many FPGAs one host can have. */
  public static final int NUM_FPGAS = 5;
  /** {@code sizeof(fpga_info_list)}. */
  public static final int SIZE = 164;
  static final int OFF_ID = 4, OFF_NUM_CHNLS = 24, OFF_NAME = 44, OFF_VENDOR_ID = 124, OFF_DEVICE_ID = 144;
  static final int NAME_LEN = 16;

  public int num_fpgas;
  public final int[] id = new int[NUM_FPGAS];
  public final int[] num_chnls = new int[NUM_FPGAS];
  public final String[] name = new String[NUM_FPGAS];
  public final int[] vendor_id = new int[NUM_FPGAS];
  public final int[] device_id = new int[NUM_FPGAS];

  public FpgaInfoList() {
    java.util.Arrays.fill(name, "");
  }

  /** Fills the fields from the structure's 164 bytes as the driver wrote them. */
  void decode(byte[] b) {
    if (b.length < SIZE) {
      throw new IllegalArgumentException("fpga_info_list is " + SIZE + " bytes, got " + b.length);
    }
    num_fpgas = le32(b, 0);
    for (int i = 0; i < NUM_FPGAS; i++) {
      id[i] = le32(b, OFF_ID + 4 * i);
      num_chnls[i] = le32(b, OFF_NUM_CHNLS + 4 * i);
      int at = OFF_NAME + NAME_LEN * i;
      int end = at;
      while (end < at + NAME_LEN && b[end] != 0) {
        end++;
      }
      name[i] = new String(b, at, end - at, StandardCharsets.US_ASCII);
      vendor_id[i] = le32(b, OFF_VENDOR_ID + 4 * i);
      device_id[i] = le32(b, OFF_DEVICE_ID + 4 * i);
    }
  }

  static int le32(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
  }
}
