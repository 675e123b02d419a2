package dev.driverlab.kernel.uapi;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * ioctl command encoding exactly as include/uapi/asm-generic/ioctl.h (x86 uses the generic layout):
 *
 * <pre>
 *  31 30 29                 16 15          8 7           0
 * +-----+---------------------+-------------+-------------+
 * | dir |   size (14 bits)    | type (magic)|     nr      |
 * +-----+---------------------+-------------+-------------+
 * dir: 0 none, 1 write (user → kernel), 2 read (kernel → user), 3 both
 * </pre>
 * C passes a type to {@code _IOR}; Java passes its size in bytes ({@code _IOR('x', 0, 4)} for an int).
 * Worked values: {@code _IO('E',3)} = 0x00004503, {@code _IOR('E',1,4)} = 0x80044501.
 */
public final class Ioctl {
  private Ioctl() {}

  public static final int _IOC_NRBITS = 8, _IOC_TYPEBITS = 8, _IOC_SIZEBITS = 14, _IOC_DIRBITS = 2;
  public static final int _IOC_NRSHIFT = 0, _IOC_TYPESHIFT = 8, _IOC_SIZESHIFT = 16, _IOC_DIRSHIFT = 30;
  public static final int _IOC_NONE = 0, _IOC_WRITE = 1, _IOC_READ = 2;

  /** sizeof for the common C types, to write {@code _IOR('x', 0, SIZEOF_INT)}. */
  public static final int SIZEOF_CHAR = 1, SIZEOF_SHORT = 2, SIZEOF_INT = 4, SIZEOF_LONG = 8, SIZEOF_POINTER = 8;

  public static int _IOC(int dir, int type, int nr, int size) {
    checkArgument(dir >= 0 && dir <= 3, "ioctl dir out of range: %s", dir);
    checkArgument(type >= 0 && type <= 0xff, "ioctl type out of range: %s", type);
    checkArgument(nr >= 0 && nr <= 0xff, "ioctl nr out of range: %s", nr);
    checkArgument(size >= 0 && size < (1 << _IOC_SIZEBITS), "ioctl size out of range: %s", size);
    return dir << _IOC_DIRSHIFT | type << _IOC_TYPESHIFT | nr << _IOC_NRSHIFT | size << _IOC_SIZESHIFT;
  }

  public static int _IO(int type, int nr) {
    return _IOC(_IOC_NONE, type, nr, 0);
  }

  public static int _IOR(int type, int nr, int size) {
    return _IOC(_IOC_READ, type, nr, size);
  }

  public static int _IOW(int type, int nr, int size) {
    return _IOC(_IOC_WRITE, type, nr, size);
  }

  public static int _IOWR(int type, int nr, int size) {
    return _IOC(_IOC_READ | _IOC_WRITE, type, nr, size);
  }

  public static int _IOC_DIR(int cmd) {
    return (cmd >>> _IOC_DIRSHIFT) & 3;
  }

  public static int _IOC_TYPE(int cmd) {
    return (cmd >>> _IOC_TYPESHIFT) & 0xff;
  }

  public static int _IOC_NR(int cmd) {
    return (cmd >>> _IOC_NRSHIFT) & 0xff;
  }

  public static int _IOC_SIZE(int cmd) {
    return (cmd >>> _IOC_SIZESHIFT) & ((1 << _IOC_SIZEBITS) - 1);
  }

  /** "_IOR('x', 0, 4)"-style description of a command, for messages and traces. */
  public static String describe(int cmd) {
    String[] dirs = {"_IO", "_IOW", "_IOR", "_IOWR"};
    int t = _IOC_TYPE(cmd);
    String type = t >= 0x20 && t < 0x7f ? "'" + (char) t + "'" : String.format("0x%02x", t);
    int dir = _IOC_DIR(cmd);
    return dir == 0 ? String.format("_IO(%s, %d)", type, _IOC_NR(cmd))
        : String.format("%s(%s, %d, %d)", dirs[dir], type, _IOC_NR(cmd), _IOC_SIZE(cmd));
  }
}
