package dev.driverlab.userland.cli;

import dev.driverlab.userland.programs.Programs;
import dev.driverlab.userland.system.DefaultSystem;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code driverlab} command: with no arguments it runs the demo on the default machine;
 * {@code driverlab PROGRAM ARGS…} boots the default machine and runs one program;
 * {@code driverlab shell [-c SCRIPT]} is a shell on it.
 */
@Command(name = "driverlab", mixinStandardHelpOptions = true, version = "DriverLab 0.1.0",
    description = {"A Linux driver-development sandbox on simulated PCIe hardware.", "",
        "With no arguments: run the demo on the default machine.",
        "driverlab PROGRAM [ARGS...]  boot the default machine and run one program",
        "driverlab shell [-c 'cmd; cmd']  a shell on the default machine (insmod, rmmod, programs, exit)",
        "driverlab lab list|start N DIR|grade N DIR  graded labs (labs/README.md)"},
    footer = {"", "Programs: see 'driverlab shell -c help'."})
public final class Main implements Callable<Integer> {
  @Option(names = "--trace", description = "print every TLP of the run, protocol-analyzer style")
  boolean trace;

  @Parameters(arity = "0..*", paramLabel = "PROGRAM", description = "demo, shell, or a program and its arguments")
  List<String> words = new ArrayList<>();

  private final PrintStream out;
  private final PrintStream err;

  Main(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command line; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine cl = new CommandLine(new Main(out, err));
    cl.setStopAtPositional(true);
    cl.setUnmatchedOptionsArePositionalParams(true);
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(err, true));
    return cl.execute(args);
  }

  @Override
  public Integer call() {
    if (words.isEmpty() || words.get(0).equals("demo")) {
      return Demo.run(trace, out, err);
    }
    String cmd = words.get(0);
    String[] rest = words.subList(1, words.size()).toArray(new String[0]);
    if (cmd.equals("shell")) {
      return Shell.main(rest, trace, out, err);
    }
    if (cmd.equals("lab")) {
      return dev.driverlab.userland.labs.LabCommand.run(rest, out, err);
    }
    if (Programs.find(cmd) == null) {
      err.println("driverlab: unknown program '" + cmd + "'. Programs: " + String.join(", ", Programs.names())
          + "; or demo, shell. See driverlab --help.");
      return 2;
    }
    DefaultSystem sys = DefaultSystem.boot();
    try (AutoCloseable t = trace ? sys.trace(out) : () -> {}) {
      return sys.run(cmd, rest, out, err);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      sys.kernel().shutdown();
    }
  }
}
