package dev.driverlab.kernel.sched;

import dev.driverlab.devices.time.VirtualClock;
import java.util.function.Consumer;

/** {@code struct timer_list}: a callback run in softirq context when {@code expires} (jiffies) passes. */
public final class TimerList {
  public long expires;
  Consumer<TimerList> function;
  int flags;
  VirtualClock.Event event;
  /** Expired, waiting for the timer softirq (interrupts were off, or the CPU was in interrupt context). */
  boolean due;
  Object owner;
  String site;

  /** timer_pending(): armed and not yet run (an expired timer still waiting for its softirq counts). */
  public boolean pending() {
    return due || (event != null && event.pending());
  }
}
