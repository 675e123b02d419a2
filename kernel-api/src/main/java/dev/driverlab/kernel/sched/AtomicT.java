package dev.driverlab.kernel.sched;

/** {@code atomic_t}: a 32-bit signed counter that wraps. */
public final class AtomicT {
  int counter;

  public AtomicT() {}

  public AtomicT(int i) {
    counter = i;
  }

  /** ATOMIC_INIT(i). */
  public static AtomicT ATOMIC_INIT(int i) {
    return new AtomicT(i);
  }
}
