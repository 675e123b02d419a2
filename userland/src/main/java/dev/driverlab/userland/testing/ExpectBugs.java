package dev.driverlab.userland.testing;

import dev.driverlab.kernel.debug.Check;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The test expects the kernel's checks to report driver bugs of these kinds: reports of these checks
 * do not fail it, and each listed check must report at least once (a test that demonstrates a bug
 * fails when the bug goes unnoticed). Reports of other checks still fail the test. On the class it
 * applies to every test; {@link TestMachine#expectBug} does the same from inside a test.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface ExpectBugs {
  Check[] value();
}
