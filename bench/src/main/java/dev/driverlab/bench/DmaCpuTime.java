package dev.driverlab.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * {@link DmaBench}'s three rows measured in CPU time of the running thread rather than wall-clock
 * time: on a machine shared with other work, the time a thread spends descheduled does not count, so
 * an A/B comparison of two builds stays readable when wall-clock figures wander by half. Prints the
 * best (lowest) CPU nanoseconds per TLP-sized unit (256 bytes) of each row over the rounds, and the
 * ratio of arraycopy's bytes per CPU second to the row's.
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar dev.driverlab.bench.DmaCpuTime [mib] [rounds] [mrrs] [all|read|write]
 * </pre>
 */
public final class DmaCpuTime {
  private DmaCpuTime() {}

  public static void main(String[] args) {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 1;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    int mrrs = args.length > 2 ? Integer.parseInt(args[2]) : 512;
    String rows = args.length > 3 ? args[3] : "all"; // or "read", "write": one row only (for profiling)
    boolean doRead = !rows.equals("write"), doWrite = !rows.equals("read");
    DmaBench bench = new DmaBench();
    DmaBench.Payload p = new DmaBench.Payload();
    p.mib = mib;
    p.fill();
    DmaBench.ReadPath read = new DmaBench.ReadPath();
    read.mrrs = mrrs;
    DmaBench.WritePath write = new DmaBench.WritePath();
    read.build(p); // each ends by checking one transfer each way byte for byte
    write.build(p);
    DmaBench.Bytes counter = new DmaBench.Bytes();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long units = p.len / 256;
    double bestCopy = Double.MAX_VALUE, bestRead = Double.MAX_VALUE, bestWrite = Double.MAX_VALUE;
    for (int r = 0; r < rounds; r++) {
      int ops = Math.max(2, 64 / mib);
      long t0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < ops * 8; i++) {
        bench.arraycopy(p, counter);
      }
      long t1 = mx.getCurrentThreadCpuTime();
      for (int i = 0; doRead && i < ops; i++) {
        bench.hostToDevice(read, p, counter);
      }
      long t2 = mx.getCurrentThreadCpuTime();
      for (int i = 0; doWrite && i < ops; i++) {
        bench.deviceToHost(write, p, counter);
      }
      long t3 = mx.getCurrentThreadCpuTime();
      bestCopy = Math.min(bestCopy, (t1 - t0) / (double) (ops * 8) / units);
      bestRead = Math.min(bestRead, (t2 - t1) / (double) ops / units);
      bestWrite = Math.min(bestWrite, (t3 - t2) / (double) ops / units);
    }
    System.out.printf("mib=%d mrrs=%d  CPU ns per 256 B (best of %d rounds):%n", mib, mrrs, rounds);
    System.out.printf("  arraycopy     %7.2f%n", bestCopy);
    System.out.printf("  hostToDevice  %7.2f   ratio %.3f%n", bestRead, bestCopy / bestRead);
    System.out.printf("  deviceToHost  %7.2f   ratio %.3f%n", bestWrite, bestCopy / bestWrite);
  }
}
