package dev.driverlab.kerneltest;

import dev.driverlab.kernel.module.KernelModule;
import java.util.function.IntSupplier;

/**
 * A loadable module whose init and exit are lambdas written in the test, so everything they create
 * belongs to this module and its call sites point into the test.
 */
public final class TestModule extends KernelModule {
  private final String name;
  private IntSupplier init = () -> 0;
  private Runnable exit = () -> {};

  public TestModule(String name) {
    this.name = name;
  }

  public TestModule onInit(IntSupplier init) {
    this.init = init;
    return this;
  }

  public TestModule onExit(Runnable exit) {
    this.exit = exit;
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  protected int init() {
    return init.getAsInt();
  }

  @Override
  protected void exit() {
    exit.run();
  }
}
