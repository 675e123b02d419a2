package dev.driverlab.userland.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.drivers.edu.EduUapi;
import dev.driverlab.userland.libc.Libc;

/** The edu driver's user API as a C program calls it (EduUapi), for the tests of this package. */
final class EduCalls {
  private EduCalls() {}

  static int open(Libc u, int minor) {
    int fd = u.open(EduUapi.devicePath(minor), Libc.O_RDWR);
    assertTrue(fd >= 0, "open " + EduUapi.devicePath(minor) + ": " + Libc.strerror(u.errno()));
    return fd;
  }

  /** EDU_IOC_FACTORIAL: the ioctl's result; n! lands in {@code *result} when it is 0. */
  static int factorial(Libc u, int fd, int n, int[] result) {
    long arg = u.malloc(4);
    u.putInt(arg, n);
    int r = u.ioctl(fd, EduUapi.EDU_IOC_FACTORIAL, arg);
    result[0] = u.getInt(arg);
    return r;
  }

  /** EDU_IOC_DMA_TO_DEVICE of {@code len} pattern bytes into the card's buffer at offset 0. */
  static int toDevice(Libc u, int fd, int len) {
    long buf = u.malloc(Math.max(len, 1));
    byte[] data = new byte[len];
    for (int i = 0; i < len; i++) {
      data[i] = (byte) (i * 7 + 3);
    }
    u.poke(buf, data);
    return u.ioctl(fd, EduUapi.EDU_IOC_DMA_TO_DEVICE, xfer(u, buf, 0, len));
  }

  /** EDU_IOC_DMA_FROM_DEVICE of {@code len} bytes from offset 0 into {@code buf}. */
  static int fromDevice(Libc u, int fd, long buf, int len) {
    return u.ioctl(fd, EduUapi.EDU_IOC_DMA_FROM_DEVICE, xfer(u, buf, 0, len));
  }

  private static long xfer(Libc u, long userAddr, int offset, int len) {
    long x = u.malloc(EduUapi.EDU_DMA_XFER_SIZE);
    u.putLong(x + EduUapi.XFER_USER_ADDR, userAddr);
    u.putInt(x + EduUapi.XFER_OFFSET, offset);
    u.putInt(x + EduUapi.XFER_LEN, len);
    return x;
  }
}
