package dev.driverlab.devices.model;

import java.util.Arrays;

/**
 * A device built from a real function's config space (an {@code lspci -xxx} dump): identity, class and
 * capabilities come from the image; each memory BAR the image declares gets the size given here and is
 * backed by plain read/write memory, so a driver can probe it, map it and poke it. For prototyping a
 * driver against "your board's header" before writing a real model.
 */
public final class DumpedDevice extends PciDeviceModel {
  private final byte[] image;
  private final long[] barSizes;

  /** {@code barSizes[i]} is BAR i's size (0: unimplemented); sizes must be powers of two. */
  public DumpedDevice(byte[] image, long... barSizes) {
    this.image = image.clone();
    this.barSizes = Arrays.copyOf(barSizes, 6);
  }

  /** The first function of an {@code lspci -xxx} dump. */
  public static DumpedDevice fromLspci(String dumpText, long... barSizes) {
    return new DumpedDevice(ConfigDump.parse(dumpText).get(0).config(), barSizes);
  }

  @Override
  protected void declare(FunctionSpec f) {
    f.configImage(image);
    for (int i = 0; i < 6; i++) {
      long size = barSizes[i];
      if (size == 0) {
        continue;
      }
      int lo = (image[0x10 + 4 * i] & 0xff);
      boolean io = (lo & 1) != 0;
      boolean is64 = !io && (lo & 6) == 4;
      boolean pref = !io && (lo & 8) != 0;
      Memory m = new Memory(size);
      f.bar(i, size, io ? FunctionSpec.BarKind.IO : is64 ? FunctionSpec.BarKind.MEM64 : FunctionSpec.BarKind.MEM32,
          pref, m);
      if (is64) {
        i++;
      }
    }
  }

  /** BAR contents: plain little-endian memory. */
  private static final class Memory implements BarHandler {
    private final byte[] bytes;

    Memory(long size) {
      this.bytes = new byte[(int) Math.min(size, 1 << 24)];
    }

    @Override
    public long read(long offset, int size) {
      long v = 0;
      for (int i = size - 1; i >= 0; i--) {
        long o = offset + i;
        v = (v << 8) | (o < bytes.length ? bytes[(int) o] & 0xffL : 0xff);
      }
      return v;
    }

    @Override
    public void write(long offset, long value, int size) {
      for (int i = 0; i < size; i++) {
        long o = offset + i;
        if (o < bytes.length) {
          bytes[(int) o] = (byte) (value >>> (8 * i));
        }
      }
    }
  }
}
