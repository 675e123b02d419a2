package dev.driverlab.devices.mem;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Machine RAM that costs heap only where it has been written. Storage is split into 64 KiB chunks
 * allocated on first write; a read of an untouched chunk returns zeros, as freshly cleared DRAM would.
 * A 4 GiB machine that nobody touches holds one reference array of 64 Ki entries (512 KiB).
 */
public final class SparseRam implements MemoryRegion {
  static final int CHUNK_SHIFT = 16;
  static final int CHUNK_SIZE = 1 << CHUNK_SHIFT;
  static final int CHUNK_MASK = CHUNK_SIZE - 1;

  private final String name;
  private final long size;
  private final byte[][] chunks;

  public SparseRam(String name, long size) {
    checkArgument(size > 0 && (size & CHUNK_MASK) == 0, "RAM size must be a positive multiple of 64 KiB: %s", size);
    checkArgument((size >>> CHUNK_SHIFT) <= Integer.MAX_VALUE, "RAM too large: %s", size);
    this.name = name;
    this.size = size;
    this.chunks = new byte[(int) (size >>> CHUNK_SHIFT)][];
  }

  @Override
  public String name() {
    return name;
  }

  public long size() {
    return size;
  }

  /** Bytes of heap actually allocated for contents. */
  public long allocatedBytes() {
    long n = 0;
    for (byte[] c : chunks) {
      if (c != null) {
        n += CHUNK_SIZE;
      }
    }
    return n;
  }

  private byte[] chunkForWrite(long offset) {
    int idx = (int) (offset >>> CHUNK_SHIFT);
    byte[] c = chunks[idx];
    if (c == null) {
      c = new byte[CHUNK_SIZE];
      chunks[idx] = c;
    }
    return c;
  }

  /**
   * The array that holds {@code [offset, offset + len)}, starting at index {@link #backingIndex}, or
   * null if that range has never been written (it reads as zeros) or spans two chunks. For the Root
   * Complex, which answers a device's read with completions that read RAM in place instead of
   * copying it ({@code Tlp.completionWithDataView}): the array is RAM itself, to be read only, and
   * only until RAM is next written.
   */
  public byte[] backingArray(long offset, int len) {
    check(offset, len);
    if ((offset & CHUNK_MASK) + len > CHUNK_SIZE) {
      return null;
    }
    return chunks[(int) (offset >>> CHUNK_SHIFT)];
  }

  /** Where byte {@code offset} sits in the array {@link #backingArray} returns for it. */
  public static int backingIndex(long offset) {
    return (int) (offset & CHUNK_MASK);
  }

  private void check(long offset, long len) {
    if (offset < 0 || len < 0 || offset + len > size) {
      throw outside(offset, len); // formatted apart: every DMA TLP's access passes this check
    }
  }

  private IndexOutOfBoundsException outside(long offset, long len) {
    return new IndexOutOfBoundsException(
        String.format("%s: access [%#x, +%d) outside %#x bytes", name, offset, len, size));
  }

  @Override
  public long read(long offset, int size) {
    check(offset, size);
    int inChunk = (int) (offset & CHUNK_MASK);
    if (inChunk + size <= CHUNK_SIZE) {
      byte[] c = chunks[(int) (offset >>> CHUNK_SHIFT)];
      if (c == null) {
        return 0;
      }
      long v = 0;
      for (int i = size - 1; i >= 0; i--) {
        v = (v << 8) | (c[inChunk + i] & 0xffL);
      }
      return v;
    }
    long v = 0;
    for (int i = size - 1; i >= 0; i--) {
      v = (v << 8) | read(offset + i, 1);
    }
    return v;
  }

  @Override
  public void write(long offset, long value, int size) {
    check(offset, size);
    int inChunk = (int) (offset & CHUNK_MASK);
    if (inChunk + size <= CHUNK_SIZE) {
      byte[] c = chunkForWrite(offset);
      for (int i = 0; i < size; i++) {
        c[inChunk + i] = (byte) (value >>> (8 * i));
      }
      return;
    }
    for (int i = 0; i < size; i++) {
      write(offset + i, (value >>> (8 * i)) & 0xff, 1);
    }
  }

  @Override
  public void read(long offset, byte[] dst, int dstOff, int len) {
    check(offset, len);
    while (len > 0) {
      int inChunk = (int) (offset & CHUNK_MASK);
      int n = Math.min(len, CHUNK_SIZE - inChunk);
      byte[] c = chunks[(int) (offset >>> CHUNK_SHIFT)];
      if (c == null) {
        java.util.Arrays.fill(dst, dstOff, dstOff + n, (byte) 0);
      } else {
        System.arraycopy(c, inChunk, dst, dstOff, n);
      }
      offset += n;
      dstOff += n;
      len -= n;
    }
  }

  @Override
  public void write(long offset, byte[] src, int srcOff, int len) {
    check(offset, len);
    while (len > 0) {
      int inChunk = (int) (offset & CHUNK_MASK);
      int n = Math.min(len, CHUNK_SIZE - inChunk);
      System.arraycopy(src, srcOff, chunkForWrite(offset), inChunk, n);
      offset += n;
      srcOff += n;
      len -= n;
    }
  }

  /** Fills {@code len} bytes with {@code value}. */
  public void fill(long offset, long len, byte value) {
    check(offset, len);
    while (len > 0) {
      int inChunk = (int) (offset & CHUNK_MASK);
      int n = (int) Math.min(len, CHUNK_SIZE - inChunk);
      byte[] c = chunks[(int) (offset >>> CHUNK_SHIFT)];
      if (c != null || value != 0) {
        java.util.Arrays.fill(chunkForWrite(offset), inChunk, inChunk + n, value);
      }
      offset += n;
      len -= n;
    }
  }
}
