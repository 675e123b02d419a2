package dev.driverlab.userland.programs;

import dev.driverlab.userland.libc.Libc;

/** dmesg: prints the kernel log; {@code -c} clears nothing here (read-only), {@code --tail N} the last lines. */
public final class Dmesg implements Program {
  @Override
  public int main(Libc c, String[] args) {
    String text = c.klogRead();
    if (args.length == 2 && args[0].equals("--tail")) {
      int n;
      try {
        n = Integer.parseInt(args[1]);
      } catch (NumberFormatException e) {
        c.stderr().println("dmesg: invalid line count '" + args[1] + "'");
        return 1;
      }
      String[] lines = text.split("\n");
      for (int i = Math.max(0, lines.length - n); i < lines.length; i++) {
        c.stdout().println(lines[i]);
      }
      return 0;
    }
    if (args.length > 0) {
      c.stderr().println("usage: dmesg [--tail N]");
      return 1;
    }
    c.stdout().print(text);
    return 0;
  }
}
