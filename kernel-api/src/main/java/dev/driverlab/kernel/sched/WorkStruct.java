package dev.driverlab.kernel.sched;

import java.util.function.Consumer;

/** {@code struct work_struct}: deferred work run by a kernel worker thread (process context). */
public final class WorkStruct {
  Consumer<WorkStruct> func;
  boolean pending;
  boolean running;
  Object owner;
  String site;

  public boolean pending() {
    return pending;
  }
}
