package dev.driverlab.userland.programs;

import static dev.driverlab.kernel.uapi.Ioctl._IOR;
import static dev.driverlab.kernel.uapi.Ioctl._IOW;
import static dev.driverlab.kernel.uapi.Ioctl._IOWR;

import dev.driverlab.userland.libc.Libc;
import java.io.PrintStream;

/**
 * {@code simple-dma}: the tutorial's worked DMA example (shared/reference/seed-examples.md §2) run
 * through the simple_dma driver. It fills 32 bytes of 01 02 03 04 … in a buffer, asks the driver to
 * DMA them into device RAM at 0x8000, reads device RAM back through the driver (BAR1, no DMA) and prints
 * what arrived and a check line. With {@code driverlab --trace simple-dma} the link shows the card's one
 * MRd (8 DW, its requester ID and a tag), the one CplD with the same tag, then its MSI write.
 *
 * <p>The tutorial's host buffer sat at bus address 0x001FF000. Here the driver copies the user's bytes
 * into its own DMA buffer (dma_alloc_coherent), which DriverLab's allocator places above the first
 * 16 MiB of RAM, so the program asks the driver for the bus address it really uses (SDMA_IOC_INFO) and
 * prints that one; the trace shows the same address in the MRd.
 *
 * <p>Options: {@code --size N} (1 … 65536; larger sizes show the split by Max Read Request Size and
 * Max Payload Size, and the program prints how many TLPs to expect), {@code --offset OFF} (in device
 * RAM; default 0x8000, or 0 for a transfer too large to fit there), {@code --to-host} (device RAM → host: device RAM is filled through BAR1 first,
 * then DMA'd into the buffer), {@code --help}. Exit status: 0 when every byte arrived, 1 on a mismatch
 * or a failed system call, 2 for bad options.
 *
 * <p>The ioctl numbers and struct layouts are the driver's uapi (drivers/simpledma/SimpleDmaUapi.java),
 * mirrored here as a C program mirrors a kernel header.
 */
public final class SimpleDma implements Program {
  static final String DEVICE = "/dev/simple-dma";
  static final int SDMA_INFO_SIZE = 32, SDMA_TRANSFER_SIZE = 40, SDMA_RAM_IO_SIZE = 16;
  static final int SDMA_IOC_INFO = _IOR('S', 0, SDMA_INFO_SIZE);
  static final int SDMA_IOC_TRANSFER = _IOWR('S', 1, SDMA_TRANSFER_SIZE);
  static final int SDMA_IOC_READ_RAM = _IOW('S', 2, SDMA_RAM_IO_SIZE);
  static final int SDMA_IOC_WRITE_RAM = _IOW('S', 3, SDMA_RAM_IO_SIZE);
  static final int SDMA_TO_DEVICE = 0, SDMA_FROM_DEVICE = 1;
  static final int SDMA_IRQ_MSI = 1;

  static final int DEFAULT_SIZE = 32;
  static final int DEFAULT_OFFSET = 0x8000;
  static final int MAX_SIZE = 65536;
  /** The tutorial's host buffer, for comparison. */
  static final long TUTORIAL_BUS_ADDRESS = 0x001F_F000L;
  /** Read Completion Boundary of an x86 Root Complex (PCIe Base Spec §2.3.1.1: 64 or 128 bytes). */
  static final int RCB = 64;
  /** Bytes of a dump shown before "…". */
  static final int DUMP_BYTES = 64;

  private static final String USAGE = String.join("\n",
      "usage: simple-dma [--size N] [--offset OFF] [--to-host] [--help]",
      "Moves N bytes of the pattern 01 02 03 04 ... between a host buffer and device RAM with one DMA",
      "through " + DEVICE + ", then reads device RAM back through BAR1 and checks every byte.",
      "  --size N      bytes to move, 1..65536 (default 32; decimal, 0x hex, or K: 8K)",
      "  --offset OFF  offset in device RAM (default 0x8000, or 0 when the transfer does not fit there)",
      "  --to-host     device RAM -> host buffer (device RAM is filled through BAR1 first)",
      "  --help        print this help",
      "Run 'driverlab --trace simple-dma' to watch the TLPs: 32 bytes are one MRd, one CplD, one MSI.");

  /** The parsed command line; {@code offset} is -1 when not given. */
  record Options(int size, int offset, boolean toHost) {
    /** The offset to use in device RAM of {@code ramSize} bytes. */
    int offsetIn(int ramSize) {
      if (offset >= 0) {
        return offset;
      }
      return DEFAULT_OFFSET + size <= ramSize ? DEFAULT_OFFSET : 0;
    }
  }

  /** A bad command line, with what to tell the user. */
  static final class UsageError extends Exception {
    UsageError(String message) {
      super(message);
    }
  }

  @Override
  public int main(Libc c, String[] args) {
    Options o;
    try {
      o = parse(args);
    } catch (UsageError e) {
      c.stderr().println("simple-dma: " + e.getMessage());
      c.stderr().println(USAGE);
      return 2;
    }
    if (o == null) {
      c.stdout().println(USAGE);
      return 0;
    }
    int fd = c.open(DEVICE, Libc.O_RDWR);
    if (fd < 0) {
      c.stderr().println("simple-dma: " + DEVICE + ": " + Libc.strerror(c.errno())
          + " (is the simple_dma module loaded?)");
      return 1;
    }
    long arg = c.malloc(64);
    long buf = c.malloc(o.size());
    try {
      return run(c, fd, arg, buf, o);
    } finally {
      c.free(buf);
      c.free(arg);
      c.close(fd);
    }
  }

  private int run(Libc c, int fd, long arg, long buf, Options o) {
    PrintStream out = c.stdout();
    if (c.ioctl(fd, SDMA_IOC_INFO, arg) < 0) {
      return fail(c, "SDMA_IOC_INFO");
    }
    int id = c.getInt(arg);
    int ramSize = c.getInt(arg + 4);
    long bus = c.getLong(arg + 8);
    boolean msi = c.getInt(arg + 20) == SDMA_IRQ_MSI;
    int mrrs = c.getInt(arg + 24);
    int mps = c.getInt(arg + 28);
    int offset = o.offsetIn(ramSize);
    if ((long) offset + o.size() > ramSize) {
      c.stderr().printf("simple-dma: --offset %#x + --size %d runs past the end of device RAM (%d bytes)%n",
          offset, o.size(), ramSize);
      return 2;
    }
    out.printf("%s: simple DMA engine v%d.%d, %d KiB device RAM, %s%n", DEVICE, id >>> 24, (id >>> 16) & 0xff,
        ramSize >> 10, msi ? "MSI" : "INTx");
    out.printf("host DMA buffer at bus address %#010x (the tutorial's sat at %#010x)%n", bus, TUTORIAL_BUS_ADDRESS);

    byte[] pattern = pattern(o.size());
    String interrupt = msi ? "then the MSI write" : "then Assert_INTA";
    if (o.toHost()) {
      putRamIo(c, arg, offset, o.size(), buf);
      c.poke(buf, pattern);
      if (c.ioctl(fd, SDMA_IOC_WRITE_RAM, arg) < 0) {
        return fail(c, "SDMA_IOC_WRITE_RAM");
      }
      c.poke(buf, new byte[o.size()]);
      out.printf("filled device RAM %#x..%#x with the pattern through BAR1%n", offset, offset + o.size() - 1);
      out.printf("DMA device -> host: %d bytes from device RAM %#x to bus %#010x%n", o.size(), offset, bus);
      out.printf("on the link: %s (MPS %d), %s%n", writes(bus, o.size(), mps) + " MWr", mps, interrupt);
    } else {
      c.poke(buf, pattern);
      out.printf("DMA host -> device: %d bytes from bus %#010x to device RAM %#x%n", o.size(), bus, offset);
      out.printf("on the link: %s (MRRS %d) answered by %s (MPS %d), %s%n", reads(bus, o.size(), mrrs) + " MRd",
          mrrs, completions(bus, o.size(), mrrs, mps) + " CplD", mps, interrupt);
    }

    putTransfer(c, arg, o.toHost() ? SDMA_FROM_DEVICE : SDMA_TO_DEVICE, offset, buf, o.size());
    if (c.ioctl(fd, SDMA_IOC_TRANSFER, arg) < 0) {
      return fail(c, "SDMA_IOC_TRANSFER");
    }
    out.printf("transfer done in %d ns%n", c.getLong(arg + 32));

    byte[] arrived;
    String where;
    if (o.toHost()) {
      arrived = c.peek(buf, o.size());
      where = "host buffer +";
    } else {
      long back = c.malloc(o.size());
      try {
        putRamIo(c, arg, offset, o.size(), back);
        if (c.ioctl(fd, SDMA_IOC_READ_RAM, arg) < 0) {
          return fail(c, "SDMA_IOC_READ_RAM");
        }
        arrived = c.peek(back, o.size());
      } finally {
        c.free(back);
      }
      where = "device RAM ";
    }
    dump(out, where, o.toHost() ? 0 : offset, arrived);
    return check(out, pattern, arrived, o.toHost() ? "host buffer +" : "device RAM ", o.toHost() ? 0 : offset);
  }

  private static int fail(Libc c, String call) {
    c.stderr().println("simple-dma: " + call + ": " + Libc.strerror(c.errno()) + " (see dmesg)");
    return 1;
  }

  // ---- the command line -------------------------------------------------------------------------

  /** The options, or null for --help. */
  static Options parse(String[] args) throws UsageError {
    int size = DEFAULT_SIZE;
    int offset = -1;
    boolean toHost = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      switch (name) {
        case "--help", "-h" -> {
          return null;
        }
        case "--to-host" -> {
          if (a.contains("=")) {
            throw new UsageError("--to-host takes no value: '" + a + "'");
          }
          toHost = true;
        }
        case "--size", "--offset" -> {
          String value;
          if (a.contains("=")) {
            value = a.substring(a.indexOf('=') + 1);
          } else if (i + 1 < args.length) {
            value = args[++i];
          } else {
            throw new UsageError(name + " needs a value");
          }
          long v = number(name, value);
          if (name.equals("--size")) {
            if (v < 1 || v > MAX_SIZE) {
              throw new UsageError("--size must be 1.." + MAX_SIZE + " bytes: '" + value + "'");
            }
            size = (int) v;
          } else {
            if (v < 0 || v >= MAX_SIZE) {
              throw new UsageError("--offset must be 0..0xffff: '" + value + "'");
            }
            offset = (int) v;
          }
        }
        default -> throw new UsageError(a.startsWith("-") ? "unknown option '" + a + "'"
            : "unexpected argument '" + a + "'");
      }
    }
    return new Options(size, offset, toHost);
  }

  /** Decimal, 0x hex, or a K suffix (KiB). */
  private static long number(String option, String text) throws UsageError {
    String t = text.trim();
    long scale = 1;
    if (t.endsWith("K") || t.endsWith("k")) {
      scale = 1024;
      t = t.substring(0, t.length() - 1);
    }
    try {
      long v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
      return v * scale;
    } catch (NumberFormatException e) {
      throw new UsageError(option + " needs a number (decimal, 0x hex, or with K): '" + text + "'");
    }
  }

  // ---- structs ----------------------------------------------------------------------------------

  private static void putTransfer(Libc c, long arg, int dir, int offset, long user, int len) {
    c.poke(arg, new byte[SDMA_TRANSFER_SIZE]);
    c.putInt(arg, dir);
    c.putInt(arg + 4, offset);
    c.putLong(arg + 8, user);
    c.putInt(arg + 16, len);
  }

  private static void putRamIo(Libc c, long arg, int offset, int len, long user) {
    c.putInt(arg, offset);
    c.putInt(arg + 4, len);
    c.putLong(arg + 8, user);
  }

  // ---- what to expect on the link (PCIe Base Spec §2.2.7, §2.3.1.1) -----------------------------

  /** Memory reads the card sends: at most MRRS bytes each, never crossing a 4 KiB boundary. */
  static int reads(long bus, int len, int mrrs) {
    int n = 0;
    for (long a = bus, end = bus + len; a < end; n++) {
      a += Math.min(end - a, Math.min(mrrs, 4096 - (a & 4095)));
    }
    return n;
  }

  /**
   * Completions the Root Complex returns for those reads: at most MPS bytes each, every one after the
   * first ending on a Read Completion Boundary.
   */
  static int completions(long bus, int len, int mrrs, int mps) {
    int n = 0;
    for (long a = bus, end = bus + len; a < end; ) {
      long readEnd = a + Math.min(end - a, Math.min(mrrs, 4096 - (a & 4095)));
      for (long b = a; b < readEnd; n++) {
        b += Math.min(readEnd - b, mps - (b & (RCB - 1)));
      }
      a = readEnd;
    }
    return n;
  }

  /** Posted writes the card sends: at most MPS bytes each, never crossing a 4 KiB boundary. */
  static int writes(long bus, int len, int mps) {
    int n = 0;
    for (long a = bus, end = bus + len; a < end; n++) {
      a += Math.min(end - a, Math.min(mps, 4096 - (a & 4095)));
    }
    return n;
  }

  // ---- output -----------------------------------------------------------------------------------

  /** The tutorial's pattern: 01 02 03 04, repeated. */
  static byte[] pattern(int len) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (i % 4 + 1);
    }
    return b;
  }

  private static void dump(PrintStream out, String where, int base, byte[] data) {
    int shown = Math.min(data.length, DUMP_BYTES);
    for (int line = 0; line < shown; line += 16) {
      StringBuilder sb = new StringBuilder(String.format("%s%#06x:", where, base + line));
      for (int i = line; i < Math.min(line + 16, shown); i++) {
        sb.append(String.format(" %02x", data[i] & 0xff));
      }
      out.println(sb);
    }
    if (data.length > shown) {
      out.printf("... (%d more bytes)%n", data.length - shown);
    }
  }

  static int check(PrintStream out, byte[] expected, byte[] arrived, String where, int base) {
    int bad = 0;
    int first = -1;
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] != arrived[i]) {
        bad++;
        if (first < 0) {
          first = i;
        }
      }
    }
    if (bad == 0) {
      out.printf("check: %d of %d bytes match%n", expected.length, expected.length);
      return 0;
    }
    out.printf("check: FAILED: %d of %d bytes differ, the first at %s%#06x: expected %02x, got %02x%n", bad,
        expected.length, where, base + first, expected[first] & 0xff, arrived[first] & 0xff);
    return 1;
  }
}
