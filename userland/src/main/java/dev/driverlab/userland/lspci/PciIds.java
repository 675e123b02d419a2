package dev.driverlab.userland.lspci;

import com.google.common.base.Suppliers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The PCI ID database ({@code pci.ids}): names of vendors, devices, subsystems, classes,
 * subclasses and programming interfaces.
 *
 * <p>The file's grammar (pciutils lib/names-parse.c, restated): a line is a vendor
 * ({@code vvvv  name}), a device under it (one tab, {@code dddd  name}), a subsystem under that
 * (two tabs, {@code ssvv ssdd  name}); {@code C cc  name} opens a class, with subclasses
 * (one tab, {@code ss  name}) and programming interfaces (two tabs, {@code pp  name});
 * {@code S vvvv} opens generic subsystem names; other {@code X } blocks are skipped; {@code #}
 * starts a comment. The text is parsed on first lookup, not at load.
 *
 * <p>Lookups return empty when the database has no entry, in which case {@link Lspci} prints the
 * numbers as lspci does ({@code Device 1234:11e8}, {@code Class 00ff}).
 *
 * <p>Debian's lspci also asks udev's hwdb when pci.ids has no entry. The hwdb is built from a
 * copy of pci.ids with two twists that show in lspci's output: its glob patterns make an unknown
 * subsystem take its device's name, and its importer cuts every value at the first '#' (so
 * "Root Port #1" becomes "Root Port"). {@link #subsystemName} reproduces both when hwdb emulation
 * is on (the default), since the reference outputs come from such an lspci. What it cannot
 * reproduce is the hwdb's own pci.ids version, which may name a device differently.
 */
public final class PciIds {

  /** Where pciutils and distributions put the database, in the order lspci tries them. */
  public static final List<Path> SYSTEM_PATHS = List.of(
      Path.of("/usr/share/misc/pci.ids"),
      Path.of("/usr/share/hwdata/pci.ids"),
      Path.of("/usr/share/pci.ids"),
      Path.of("/usr/local/share/pci.ids"));

  private static final PciIds EMPTY = new PciIds(() -> Tables.EMPTY, "<none>", false);

  private final Supplier<Tables> tables;
  private final String source;
  private final boolean hwdbFallback;

  private PciIds(Supplier<Tables> tables, String source, boolean hwdbFallback) {
    this.tables = tables;
    this.source = source;
    this.hwdbFallback = hwdbFallback;
  }

  /** No names at all: every lookup is empty, so lspci's output falls back to numbers. */
  public static PciIds empty() {
    return EMPTY;
  }

  /**
   * The system database from {@link #SYSTEM_PATHS}, or {@link #empty()} when none exists. Each
   * call reads the file again (about 1.3 MB); keep the instance.
   */
  public static PciIds system() {
    return findSystemPath().map(PciIds::load).orElse(EMPTY);
  }

  /** The first of {@link #SYSTEM_PATHS} that is a readable file. */
  public static Optional<Path> findSystemPath() {
    return SYSTEM_PATHS.stream().filter(Files::isReadable).findFirst();
  }

  /** Loads an explicit file (lspci {@code -i FILE}); parsing waits for the first lookup. */
  public static PciIds load(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("pci.ids: cannot read " + file + ": " + e.getMessage(), e);
    }
    String name = file.toString();
    return new PciIds(
        Suppliers.memoize(() -> Tables.index(new String(bytes, StandardCharsets.UTF_8), name)),
        name, true);
  }

  /** A database from text (tests, embedded copies). */
  public static PciIds parse(String text) {
    return new PciIds(Suppliers.memoize(() -> Tables.index(text, "<text>")), "<text>", true);
  }

  /** The same names without the udev hwdb emulation (plain pciutils built without udev). */
  public PciIds withoutHwdbFallback() {
    return new PciIds(tables, source, false);
  }

  /** Where the names came from, for messages. */
  public String source() {
    return source;
  }

  public Optional<String> vendorName(int vendor) {
    return Optional.ofNullable(tables.get().vendors.get(vendor));
  }

  public Optional<String> deviceName(int vendor, int device) {
    return Optional.ofNullable(tables.get().device(vendor, device));
  }

  /**
   * The name of subsystem {@code subVendor:subDevice} on device {@code vendor:device}, looked up
   * as lspci does ({@code id_lookup_subsys} in lib/names.c): the entry under the device, then
   * (hwdb emulation) the device's own name, then the generic {@code S} block, then the device's
   * name when the subsystem IDs equal the device IDs.
   */
  public Optional<String> subsystemName(int vendor, int device, int subVendor, int subDevice) {
    Tables t = tables.get();
    String name = null;
    if (vendor > 0 && device > 0) {
      name = t.subsystem(vendor, device, subVendor, subDevice);
      if (name == null && hwdbFallback) {
        name = asHwdbValue(t.device(vendor, device));
      }
    }
    if (name == null) {
      name = t.genericSubsystems.get(subVendor << 16 | subDevice);
    }
    if (name == null && vendor == subVendor && device == subDevice) {
      name = t.device(vendor, device);
    }
    return Optional.ofNullable(name);
  }

  public Optional<String> className(int baseClass) {
    return Optional.ofNullable(tables.get().classes.get(baseClass));
  }

  public Optional<String> subclassName(int baseClass, int subclass) {
    return Optional.ofNullable(tables.get().subclasses.get(baseClass << 8 | subclass));
  }

  public Optional<String> progIfName(int baseClass, int subclass, int progIf) {
    return Optional.ofNullable(
        tables.get().progIfs.get(baseClass << 16 | subclass << 8 | progIf));
  }

  /**
   * A pci.ids name as udev's hwdb stores it: systemd's importer treats '#' as the start of a
   * comment and strips the blanks before it; an empty value counts as no name.
   */
  static String asHwdbValue(String name) {
    if (name == null) {
      return null;
    }
    int hash = name.indexOf('#');
    String v = (hash >= 0 ? name.substring(0, hash) : name).stripTrailing();
    return v.isEmpty() ? null : v;
  }

  @Override
  public String toString() {
    return "PciIds[" + source + "]";
  }

  /**
   * The index: vendors, classes and generic subsystems are read on first use (one pass that
   * looks only at top-level lines and the few class and {@code S} blocks); a vendor's devices and
   * subsystems are parsed when first asked for.
   */
  private static final class Tables {
    static final Tables EMPTY = new Tables("", "<none>");

    private final String text;
    private final String source;
    final Map<Integer, String> vendors = new HashMap<>();
    final Map<Integer, String> genericSubsystems = new HashMap<>();
    final Map<Integer, String> classes = new HashMap<>();
    final Map<Integer, String> subclasses = new HashMap<>();
    final Map<Integer, String> progIfs = new HashMap<>();
    /** Per vendor: {first offset, end offset, first line number} of its nested lines. */
    private final Map<Integer, int[]> vendorBlocks = new HashMap<>();
    private final Map<Integer, VendorEntries> parsedVendors = new ConcurrentHashMap<>();

    private Tables(String text, String source) {
      this.text = text;
      this.source = source;
    }

    /** Devices and their subsystems under one vendor. */
    private static final class VendorEntries {
      final Map<Integer, String> devices = new HashMap<>();
      final Map<Long, String> subsystems = new HashMap<>();
    }

    String device(int vendor, int device) {
      VendorEntries v = entries(vendor);
      return v == null ? null : v.devices.get(device);
    }

    String subsystem(int vendor, int device, int subVendor, int subDevice) {
      VendorEntries v = entries(vendor);
      return v == null ? null
          : v.subsystems.get((long) device << 32 | (long) subVendor << 16 | subDevice);
    }

    private VendorEntries entries(int vendor) {
      int[] block = vendorBlocks.get(vendor);
      return block == null ? null : parsedVendors.computeIfAbsent(vendor, v -> parseVendor(block));
    }

    private enum Block { NONE, VENDOR, GENERIC_SUBSYSTEM, CLASS, SKIPPED }

    /** One pass over the top level; vendor blocks are only delimited, not parsed. */
    static Tables index(String text, String source) {
      Tables t = new Tables(text, source);
      Block block = Block.NONE;
      int id1 = 0;
      int id2 = 0;
      int vendorStart = 0;
      int vendorLine = 0;
      int currentVendor = -1;
      int lineNo = 0;
      int pos = 0;
      int len = text.length();
      while (pos < len) {
        int end = text.indexOf('\n', pos);
        if (end < 0) {
          end = len;
        }
        lineNo++;
        int lineStart = pos;
        pos = end + 1;
        char first = text.charAt(lineStart);
        if (first == '\t' && block == Block.VENDOR) {
          continue; // parsed when the vendor is first asked for
        }
        if (first == '#' || first == '\n' || first == '\r') {
          continue;
        }
        String line = cleanLine(text.substring(lineStart, end));
        if (isBlank(line)) {
          continue;
        }
        int nest = nesting(line);
        String p = line.substring(nest);
        if (nest == 0) {
          if (currentVendor >= 0) {
            t.vendorBlocks.put(currentVendor, new int[] {vendorStart, lineStart, vendorLine});
            currentVendor = -1;
          }
          if (p.startsWith("C ")) {
            id1 = hex(p, 2, 2, source, lineNo);
            requireBlank(p, 4, source, lineNo);
            block = Block.CLASS;
            t.classes.putIfAbsent(id1, trimName(p.substring(5), source, lineNo));
          } else if (p.startsWith("S ")) {
            id1 = hex(p, 2, 4, source, lineNo);
            block = Block.GENERIC_SUBSYSTEM;
          } else if (p.length() > 1 && p.charAt(0) >= 'A' && p.charAt(0) <= 'Z'
              && p.charAt(1) == ' ') {
            block = Block.SKIPPED;
          } else {
            id1 = hex(p, 0, 4, source, lineNo);
            requireBlank(p, 4, source, lineNo);
            block = Block.VENDOR;
            if (t.vendors.putIfAbsent(id1, trimName(p.substring(5), source, lineNo)) == null) {
              currentVendor = id1;
              vendorStart = pos;
              vendorLine = lineNo + 1;
            }
          }
        } else if (block == Block.SKIPPED) {
          continue;
        } else if (nest == 1 && block == Block.CLASS) {
          id2 = hex(p, 0, 2, source, lineNo);
          requireBlank(p, 2, source, lineNo);
          t.subclasses.putIfAbsent(id1 << 8 | id2, trimName(p.substring(3), source, lineNo));
        } else if (nest == 2 && block == Block.CLASS) {
          int pi = hex(p, 0, 2, source, lineNo);
          requireBlank(p, 2, source, lineNo);
          t.progIfs.putIfAbsent(id1 << 16 | id2 << 8 | pi,
              trimName(p.substring(3), source, lineNo));
        } else if (nest == 1 && block == Block.GENERIC_SUBSYSTEM) {
          int sd = hex(p, 0, 4, source, lineNo);
          requireBlank(p, 4, source, lineNo);
          t.genericSubsystems.putIfAbsent(id1 << 16 | sd, trimName(p.substring(5), source,
              lineNo));
        } else {
          throw error(source, lineNo);
        }
      }
      if (currentVendor >= 0) {
        t.vendorBlocks.put(currentVendor, new int[] {vendorStart, len, vendorLine});
      }
      return t;
    }

    private VendorEntries parseVendor(int[] block) {
      VendorEntries v = new VendorEntries();
      int device = -1;
      int lineNo = block[2] - 1;
      int pos = block[0];
      while (pos < block[1]) {
        int end = text.indexOf('\n', pos);
        if (end < 0 || end > block[1]) {
          end = block[1];
        }
        lineNo++;
        String line = cleanLine(text.substring(pos, end));
        pos = end + 1;
        if (isBlank(line) || line.stripLeading().startsWith("#")) {
          continue;
        }
        int nest = nesting(line);
        String p = line.substring(nest);
        if (nest == 1) {
          device = hex(p, 0, 4, source, lineNo);
          requireBlank(p, 4, source, lineNo);
          v.devices.putIfAbsent(device, trimName(p.substring(5), source, lineNo));
        } else if (nest == 2 && device >= 0) {
          int sv = hex(p, 0, 4, source, lineNo);
          requireBlank(p, 4, source, lineNo);
          int sd = hex(p, 5, 4, source, lineNo);
          requireBlank(p, 9, source, lineNo);
          v.subsystems.putIfAbsent((long) device << 32 | (long) sv << 16 | sd,
              trimName(p.substring(10), source, lineNo));
        } else {
          throw error(source, lineNo);
        }
      }
      return v;
    }

    /** The line without its end-of-line and one trailing blank, as pciutils reads it. */
    private static String cleanLine(String line) {
      int cut = line.length();
      while (cut > 0 && line.charAt(cut - 1) == '\r') {
        cut--;
      }
      if (cut > 0 && (line.charAt(cut - 1) == ' ' || line.charAt(cut - 1) == '\t')) {
        cut--;
      }
      return line.substring(0, cut);
    }

    private static boolean isBlank(String line) {
      for (int i = 0; i < line.length(); i++) {
        if (line.charAt(i) != ' ' && line.charAt(i) != '\t') {
          return false;
        }
      }
      return true;
    }

    private static int nesting(String line) {
      int nest = 0;
      while (nest < line.length() && line.charAt(nest) == '\t') {
        nest++;
      }
      return nest;
    }

    private static String trimName(String raw, String source, int lineNo) {
      int i = 0;
      while (i < raw.length() && (raw.charAt(i) == ' ' || raw.charAt(i) == '\t')) {
        i++;
      }
      if (i == raw.length()) {
        throw error(source, lineNo);
      }
      return raw.substring(i);
    }

    private static int hex(String s, int from, int digits, String source, int lineNo) {
      if (s.length() < from + digits) {
        throw error(source, lineNo);
      }
      int v = 0;
      for (int i = from; i < from + digits; i++) {
        int d = Character.digit(s.charAt(i), 16);
        if (d < 0) {
          throw error(source, lineNo);
        }
        v = v << 4 | d;
      }
      return v;
    }

    private static void requireBlank(String s, int at, String source, int lineNo) {
      if (s.length() <= at || (s.charAt(at) != ' ' && s.charAt(at) != '\t')) {
        throw error(source, lineNo);
      }
    }

    private static IllegalArgumentException error(String source, int lineNo) {
      return new IllegalArgumentException("Parse error at " + source + ", line " + lineNo);
    }
  }
}
