package dev.driverlab.drivers.edu;

import static dev.driverlab.drivers.edu.EduUapi.*;
import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static dev.driverlab.kernel.uapi.Errno.ENOTTY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.uapi.Ioctl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ioctl interface of one edu card with the default parameters (MSI, bus mastering on). */
class EduIoctlTest {
  private static final long UNMAPPED = 0x1000;

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
  void commandNumbersFollowTheGenericIoctlLayout() {
    assertEquals(0x80044501, EDU_IOC_IDENT);             // _IOR('E', 1, u32), edu-and-linux-api.md §C.10
    assertEquals(0xC0044502, EDU_IOC_LIVENESS);
    assertEquals(0xC0044503, EDU_IOC_FACTORIAL);
    assertEquals(0x40104504, EDU_IOC_DMA_TO_DEVICE);
    assertEquals(0x40104505, EDU_IOC_DMA_FROM_DEVICE);
    assertEquals("_IOW('E', 4, 16)", Ioctl.describe(EDU_IOC_DMA_TO_DEVICE));
  }

  @Test
  void probeEnablesTheCardWithMsiAndBusMasteringAndLogsIt() {
    PciDev pdev = r.eduDevices().get(0);
    assertTrue(pdev.isEnabled());
    assertTrue(pdev.msi_enabled);
    assertTrue(pdev.is_busmaster);
    assertEquals(0x0fff_ffffL, pdev.dev.dma_mask);
    assertEquals(0x0fff_ffffL, pdev.dev.coherent_dma_mask);
    assertEquals("edu", pdev.driver().name);
    String log = r.k.dmesg().text();
    assertTrue(log.contains("edu " + pdev.name() + ": edu 1.0, BAR0 0x"), log);
    assertTrue(log.contains("(MSI), /dev/edu0"), log);
    assertTrue(r.k.irq().procInterrupts().matches("(?s).*PCI-MSI-" + pdev.name() + " +edu\\R.*"),
        r.k.irq().procInterrupts());
  }

  @Test
  void identReturnsTheIdentRegister() {
    assertEquals(0, r.p.ioctl(fd, EDU_IOC_IDENT, r.arg));
    assertEquals(0x010000ed, r.getInt(r.arg));              // §A.3: version 1.0, low byte 0xED
    r.assertNoBugs();
  }

  @Test
  void livenessReadsBackTheInversionOfWhatWasWritten() {
    int[][] cases = {{0x12345678, 0xedcba987}, {0xF0F0F0F0, 0x0F0F0F0F}, {0, 0xffffffff}, {0xffffffff, 0}};
    for (int[] c : cases) {
      r.putInt(r.arg, c[0]);
      assertEquals(0, r.p.ioctl(fd, EDU_IOC_LIVENESS, r.arg));
      assertEquals(c[1], r.getInt(r.arg), String.format("liveness %#x", c[0]));
    }
    r.assertNoBugs();
  }

  @Test
  void factorialsZeroToTwelveAreExact() {
    int[] expected = {1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600};
    for (int n = 0; n <= 12; n++) {
      assertEquals(expected[n], r.factorial(fd, n), "factorial(" + n + ")");
    }
    r.assertNoBugs();
  }

  @Test
  void factorialsFrom13OnWrapModulo2To32() {
    assertEquals(0x7328CC00, r.factorial(fd, 13));           // §A.5
    assertEquals(EduRig.factorialMod32(14), r.factorial(fd, 14));
    assertEquals(0x82B40000, r.factorial(fd, 20));
    assertEquals(0x80000000, r.factorial(fd, 32));
    assertEquals(0x80000000, r.factorial(fd, 33));
    assertEquals(0, r.factorial(fd, 34));
    assertEquals(0, r.factorial(fd, -1));                     // 0xFFFFFFFF! has 2^32 as a factor
    r.assertNoBugs();
  }

  @Test
  void aFactorialWaitsForExactlyOneInterruptAndTheDevicesTime() {
    int irq = r.eduDevices().get(0).irqVectors().get(0);
    long irqsBefore = r.k.irq().count(irq);
    long t0 = r.k.machine().clock().nowNs();
    assertEquals(120, r.factorial(fd, 5));
    assertEquals(irqsBefore + 1, r.k.irq().count(irq));
    assertTrue(r.k.machine().clock().nowNs() - t0 >= 5_000, "the card takes 5 µs of virtual time");
  }

  @Test
  void dmaRoundTripOfTheWholeBufferIsByteExact() {
    byte[] pattern = EduRig.pattern(4096, 3);
    long t0 = r.k.machine().clock().nowNs();
    assertEquals(0, r.toDevice(fd, pattern, 0), r.k.dmesg().text());
    assertEquals(0, r.fromDevice(fd, 0, 4096));
    assertArrayEquals(pattern, r.peek(r.data + 4096, 4096));
    assertTrue(r.k.machine().clock().nowNs() - t0 >= 200_000_000L, "two transfers of 100 ms each");
    r.assertNoBugs();
  }

  @Test
  void dmaAtAnOffsetTouchesOnlyThoseBytes() {
    assertEquals(0, r.toDevice(fd, EduRig.pattern(4096, 1), 0));
    byte[] tail = EduRig.pattern(16, 99);
    assertEquals(0, r.toDevice(fd, tail, 4080));             // ends exactly at 0x41000: valid (§A.7)
    assertEquals(0, r.fromDevice(fd, 4064, 32));
    byte[] back = r.peek(r.data + 4096, 32);
    byte[] expected = new byte[32];
    System.arraycopy(EduRig.pattern(4096, 1), 4064, expected, 0, 16);
    System.arraycopy(tail, 0, expected, 16, 16);
    assertArrayEquals(expected, back);
    r.assertNoBugs();
  }

  @Test
  void unknownCommandsAreEnotty() {
    assertEquals(-ENOTTY, r.p.ioctl(fd, Ioctl._IO('E', 9), 0));
    assertEquals(-ENOTTY, r.p.ioctl(fd, Ioctl._IOR('x', 1, 4), r.arg));
    assertEquals(-ENOTTY, r.p.ioctl(fd, Ioctl._IOR('E', 1, 8), r.arg));  // right nr, wrong size
    r.assertNoBugs();
  }

  @Test
  void unmappedPointersAreEfaultAndTheCardStillWorks() {
    assertEquals(-EFAULT, r.p.ioctl(fd, EDU_IOC_IDENT, UNMAPPED));
    assertEquals(-EFAULT, r.p.ioctl(fd, EDU_IOC_LIVENESS, UNMAPPED));
    assertEquals(-EFAULT, r.p.ioctl(fd, EDU_IOC_FACTORIAL, UNMAPPED));
    assertEquals(-EFAULT, r.p.ioctl(fd, EDU_IOC_DMA_TO_DEVICE, UNMAPPED));
    assertEquals(-EFAULT, r.p.ioctl(fd, EDU_IOC_DMA_FROM_DEVICE, UNMAPPED));
    assertEquals(-EFAULT, r.p.ioctl(fd, EDU_IOC_DMA_TO_DEVICE, r.xfer(UNMAPPED, 0, 64)));
    assertEquals(-EFAULT, r.p.ioctl(fd, EDU_IOC_DMA_FROM_DEVICE, r.xfer(UNMAPPED, 0, 64)));
    assertEquals(720, r.factorial(fd, 6));
    r.assertNoBugs();
  }

  @Test
  void transfersOutsideTheFourKibWindowAreEinval() {
    assertEquals(-EINVAL, r.p.ioctl(fd, EDU_IOC_DMA_TO_DEVICE, r.xfer(r.data, 4097, 0)));
    assertEquals(-EINVAL, r.p.ioctl(fd, EDU_IOC_DMA_TO_DEVICE, r.xfer(r.data, 4000, 97)));
    assertEquals(-EINVAL, r.p.ioctl(fd, EDU_IOC_DMA_FROM_DEVICE, r.xfer(r.data, 0, 4097)));
    assertEquals(-EINVAL, r.p.ioctl(fd, EDU_IOC_DMA_FROM_DEVICE, r.xfer(r.data, 1, 0xffff_ffffL)));
    assertEquals(-EINVAL, r.p.ioctl(fd, EDU_IOC_DMA_TO_DEVICE, r.xfer(r.data, 0xffff_ffffL, 1)));
    long t0 = r.k.machine().clock().nowNs();
    assertEquals(0, r.p.ioctl(fd, EDU_IOC_DMA_TO_DEVICE, r.xfer(r.data, 4096, 0)));  // empty: nothing to do
    assertEquals(t0, r.k.machine().clock().nowNs(), "an empty transfer does not start the engine");
    r.assertNoBugs();
  }
}
