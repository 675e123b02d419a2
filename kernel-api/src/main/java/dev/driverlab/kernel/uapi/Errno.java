package dev.driverlab.kernel.uapi;

/**
 * Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h; include/linux/errno.h for the
 * kernel-internal ones). Kernel code returns them negated; userland sees them in {@code errno}.
 */
public final class Errno {
  private Errno() {}

  public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7;
  public static final int ENOEXEC = 8, EBADF = 9, ECHILD = 10, EAGAIN = 11, EWOULDBLOCK = 11, ENOMEM = 12;
  public static final int EACCES = 13, EFAULT = 14, ENOTBLK = 15, EBUSY = 16, EEXIST = 17, EXDEV = 18;
  public static final int ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24;
  public static final int ENOTTY = 25, ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30;
  public static final int EMLINK = 31, EPIPE = 32, EDOM = 33, ERANGE = 34, EDEADLK = 35, ENAMETOOLONG = 36;
  public static final int ENOSYS = 38, ENOTEMPTY = 39, EOVERFLOW = 75, EOPNOTSUPP = 95, ETIMEDOUT = 110;
  public static final int ENOTCONN = 107;
  /** Kernel-internal: a wait was interrupted; never reaches userland (becomes EINTR or a restart). */
  public static final int ERESTARTSYS = 512;
  /** Kernel-internal: the VFS turns it into ENOTTY. */
  public static final int ENOIOCTLCMD = 515;

  private static final String[][] NAMES = {
      {"1", "EPERM", "Operation not permitted"}, {"2", "ENOENT", "No such file or directory"},
      {"3", "ESRCH", "No such process"}, {"4", "EINTR", "Interrupted system call"},
      {"5", "EIO", "Input/output error"}, {"6", "ENXIO", "No such device or address"},
      {"7", "E2BIG", "Argument list too long"}, {"8", "ENOEXEC", "Exec format error"},
      {"9", "EBADF", "Bad file descriptor"}, {"10", "ECHILD", "No child processes"},
      {"11", "EAGAIN", "Resource temporarily unavailable"}, {"12", "ENOMEM", "Cannot allocate memory"},
      {"13", "EACCES", "Permission denied"}, {"14", "EFAULT", "Bad address"},
      {"15", "ENOTBLK", "Block device required"}, {"16", "EBUSY", "Device or resource busy"},
      {"17", "EEXIST", "File exists"}, {"18", "EXDEV", "Invalid cross-device link"},
      {"19", "ENODEV", "No such device"}, {"20", "ENOTDIR", "Not a directory"},
      {"21", "EISDIR", "Is a directory"}, {"22", "EINVAL", "Invalid argument"},
      {"23", "ENFILE", "Too many open files in system"}, {"24", "EMFILE", "Too many open files"},
      {"25", "ENOTTY", "Inappropriate ioctl for device"}, {"26", "ETXTBSY", "Text file busy"},
      {"27", "EFBIG", "File too large"}, {"28", "ENOSPC", "No space left on device"},
      {"29", "ESPIPE", "Illegal seek"}, {"30", "EROFS", "Read-only file system"},
      {"31", "EMLINK", "Too many links"}, {"32", "EPIPE", "Broken pipe"},
      {"33", "EDOM", "Numerical argument out of domain"}, {"34", "ERANGE", "Numerical result out of range"},
      {"35", "EDEADLK", "Resource deadlock avoided"}, {"36", "ENAMETOOLONG", "File name too long"},
      {"38", "ENOSYS", "Function not implemented"}, {"39", "ENOTEMPTY", "Directory not empty"},
      {"75", "EOVERFLOW", "Value too large for defined data type"},
      {"95", "EOPNOTSUPP", "Operation not supported"}, {"107", "ENOTCONN", "Transport endpoint is not connected"},
      {"110", "ETIMEDOUT", "Connection timed out"}, {"512", "ERESTARTSYS", "Restart system call (kernel-internal)"},
      {"515", "ENOIOCTLCMD", "No ioctl command (kernel-internal)"},
  };

  /** The symbolic name, e.g. "ENOTTY" for 25 (sign ignored); "E?" + number when unknown. */
  public static String name(int errno) {
    int e = Math.abs(errno);
    for (String[] n : NAMES) {
      if (Integer.parseInt(n[0]) == e) {
        return n[1];
      }
    }
    return "E?" + e;
  }

  /** glibc's strerror text, e.g. "Inappropriate ioctl for device". */
  public static String strerror(int errno) {
    int e = Math.abs(errno);
    for (String[] n : NAMES) {
      if (Integer.parseInt(n[0]) == e) {
        return n[2];
      }
    }
    return "Unknown error " + e;
  }
}
