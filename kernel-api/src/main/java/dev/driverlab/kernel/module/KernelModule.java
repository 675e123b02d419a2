package dev.driverlab.kernel.module;

/**
 * A loadable module: {@code module_init}/{@code module_exit} as {@link #init()}/{@link #exit()}. The
 * module instance is {@code THIS_MODULE}: pass it as {@code FileOperations.owner} so the module stays
 * pinned while its files are open. Everything the module creates is recorded as its own, and rmmod
 * reports whatever is left.
 */
public abstract class KernelModule {
  /** Module lifecycle, as in include/linux/module.h. */
  public enum State { UNLOADED, COMING, LIVE, GOING }

  private State state = State.UNLOADED;
  private int refcnt;

  /** The module name as lsmod shows it. */
  public abstract String name();

  /** module_init: 0 or a negative errno, which makes insmod fail with that error. */
  protected abstract int init();

  /** module_exit. */
  protected abstract void exit();

  public String license() {
    return "GPL";
  }

  public String description() {
    return "";
  }

  public final State state() {
    return state;
  }

  final void setState(State s) {
    this.state = s;
  }

  public final synchronized int refcount() {
    return refcnt;
  }

  /** try_module_get: fails while the module is going away. */
  public final synchronized boolean tryGet() {
    if (state != State.LIVE && state != State.COMING) {
      return false;
    }
    refcnt++;
    return true;
  }

  public final synchronized void put() {
    if (refcnt > 0) {
      refcnt--;
    }
  }

  final int callInit() {
    return init();
  }

  final void callExit() {
    exit();
  }

  @Override
  public String toString() {
    return name();
  }
}
