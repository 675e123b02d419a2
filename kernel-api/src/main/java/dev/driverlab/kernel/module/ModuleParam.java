package dev.driverlab.kernel.module;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * {@code module_param(name, type, perm)}: marks a field of a {@link KernelModule} as settable at insmod
 * time ({@code insmod edu.ko use_msi=0}). Supported types: boolean, int, long, short, byte, String.
 * {@code perm} 0 hides it from /sys/module/NAME/parameters.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface ModuleParam {
  /** MODULE_PARM_DESC text. */
  String desc() default "";

  int perm() default 0444;
}
