package dev.driverlab.userland.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives every {@code @Test} of the class its own booted DriverLab machine ({@link DriverLabExtension}).
 * Declare the hardware with {@link WithDevice} or a {@link MachineSetup} method, take a
 * {@link TestMachine}, {@code Machine}, {@code Kernel} or {@code Libc} as a parameter, and the test fails
 * on any driver-bug report the kernel's checks make, unless it {@linkplain ExpectBugs expects} it.
 *
 * <pre>
 * &#64;DriverLabTest
 * &#64;WithDevice(EduDevice.class)
 * class EduProbeTest {
 *   &#64;Test
 *   void probeCreatesTheNode(TestMachine tm) {
 *     tm.insmod(new EduDriver());
 *     assertThat(tm).dmesgContains("/dev/edu0");
 *   }
 * }
 * </pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(DriverLabExtension.class)
public @interface DriverLabTest {
  /**
   * At the end of each test, after every process has exited, unload the modules the test loaded with
   * {@link TestMachine#insmod} (newest first) so that {@code rmmod}'s leak checks run, as they would
   * when a student unloads the driver. A module that refuses to unload fails the test.
   */
  boolean rmmodAtEnd() default true;

  /**
   * How many TLPs the recorder keeps (the newest). Assertions over a window that lost TLPs fail and
   * say so; raise this for tests that move a lot of data.
   */
  int tlpHistory() default 200_000;

  /** The kernel's hostname (dmesg's first line, {@code uname -n}). */
  String hostname() default "driverlab";
}
