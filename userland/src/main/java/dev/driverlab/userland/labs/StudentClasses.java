package dev.driverlab.userland.labs;

import dev.driverlab.kernel.module.KernelModule;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;

/**
 * The student's compiled classes as the grader sees them: loaded by name, instantiated through their
 * public no-argument constructor, with failures worded for the student ("keep the skeleton's package
 * and class name") rather than as reflection exceptions.
 */
public final class StudentClasses {
  private final ClassLoader loader;

  public StudentClasses(ClassLoader loader) {
    this.loader = loader;
  }

  /** The class {@code name}, which must be a {@code type}. */
  public <T> Class<? extends T> load(String name, Class<T> type) throws ItemFailed {
    Class<?> c;
    try {
      c = Class.forName(name, true, loader);
    } catch (ClassNotFoundException e) {
      throw new ItemFailed("class " + name + " not found: keep the skeleton's package and class name");
    } catch (LinkageError e) {
      throw new ItemFailed("class " + name + " cannot be loaded: " + e);
    } catch (RuntimeException e) {
      throw new ItemFailed("class " + name + " failed in its static initializer: " + e);
    }
    if (!type.isAssignableFrom(c)) {
      throw new ItemFailed(name + " must be a " + type.getName() + " (it is not)");
    }
    return c.asSubclass(type);
  }

  /** A new instance of {@code name} through its public no-argument constructor. */
  public <T> T instantiate(String name, Class<T> type) throws ItemFailed {
    Class<? extends T> c = load(name, type);
    if (Modifier.isAbstract(c.getModifiers())) {
      throw new ItemFailed(name + " is abstract: the grader needs a concrete class");
    }
    Constructor<? extends T> ctor;
    try {
      ctor = c.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new ItemFailed(name + " needs a public no-argument constructor");
    }
    try {
      return ctor.newInstance();
    } catch (InvocationTargetException e) {
      throw new ItemFailed("new " + c.getSimpleName() + "() threw " + e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new ItemFailed("new " + c.getSimpleName() + "() failed: " + e);
    }
  }

  /** The student's kernel module, ready for insmod. */
  public KernelModule newModule(String name) throws ItemFailed {
    return instantiate(name, KernelModule.class);
  }
}
