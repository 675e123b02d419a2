package dev.driverlab.kerneltest.uapi;

import static dev.driverlab.kernel.uapi.Ioctl.*;
import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** ioctl command encoding against include/uapi/asm-generic/ioctl.h worked values. */
class IoctlTest {
  @Test
  void ioWithoutDataEncodesTypeAndNumberOnly() {
    assertEquals(0x00004503, _IO('E', 3));
  }

  @Test
  void iorSetsTheReadDirectionAndSize() {
    assertEquals(0x80044501, _IOR('E', 1, 4));
  }

  @Test
  void iowSetsTheWriteDirectionAndSize() {
    assertEquals(0x40044502, _IOW('E', 2, 4));
  }

  @Test
  void iowrSetsBothDirections() {
    assertEquals(0xC0204501, _IOWR('E', 1, 32));
  }

  @Test
  void decodingGivesBackEveryField() {
    int cmd = _IOWR('E', 1, 32);
    assertEquals(_IOC_READ | _IOC_WRITE, _IOC_DIR(cmd));
    assertEquals('E', _IOC_TYPE(cmd));
    assertEquals(1, _IOC_NR(cmd));
    assertEquals(32, _IOC_SIZE(cmd));
    assertEquals(_IOC_NONE, _IOC_DIR(_IO('E', 3)));
    assertEquals(_IOC_WRITE, _IOC_DIR(_IOW('E', 2, 4)));
  }

  @Test
  void largestSizeStillEncodes() {
    int cmd = _IOR('x', 255, (1 << 14) - 1);
    assertEquals((1 << 14) - 1, _IOC_SIZE(cmd));
    assertEquals(255, _IOC_NR(cmd));
  }

  @Test
  void describeNamesTheMacroAndArguments() {
    assertEquals("_IOR('E', 1, 4)", describe(_IOR('E', 1, 4)));
    assertEquals("_IO('E', 3)", describe(_IO('E', 3)));
    assertEquals("_IOWR(0x01, 2, 8)", describe(_IOWR(1, 2, 8)));
  }

  @Test
  void sizeThatDoesNotFitFourteenBitsIsRejectedWithTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> _IOR('E', 1, 1 << 14));
    assertEquals("ioctl size out of range: 16384", e.getMessage());
  }

  @Test
  void negativeSizeIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> _IOW('E', 1, -1));
  }

  @Test
  void typeAboveOneByteIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> _IO(0x100, 0));
    assertEquals("ioctl type out of range: 256", e.getMessage());
  }

  @Test
  void numberAboveOneByteIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> _IO('E', 256));
    assertEquals("ioctl nr out of range: 256", e.getMessage());
  }

  @Test
  void directionAboveTwoBitsIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> _IOC(4, 'E', 0, 0));
  }
}
