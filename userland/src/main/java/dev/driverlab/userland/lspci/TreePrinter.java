package dev.driverlab.userland.lspci;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code -t} bus tree (ls-tree.c {@code grow_tree}, {@code show_forest}), rebuilt from the
 * bridges' secondary and subordinate bus numbers since a dump has no other topology.
 *
 * <p>Model: a host bridge (catching every bus) and one {@link Bridge} per PCI-to-PCI or CardBus
 * bridge function, each owning the {@link Bus}es hung below it, each bus owning its functions.
 * Each bridge is attached to the parent bridge chosen as lspci chooses it, and each function is
 * put on the first bus found by searching the bridges' children most-recent-first, so the drawing
 * matches lspci's even for inconsistent bus numbers.
 *
 * <pre>
 *   -[0000:00]-+-00.0  Host bridge
 *              +-01.0-[01-02]--+-00.0  ...
 *              \-1f.3  ...
 * </pre>
 */
final class TreePrinter {
  /** lspci's line buffer; longer lines end in "...". */
  private static final int LINE_BUFFER = 1024;
  private static final long NO_BUS = 0xffffffffL;

  private final List<ConfigView> devices;
  private final NameFormatter names;
  private final LspciOptions options;
  private final boolean filtered;
  private final Bridge host = new Bridge(null, 0, NO_BUS, 0, NO_BUS);
  /** Every bridge in device order, host first (lspci's chain). */
  private final List<Bridge> chain = new ArrayList<>();

  TreePrinter(List<ConfigView> devices, NameFormatter names, LspciOptions options) {
    this.devices = devices;
    this.names = names;
    this.options = options;
    this.filtered = !options.slots().equals(SlotFilter.ALL);
    grow();
  }

  private static final class Bridge {
    final ConfigView device;
    final int domain;
    final long primary;
    final long secondary;
    final long subordinate;
    /** Children, newest first (lspci pushes each at the head of its list). */
    final List<Bridge> children = new ArrayList<>();
    final List<Bus> buses = new ArrayList<>();

    Bridge(ConfigView device, int domain, long primary, long secondary, long subordinate) {
      this.device = device;
      this.domain = domain;
      this.primary = primary;
      this.secondary = secondary;
      this.subordinate = subordinate;
    }
  }

  private static final class Bus {
    final int domain;
    final long number;
    final List<ConfigView> devices = new ArrayList<>();

    Bus(int domain, long number) {
      this.domain = domain;
      this.number = number;
    }
  }

  private void grow() {
    chain.add(host);
    for (ConfigView d : devices) {
      int ht = d.noConfigAccess ? -1 : d.cfgByte(ConfigView.HEADER_TYPE) & 0x7f;
      if ((d.deviceClass >> 8) == 0x06
          && (ht == ConfigView.HEADER_BRIDGE || ht == ConfigView.HEADER_CARDBUS)) {
        // type 1 and type 2 keep primary, secondary and subordinate bus at 0x18-0x1a
        chain.add(new Bridge(d, d.info.domain(), d.cfgByte(0x18), d.cfgByte(0x19),
            d.cfgByte(0x1a)));
      }
    }

    for (Bridge b : chain) {
      Bridge best = null;
      for (Bridge cand : chain) {
        if (cand != b && (cand == host || b.domain == cand.domain)
            && b.primary >= cand.secondary && b.primary <= cand.subordinate
            && (best == null || span(best) > span(cand))) {
          best = cand;
        }
      }
      if (best != null) {
        best.children.add(0, b);
      }
    }

    for (Bridge b : chain) {
      if (findBus(b, b.domain, b.secondary) == null) {
        b.buses.add(new Bus(b.domain, b.secondary));
      }
    }

    for (ConfigView d : devices) {
      insert(d, host);
    }
  }

  /** subordinate - primary in lspci's unsigned 32-bit arithmetic. */
  private static long span(Bridge b) {
    return (b.subordinate - b.primary) & 0xffffffffL;
  }

  private static Bus findBus(Bridge b, int domain, long number) {
    for (Bus bus : b.buses) {
      if (bus.domain == domain && bus.number == number) {
        return bus;
      }
    }
    return null;
  }

  private void insert(ConfigView d, Bridge b) {
    int domain = d.info.domain();
    int busNo = d.info.bus();
    Bus bus = findBus(b, domain, busNo);
    if (bus == null) {
      for (Bridge child : b.children) {
        if (child.domain == domain && child.secondary <= busNo && busNo <= child.subordinate) {
          insert(d, child);
          return;
        }
      }
      bus = new Bus(domain, busNo);
      b.buses.add(bus);
    }
    bus.devices.add(d);
  }

  void print(Out out) {
    Line line = new Line(out);
    showBridge(host, line, 0);
  }

  /** The line being drawn; what is left of it becomes the indentation of the next. */
  private static final class Line {
    final Out out;
    final StringBuilder buf = new StringBuilder();

    Line(Out out) {
      this.out = out;
    }

    /** Writes text at {@code at}, cutting at lspci's buffer size; returns the new end. */
    int put(int at, String text) {
      buf.setLength(at);
      int space = LINE_BUFFER - 1 - at;
      if (space <= 0) {
        return at;
      }
      if (text.length() >= space) {
        buf.append(text, 0, space - 1);
        return at + space; // one past the text, as lspci's pointer does
      }
      buf.append(text);
      return at + text.length();
    }

    /** Prints the line up to {@code end}, then blanks it except for the vertical rules. */
    void emit(int end) {
      buf.setLength(Math.min(end, buf.length()));
      out.p(buf.toString());
      if (end >= LINE_BUFFER - 1) {
        out.p("...");
      }
      out.nl();
      for (int i = 0; i < buf.length(); i++) {
        char ch = buf.charAt(i);
        buf.setCharAt(i, ch == '+' || ch == '|' ? '|' : ' ');
      }
    }
  }

  private void showDevice(ConfigView d, Line line, int p) {
    p = line.put(p, String.format("%02x.%x", d.info.device(), d.info.function()));
    for (Bridge b : chain) {
      if (b.device == d) {
        if (b.secondary == 0) {
          p = line.put(p, "-");
        } else if (b.secondary == b.subordinate) {
          p = line.put(p, String.format("-[%02x]-", b.secondary));
        } else {
          p = line.put(p, String.format("-[%02x-%02x]-", b.secondary, b.subordinate));
        }
        showBridge(b, line, p);
        return;
      }
    }
    if (options.verbosity() > 0) {
      p = line.put(p, "  " + names.vendorDevice(d.vendorId, d.deviceId, Lspci.LONG_NAME_BUFFER));
    }
    line.emit(p);
  }

  private boolean deviceSelected(ConfigView d) {
    if (!filtered || options.slots().matches(d.info)) {
      return true;
    }
    for (Bridge b : chain) {
      if (b.device == d) {
        for (Bus bus : b.buses) {
          if (busSelected(bus)) {
            return true;
          }
        }
        break;
      }
    }
    return false;
  }

  private boolean busSelected(Bus bus) {
    if (!filtered) {
      return true;
    }
    for (ConfigView d : bus.devices) {
      if (deviceSelected(d)) {
        return true;
      }
    }
    return false;
  }

  private void showBus(Bus bus, Line line, int p) {
    List<ConfigView> devs = bus.devices;
    if (devs.isEmpty()) {
      line.emit(p);
    } else if (devs.size() == 1) {
      if (deviceSelected(devs.get(0))) {
        showDevice(devs.get(0), line, line.put(p, "--"));
      } else {
        line.emit(p);
      }
    } else {
      boolean empty = true;
      for (int i = 0; i < devs.size() - 1; i++) {
        if (deviceSelected(devs.get(i))) {
          showDevice(devs.get(i), line, line.put(p, "+-"));
          empty = false;
        }
      }
      ConfigView last = devs.get(devs.size() - 1);
      if (deviceSelected(last)) {
        showDevice(last, line, line.put(p, "\\-"));
        empty = false;
      }
      if (empty) {
        line.emit(p);
      }
    }
  }

  private void showBridge(Bridge b, Line line, int p) {
    p = line.put(p, "-");
    if (b.buses.size() == 1) {
      Bus bus = b.buses.get(0);
      if (busSelected(bus)) {
        if (b == host) {
          p = line.put(p, String.format("[%04x:%02x]-", b.domain, bus.number));
        }
        showBus(bus, line, p);
      } else {
        line.emit(p);
      }
    } else {
      boolean empty = true;
      for (int i = 0; i < b.buses.size() - 1; i++) {
        Bus bus = b.buses.get(i);
        if (busSelected(bus)) {
          showBus(bus, line, line.put(p, String.format("+-[%04x:%02x]-", bus.domain,
              bus.number)));
          empty = false;
        }
      }
      Bus last = b.buses.get(b.buses.size() - 1);
      if (busSelected(last)) {
        showBus(last, line, line.put(p, String.format("\\-[%04x:%02x]-", last.domain,
            last.number)));
        empty = false;
      }
      if (empty) {
        line.emit(p);
      }
    }
  }
}
