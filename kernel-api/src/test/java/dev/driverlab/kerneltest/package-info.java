/**
 * The kernel-api test suite and its fixtures: {@link dev.driverlab.kerneltest.KernelRig} (one booted
 * machine and kernel per test), {@link dev.driverlab.kerneltest.TestModule} (a module from lambdas) and
 * {@link dev.driverlab.kerneltest.ScratchDevice} (a tiny PCIe endpoint). One sub-package per kernel area.
 *
 * <p>The tests live outside {@code dev.driverlab.kernel} on purpose: test code calling Linux-named
 * functions plays the driver, and the kernel names the first stack frame outside its own packages as
 * the call site of a bug report. Tests marked {@code @Tag("needs-lead-fix")} document correct
 * behaviour that code outside this suite's ownership does not have yet.
 */
package dev.driverlab.kerneltest;
