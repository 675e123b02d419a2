package dev.driverlab.kernel.fs;

import dev.driverlab.kernel.base.ErrPtr;

/** {@code struct class}: a device class under /sys/class; device_create makes /dev nodes in it. */
public final class DeviceClass implements ErrPtr {
  final String name;
  final int err;
  final Object owner;
  final String site;

  DeviceClass(String name, int err, Object owner, String site) {
    this.name = name;
    this.err = err;
    this.owner = owner;
    this.site = site;
  }

  public String name() {
    return name;
  }

  @Override
  public int errCode() {
    return err;
  }

  @Override
  public String toString() {
    return err == 0 ? "class " + name : "ERR_PTR(" + err + ")";
  }
}
