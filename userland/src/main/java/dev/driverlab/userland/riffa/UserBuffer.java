package dev.driverlab.userland.riffa;

import dev.driverlab.userland.libc.Libc;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Memory in the process's own address space ({@link Libc#malloc}): what the FPGA reads and writes by
 * DMA. {@link Fpga}'s {@code UserBuffer} overloads hand its address straight to the driver (no copy);
 * the {@code int[]} and {@link ByteBuffer} overloads copy through one of these. Page-aligned, so word
 * aligned as RIFFA requires; RIFFA words are little-endian.
 */
public final class UserBuffer implements AutoCloseable {
  private final Libc libc;
  private final long address;
  private final long size;
  private boolean freed;

  private UserBuffer(Libc libc, long address, long size) {
    this.libc = libc;
    this.address = address;
    this.size = size;
  }

  /** malloc's {@code bytes} (zeroed). */
  public static UserBuffer allocate(Libc libc, long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("a user buffer needs at least one byte: " + bytes);
    }
    long a = libc.malloc(bytes);
    if (a == 0) {
      throw new RiffaException(libc.errno(), "malloc(" + bytes + ")");
    }
    return new UserBuffer(libc, a, bytes);
  }

  /** The user-space address (a {@code void *}). */
  public long address() {
    return address;
  }

  /** Size in bytes. */
  public long size() {
    return size;
  }

  /** Size in 32-bit words. */
  public int words() {
    return (int) Math.min(Integer.MAX_VALUE, size >>> 2);
  }

  private void check(long byteOffset, long len) {
    if (freed) {
      throw new IllegalStateException("user buffer at " + Long.toHexString(address) + " was freed");
    }
    if (byteOffset < 0 || len < 0 || byteOffset + len > size) {
      throw new IndexOutOfBoundsException(
          "bytes [" + byteOffset + ", " + (byteOffset + len) + ") outside a user buffer of " + size);
    }
  }

  /** Stores {@code len} ints of {@code src} from {@code off}, little-endian, at word {@code wordIndex}. */
  public void putInts(int wordIndex, int[] src, int off, int len) {
    check(4L * wordIndex, 4L * len);
    ByteBuffer b = ByteBuffer.allocate(4 * len).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(src, off, len);
    libc.poke(address + 4L * wordIndex, b.array());
  }

  /** Loads {@code len} little-endian words from word {@code wordIndex} into {@code dst} at {@code off}. */
  public void getInts(int wordIndex, int[] dst, int off, int len) {
    check(4L * wordIndex, 4L * len);
    ByteBuffer.wrap(libc.peek(address + 4L * wordIndex, 4 * len)).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer()
        .get(dst, off, len);
  }

  /** Copies {@code src}'s remaining bytes to {@code byteOffset}; advances its position. */
  public void put(long byteOffset, ByteBuffer src) {
    int n = src.remaining();
    check(byteOffset, n);
    byte[] b = new byte[n];
    src.get(b);
    libc.poke(address + byteOffset, b);
  }

  /** Copies {@code n} bytes from {@code byteOffset} into {@code dst}; advances its position. */
  public void get(long byteOffset, ByteBuffer dst, int n) {
    check(byteOffset, n);
    dst.put(libc.peek(address + byteOffset, n));
  }

  /** free(). Idempotent. */
  @Override
  public void close() {
    if (!freed) {
      freed = true;
      libc.free(address);
    }
  }

  @Override
  public String toString() {
    return String.format("UserBuffer[%#x, %d bytes]", address, size);
  }
}
