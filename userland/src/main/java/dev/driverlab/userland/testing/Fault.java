package dev.driverlab.userland.testing;

/**
 * One injected fault, armed until cancelled: by default it hits every matching TLP or event;
 * {@link #times} limits it to the next {@code n}. {@link #hits()} says how often it fired, so a test can
 * check that its fault actually happened.
 */
public final class Fault {
  private final String what;
  private int remaining = -1;
  private int hits;
  private boolean cancelled;

  Fault(String what) {
    this.what = what;
  }

  /**
   * Only the next {@code n} matches are hit; then the fault disarms itself.
   *
   * @throws IllegalArgumentException if {@code n} is less than 1
   */
  public synchronized Fault times(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("a fault must hit at least once: times(" + n + ")");
    }
    remaining = n;
    return this;
  }

  /** How many times the fault fired. */
  public synchronized int hits() {
    return hits;
  }

  /** Whether it still fires. */
  public synchronized boolean armed() {
    return !cancelled && remaining != 0;
  }

  /** Disarms it; later matches pass untouched. */
  public synchronized void cancel() {
    cancelled = true;
  }

  /** Called on a match: true if the fault fires this time (and counts it). */
  synchronized boolean fire() {
    if (!armed()) {
      return false;
    }
    hits++;
    if (remaining > 0) {
      remaining--;
    }
    return true;
  }

  String what() {
    return what;
  }

  @Override
  public synchronized String toString() {
    return what + " (" + hits + " hit" + (hits == 1 ? "" : "s") + (armed() ? ", armed" : ", disarmed") + ")";
  }
}
