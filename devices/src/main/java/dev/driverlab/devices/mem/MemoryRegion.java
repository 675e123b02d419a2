package dev.driverlab.devices.mem;

/**
 * Something that answers CPU physical accesses inside one range of the machine's address map:
 * RAM, the ECAM window, or a Root Complex MMIO window. Offsets are relative to the region's base.
 * Accesses are little-endian, as on x86; {@code size} is 1, 2, 4 or 8 bytes.
 */
public interface MemoryRegion {
  String name();

  long read(long offset, int size);

  void write(long offset, long value, int size);

  /** Bulk read; regions that are not RAM do it one dword at a time. */
  default void read(long offset, byte[] dst, int dstOff, int len) {
    for (int i = 0; i < len; i++) {
      dst[dstOff + i] = (byte) read(offset + i, 1);
    }
  }

  default void write(long offset, byte[] src, int srcOff, int len) {
    for (int i = 0; i < len; i++) {
      write(offset + i, src[srcOff + i] & 0xff, 1);
    }
  }
}
