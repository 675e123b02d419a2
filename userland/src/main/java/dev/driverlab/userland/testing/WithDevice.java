package dev.driverlab.userland.testing;

import dev.driverlab.devices.model.PciDeviceModel;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Plugs cards built from a device model into the test's machine before it boots. On the class it
 * applies to every test, on a method to that test only (class-level cards are plugged first). Cards go
 * to the first free slots, switch slots first ({@code Machine.plug}), unless {@link #slot} names one.
 *
 * <pre>
 * &#64;WithDevice(value = EduDevice.class, count = 2)
 * &#64;WithDevice(value = SimpleDmaDevice.class, slot = "00:02.0")
 * </pre>
 *
 * The model class needs a public no-argument constructor.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Repeatable(WithDevices.class)
public @interface WithDevice {
  /** The device model; one new instance per card. */
  Class<? extends PciDeviceModel> value();

  /** How many cards, 1 or more. */
  int count() default 1;

  /** A slot name ("switch0/2", "00:02.0"); empty for the first free slots. Only with {@code count = 1}. */
  String slot() default "";
}
