package dev.driverlab.userland.programs;

import static dev.driverlab.kernel.uapi.Ioctl._IOR;
import static dev.driverlab.kernel.uapi.Ioctl._IOW;
import static dev.driverlab.kernel.uapi.Ioctl._IOWR;

import dev.driverlab.userland.libc.Libc;
import java.io.PrintStream;

/**
 * {@code edu-test}: exercises an edu card through the edu driver's ioctls and checks every answer
 * against a value computed here. Prints one line per check:
 *
 * <pre>
 *   edu: ident 0x010000ed (version 1.0)
 *   liveness: wrote 0x12345678, read 0xedcba987 (ok)
 *   factorial(0) = 1 (ok)            … one line for each n from 0 to 12
 *   dma: 4096 bytes to device and back: match
 *   edu-test: /dev/edu0: all checks passed
 * </pre>
 *
 * Exit status: 0 when every check passed, 1 when a check failed or a system call failed (the call is
 * named perror-style on stderr, e.g. "edu-test: /dev/edu0: open: No such file or directory"), 2 for a
 * bad command line. The ioctl numbers and {@code struct edu_dma_xfer} are the driver's ABI (the C
 * program's copy of {@code <linux/edu.h>}): magic 'E', see the driver's EduUapi.
 */
public final class EduTest implements Program {
  static final String DEFAULT_DEVICE = "/dev/edu0";
  static final String USAGE = "usage: edu-test [-d DEVICE] [--help]\n"
      + "  check an edu card through its driver: ident, liveness, factorials 0..12 and a DMA round trip\n"
      + "  -d DEVICE   the card's node (default " + DEFAULT_DEVICE + ")\n"
      + "  --help      print this text";

  // <linux/edu.h>
  static final int EDU_IOC_IDENT = _IOR('E', 1, 4);
  static final int EDU_IOC_LIVENESS = _IOWR('E', 2, 4);
  static final int EDU_IOC_FACTORIAL = _IOWR('E', 3, 4);
  static final int EDU_DMA_XFER_SIZE = 16;         // struct edu_dma_xfer { u64 user_addr; u32 offset; u32 len; }
  static final int EDU_IOC_DMA_TO_DEVICE = _IOW('E', 4, EDU_DMA_XFER_SIZE);
  static final int EDU_IOC_DMA_FROM_DEVICE = _IOW('E', 5, EDU_DMA_XFER_SIZE);
  static final int EDU_BUFFER_SIZE = 4096;

  static final int LIVENESS_PROBE = 0x12345678;
  static final int LAST_EXACT_FACTORIAL = 12;     // 13! no longer fits in 32 bits

  @Override
  public int main(Libc c, String[] args) {
    String device = DEFAULT_DEVICE;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--help")) {
        c.stdout().println(USAGE);
        return 0;
      } else if (args[i].equals("-d") && i + 1 < args.length) {
        device = args[++i];
      } else {
        c.stderr().println("edu-test: " + (args[i].equals("-d") ? "option -d needs a device" : "bad argument '"
            + args[i] + "'"));
        c.stderr().println(USAGE);
        return 2;
      }
    }
    int fd = c.open(device, Libc.O_RDWR);
    if (fd < 0) {
      c.perror("edu-test: " + device + ": open");
      return 1;
    }
    Run run = new Run(c, fd, device);
    try {
      return run.all();
    } finally {
      run.freeBuffers();
      c.close(fd);
    }
  }

  /** One run against an open card: the buffers, and whether every check passed so far. */
  private static final class Run {
    private final Libc c;
    private final PrintStream out;
    private final int fd;
    private final String device;
    private final long word;
    private final long xfer;
    private final long outBuf;
    private final long inBuf;
    private boolean ok = true;

    Run(Libc c, int fd, String device) {
      this.c = c;
      this.out = c.stdout();
      this.fd = fd;
      this.device = device;
      this.word = c.malloc(4);
      this.xfer = c.malloc(EDU_DMA_XFER_SIZE);
      this.outBuf = c.malloc(EDU_BUFFER_SIZE);
      this.inBuf = c.malloc(EDU_BUFFER_SIZE);
    }

    int all() {
      if (!ident() || !liveness() || !factorials() || !dmaRoundTrip()) {
        return 1;
      }
      if (!ok) {
        c.stderr().println("edu-test: " + device + ": some checks FAILED");
        return 1;
      }
      out.println("edu-test: " + device + ": all checks passed");
      return 0;
    }

    /** Returns false when the ioctl failed (after saying so), true otherwise. */
    private boolean ioctl(int cmd, String name, long arg) {
      if (c.ioctl(fd, cmd, arg) < 0) {
        c.perror("edu-test: " + device + ": ioctl " + name);
        return false;
      }
      return true;
    }

    private boolean ident() {
      if (!ioctl(EDU_IOC_IDENT, "EDU_IOC_IDENT", word)) {
        return false;
      }
      int ident = c.getInt(word);
      boolean edu = (ident & 0xff) == 0xed;
      out.printf("edu: ident 0x%08x (%s)%n", ident,
          edu ? "version " + (ident >>> 24) + "." + ((ident >>> 16) & 0xff) : "MISMATCH: low byte is not 0xed");
      ok &= edu;
      return true;
    }

    private boolean liveness() {
      c.putInt(word, LIVENESS_PROBE);
      if (!ioctl(EDU_IOC_LIVENESS, "EDU_IOC_LIVENESS", word)) {
        return false;
      }
      int back = c.getInt(word);
      boolean good = back == ~LIVENESS_PROBE;
      out.printf("liveness: wrote 0x%08x, read 0x%08x (%s)%n", LIVENESS_PROBE, back,
          good ? "ok" : String.format("MISMATCH: expected 0x%08x", ~LIVENESS_PROBE));
      ok &= good;
      return true;
    }

    private boolean factorials() {
      long expected = 1;
      for (int n = 0; n <= LAST_EXACT_FACTORIAL; n++) {
        expected *= Math.max(n, 1);
        c.putInt(word, n);
        if (!ioctl(EDU_IOC_FACTORIAL, "EDU_IOC_FACTORIAL", word)) {
          return false;
        }
        long got = Integer.toUnsignedLong(c.getInt(word));
        boolean good = got == expected;
        out.printf("factorial(%d) = %d (%s)%n", n, got, good ? "ok" : "MISMATCH: expected " + expected);
        ok &= good;
      }
      return true;
    }

    private boolean dmaRoundTrip() {
      byte[] pattern = new byte[EDU_BUFFER_SIZE];
      for (int i = 0; i < pattern.length; i++) {
        pattern[i] = (byte) (i * 13 + (i >>> 8) + 5);   // not periodic in 256, so a shifted copy shows
      }
      c.poke(outBuf, pattern);
      c.poke(inBuf, new byte[EDU_BUFFER_SIZE]);
      putXfer(outBuf, 0, EDU_BUFFER_SIZE);
      if (!ioctl(EDU_IOC_DMA_TO_DEVICE, "EDU_IOC_DMA_TO_DEVICE", xfer)) {
        return false;
      }
      putXfer(inBuf, 0, EDU_BUFFER_SIZE);
      if (!ioctl(EDU_IOC_DMA_FROM_DEVICE, "EDU_IOC_DMA_FROM_DEVICE", xfer)) {
        return false;
      }
      byte[] back = c.peek(inBuf, EDU_BUFFER_SIZE);
      int first = -1;
      int wrong = 0;
      for (int i = 0; i < back.length; i++) {
        if (back[i] != pattern[i]) {
          wrong++;
          first = first < 0 ? i : first;
        }
      }
      if (wrong == 0) {
        out.printf("dma: %d bytes to device and back: match%n", EDU_BUFFER_SIZE);
      } else {
        out.printf("dma: %d bytes to device and back: MISMATCH in %d bytes, first at byte %d "
            + "(wrote 0x%02x, read 0x%02x)%n", EDU_BUFFER_SIZE, wrong, first, pattern[first] & 0xff, back[first] & 0xff);
        ok = false;
      }
      return true;
    }

    /** Fills the {@code struct edu_dma_xfer} at {@link #xfer}. */
    private void putXfer(long userAddr, int offset, int len) {
      c.putLong(xfer, userAddr);
      c.putInt(xfer + 8, offset);
      c.putInt(xfer + 12, len);
    }

    void freeBuffers() {
      c.free(word);
      c.free(xfer);
      c.free(outBuf);
      c.free(inBuf);
    }
  }
}
