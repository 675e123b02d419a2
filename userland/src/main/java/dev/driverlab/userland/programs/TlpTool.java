package dev.driverlab.userland.programs;

import dev.driverlab.devices.pcie.tlp.TlpFields;
import dev.driverlab.userland.libc.Libc;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tlp}: decodes TLP header dwords given in hex into named fields, one {@code name=value} per
 * line, and encodes fields back into dwords. A pure calculator: it touches no hardware.
 *
 * <pre>
 *   tlp decode 00000008 010005ff 001ff000
 *   tlp encode kind=MRd requester=01:00.0 tag=5 address=0x001ff000 length=8 first_be=0xf last_be=0xf
 * </pre>
 */
public final class TlpTool implements Program {
  static final String USAGE = String.join("\n",
      "usage: tlp decode DW0 DW1 DW2 [DW3]       header dwords in hex (0x optional)",
      "       tlp encode NAME=VALUE ...           fields as 'tlp decode' prints them",
      "Fields: " + String.join(" ", TlpFields.fieldNames()));

  @Override
  public int main(Libc c, String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      (args.length == 0 ? c.stderr() : c.stdout()).println(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    String cmd = args[0];
    List<String> rest = List.of(args).subList(1, args.length);
    if (cmd.equals("decode")) {
      if (rest.size() < 3 || rest.size() > 4) {
        c.stderr().println("tlp: decode needs 3 or 4 header dwords, got " + rest.size());
        c.stderr().println(USAGE);
        return 2;
      }
      int[] dw = new int[rest.size()];
      for (int i = 0; i < dw.length; i++) {
        String s = rest.get(i).toLowerCase().replaceFirst("^0x", "").replace("_", "");
        if (!s.matches("[0-9a-f]{1,8}")) {
          c.stderr().println("tlp: dword " + i + " is not a 32-bit hex number: '" + rest.get(i) + "'");
          return 2;
        }
        dw[i] = (int) Long.parseLong(s, 16);
      }
      boolean ok = true;
      for (String line : TlpFields.describe(dw)) {
        c.stdout().println(line);
        ok &= !line.startsWith("error=");
      }
      return ok ? 0 : 1;
    }
    if (cmd.equals("encode")) {
      Map<String, String> fields = new LinkedHashMap<>();
      for (String f : rest) {
        int eq = f.indexOf('=');
        if (eq <= 0) {
          c.stderr().println("tlp: expected NAME=VALUE, got '" + f + "'");
          return 2;
        }
        fields.put(f.substring(0, eq), f.substring(eq + 1));
      }
      int[] dw;
      try {
        dw = TlpFields.encode(fields);
      } catch (IllegalArgumentException e) {
        c.stderr().println("tlp: " + e.getMessage());
        return 2;
      }
      List<String> hex = new ArrayList<>();
      for (int d : dw) {
        hex.add(String.format("%08x", d));
      }
      c.stdout().println(String.join(" ", hex));
      return 0;
    }
    c.stderr().println("tlp: unknown command '" + cmd + "'");
    c.stderr().println(USAGE);
    return 2;
  }
}
