package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.RiffaDriver.NUM_FPGAS;

import java.nio.charset.StandardCharsets;

/**
 * {@code struct fpga_info_list}, filled by IOCTL_LIST (riffa.md §1.3, §4.7); 164 bytes on both x86 ABIs,
 * little-endian, no padding:
 *
 * <pre>
 *  offset  field       C type
 *    0     num_fpgas   int
 *    4     id          int[5]
 *   24     num_chnls   int[5]
 *   44     name        char[5][16]     NUL-padded
 *  124     vendor_id   int[5]
 *  144     device_id   int[5]
 * </pre>
 *
 * Used entries come first, in slot order; the rest have id -1 and zeros ({@code list_fpgas}).
 */
final class FpgaInfoList {
  static final int SIZE = 164;
  static final int NAME_LEN = 16;
  static final int OFF_NUM_FPGAS = 0, OFF_ID = 4, OFF_NUM_CHNLS = 24, OFF_NAME = 44, OFF_VENDOR_ID = 124;
  static final int OFF_DEVICE_ID = 144;

  int num_fpgas;
  final int[] id = new int[NUM_FPGAS];
  final int[] num_chnls = new int[NUM_FPGAS];
  final byte[][] name = new byte[NUM_FPGAS][NAME_LEN];
  final int[] vendor_id = new int[NUM_FPGAS];
  final int[] device_id = new int[NUM_FPGAS];

  /** {@code name} as the C string the driver stores: at most 15 characters and a NUL, zero-padded. */
  static byte[] cName(String s) {
    byte[] out = new byte[NAME_LEN];
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, out, 0, Math.min(b.length, NAME_LEN - 1));
    return out;
  }

  /** The 164 bytes copied to the user. */
  byte[] encode() {
    byte[] b = new byte[SIZE];
    put32(b, OFF_NUM_FPGAS, num_fpgas);
    for (int i = 0; i < NUM_FPGAS; i++) {
      put32(b, OFF_ID + 4 * i, id[i]);
      put32(b, OFF_NUM_CHNLS + 4 * i, num_chnls[i]);
      System.arraycopy(name[i], 0, b, OFF_NAME + NAME_LEN * i, NAME_LEN);
      put32(b, OFF_VENDOR_ID + 4 * i, vendor_id[i]);
      put32(b, OFF_DEVICE_ID + 4 * i, device_id[i]);
    }
    return b;
  }

  private static void put32(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
  }
}
