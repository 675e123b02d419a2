package dev.driverlab.kernel.base;

/**
 * Linux's ERR_PTR convention for Java: functions that return an object in C (class_create,
 * device_create) return either the object or an error object carrying the errno. Check with
 * {@link #IS_ERR} and read it with {@link #PTR_ERR}, exactly as a C driver does.
 */
public interface ErrPtr {
  /** 0 for a real object, else the negative errno. */
  int errCode();

  static boolean IS_ERR(Object p) {
    return p instanceof ErrPtr e && e.errCode() != 0;
  }

  static boolean IS_ERR_OR_NULL(Object p) {
    return p == null || IS_ERR(p);
  }

  static int PTR_ERR(Object p) {
    return p instanceof ErrPtr e ? e.errCode() : 0;
  }
}
