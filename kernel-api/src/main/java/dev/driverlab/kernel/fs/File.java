package dev.driverlab.kernel.fs;

/**
 * {@code struct file}: one open of a file. Fields are public and named as in C so ported drivers keep
 * {@code file->private_data} as {@code file.private_data}.
 */
public final class File {
  public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3;
  public static final int O_CREAT = 0100, O_EXCL = 0200, O_TRUNC = 01000, O_APPEND = 02000;
  public static final int O_NONBLOCK = 04000, O_SYNC = 04010000, O_CLOEXEC = 02000000;
  public static final int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;

  public final int f_flags;
  public long f_pos;
  public Object private_data;
  public final Inode f_inode;
  public final FileOperations f_op;
  int refs = 1;
  final Object owner;

  File(int flags, Inode inode, FileOperations fops, Object owner) {
    this.f_flags = flags;
    this.f_inode = inode;
    this.f_op = fops;
    this.owner = owner;
  }

  public Inode inode() {
    return f_inode;
  }
}
