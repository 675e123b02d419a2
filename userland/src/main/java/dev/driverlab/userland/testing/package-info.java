/**
 * Driver tests on a booted DriverLab machine, as JUnit 5 tests: the {@link
 * dev.driverlab.userland.testing.DriverLabTest} extension (one machine per test, failing on driver-bug
 * reports), the {@link dev.driverlab.userland.testing.TestMachine} harness with its TLP recorder,
 * assertions on the kernel ({@link dev.driverlab.userland.testing.KernelAssertions}) and on the links
 * ({@link dev.driverlab.userland.testing.LinkAssertions}), and fault injection ({@link
 * dev.driverlab.userland.testing.FaultInjector}).
 *
 * <pre>
 * &#64;DriverLabTest
 * &#64;WithDevice(EduDevice.class)
 * class EduDmaTest {
 *   &#64;Test
 *   void dmaToTheDeviceReadsInMrrsSizedRequests(TestMachine tm) {
 *     tm.insmod(new EduDriver());
 *     PluggedDevice edu = tm.device(EduDevice.class);
 *     ... write 4096 bytes through /dev/edu0 with tm.user() ...
 *     assertThat(tm).link(edu).memoryReadsBy(edu.bdf()).hasCount(8).eachAtMostBytes(512);
 *   }
 * }
 * </pre>
 *
 * This package is test support in the userland room: it assembles machines (devices) and boots
 * kernels (kernel-api) the way the command line does, and never reaches into a driver.
 */
package dev.driverlab.userland.testing;
