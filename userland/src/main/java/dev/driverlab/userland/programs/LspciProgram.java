package dev.driverlab.userland.programs;

import dev.driverlab.userland.libc.Libc;
import dev.driverlab.userland.lspci.DumpParser;
import dev.driverlab.userland.lspci.Lspci;
import dev.driverlab.userland.lspci.LspciOptions;
import dev.driverlab.userland.lspci.PciFunctionInfo;
import dev.driverlab.userland.lspci.PciIds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * lspci: lists the simulated machine's PCI functions from sysfs (config space, resources, driver, IRQ)
 * exactly as pciutils formats them; {@code -F FILE} decodes an {@code lspci -xxx} dump from the host's
 * file system instead. Names come from the system's pci.ids, as pciutils finds it.
 */
public final class LspciProgram implements Program {
  static final String USAGE = String.join("\n",
      "Usage: lspci [<switches>]",
      "",
      "Display options:",
      "-v\t\tBe verbose (-vv or -vvv for higher verbosity)",
      "-k\t\tShow kernel drivers handling each device",
      "-x\t\tShow hex-dump of the standard part of the config space",
      "-xxx\t\tShow hex-dump of the whole config space (dangerous; root only)",
      "-xxxx\t\tShow hex-dump of the 4096-byte extended config space (root only)",
      "-t\t\tShow bus tree",
      "-D\t\tAlways show domain numbers",
      "",
      "Resolving of device ID's to names:",
      "-n\t\tShow numeric ID's",
      "-nn\t\tShow both textual and numeric ID's (names & numbers)",
      "",
      "Selection of devices:",
      "-s [[[[<domain>]:]<bus>]:][<slot>][.[<func>]]\tShow only devices in selected slots",
      "",
      "Other options:",
      "-F <file>\tRead PCI configuration dump from a given file");

  @Override
  public int main(Libc c, String[] args) {
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    if (rest.contains("--help") || rest.contains("-h") || rest.contains("-?")) {
      c.stdout().println(USAGE);
      return 0;
    }
    String dumpFile = null;
    int f = rest.indexOf("-F");
    if (f >= 0) {
      if (f + 1 >= rest.size()) {
        c.stderr().println("lspci: option requires an argument -- 'F'");
        c.stderr().println(USAGE);
        return 2;
      }
      dumpFile = rest.get(f + 1);
      rest.remove(f + 1);
      rest.remove(f);
    }
    LspciOptions opts;
    try {
      opts = LspciOptions.parse(rest.toArray(new String[0]));
    } catch (IllegalArgumentException e) {
      c.stderr().println(e.getMessage());
      c.stderr().println(USAGE);
      return 2;
    }
    List<PciFunctionInfo> functions;
    if (dumpFile != null) {
      try {
        functions = DumpParser.parse(Files.readString(Path.of(dumpFile)));
      } catch (IOException e) {
        c.stderr().println("lspci: Cannot open " + dumpFile + ": " + e.getMessage());
        return 1;
      } catch (IllegalArgumentException e) {
        c.stderr().println("lspci: " + e.getMessage());
        return 1;
      }
    } else {
      functions = fromSysfs(c);
      if (functions == null) {
        return 1;
      }
    }
    c.stdout().print(Lspci.format(functions, PciIds.system(), opts));
    return 0;
  }

  /** Reads every function under /sys/bus/pci/devices; null (after perror) if sysfs is unreadable. */
  static List<PciFunctionInfo> fromSysfs(Libc c) {
    List<PciFunctionInfo> out = new ArrayList<>();
    List<String> names = new ArrayList<>(c.listDirectory("/sys/bus/pci/devices"));
    names.sort(null);
    for (String name : names) {
      String dir = "/sys/bus/pci/devices/" + name;
      byte[] config = c.readFile(dir + "/config");
      String resource = c.readText(dir + "/resource");
      if (config == null || resource == null) {
        c.perror("lspci: " + dir);
        return null;
      }
      String[] parts = name.split("[:.]");
      int domain = Integer.parseInt(parts[0], 16);
      int bus = Integer.parseInt(parts[1], 16);
      int dev = Integer.parseInt(parts[2], 16);
      int fn = Integer.parseInt(parts[3], 16);
      long[] sizes = new long[6];
      long[] addresses = new long[6];
      String[] lines = resource.split("\n");
      for (int i = 0; i < 6 && i < lines.length; i++) {
        String[] r = lines[i].trim().split("\\s+");
        long start = Long.decode(r[0]);
        long end = Long.decode(r[1]);
        addresses[i] = start;
        sizes[i] = start == 0 && end == 0 ? 0 : end - start + 1;
      }
      String driver = c.readText(dir + "/driver");
      String irq = c.readText(dir + "/irq");
      out.add(PciFunctionInfo.of(domain, bus, dev, fn, config)
          .withLiveFacts(sizes, 0, driver == null || driver.isBlank() ? null : driver.trim(),
              irq == null ? -1 : Integer.parseInt(irq.trim()))
          .withBarAddresses(addresses));
    }
    return out;
  }
}
