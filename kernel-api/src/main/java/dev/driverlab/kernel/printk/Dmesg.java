package dev.driverlab.kernel.printk;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel log ring buffer: one per kernel, timestamped with the machine's virtual clock, mirrored to
 * SLF4J (KERN_ERR and worse → error, WARNING → warn, NOTICE/INFO → info, DEBUG → debug).
 */
public final class Dmesg {
  /** One log record. */
  public record Line(long timeNs, int level, String text) {
    /** As {@code dmesg} prints it: {@code [    1.234567] text}. */
    public String format() {
      return String.format("[%5d.%06d] %s", timeNs / 1_000_000_000L, (timeNs / 1000) % 1_000_000, text);
    }
  }

  public static final int CAPACITY = 16384;
  private static final Logger LOG = LoggerFactory.getLogger("kernel");

  private final ArrayDeque<Line> ring = new ArrayDeque<>();
  private final LongSupplier clock;
  private final List<java.util.function.Consumer<Line>> listeners = new ArrayList<>();
  private final String machineName;

  public Dmesg(LongSupplier clockNs, String machineName) {
    this.clock = clockNs;
    this.machineName = machineName;
  }

  public synchronized void log(int level, String text) {
    for (String part : text.split("\n", -1)) {
      if (part.isEmpty()) {
        continue;
      }
      Line l = new Line(clock.getAsLong(), level, part);
      if (ring.size() == CAPACITY) {
        ring.removeFirst();
      }
      ring.addLast(l);
      for (var c : listeners) {
        c.accept(l);
      }
      if (level <= 3) {
        LOG.error("[{}] {}", machineName, part);
      } else if (level == 4) {
        LOG.warn("[{}] {}", machineName, part);
      } else if (level <= 6) {
        LOG.info("[{}] {}", machineName, part);
      } else {
        LOG.debug("[{}] {}", machineName, part);
      }
    }
  }

  /**
   * KERN_CONT: appends {@code text} to the last line (a continuation keeps that line's time and level);
   * text after a newline starts new lines at {@code level}. Listeners and SLF4J see the fragment.
   */
  public synchronized void append(int level, String text) {
    int nl = text.indexOf('\n');
    String first = nl < 0 ? text : text.substring(0, nl);
    Line last = ring.peekLast();
    if (last == null) {
      log(level, text);
      return;
    }
    if (!first.isEmpty()) {
      ring.removeLast();
      Line joined = new Line(last.timeNs(), last.level(), last.text() + first);
      ring.addLast(joined);
      for (var c : listeners) {
        c.accept(new Line(last.timeNs(), last.level(), first));
      }
      LOG.info("[{}] (cont) {}", machineName, first);
    }
    if (nl >= 0) {
      log(level, text.substring(nl + 1));
    }
  }

  /** Called for every new line (e.g. to echo the log live). */
  public synchronized void addListener(java.util.function.Consumer<Line> l) {
    listeners.add(l);
  }

  public synchronized List<Line> lines() {
    return List.copyOf(ring);
  }

  /** The whole buffer as {@code dmesg} prints it. */
  public synchronized String text() {
    StringBuilder sb = new StringBuilder();
    for (Line l : ring) {
      sb.append(l.format()).append('\n');
    }
    return sb.toString();
  }

  /** The last {@code n} lines, formatted. */
  public synchronized List<String> tail(int n) {
    List<String> out = new ArrayList<>();
    int skip = Math.max(0, ring.size() - n);
    for (Line l : ring) {
      if (skip-- > 0) {
        continue;
      }
      out.add(l.format());
    }
    return out;
  }

  /** True if any line contains {@code text}. */
  public synchronized boolean contains(String text) {
    return ring.stream().anyMatch(l -> l.text.contains(text));
  }

  public synchronized void clear() {
    ring.clear();
  }
}
