package dev.driverlab.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs throughput benchmarks that carry a {@code bytes} counter ({@link DmaBench}, RiffaBench) and
 * prints MB/s per row and the ratio to the {@code arraycopy} row of the same class and size, which is
 * the figure the targets are stated in. Takes JMH's own command line:
 *
 * <pre>
 *   java -cp bench/target-bench/benchmarks.jar dev.driverlab.bench.ThroughputReport DmaBench -f 1 -wi 2 -i 3
 * </pre>
 */
public final class ThroughputReport {
  private ThroughputReport() {}

  /** One measured row. */
  record Row(String benchmark, String method, String params, String size, double bytesPerSec, double error) {}

  public static void main(String[] args) throws RunnerException, CommandLineOptionException {
    Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
    List<Row> rows = new ArrayList<>();
    for (RunResult r : results) {
      rows.add(rowOf(r));
    }
    System.out.print(format(rows));
  }

  static Row rowOf(RunResult r) {
    BenchmarkParams bp = r.getParams();
    String full = bp.getBenchmark();
    int dot = full.lastIndexOf('.');
    String cls = full.substring(full.lastIndexOf('.', dot - 1) + 1, dot);
    String method = full.substring(dot + 1);
    StringBuilder params = new StringBuilder();
    String size = null;
    for (String k : bp.getParamsKeys()) {
      String v = bp.getParam(k);
      params.append(params.length() == 0 ? "" : " ").append(k).append('=').append(v);
      if (k.equals("mib") || k.equals("size")) {
        size = v;
      }
    }
    Result<?> bytes = r.getSecondaryResults().get("bytes");
    double bps = bytes == null ? Double.NaN : bytes.getScore();
    double err = bytes == null ? Double.NaN : bytes.getScoreError();
    return new Row(cls, method, params.toString(), size, bps, err);
  }

  /** The table: class, method, params, MB/s (10^6 bytes/s) ± error, ratio to arraycopy of that size. */
  static String format(List<Row> rows) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-12s %-16s %-24s %14s %10s %8s%n", "class", "method", "params", "MB/s",
        "± MB/s", "ratio"));
    for (Row row : rows) {
      Row base = null;
      for (Row b : rows) {
        if (b.benchmark.equals(row.benchmark) && b.method.startsWith("arraycopy") && b.size != null
            && b.size.equals(row.size)) {
          base = b;
        }
      }
      String ratio = base == null ? "-" : String.format(Locale.ROOT, "%.3f", row.bytesPerSec / base.bytesPerSec);
      sb.append(String.format(Locale.ROOT, "%-12s %-16s %-24s %14.1f %10.1f %8s%n", row.benchmark, row.method,
          row.params, row.bytesPerSec / 1e6, row.error / 1e6, ratio));
    }
    return sb.toString();
  }
}
