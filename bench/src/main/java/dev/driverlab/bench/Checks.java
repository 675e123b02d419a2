package dev.driverlab.bench;

import dev.driverlab.kernel.Kernel;

/**
 * Sanity checks the benchmarks make in setup and teardown: a benchmark that measures a broken road
 * measures nothing, so it fails loudly instead (with the value or report that was wrong).
 */
final class Checks {
  private Checks() {}

  static void zero(long rc, String what) {
    if (rc != 0) {
      throw new IllegalStateException(what + " returned " + rc + " (expected 0)");
    }
  }

  static void state(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }

  static void equal(long expected, long actual, String what) {
    if (expected != actual) {
      throw new IllegalStateException(String.format("%s: expected %#x, got %#x", what, expected, actual));
    }
  }

  /** Fails if the kernel's checkers reported a driver bug. */
  static void noBugs(Kernel k) {
    if (!k.bugs().reports().isEmpty()) {
      throw new IllegalStateException("driver bugs reported: " + k.bugs().reports());
    }
  }
}
