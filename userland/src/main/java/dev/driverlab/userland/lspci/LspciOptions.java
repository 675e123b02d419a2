package dev.driverlab.userland.lspci;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;

/**
 * What {@link Lspci} prints; one field per lspci switch it supports.
 *
 * @param verbosity {@code -v} count, 0 to 3
 * @param numeric {@code -n} count: 0 names, 1 numbers, 2 both
 * @param hexLevel {@code -x} count: 0 none, 1 the standard 64 bytes, 3 256 bytes, 4 4096 bytes
 *     (2 prints like 1, as in lspci)
 * @param tree {@code -t}: the bus tree instead of the list
 * @param kernel {@code -k}: print the kernel driver even without {@code -v}
 * @param alwaysDomains {@code -D}: print domain numbers even when all are 0
 * @param slots {@code -s}: which functions to show
 */
public record LspciOptions(
    int verbosity,
    int numeric,
    int hexLevel,
    boolean tree,
    boolean kernel,
    boolean alwaysDomains,
    SlotFilter slots) {

  /** Plain {@code lspci}. */
  public static final LspciOptions DEFAULT =
      new LspciOptions(0, 0, 0, false, false, false, SlotFilter.ALL);

  public LspciOptions {
    checkArgument(verbosity >= 0 && verbosity <= 3, "verbosity out of range: %s", verbosity);
    checkArgument(numeric >= 0 && numeric <= 2, "numeric out of range: %s", numeric);
    checkArgument(hexLevel >= 0 && hexLevel <= 4, "hexLevel out of range: %s", hexLevel);
    Objects.requireNonNull(slots, "slots");
  }

  /**
   * Parses lspci switches, e.g. {@code parse("-vvvnn")}, {@code parse("-tv")},
   * {@code parse("-s", "00:1f.3", "-xxx")}. Supported: {@code -v -n -x -t -k -D -s}. Counts
   * above the maximum are clamped, as repeated switches do nothing more in lspci.
   *
   * @throws IllegalArgumentException for an unknown switch or a bad {@code -s} value (with
   *     lspci's wording, e.g. {@code -s: Invalid slot number})
   */
  public static LspciOptions parse(String... args) {
    Builder b = builder();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("-") || a.length() < 2) {
        throw new IllegalArgumentException("lspci: unexpected argument: " + a);
      }
      for (int j = 1; j < a.length(); j++) {
        char c = a.charAt(j);
        switch (c) {
          case 'v' -> b.verbosity(Math.min(3, b.verbosity + 1));
          case 'n' -> b.numeric(Math.min(2, b.numeric + 1));
          case 'x' -> b.hexLevel(Math.min(4, b.hexLevel + 1));
          case 't' -> b.tree(true);
          case 'k' -> b.kernel(true);
          case 'D' -> b.alwaysDomains(true);
          case 's' -> {
            String value;
            if (j + 1 < a.length()) {
              value = a.substring(j + 1);
            } else if (i + 1 < args.length) {
              value = args[++i];
            } else {
              throw new IllegalArgumentException("lspci: option requires an argument -- 's'");
            }
            b.slots(SlotFilter.parse(value));
            j = a.length();
          }
          default -> throw new IllegalArgumentException("lspci: invalid option -- '" + c + "'");
        }
      }
    }
    return b.build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder().verbosity(verbosity).numeric(numeric).hexLevel(hexLevel).tree(tree)
        .kernel(kernel).alwaysDomains(alwaysDomains).slots(slots);
  }

  /** Builds {@link LspciOptions}; starts as plain {@code lspci}. */
  public static final class Builder {
    private int verbosity;
    private int numeric;
    private int hexLevel;
    private boolean tree;
    private boolean kernel;
    private boolean alwaysDomains;
    private SlotFilter slots = SlotFilter.ALL;

    private Builder() {}

    public Builder verbosity(int v) {
      this.verbosity = v;
      return this;
    }

    public Builder numeric(int n) {
      this.numeric = n;
      return this;
    }

    public Builder hexLevel(int x) {
      this.hexLevel = x;
      return this;
    }

    public Builder tree(boolean t) {
      this.tree = t;
      return this;
    }

    public Builder kernel(boolean k) {
      this.kernel = k;
      return this;
    }

    public Builder alwaysDomains(boolean d) {
      this.alwaysDomains = d;
      return this;
    }

    public Builder slots(SlotFilter s) {
      this.slots = s;
      return this;
    }

    /** Parses and sets an {@code -s} selector. */
    public Builder slots(String selector) {
      return slots(SlotFilter.parse(selector));
    }

    public LspciOptions build() {
      return new LspciOptions(verbosity, numeric, hexLevel, tree, kernel, alwaysDomains, slots);
    }
  }
}
