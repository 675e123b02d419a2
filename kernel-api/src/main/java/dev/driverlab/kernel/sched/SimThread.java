package dev.driverlab.kernel.sched;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A simulated thread (a task, in Linux terms): a Java thread that runs only while it holds the
 * machine's single simulated CPU. It carries the per-task state the kernel tracks: the process it
 * belongs to, atomic-context counters, held locks, and what it waits for.
 */
public final class SimThread {
  private final String name;
  private final int tid;
  private final boolean daemon;
  private final Object process;
  final Thread javaThread;
  volatile boolean finished;
  volatile boolean killed;
  Throwable failure;
  long stalledEpoch = -1;
  /** What the thread waits for, described lazily (built only for hang reports). */
  java.util.function.Supplier<String> waitingFor;

  String waitingForText() {
    return waitingFor == null ? null : waitingFor.get();
  }
  String waitSite;
  String hangReport;
  /** A kernel thread waiting for work (an idle kworker): left out of hang reports. */
  boolean idle;
  /** The process whose system call runs on this thread (kernel bookkeeping). */
  public Object userProcess;

  /** Spinlocks held (or IRQs disabled): sleeping is a bug while above zero. */
  public int preemptCount;
  /** Nesting of local_irq_save/spin_lock_irqsave. */
  public int irqsDisabled;
  /** Inside a hard interrupt handler. */
  public int hardirq;
  /** Inside a timer callback or tasklet. */
  public int softirq;
  /** Nesting of local_bh_disable/spin_lock_bh: softirqs (timers) wait, and sleeping is a bug. */
  public int bhDisabled;
  /** Locks held, innermost last (for lockdep-style checks and reports). */
  public final Deque<Object> heldLocks = new ArrayDeque<>();
  /** The module whose code is running (innermost last), for resource ownership. */
  public final Deque<Object> moduleStack = new ArrayDeque<>();

  SimThread(String name, int tid, boolean daemon, Object process, Thread javaThread) {
    this.name = name;
    this.tid = tid;
    this.daemon = daemon;
    this.process = process;
    this.javaThread = javaThread;
  }

  public String name() {
    return name;
  }

  public int tid() {
    return tid;
  }

  public boolean daemon() {
    return daemon;
  }

  /** The owning process object (userland processes), or null for kernel threads. */
  public Object process() {
    return process;
  }

  public boolean finished() {
    return finished;
  }

  /** The exception that ended this thread, or null. */
  public Throwable failure() {
    return failure;
  }

  /** True in interrupt context or with preemption/IRQs disabled: sleeping is not allowed. */
  public boolean atomic() {
    return preemptCount > 0 || irqsDisabled > 0 || hardirq > 0 || softirq > 0 || bhDisabled > 0;
  }

  public boolean inInterrupt() {
    return hardirq > 0 || softirq > 0;
  }

  @Override
  public String toString() {
    return name + "[" + tid + "]";
  }
}
