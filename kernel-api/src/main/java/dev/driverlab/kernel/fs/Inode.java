package dev.driverlab.kernel.fs;

/** {@code struct inode} as drivers see it: the device number and the cdev behind a char device node. */
public final class Inode {
  public final int i_rdev;
  public final Cdev i_cdev;
  public final String path;

  Inode(String path, int rdev, Cdev cdev) {
    this.path = path;
    this.i_rdev = rdev;
    this.i_cdev = cdev;
  }

  public static int iminor(Inode inode) {
    return CharDevices.MINOR(inode.i_rdev);
  }

  public static int imajor(Inode inode) {
    return CharDevices.MAJOR(inode.i_rdev);
  }
}
