package dev.driverlab.kernel.sched;

import dev.driverlab.devices.time.VirtualClock;
import java.util.function.Consumer;

/** {@code struct timer_list}: a callback run in softirq context when {@code expires} (jiffies) passes. */
public final class TimerList {
  public long expires;
  Consumer<TimerList> function;
  int flags;
  VirtualClock.Event event;
  Object owner;
  String site;

  public boolean pending() {
    return event != null && event.pending();
  }
}
