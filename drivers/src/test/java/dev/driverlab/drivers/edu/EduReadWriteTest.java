package dev.driverlab.drivers.edu;

import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static dev.driverlab.kernel.uapi.Errno.ENOSPC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driverlab.kernel.fs.File;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** read/write/lseek on /dev/edu0: a 4096-byte file whose bytes are the card's DMA buffer. */
class EduReadWriteTest {
  EduRig r;
  int fd;

  @BeforeEach
  void boot() {
    r = EduRig.loaded(1);
    fd = r.open(0);
  }

  @AfterEach
  void down() {
    r.close();
  }

  @Test
  void writeThenReadTheWholeBufferRoundTrips() {
    byte[] pattern = EduRig.pattern(4096, 42);
    r.poke(r.data, pattern);
    assertEquals(4096, r.p.write(fd, r.data, 4096));
    assertEquals(4096, r.p.lseek(fd, 0, File.SEEK_CUR));
    assertEquals(0, r.p.lseek(fd, 0, File.SEEK_SET));
    assertEquals(4096, r.p.read(fd, r.data + 4096, 4096));
    assertArrayEquals(pattern, r.peek(r.data + 4096, 4096));
    assertEquals(0, r.p.read(fd, r.data + 4096, 1), "end of file at 4096");
    r.assertNoBugs();
  }

  @Test
  void theFilePositionIsTheOffsetInTheDeviceBuffer() {
    byte[] pattern = EduRig.pattern(4096, 7);
    r.poke(r.data, pattern);
    assertEquals(4096, r.p.write(fd, r.data, 4096));
    assertEquals(100, r.p.lseek(fd, 100, File.SEEK_SET));
    assertEquals(8, r.p.read(fd, r.data + 4096, 8));
    assertArrayEquals(Arrays.copyOfRange(pattern, 100, 108), r.peek(r.data + 4096, 8));
    assertEquals(108, r.p.lseek(fd, 0, File.SEEK_CUR));
    // The same bytes through the ioctl interface.
    assertEquals(0, r.fromDevice(fd, 100, 8));
    assertArrayEquals(Arrays.copyOfRange(pattern, 100, 108), r.peek(r.data + 4096, 8));
    r.assertNoBugs();
  }

  @Test
  void aReadNearTheEndIsShortAndAWriteAcrossTheEndIsShort() {
    assertEquals(4090, r.p.lseek(fd, -6, File.SEEK_END));
    byte[] six = {1, 2, 3, 4, 5, 6};
    r.poke(r.data, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    assertEquals(6, r.p.write(fd, r.data, 10), "stores what fits");
    assertEquals(4096, r.p.lseek(fd, 0, File.SEEK_CUR));
    assertEquals(-ENOSPC, r.p.write(fd, r.data, 1), "nothing fits at the end");
    assertEquals(0, r.p.write(fd, r.data, 0));
    assertEquals(4090, r.p.lseek(fd, 4090, File.SEEK_SET));
    assertEquals(6, r.p.read(fd, r.data + 4096, 100));
    assertArrayEquals(six, r.peek(r.data + 4096, 6));
    r.assertNoBugs();
  }

  @Test
  void seeksOutsideTheBufferAreEinval() {
    assertEquals(-EINVAL, r.p.lseek(fd, 4097, File.SEEK_SET));
    assertEquals(-EINVAL, r.p.lseek(fd, -1, File.SEEK_SET));
    assertEquals(-EINVAL, r.p.lseek(fd, 1, File.SEEK_END));
    assertEquals(0, r.p.lseek(fd, 0, File.SEEK_CUR), "a refused seek leaves the position alone");
    assertEquals(4096, r.p.lseek(fd, 0, File.SEEK_END));
  }

  @Test
  void anUnmappedUserBufferIsEfaultAndThePositionStays() {
    assertEquals(-EFAULT, r.p.write(fd, 0x1000, 16));
    assertEquals(-EFAULT, r.p.read(fd, 0x1000, 16));
    assertEquals(0, r.p.lseek(fd, 0, File.SEEK_CUR));
    r.assertNoBugs();
  }
}
