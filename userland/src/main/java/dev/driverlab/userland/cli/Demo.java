package dev.driverlab.userland.cli;

import dev.driverlab.userland.system.DefaultSystem;
import java.io.PrintStream;

/** The demo: boots the default machine and runs each bundled stack once, showing commands and output. */
final class Demo {
  private Demo() {}

  static final String[][] STEPS = {
      {"lspci", "-tv"},
      {"lspci", "-s", "03:00.0", "-vv"},
      {"lsmod"},
      {"myioctl"},
      {"edu-test"},
      {"simple-dma"},
      {"riffa-test", "0"},
      {"riffa-test", "2", "0", "0", "1048576"},
      {"dmesg", "--tail", "12"},
  };

  static int run(boolean trace, PrintStream out, PrintStream err) {
    out.println("DriverLab demo: the default machine (a PCIe switch with four slots behind root port 00:01.0,");
    out.println("two direct slots), booted with the bundled drivers. Each step is a program run on it.");
    DefaultSystem sys = DefaultSystem.boot();
    int worst = 0;
    try (AutoCloseable t = trace ? sys.trace(out) : () -> {}) {
      for (String[] step : STEPS) {
        out.println();
        out.println("$ " + String.join(" ", step));
        String[] args = java.util.Arrays.copyOfRange(step, 1, step.length);
        int status = sys.run(step[0], args, out, err);
        if (status != 0) {
          out.println("[exit status " + status + "]");
          worst = Math.max(worst, status);
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      sys.kernel().shutdown();
    }
    return worst;
  }
}
