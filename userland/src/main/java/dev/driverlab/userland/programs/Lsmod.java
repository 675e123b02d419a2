package dev.driverlab.userland.programs;

import dev.driverlab.userland.libc.Libc;

/** lsmod: the loaded modules from /proc/modules, formatted as lsmod prints them. */
public final class Lsmod implements Program {
  @Override
  public int main(Libc c, String[] args) {
    if (args.length > 0) {
      c.stderr().println("usage: lsmod");
      return 1;
    }
    String mods = c.readText("/proc/modules");
    if (mods == null) {
      c.perror("lsmod: /proc/modules");
      return 1;
    }
    c.stdout().printf("%-19s %7s  %s%n", "Module", "Size", "Used by");
    String[] lines = mods.split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      if (lines[i].isBlank()) {
        continue;
      }
      String[] f = lines[i].split(" ");
      c.stdout().printf("%-19s %7s  %s%n", f[0], f[1], f[2]);
    }
    return 0;
  }
}
