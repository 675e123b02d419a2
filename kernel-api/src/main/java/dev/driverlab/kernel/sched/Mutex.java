package dev.driverlab.kernel.sched;

/** {@code struct mutex}: a sleeping lock with an owner. */
public final class Mutex {
  SimThread owner;
  String name;
  String site;

  public Mutex() {
    this("mutex");
  }

  public Mutex(String name) {
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
