package dev.driverlab.userland.testing;

import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Records every TLP on every link of one machine from before boot (so enumeration is in it), keeping
 * the newest {@code capacity}. Windows of the recording are {@link TlpLog}s:
 *
 * <pre>
 *   seq:   0 ─────────────── mark() ──────── now
 *          │ dropped │ kept in the ring buffer │
 *   since(mark) = the TLPs from mark to now;   during(action) = since(mark before the action)
 * </pre>
 *
 * The fabric calls {@link #onTlp} on the simulation thread (one at a time); reads may come from the
 * test's thread, so every method is synchronized.
 */
public final class TlpRecorder implements TlpObserver {
  private final int capacity;
  private final ArrayDeque<SeenTlp> ring = new ArrayDeque<>();
  private long next;

  /** @param capacity TLPs kept, at least 1 */
  public TlpRecorder(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("TLP history must hold at least 1 TLP: " + capacity);
    }
    this.capacity = capacity;
  }

  @Override
  public synchronized void onTlp(long timeNs, LinkDirection dir, String linkName, Tlp tlp) {
    if (ring.size() == capacity) {
      ring.removeFirst();
    }
    ring.addLast(new SeenTlp(next++, timeNs, dir, linkName, tlp));
  }

  /** The position of the next TLP: pass it to {@link #since} later. */
  public synchronized long mark() {
    return next;
  }

  /** TLPs seen so far, including those no longer kept. */
  public synchronized long total() {
    return next;
  }

  /** TLPs that fell out of the ring buffer. */
  public synchronized long dropped() {
    return next - ring.size();
  }

  /** Every kept TLP since the machine was built. */
  public TlpLog all() {
    return since(0);
  }

  /** The TLPs from {@code mark} (a {@link #mark()} value) to now. */
  public synchronized TlpLog since(long mark) {
    if (mark < 0 || mark > next) {
      throw new IllegalArgumentException("mark " + mark + " is not a position of this recorder (0.." + next + ")");
    }
    long first = next - ring.size();
    List<SeenTlp> out = new ArrayList<>((int) Math.min(ring.size(), next - mark));
    for (SeenTlp s : ring) {
      if (s.seq() >= mark) {
        out.add(s);
      }
    }
    long missing = Math.max(0, first - mark);
    String what = mark == 0 ? "all TLPs" : "TLPs since #" + mark;
    return new TlpLog(out, missing, what);
  }

  /** Runs {@code action} and returns the TLPs it caused (on every link). */
  public TlpLog during(Runnable action) {
    long m = mark();
    action.run();
    return since(m).describedAs("TLPs during the action");
  }

  /** The newest {@code n} TLPs as analyzer lines. */
  public synchronized List<String> lastLines(int n) {
    List<String> out = new ArrayList<>();
    int skip = Math.max(0, ring.size() - n);
    for (SeenTlp s : ring) {
      if (skip-- > 0) {
        continue;
      }
      out.add(s.line());
    }
    return out;
  }
}
