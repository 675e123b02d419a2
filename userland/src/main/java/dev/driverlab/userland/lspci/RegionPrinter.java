package dev.driverlab.userland.lspci;

/**
 * The {@code Region N:}, {@code Expansion ROM} and {@code ... behind bridge} lines (lspci.c
 * {@code show_bases}, {@code show_rom}, {@code show_range}).
 *
 * <p>From a dump, addresses come from the BARs themselves; the upper half of a 64-bit BAR with a
 * non-zero value then shows as an extra {@code Memory at <unassigned>} region, as lspci prints it.
 * With live facts, sizes print as {@code [size=1M]} and an OS-assigned address over a zero BAR as
 * {@code [virtual]}.
 */
final class RegionPrinter {
  static final int COMMAND_IO = 0x1;
  static final int COMMAND_MEMORY = 0x2;
  private static final long IO_MASK = ~0x3L;
  private static final long MEM_MASK = ~0xfL;
  private static final long ROM_MASK = ~0x7ffL;
  private static final int ROM_ENABLE = 0x1;

  private RegionPrinter() {}

  /** Prints {@code [size=...]} with the largest unit that divides the size; nothing for 0. */
  static void size(Out out, long x) {
    if (x == 0) {
      return;
    }
    String[] suffix = {"", "K", "M", "G", "T"};
    int i = 0;
    while (i < suffix.length - 1 && Long.remainderUnsigned(x, 1024) == 0) {
      x = Long.divideUnsigned(x, 1024);
      i++;
    }
    out.f(" [size=%s%s]", Integer.toUnsignedString((int) x), suffix[i]); // lspci: (unsigned) x
  }

  static void range(DecodeContext c, String prefix, long base, long limit, int bits,
      boolean disabled) {
    Out out = c.out;
    out.p(prefix).p(':');
    int digits = (bits + 3) / 4;
    if (Long.compareUnsigned(base, limit) <= 0 || c.verbose > 2) {
      out.p(' ').p(zeroPad(Long.toHexString(base), digits)).p('-')
          .p(zeroPad(Long.toHexString(limit), digits));
    }
    if (!disabled && Long.compareUnsigned(base, limit) <= 0) {
      size(out, limit - base + 1);
    } else {
      out.p(" [disabled]");
    }
    if (bits != 0) {
      out.f(" [%d-bit]", bits);
    }
    out.nl();
  }

  private static String zeroPad(String hex, int width) {
    return hex.length() >= width ? hex : "0".repeat(width - hex.length()) + hex;
  }

  /** The regions of a function with {@code count} BARs. */
  static void bases(DecodeContext c, int count) {
    ConfigView d = c.d;
    Out out = c.out;
    int cmd = d.cfgWord(ConfigView.COMMAND);
    for (int i = 0; i < count; i++) {
      long pos = d.baseAddr[i];
      long len = d.barSize(i);
      long flg = Out.u32(d.cfgLong(ConfigView.BASE_ADDRESS_0 + 4 * i));
      long hwLower = 0;
      long hwUpper = 0;
      boolean broken = false;
      boolean virtual = false;
      if (flg == 0xffffffffL) {
        flg = 0;
      }
      if (pos == 0 && flg == 0 && len == 0) {
        continue;
      }
      if (c.verbose > 1) {
        out.f("\tRegion %d: ", i);
      } else {
        out.p('\t');
      }
      if (d.osAddressesKnown()) {
        // Live view: the BAR as the hardware holds it, against the OS's idea (lspci.c).
        hwLower = flg;
        if ((hwLower & 1) == 0 && (hwLower & 6) == 4) {
          if (i >= count - 1) {
            broken = true;
          } else {
            hwUpper = Out.u32(d.cfgLong(ConfigView.BASE_ADDRESS_0 + 4 * i + 4));
          }
        }
        virtual = pos != 0 && hwLower == 0 && hwUpper == 0;
      }
      if ((flg & 1) != 0) {
        long a = pos & IO_MASK;
        out.p("I/O ports at ");
        if (a != 0 || (cmd & COMMAND_IO) != 0) {
          out.f("%04x", a);
        } else if (hwLower != 0) {
          out.p("<ignored>");
        } else {
          out.p("<unassigned>");
        }
        if (virtual) {
          out.p(" [virtual]");
        } else if ((cmd & COMMAND_IO) == 0) {
          out.p(" [disabled]");
        }
      } else {
        int t = (int) (flg & 6);
        long a = pos & MEM_MASK;
        out.p("Memory at ");
        if (broken) {
          out.p("<broken-64-bit-slot>");
        } else if (a != 0) {
          out.f("%08x", a);
        } else if (hwLower != 0 || hwUpper != 0) {
          out.p("<ignored>");
        } else {
          out.p("<unassigned>");
        }
        String type = t == 0 ? "32-bit" : t == 4 ? "64-bit" : t == 2 ? "low-1M" : "type 3";
        out.f(" (%s, %sprefetchable)", type, (flg & 8) != 0 ? "" : "non-");
        if (virtual) {
          out.p(" [virtual]");
        } else if ((cmd & COMMAND_MEMORY) == 0) {
          out.p(" [disabled]");
        }
      }
      size(out, len);
      out.nl();
    }
  }

  /** The expansion ROM line; {@code reg} is the ROM BAR offset. */
  static void rom(DecodeContext c, int reg) {
    ConfigView d = c.d;
    Out out = c.out;
    long rom = d.romBaseAddr;
    long len = d.info.romSize();
    long flg = Out.u32(d.cfgLong(reg));
    int cmd = d.cfgWord(ConfigView.COMMAND);
    boolean virtual = false;
    if (rom == 0 && flg == 0 && len == 0) {
      return;
    }
    if ((rom & ROM_MASK) != 0 && (flg & ROM_MASK) == 0) {
      flg = rom;
      virtual = true;
    }
    out.p("\tExpansion ROM at ");
    if ((rom & ROM_MASK) != 0) {
      out.f("%08x", rom & ROM_MASK);
    } else if ((flg & ROM_MASK) != 0) {
      out.p("<ignored>");
    } else {
      out.p("<unassigned>");
    }
    if (virtual) {
      out.p(" [virtual]");
    }
    if ((flg & ROM_ENABLE) == 0) {
      out.p(" [disabled]");
    } else if (!virtual && (cmd & COMMAND_MEMORY) == 0) {
      out.p(" [disabled by cmd]");
    }
    size(out, len);
    out.nl();
  }
}
