package dev.driverlab.kerneltest.uapi;

import static dev.driverlab.kernel.uapi.Errno.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** errno numbers (asm-generic/errno-base.h, errno.h, linux/errno.h), names and glibc's strerror text. */
class ErrnoTest {
  @Test
  void numbersMatchAsmGeneric() {
    assertEquals(1, EPERM);
    assertEquals(2, ENOENT);
    assertEquals(6, ENXIO);
    assertEquals(9, EBADF);
    assertEquals(14, EFAULT);
    assertEquals(16, EBUSY);
    assertEquals(22, EINVAL);
    assertEquals(25, ENOTTY);
    assertEquals(29, ESPIPE);
    assertEquals(110, ETIMEDOUT);
    assertEquals(512, ERESTARTSYS);
    assertEquals(515, ENOIOCTLCMD);
  }

  @Test
  void nameIgnoresTheSign() {
    assertEquals("ENOTTY", name(25));
    assertEquals("ENOTTY", name(-25));
    assertEquals("ERESTARTSYS", name(-ERESTARTSYS));
  }

  @Test
  void unknownNumberGetsAPlaceholderName() {
    assertEquals("E?999", name(999));
  }

  @Test
  void strerrorIsGlibcText() {
    assertEquals("Inappropriate ioctl for device", strerror(ENOTTY));
    assertEquals("No such device or address", strerror(-ENXIO));
    assertEquals("Device or resource busy", strerror(EBUSY));
    assertEquals("Bad address", strerror(EFAULT));
  }

  @Test
  void strerrorOfUnknownNumberSaysSo() {
    assertEquals("Unknown error 999", strerror(999));
  }
}
