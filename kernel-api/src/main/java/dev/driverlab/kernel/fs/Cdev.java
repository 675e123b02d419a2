package dev.driverlab.kernel.fs;

/** {@code struct cdev}: a char device's file operations registered for a range of device numbers. */
public final class Cdev {
  public FileOperations ops;
  public Object owner;
  int dev;
  int count;
  boolean added;
  String site;

  public Cdev() {}

  public int dev() {
    return dev;
  }

  public int count() {
    return count;
  }

  public boolean added() {
    return added;
  }
}
