package dev.driverlab.kernel.sched;

/**
 * Thrown out of a wait that nothing can ever end: every simulated thread waits, no event is pending on
 * the virtual clock, so on real hardware the machine would hang here. The message says who waits for
 * what.
 */
public final class KernelHang extends RuntimeException {
  public KernelHang(String message) {
    super(message);
  }
}
