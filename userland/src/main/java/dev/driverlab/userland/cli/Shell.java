package dev.driverlab.userland.cli;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.uapi.Errno;
import dev.driverlab.userland.programs.Programs;
import dev.driverlab.userland.system.DefaultSystem;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * A small shell on the default machine: built-ins (help, insmod, rmmod, trace, exit) and the installed
 * programs. {@code -c 'cmd; cmd'} runs a script; otherwise lines come from standard input. The exit
 * status is the last command's.
 */
public final class Shell {
  private final DefaultSystem sys;
  private final PrintStream out;
  private final PrintStream err;
  private AutoCloseable tracing;
  private boolean exit;

  Shell(DefaultSystem sys, PrintStream out, PrintStream err) {
    this.sys = sys;
    this.out = out;
    this.err = err;
  }

  static int main(String[] args, boolean trace, PrintStream out, PrintStream err) {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      out.println("usage: driverlab shell [-c 'cmd; cmd; ...']");
      out.println("Reads commands from standard input, or runs the script given with -c.");
      return 0;
    }
    if (args.length == 1 && args[0].equals("-c") || args.length > 2 || args.length >= 1 && !args[0].equals("-c")) {
      err.println("driverlab shell: usage: driverlab shell [-c 'cmd; cmd; ...']");
      return 2;
    }
    DefaultSystem sys = DefaultSystem.boot();
    Shell sh = new Shell(sys, out, err);
    try {
      if (trace) {
        sh.tracing = sys.trace(out);
      }
      if (args.length == 2) {
        return sh.script(args[1]);
      }
      return sh.interactive();
    } finally {
      sys.kernel().shutdown();
    }
  }

  int script(String text) {
    int status = 0;
    for (String line : text.split("[;\n]")) {
      if (exit) {
        break;
      }
      status = execute(line);
    }
    return status;
  }

  private int interactive() {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    int status = 0;
    try {
      while (!exit) {
        out.print("driverlab# ");
        out.flush();
        String line = in.readLine();
        if (line == null) {
          out.println();
          break;
        }
        status = execute(line);
      }
    } catch (IOException e) {
      err.println("sh: " + e.getMessage());
      return 1;
    }
    return status;
  }

  /** Runs one command line; returns its status. */
  int execute(String line) {
    List<String> words = Arrays.stream(line.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    if (words.isEmpty() || words.get(0).startsWith("#")) {
      return 0;
    }
    String cmd = words.get(0);
    String[] args = words.subList(1, words.size()).toArray(new String[0]);
    Kernel k = sys.kernel();
    switch (cmd) {
      case "exit", "quit" -> {
        exit = true;
        return 0;
      }
      case "help" -> {
        help();
        return 0;
      }
      case "insmod" -> {
        if (args.length < 1) {
          err.println("usage: insmod MODULE [param=value ...]");
          return 1;
        }
        Supplier<KernelModule> m = DefaultSystem.bundledModules().get(args[0]);
        if (m == null) {
          err.println("insmod: ERROR: could not load module " + args[0] + ": No such module (bundled: "
              + String.join(", ", DefaultSystem.bundledModules().keySet()) + ")");
          return 1;
        }
        int r = k.modules().insmod(m.get(), Arrays.copyOfRange(args, 1, args.length));
        if (r != 0) {
          err.println("insmod: ERROR: could not insert module " + args[0] + ": " + Errno.strerror(r));
          return 1;
        }
        return 0;
      }
      case "rmmod" -> {
        if (args.length != 1) {
          err.println("usage: rmmod MODULE");
          return 1;
        }
        int r = k.modules().rmmod(args[0]);
        if (r == -Errno.ENOENT) {
          err.println("rmmod: ERROR: Module " + args[0] + " is not currently loaded");
          return 1;
        }
        if (r == -Errno.EBUSY) {
          err.println("rmmod: ERROR: Module " + args[0] + " is in use");
          return 1;
        }
        return r == 0 ? 0 : 1;
      }
      case "trace" -> {
        if (args.length == 1 && args[0].equals("on")) {
          if (tracing == null) {
            tracing = sys.trace(out);
          }
          return 0;
        }
        if (args.length == 1 && args[0].equals("off")) {
          closeTrace();
          return 0;
        }
        err.println("usage: trace on|off");
        return 1;
      }
      default -> {
        return sys.run(cmd, args, out, err);
      }
    }
  }

  private void closeTrace() {
    if (tracing != null) {
      try {
        tracing.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      tracing = null;
    }
  }

  private void help() {
    out.println("Built-in commands:");
    out.println("  help                     this list");
    out.println("  insmod MODULE [p=v ...]  load a bundled module: " + String.join(", ", DefaultSystem.bundledModules().keySet()));
    out.println("  rmmod MODULE             unload a module (reports anything it leaked)");
    out.println("  trace on|off             print every TLP on the links");
    out.println("  exit                     leave the shell");
    out.println("Programs:");
    for (String n : Programs.names()) {
      out.printf("  %-24s %s%n", n, Programs.find(n).description());
    }
  }
}
