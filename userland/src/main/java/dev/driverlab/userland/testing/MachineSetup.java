package dev.driverlab.userland.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the method that builds the machine for each test of the class: no parameters, returns a
 * {@code Machine} that has not booted (static or instance method; an instance method sees the test
 * instance). Cards it plugs count as the test's devices; {@link WithDevice} cards are plugged into it
 * afterwards. At most one per class hierarchy.
 *
 * <pre>
 * &#64;MachineSetup
 * Machine withIommu() {
 *   Machine m = Machine.builder().iommu(true).build();
 *   m.slot("00:02.0").plug(new EduDevice());
 *   return m;
 * }
 * </pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface MachineSetup {}
