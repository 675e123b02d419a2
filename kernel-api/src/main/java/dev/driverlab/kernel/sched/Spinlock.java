package dev.driverlab.kernel.sched;

/** {@code spinlock_t}: holding one makes the holder atomic (no sleeping). */
public final class Spinlock {
  SimThread owner;
  String name;
  String site;

  public Spinlock() {
    this("spinlock");
  }

  public Spinlock(String name) {
    this.name = name;
  }

  public boolean isLocked() {
    return owner != null;
  }

  @Override
  public String toString() {
    return name;
  }
}
