package dev.driverlab.userland.riffa;

import static dev.driverlab.kernel.uapi.Errno.EBUSY;
import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.EINTR;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static dev.driverlab.kernel.uapi.Errno.ENODEV;
import static dev.driverlab.kernel.uapi.Errno.ERESTARTSYS;

import dev.driverlab.userland.libc.Libc;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One RIFFA FPGA, the Java way: RIFFA's Java binding ({@code edu.ucsd.cs.riffa.Fpga}, riffa.md §6.4)
 * reshaped for Java programs running in a DriverLab process.
 *
 * <pre>{@code
 * try (Fpga fpga = Fpga.open(libc, 0)) {
 *   int sent = fpga.send(0, words, true, 25_000);         // int[], ByteBuffer or UserBuffer
 *   int recvd = fpga.recv(0, reply, 25_000);
 * }
 * }</pre>
 *
 * <p>Counts stay counts: {@code send} returns the words the FPGA took, {@code recv} the words it sent in
 * its last transaction (possibly more than fit: the surplus was discarded; possibly fewer: the
 * inactivity timeout hit). Real errors throw {@link RiffaException} with the errno: an unknown FPGA
 * (ENODEV, checked at open, where the C library would return 0 from every later call), an unknown
 * channel or an unusable buffer (EINVAL, where the driver returns 0 or -22 through an int), a channel
 * already in use in that direction (EBUSY), a signal (EINTR; the driver's -ERESTARTSYS), or a failed
 * system call (its errno).
 *
 * <p>Data must be in the process's memory for the FPGA to reach it. {@link UserBuffer} overloads pass
 * their address to the driver as is; {@code int[]} and {@link ByteBuffer} overloads (heap or direct)
 * copy through a staging {@link UserBuffer} kept per channel and direction, so threads on different
 * channels never share one. Words are little-endian 32-bit values; a ByteBuffer's bytes go as they
 * are (view it with {@code order(ByteOrder.LITTLE_ENDIAN)} to write ints).
 *
 * <p>Timeouts are in milliseconds, 0 waits forever; they bound the gap between FPGA events, not the call.
 */
public final class Fpga implements AutoCloseable {
  private static final long MIN_STAGE = 4096;

  private final Libc libc;
  private final FpgaT handle;
  private final FpgaInfo info;
  private final UserBuffer[] sendStage;
  private final UserBuffer[] recvStage;
  private boolean closed;

  private Fpga(Libc libc, FpgaT handle, FpgaInfo info) {
    this.libc = libc;
    this.handle = handle;
    this.info = info;
    this.sendStage = new UserBuffer[info.channels()];
    this.recvStage = new UserBuffer[info.channels()];
  }

  /** The FPGAs the driver has, in id order. Throws if /dev/riffa cannot be opened (riffa not loaded). */
  public static List<FpgaInfo> list(Libc libc) {
    FpgaInfoList l = new FpgaInfoList();
    int r = Riffa.fpga_list(libc, l);
    if (r != 0) {
      int errno = r < 0 ? libc.errno() : EFAULT;
      throw new RiffaException(errno, "fpga_list", r < 0 ? "cannot open " + Riffa.DEVICE_PATH
          + " (is the riffa module loaded?)" : "the driver could not write the list");
    }
    List<FpgaInfo> out = new ArrayList<>();
    for (int i = 0; i < l.num_fpgas; i++) {
      out.add(new FpgaInfo(l.id[i], l.num_chnls[i], l.name[i], l.vendor_id[i], l.device_id[i]));
    }
    return List.copyOf(out);
  }

  /** Opens FPGA {@code id}; throws ENODEV if the driver has no FPGA with that id. */
  public static Fpga open(Libc libc, int id) {
    FpgaInfo found = null;
    List<FpgaInfo> all = list(libc);
    for (FpgaInfo f : all) {
      if (f.id() == id) {
        found = f;
      }
    }
    if (found == null) {
      throw new RiffaException(ENODEV, "fpga_open(" + id + ")", "no RIFFA FPGA with id " + id + "; the driver has "
          + (all.isEmpty() ? "none" : "ids " + all.stream().map(FpgaInfo::id).toList()));
    }
    FpgaT h = Riffa.fpga_open(libc, id);
    if (h == null) {
      throw new RiffaException(libc.errno(), "fpga_open(" + id + ")", "cannot open " + Riffa.DEVICE_PATH);
    }
    return new Fpga(libc, h, found);
  }

  public FpgaInfo info() {
    return info;
  }

  public int id() {
    return info.id();
  }

  public int channels() {
    return info.channels();
  }

  // ---- send -------------------------------------------------------------------------------------

  /**
   * Sends {@code words} words from {@code data} (no copy) on {@code chnl}, to word offset {@code destoff}
   * on the FPGA side; {@code last} ends the transaction. Returns the words the FPGA received.
   */
  public int send(int chnl, UserBuffer data, int words, int destoff, boolean last, long timeoutMs) {
    checkOpen();
    checkChannel(chnl, "send");
    checkTimeout(timeoutMs);
    Objects.checkFromIndexSize(0, words, data.words());
    int r = Riffa.fpga_send(handle, chnl, data.address(), words, destoff, last ? 1 : 0, timeoutMs);
    return result(r, chnl, "send");
  }

  /** Sends {@code len} ints of {@code words} from {@code off}. */
  public int send(int chnl, int[] words, int off, int len, int destoff, boolean last, long timeoutMs) {
    checkOpen();
    checkChannel(chnl, "send");
    Objects.checkFromIndexSize(off, len, words.length);
    UserBuffer stage = stage(sendStage, chnl, 4L * len);
    if (len > 0) {
      stage.putInts(0, words, off, len);
    }
    return send(chnl, stage, len, destoff, last, timeoutMs);
  }

  /** Sends all of {@code words} to offset 0. */
  public int send(int chnl, int[] words, boolean last, long timeoutMs) {
    return send(chnl, words, 0, words.length, 0, last, timeoutMs);
  }

  /**
   * Sends the remaining bytes of {@code data} (heap or direct; a multiple of 4) and advances its
   * position past them. Returns the words the FPGA received.
   */
  public int send(int chnl, ByteBuffer data, int destoff, boolean last, long timeoutMs) {
    checkOpen();
    checkChannel(chnl, "send");
    int n = data.remaining();
    if ((n & 3) != 0) {
      throw new IllegalArgumentException("RIFFA moves 32-bit words: " + n + " bytes remain, not a multiple of 4");
    }
    UserBuffer stage = stage(sendStage, chnl, n);
    if (n > 0) {
      stage.put(0, data);
    }
    return send(chnl, stage, n >>> 2, destoff, last, timeoutMs);
  }

  // ---- receive ----------------------------------------------------------------------------------

  /** Receives into {@code data} (no copy), at most {@code words} words of it. Returns the FPGA's count. */
  public int recv(int chnl, UserBuffer data, int words, long timeoutMs) {
    checkOpen();
    checkChannel(chnl, "recv");
    checkTimeout(timeoutMs);
    Objects.checkFromIndexSize(0, words, data.words());
    int r = Riffa.fpga_recv(handle, chnl, data.address(), words, timeoutMs);
    return result(r, chnl, "recv");
  }

  /** Receives into all of {@code data}. */
  public int recv(int chnl, UserBuffer data, long timeoutMs) {
    return recv(chnl, data, data.words(), timeoutMs);
  }

  /**
   * Receives into {@code words[off .. off+len)}. Returns the FPGA's count; only the first
   * {@code min(count, len)} ints are written.
   */
  public int recv(int chnl, int[] words, int off, int len, long timeoutMs) {
    checkOpen();
    checkChannel(chnl, "recv");
    Objects.checkFromIndexSize(off, len, words.length);
    UserBuffer stage = stage(recvStage, chnl, 4L * len);
    int got = recv(chnl, stage, len, timeoutMs);
    int n = Math.min(got, len);
    if (n > 0) {
      stage.getInts(0, words, off, n);
    }
    return got;
  }

  public int recv(int chnl, int[] words, long timeoutMs) {
    return recv(chnl, words, 0, words.length, timeoutMs);
  }

  /**
   * Receives into the remaining space of {@code data} (its capacity in words is remaining / 4) and
   * advances its position past the bytes written. Returns the FPGA's count.
   */
  public int recv(int chnl, ByteBuffer data, long timeoutMs) {
    checkOpen();
    checkChannel(chnl, "recv");
    int capacity = data.remaining() >>> 2;
    UserBuffer stage = stage(recvStage, chnl, 4L * capacity);
    int got = recv(chnl, stage, capacity, timeoutMs);
    int n = Math.min(got, capacity);
    if (n > 0) {
      stage.get(0, data, 4 * n);
    }
    return got;
  }

  // ---- control ----------------------------------------------------------------------------------

  /** Resets the FPGA's RIFFA core and the driver's channel state. Not while transfers run. */
  public void reset() {
    checkOpen();
    if (libc.ioctl(handle.fd(), Riffa.IOCTL_RESET, handle.id()) < 0) {
      throw new RiffaException(libc.errno(), "fpga " + id() + " reset");
    }
  }

  /** Closes the device and frees the staging buffers. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Riffa.fpga_close(handle);
    for (UserBuffer[] stages : List.of(sendStage, recvStage)) {
      for (UserBuffer b : stages) {
        if (b != null) {
          b.close();
        }
      }
    }
  }

  @Override
  public String toString() {
    return "Fpga[" + info + (closed ? ", closed]" : "]");
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("FPGA " + id() + " is closed");
    }
  }

  private void checkChannel(int chnl, String op) {
    if (chnl < 0 || chnl >= info.channels()) {
      throw new RiffaException(EINVAL, where(chnl, op), "FPGA " + id() + " has channels 0.." + (info.channels() - 1));
    }
  }

  private static void checkTimeout(long timeoutMs) {
    if (timeoutMs < 0) {
      throw new IllegalArgumentException("timeout must be 0 (wait forever) or a positive number of ms: " + timeoutMs);
    }
  }

  private String where(int chnl, String op) {
    return "fpga " + id() + " chnl " + chnl + " " + op;
  }

  /** A staging buffer of at least {@code bytes} for one channel and direction, grown by doubling. */
  private UserBuffer stage(UserBuffer[] stages, int chnl, long bytes) {
    UserBuffer b = stages[chnl];
    if (b == null || b.size() < bytes) {
      if (b != null) {
        b.close();
      }
      long size = Math.max(MIN_STAGE, Long.highestOneBit(Math.max(1, bytes - 1)) << 1);
      b = UserBuffer.allocate(libc, size);
      stages[chnl] = b;
    }
    return b;
  }

  /** A count, or the exception for a negative result (see the class comment). */
  private int result(int r, int chnl, String op) {
    if (r >= 0) {
      return r;
    }
    if (r == -1) {
      throw new RiffaException(libc.errno(), where(chnl, op), "the ioctl failed");
    }
    int errno = -r;
    switch (errno) {
      case EBUSY -> throw new RiffaException(EBUSY, where(chnl, op), "another thread is "
          + (op.equals("send") ? "sending" : "receiving") + " on this channel");
      case EINVAL -> throw new RiffaException(EINVAL, where(chnl, op),
          "the buffer is not 4-byte aligned or wraps around the address space");
      case ERESTARTSYS -> throw new RiffaException(EINTR, where(chnl, op), "interrupted by a signal");
      default -> throw new RiffaException(errno, where(chnl, op));
    }
  }
}
