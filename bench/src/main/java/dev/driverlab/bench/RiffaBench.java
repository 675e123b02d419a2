package dev.driverlab.bench;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.riffa.EchoCore;
import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.drivers.riffa.RiffaDriver;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.userland.libc.Libc;
import dev.driverlab.userland.riffa.Fpga;
import dev.driverlab.userland.riffa.UserBuffer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * RIFFA loopback from a user process, the road riffa-test takes, next to two {@code System.arraycopy}s
 * of the same bytes (the copies an ideal loopback could not avoid):
 *
 * <pre>
 *   fpga_send(chnl 0, user buffer, n words, last) ─► ioctl ─► riffa driver: pin pages, SG list, doorbell
 *     ─► RIFFA endpoint (echo core) reads the SG list and the data by DMA ─► interrupts
 *   fpga_recv(chnl 0, user buffer) ─► ioctl ─► driver hands SG lists ─► endpoint writes the echo by DMA
 *     ─► interrupts ─► words received
 * </pre>
 *
 * Both rows count {@code 2 × size} bytes per op (one way out, one way back). Sizes run from 4 KiB to
 * 64 MiB; {@link ThroughputReport} prints MB/s and the ratio to arraycopyTwice.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class RiffaBench {
  /** Simulated milliseconds a send or receive may take (64 MiB at Gen2 x8 needs ~20 ms). */
  static final long TIMEOUT_MS = 10_000;

  /** Bytes moved; JMH reports it per second next to the op rate. */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Bytes {
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() {
      bytes = 0;
    }
  }

  /** A default machine with one RIFFA card whose channel 0 echoes, riffa loaded, one process. */
  @State(Scope.Thread)
  public static class Loop {
    /** Message size in bytes (a multiple of 4). */
    @Param({"4096", "65536", "1048576", "16777216", "67108864"})
    public int size;

    Kernel kernel;
    Kernel.Scope scope;
    Fpga fpga;
    UserBuffer src;
    UserBuffer dst;
    int words;

    @Setup(Level.Trial)
    public void boot() {
      Machine machine = Machine.createDefault();
      machine.plug(new RiffaEndpoint(RiffaConfig.defaults(), ch -> new EchoCore()));
      kernel = Kernel.boot(machine);
      Checks.zero(kernel.modules().insmod(new RiffaDriver()), "insmod riffa");
      Process p = kernel.createProcess("riffa-bench");
      PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
      Libc c = new Libc(p, quiet, quiet);
      scope = kernel.enter();
      fpga = Fpga.open(c, 0);
      words = size >>> 2;
      src = UserBuffer.allocate(c, size);
      dst = UserBuffer.allocate(c, size);
      int[] pattern = new int[words];
      for (int i = 0; i < words; i++) {
        pattern[i] = i * 0x9e3779b9;                 // distinct words: a misplaced page shows
      }
      src.putInts(0, pattern, 0, words);
      Checks.equal(words, loopback(), "words echoed");
      int[] back = new int[words];
      dst.getInts(0, back, 0, words);
      Checks.state(Arrays.equals(pattern, back), "the echo differs from what was sent");
      Checks.noBugs(kernel);
    }

    /** One send and one receive on channel 0; returns the words received. */
    int loopback() {
      int sent = fpga.send(0, src, words, 0, true, TIMEOUT_MS);
      if (sent != words) {
        throw new IllegalStateException("fpga_send moved " + sent + " of " + words + " words");
      }
      return fpga.recv(0, dst, TIMEOUT_MS);
    }

    @TearDown(Level.Trial)
    public void shutdown() {
      Checks.noBugs(kernel);
      fpga.close();
      src.close();
      dst.close();
      scope.close();
      kernel.shutdown();
    }
  }

  /** Heap arrays for the baseline. */
  @State(Scope.Thread)
  public static class Arrays3 {
    @Param({"4096", "65536", "1048576", "16777216", "67108864"})
    public int size;

    byte[] a;
    byte[] b;
    byte[] c;

    @Setup(Level.Trial)
    public void fill() {
      a = new byte[size];
      Arrays.fill(a, (byte) 0x5a);
      b = new byte[size];
      c = new byte[size];
    }
  }

  /** Send then receive {@code size} bytes through the echo core. */
  @Benchmark
  public int loopback(Loop loop, Bytes counter) {
    int got = loop.loopback();
    if (got != loop.words) {
      throw new IllegalStateException("fpga_recv got " + got + " of " + loop.words + " words");
    }
    counter.bytes += 2L * loop.size;
    return got;
  }

  /** The same bytes copied out and back by the JVM. */
  @Benchmark
  public byte[] arraycopyTwice(Arrays3 arrays, Bytes counter) {
    System.arraycopy(arrays.a, 0, arrays.b, 0, arrays.size);
    System.arraycopy(arrays.b, 0, arrays.c, 0, arrays.size);
    counter.bytes += 2L * arrays.size;
    return arrays.c;
  }
}
