package dev.driverlab.kernel.sched;

/** {@code struct completion}: a counted event; {@code complete_all} opens it for every waiter. */
public final class Completion {
  int done;
  final WaitQueueHead wait = new WaitQueueHead("completion");

  public int done() {
    return done;
  }
}
