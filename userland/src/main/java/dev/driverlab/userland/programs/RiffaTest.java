package dev.driverlab.userland.programs;

import static dev.driverlab.userland.riffa.Riffa.fpga_close;
import static dev.driverlab.userland.riffa.Riffa.fpga_list;
import static dev.driverlab.userland.riffa.Riffa.fpga_open;
import static dev.driverlab.userland.riffa.Riffa.fpga_recv;
import static dev.driverlab.userland.riffa.Riffa.fpga_reset;
import static dev.driverlab.userland.riffa.Riffa.fpga_send;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.sched.Sched;
import dev.driverlab.userland.libc.Libc;
import dev.driverlab.userland.riffa.FpgaInfoList;
import dev.driverlab.userland.riffa.FpgaT;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * {@code riffa-test}: RIFFA's sample test program ({@code c_c++/linux/x64/sample_app/testutil.c},
 * riffa.md §6.2) with its exact output, plus the sweeps of the extended test ({@code test_apps/testutil.c},
 * §6.3) under option numbers 3-5. Every loopback expects RIFFA's example core {@code chnl_tester} on the
 * channel and checks the reply from word 4 on, as the originals do (riffa.md §5.4: words 0..3 repeat the
 * last beat received).
 *
 * <p>Bandwidth lines keep the original's wording and units first, measured on the wall clock as the
 * original measures with gettimeofday; beside them, the same transfer timed on the machine's simulated
 * clock ({@code ktime_get}), i.e. what the simulated PCIe link would deliver.
 */
public final class RiffaTest implements Program {
  /** The originals' timeout for every transfer, in ms. */
  static final long TIMEOUT_MS = 25000;
  static final int PRINTED_WORDS = 20;
  /** chnl_tester's first words repeat its last beat; checks start here. */
  static final int FIRST_CHECKED_WORD = 4;
  static final int DEFAULT_RUNS = 101;
  static final int DEFAULT_LAST_OFFSET = 1023;
  static final double MIB = 1024.0 * 1024.0;
  static final double MB = 1e6;

  static final String USAGE = String.join("\n",
      "Usage: riffa-test <option> [arguments]",
      "  0                                             list the FPGAs",
      "  1 <fpga id>                                   reset an FPGA",
      "  2 <fpga id> <chnl> <num words>                send 1..n, receive n, check words 4.. (chnl_tester),",
      "                                                print 20 words and the bandwidth (MB = 2^20 bytes)",
      "  3 <fpga id> <chnl> <max words> [runs]         bandwidth sweep: 4, 8, 16, ... up to max words, runs per",
      "                                                size (default 101; run 0 is a warm-up; MB = 10^6 bytes)",
      "  4 <fpga id> <chnl> <num words> [last offset]  source offset sweep: send from word offsets 0..last",
      "                                                (default 1023) into a page",
      "  5 <fpga id> <chnl> <num words> [last offset]  destination offset sweep: receive at word offsets 0..last",
      "Bandwidth is shown twice: on the wall clock of this sandbox, and on the machine's simulated clock (what",
      "the modelled PCIe link delivers).",
      "Exit status: 0 all words came back right, 1 a transfer or the data was wrong, 2 usage.");

  /** Thrown for bad arguments: print usage, exit 2. */
  private static final class UsageError extends Exception {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
      super(message);
    }
  }

  @Override
  public int main(Libc c, String[] args) {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      c.stdout().println(USAGE);
      return 2;
    }
    try {
      if (args.length < 1) {
        throw new UsageError(null);
      }
      int option = number(args[0], "option");
      return switch (option) {
        case 0 -> {
          expect(args, 1, 1);
          yield list(c);
        }
        case 1 -> {
          expect(args, 2, 2);
          yield reset(c, number(args[1], "fpga id"));
        }
        case 2 -> {
          expect(args, 4, 4);
          yield loopback(c, number(args[1], "fpga id"), number(args[2], "chnl"), words(args[3], 1));
        }
        case 3 -> {
          expect(args, 4, 5);
          int runs = args.length > 4 ? number(args[4], "runs") : DEFAULT_RUNS;
          if (runs < 1) {
            throw new UsageError("runs must be at least 1: " + runs);
          }
          yield sweep(c, number(args[1], "fpga id"), number(args[2], "chnl"), words(args[3], FIRST_CHECKED_WORD),
              runs);
        }
        case 4, 5 -> {
          expect(args, 4, 5);
          int last = args.length > 4 ? number(args[4], "last offset") : DEFAULT_LAST_OFFSET;
          if (last < 0 || last > DEFAULT_LAST_OFFSET) {
            throw new UsageError("last offset must be 0..1023 words (inside a page): " + last);
          }
          yield offsets(c, number(args[1], "fpga id"), number(args[2], "chnl"), words(args[3], 1), last,
              option == 4);
        }
        default -> throw new UsageError("unknown option " + option);
      };
    } catch (UsageError e) {
      if (e.getMessage() != null) {
        c.stderr().println("riffa-test: " + e.getMessage());
      }
      c.stderr().println(USAGE);
      return 2;
    }
  }

  private static void expect(String[] args, int min, int max) throws UsageError {
    if (args.length < min) {
      throw new UsageError("option " + args[0] + " needs " + (min - 1) + " argument(s)");
    }
    if (args.length > max) {
      throw new UsageError("option " + args[0] + " takes at most " + (max - 1) + " argument(s)");
    }
  }

  private static int number(String s, String what) throws UsageError {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new UsageError(what + " must be a number: '" + s + "'");
    }
  }

  private static int words(String s, int min) throws UsageError {
    int n = number(s, "num words");
    if (n < min) {
      throw new UsageError("num words must be at least " + min + ": " + n);
    }
    return n;
  }

  // ---- 0: list ----------------------------------------------------------------------------------

  private static int list(Libc c) {
    PrintStream out = c.stdout();
    FpgaInfoList info = new FpgaInfoList();
    if (fpga_list(c, info) != 0) {
      out.println("Error populating fpga_info_list");
      return 1;
    }
    out.printf("Number of devices: %d%n", info.num_fpgas);
    for (int i = 0; i < info.num_fpgas; i++) {
      out.printf("%d: id:%d%n", i, info.id[i]);
      out.printf("%d: num_chnls:%d%n", i, info.num_chnls[i]);
      out.printf("%d: name:%s%n", i, info.name[i]);
      out.printf("%d: vendor id:%04X%n", i, info.vendor_id[i]);
      out.printf("%d: device id:%04X%n", i, info.device_id[i]);
    }
    return 0;
  }

  // ---- 1: reset ---------------------------------------------------------------------------------

  private static int reset(Libc c, int id) {
    FpgaT fpga = fpga_open(c, id);
    if (fpga == null) {
      c.stdout().printf("Could not get FPGA %d%n", id);
      return 1;
    }
    fpga_reset(fpga);
    fpga_close(fpga);
    return 0;
  }

  // ---- 2: loopback ------------------------------------------------------------------------------

  /** Wall-clock and simulated nanoseconds of one transfer. */
  private record Timing(long wallNs, long simNs) {}

  private static final class Stopwatch {
    private final Libc c;
    private long wall0;
    private long sim0;

    Stopwatch(Libc c) {
      this.c = c;
    }

    void start() {
      wall0 = System.nanoTime();
      sim0 = ktimeNs(c);
    }

    Timing stop() {
      return new Timing(System.nanoTime() - wall0, ktimeNs(c) - sim0);
    }
  }

  /**
   * The machine's monotonic clock ({@code ktime_get}), as {@code clock_gettime(CLOCK_MONOTONIC)} would
   * give it to a C program (Libc has no clock_gettime yet).
   */
  static long ktimeNs(Libc c) {
    try (Kernel.Scope s = c.process().kernel().enter()) {
      return Sched.ktime_get();
    }
  }

  private static double rate(long bytes, long ns, double unit) {
    return ns <= 0 ? 0 : bytes / unit / (ns / 1e9);
  }

  /** "send bw: %f MB/s %fms" (the original's line, wall clock) and the simulated clock's figures beside it. */
  static String bandwidthLine(String what, long bytes, Timing t, double unit) {
    return String.format(Locale.ROOT, "%s bw: %f MB/s %fms (wall clock); %f MB/s %fms (simulated link)", what,
        rate(bytes, t.wallNs(), unit), t.wallNs() / 1e6, rate(bytes, t.simNs(), unit), t.simNs() / 1e6);
  }

  private static int loopback(Libc c, int id, int chnl, int numWords) {
    PrintStream out = c.stdout();
    FpgaT fpga = fpga_open(c, id);
    if (fpga == null) {
      out.printf("Could not get FPGA %d%n", id);
      return 1;
    }
    long bytes = 4L * numWords;
    long sendBuffer = c.malloc(bytes);
    if (sendBuffer == 0) {
      out.println("Could not malloc memory for sendBuffer");
      fpga_close(fpga);
      return 1;
    }
    long recvBuffer = c.malloc(bytes);
    if (recvBuffer == 0) {
      out.println("Could not malloc memory for recvBuffer");
      c.free(sendBuffer);
      fpga_close(fpga);
      return 1;
    }
    try {
      fillCounting(c, sendBuffer, numWords); // malloc'ed memory is zeroed: recvBuffer is all 0
      Stopwatch sw = new Stopwatch(c);
      sw.start();
      int sent = fpga_send(fpga, chnl, sendBuffer, numWords, 0, 1, TIMEOUT_MS);
      Timing sendTime = sw.stop();
      out.printf("words sent: %d%n", sent);
      int recvd = 0;
      Timing recvTime = new Timing(0, 0);
      if (sent != 0) {
        sw.start();
        recvd = fpga_recv(fpga, chnl, recvBuffer, numWords, TIMEOUT_MS);
        recvTime = sw.stop();
        out.printf("words recv: %d%n", recvd);
      }
      fpga_close(fpga);

      int[] head = readWords(c, recvBuffer, 0, PRINTED_WORDS); // 20 lines even for fewer words, as the original
      for (int i = 0; i < PRINTED_WORDS; i++) {
        out.printf("recvBuffer[%d]: %d%n", i, head[i]);
      }
      boolean ok = sent == numWords && recvd == numWords;
      if (recvd != 0) {
        int bad = firstMismatch(c, recvBuffer, numWords);
        if (bad >= 0) {
          out.printf("recvBuffer[%d]: %d, expected %d%n", bad, readWords(c, recvBuffer, bad, 1)[0], bad + 1);
          ok = false;
        }
      }
      out.println(bandwidthLine("send", bytes, sendTime, MIB));
      out.println(bandwidthLine("recv", bytes, recvTime, MIB));
      return ok ? 0 : 1;
    } finally {
      c.free(sendBuffer);
      c.free(recvBuffer);
    }
  }

  // ---- 3: bandwidth sweep -----------------------------------------------------------------------

  private static int sweep(Libc c, int id, int chnl, int maxWords, int runs) {
    PrintStream out = c.stdout();
    FpgaT fpga = fpga_open(c, id);
    if (fpga == null) {
      out.printf("Could not get FPGA %d%n", id);
      return 1;
    }
    long sendBuffer = c.malloc(4L * maxWords);
    long recvBuffer = c.malloc(4L * maxWords);
    try {
      if (sendBuffer == 0 || recvBuffer == 0) {
        out.println("Could not malloc memory for the buffers");
        return 1;
      }
      fillCounting(c, sendBuffer, maxWords);
      Stopwatch sw = new Stopwatch(c);
      for (long n = FIRST_CHECKED_WORD; n <= maxWords; n *= 2) {
        int numWords = (int) n;
        for (int j = 0; j < runs; j++) {
          c.poke(recvBuffer, new byte[4 * numWords]);
          sw.start();
          int sent = fpga_send(fpga, chnl, sendBuffer, numWords, 0, 1, TIMEOUT_MS);
          Timing sendTime = sw.stop();
          sw.start();
          int recvd = sent == numWords ? fpga_recv(fpga, chnl, recvBuffer, numWords, TIMEOUT_MS) : 0;
          Timing recvTime = sw.stop();
          if (sent != numWords || recvd != numWords) {
            out.printf("Test %d: words sent: %d, words recv: %d, expected %d%n", j, sent, recvd, numWords);
            return 1;
          }
          int bad = firstMismatch(c, recvBuffer, numWords);
          if (bad >= 0) {
            out.printf("recvBuffer[%d]: %d, expected %d%n", bad, readWords(c, recvBuffer, bad, 1)[0], bad + 1);
            return 1;
          }
          out.printf("Test %d: words sent/recv: %d%n", j, numWords);
          if (j > 0) { // run 0 warms up
            out.println(bandwidthLine("send", 4L * numWords, sendTime, MB));
            out.println(bandwidthLine("recv", 4L * numWords, recvTime, MB));
          }
        }
      }
      return 0;
    } finally {
      c.free(sendBuffer);
      c.free(recvBuffer);
      fpga_close(fpga);
    }
  }

  // ---- 4, 5: offset sweeps ----------------------------------------------------------------------

  private static int offsets(Libc c, int id, int chnl, int numWords, int lastOffset, boolean source) {
    PrintStream out = c.stdout();
    FpgaT fpga = fpga_open(c, id);
    if (fpga == null) {
      out.printf("Could not get FPGA %d%n", id);
      return 1;
    }
    long pad = 4L * (lastOffset + 1);
    long sendBuffer = c.malloc(4L * numWords + pad);
    long recvBuffer = c.malloc(4L * numWords + pad);
    try {
      if (sendBuffer == 0 || recvBuffer == 0) {
        out.println("Could not malloc memory for the buffers");
        return 1;
      }
      String which = source ? "Source" : "Destination";
      for (int off = 0; off <= lastOffset; off++) {
        long src = source ? sendBuffer + 4L * off : sendBuffer;
        long dst = source ? recvBuffer : recvBuffer + 4L * off;
        fillCounting(c, src, numWords);
        c.poke(dst, new byte[4 * numWords]);
        int sent = fpga_send(fpga, chnl, src, numWords, 0, 1, TIMEOUT_MS);
        int recvd = sent == numWords ? fpga_recv(fpga, chnl, dst, numWords, TIMEOUT_MS) : 0;
        if (sent != numWords || recvd != numWords) {
          out.printf("%s offset %d: words sent: %d, words recv: %d, expected %d%n", which, off, sent, recvd, numWords);
          return 1;
        }
        int bad = firstMismatch(c, dst, numWords);
        if (bad >= 0) {
          out.printf("%s offset %d: recvBuffer[%d]: %d, expected %d%n", which, off, bad,
              readWords(c, dst, bad, 1)[0], bad + 1);
          return 1;
        }
        out.printf("%s offset %d: words sent/recv: %d%n", which, off, numWords);
      }
      out.printf("%s offsets 0..%d: all %d words right from word %d on%n", which, lastOffset, numWords,
          FIRST_CHECKED_WORD);
      return 0;
    } finally {
      c.free(sendBuffer);
      c.free(recvBuffer);
      fpga_close(fpga);
    }
  }

  // ---- user memory ------------------------------------------------------------------------------

  private static final int CHUNK_WORDS = 1 << 16;

  /** Stores 1, 2, ..., n at {@code at}, as every RIFFA sample does. */
  static void fillCounting(Libc c, long at, int n) {
    for (int base = 0; base < n; base += CHUNK_WORDS) {
      int k = Math.min(CHUNK_WORDS, n - base);
      ByteBuffer b = ByteBuffer.allocate(4 * k).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < k; i++) {
        b.putInt(base + i + 1);
      }
      c.poke(at + 4L * base, b.array());
    }
  }

  static int[] readWords(Libc c, long at, int from, int n) {
    int[] w = new int[n];
    ByteBuffer.wrap(c.peek(at + 4L * from, 4 * n)).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(w);
    return w;
  }

  /** The first index from 4 on whose word is not index + 1, or -1. */
  static int firstMismatch(Libc c, long at, int n) {
    for (int base = FIRST_CHECKED_WORD; base < n; base += CHUNK_WORDS) {
      int k = Math.min(CHUNK_WORDS, n - base);
      int[] w = readWords(c, at, base, k);
      for (int i = 0; i < k; i++) {
        if (w[i] != base + i + 1) {
          return base + i;
        }
      }
    }
    return -1;
  }
}
