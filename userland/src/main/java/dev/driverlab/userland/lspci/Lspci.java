package dev.driverlab.userland.lspci;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Prints PCI functions the way pciutils 3.9.0's {@code lspci} does, from their config space.
 *
 * <pre>{@code
 * List<PciFunctionInfo> fns = DumpParser.parse(Path.of("dump.txt"));
 * String text = new Lspci(PciIds.system(), LspciOptions.parse("-vvvnn")).format(fns);
 * }</pre>
 *
 * <p>Modes: one line per function (default), {@code -v/-vv/-vvv} details with the capability
 * lists, {@code -x/-xxx/-xxxx} hex dumps, {@code -t[v]} the bus tree, names or numbers per
 * {@code -n/-nn}, and {@code -s} selection (see {@link LspciOptions}). Functions are listed in
 * domain, bus, device, function order whatever order they come in. Domains are printed when any
 * function has a non-zero domain, or with {@code -D}.
 *
 * <p>For a live system, fill {@link PciFunctionInfo}'s optional facts: BAR sizes give
 * {@code [size=...]}, a driver name gives {@code Kernel driver in use: ...} (with {@code -v} or
 * {@code -k}), an IRQ number replaces the Interrupt Line register.
 */
public final class Lspci {
  private static final Comparator<PciFunctionInfo> BY_ADDRESS =
      Comparator.comparingInt(PciFunctionInfo::domain)
          .thenComparingInt(PciFunctionInfo::bus)
          .thenComparingInt(PciFunctionInfo::device)
          .thenComparingInt(PciFunctionInfo::function);

  /** lspci's name buffers: 128 bytes for the summary line, 256 for subsystems and the tree. */
  static final int SHORT_NAME_BUFFER = 128;
  static final int LONG_NAME_BUFFER = 256;

  private final PciIds ids;
  private final LspciOptions options;

  public Lspci(PciIds ids, LspciOptions options) {
    this.ids = Objects.requireNonNull(ids, "ids");
    this.options = Objects.requireNonNull(options, "options");
  }

  /** Convenience: {@code new Lspci(ids, options).format(functions)}. */
  public static String format(List<PciFunctionInfo> functions, PciIds ids, LspciOptions options) {
    return new Lspci(ids, options).format(functions);
  }

  public PciIds ids() {
    return ids;
  }

  public LspciOptions options() {
    return options;
  }

  /** The whole output, each line ending in '\n'; empty when nothing is selected. */
  public String format(List<PciFunctionInfo> functions) {
    List<PciFunctionInfo> sorted = new ArrayList<>(functions);
    sorted.sort(BY_ADDRESS);
    List<ConfigView> views = new ArrayList<>(sorted.size());
    boolean domains = options.alwaysDomains();
    for (PciFunctionInfo f : sorted) {
      views.add(new ConfigView(f));
      domains |= f.domain() != 0;
    }
    NameFormatter names = new NameFormatter(ids, options.numeric());
    Out out = new Out();
    if (options.tree()) {
      new TreePrinter(views, names, options).print(out);
      return out.toString();
    }
    for (ConfigView d : views) {
      if (options.slots().matches(d.info)) {
        showDevice(out, d, names, domains);
      }
    }
    return out.toString();
  }

  private void showDevice(Out out, ConfigView d, NameFormatter names, boolean domains) {
    int verbose = options.verbosity();
    DecodeContext c = new DecodeContext(out, d, verbose, names);
    terse(c, domains);
    if (verbose > 0) {
      HeaderPrinter.verbose(c);
    }
    if ((options.kernel() || verbose > 0) && d.info.driver() != null) {
      out.f("\tKernel driver in use: %s\n", d.info.driver());
    }
    if (options.hexLevel() > 0) {
      HexDump.print(out, d, options.hexLevel());
    }
    if (verbose > 0 || options.hexLevel() > 0) {
      out.nl();
    }
  }

  /** The summary line, plus the Subsystem line when verbose (lspci.c {@code show_terse}). */
  private void terse(DecodeContext c, boolean domains) {
    ConfigView d = c.d;
    Out out = c.out;
    NameFormatter names = c.names;
    out.p(d.info.slot(domains));
    out.f(" %s: %s", names.deviceClass(d.deviceClass, SHORT_NAME_BUFFER),
        names.vendorDevice(d.vendorId, d.deviceId, SHORT_NAME_BUFFER));
    if (d.revId != 0) {
      out.f(" (rev %02x)", d.revId);
    }
    if (c.verbose > 0) {
      String progIf = names.progIf(d.deviceClass, d.progIf, SHORT_NAME_BUFFER);
      if (d.progIf != 0 || progIf != null) {
        out.f(" (prog-if %02x", d.progIf);
        if (progIf != null) {
          out.f(" [%s]", progIf);
        }
        out.p(')');
      }
    }
    out.nl();
    if ((c.verbose > 0 || options.kernel()) && d.subsysKnown && d.subsysVendorId != 0
        && d.subsysVendorId != 0xffff) {
      out.f("\tSubsystem: %s\n", names.subsystem(d.vendorId, d.deviceId, d.subsysVendorId,
          d.subsysId, LONG_NAME_BUFFER));
    }
  }
}
