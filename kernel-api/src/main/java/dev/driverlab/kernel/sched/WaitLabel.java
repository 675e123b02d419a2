package dev.driverlab.kernel.sched;

import dev.driverlab.kernel.Kernel;
import java.util.function.Supplier;

/**
 * What a {@code wait_event*} waits for, "wait_event_interruptible on wq@riffa at Foo.bar(Foo.java:12)",
 * built only when a report needs it. The call site needs a stack walk (microseconds), and most waits
 * end without any report, so the walk is put off until the text is asked for, or until the waiting
 * thread hands the CPU to another one ({@link Scheduler#block}): after that its stack no longer shows
 * the wait's caller to whoever asks, so the text is fixed while the waiter still runs.
 */
final class WaitLabel implements Supplier<String> {
  private final Kernel kernel;
  private final String what;
  private final WaitQueueHead wq;
  private String text;

  WaitLabel(Kernel kernel, String what, WaitQueueHead wq) {
    this.kernel = kernel;
    this.what = what;
    this.wq = wq;
  }

  /** Fixes the text now; call on the waiting thread while it still runs inside the wait. */
  void resolve() {
    if (text == null) {
      text = what + " on " + wq + " at " + kernel.callSite();
    }
  }

  @Override
  public String get() {
    resolve();
    return text;
  }

  @Override
  public String toString() {
    return get();
  }
}
