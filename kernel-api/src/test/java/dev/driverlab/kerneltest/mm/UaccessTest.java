package dev.driverlab.kerneltest.mm;

import static dev.driverlab.kernel.mm.Mm.*;
import static dev.driverlab.kernel.mm.Uaccess.*;
import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.kerneltest.KernelRig;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * copy_to_user/copy_from_user and get_user/put_user (include/linux/uaccess.h), run as inside a system
 * call of the test process: user pointers resolve in its address space.
 */
class UaccessTest {
  private final KernelRig rig = KernelRig.boot();
  private final Process p = rig.process();
  /** One mapped page; the page after it is a guard page (unmapped). */
  private final long page = rig.userBuffer(PAGE_SIZE);
  private final Kernel.Scope syscall = rig.kernel.enterProcess(p);

  @AfterEach
  void shutdown() {
    syscall.close();
    rig.close();
  }

  @Test
  void copyToUserCopiesEverythingAndReturnsZero() {
    assertEquals(0, copy_to_user(page + 8, new byte[] {1, 2, 3}, 3));
    assertArrayEquals(new byte[] {0, 1, 2, 3, 0}, rig.userBytes(page + 7, 5));
  }

  @Test
  void copyToUserAcrossTheEndOfTheMappingReturnsTheBytesNotCopied() {
    assertEquals(4, copy_to_user(page + PAGE_SIZE - 4, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 8));
    assertArrayEquals(new byte[] {1, 2, 3, 4}, rig.userBytes(page + PAGE_SIZE - 4, 4));
    rig.assertNoReports();
  }

  @Test
  void copyFromUserAcrossTheEndReturnsTheShortfallAndZeroFillsTheTail() {
    rig.putUserBytes(page + PAGE_SIZE - 4, new byte[] {9, 8, 7, 6});
    byte[] to = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};
    assertEquals(4, copy_from_user(to, page + PAGE_SIZE - 4, 8));
    assertArrayEquals(new byte[] {9, 8, 7, 6, 0, 0, 0, 0}, to);
  }

  @Test
  void copyFromUserIntoKernelMemoryZeroFillsTooAndReturnsTheShortfall() {
    long k = kmalloc(8, GFP_KERNEL);
    memset(k, 0x55, 8);
    rig.putUserBytes(page + PAGE_SIZE - 2, new byte[] {1, 2});
    assertEquals(6, copy_from_user(k, page + PAGE_SIZE - 2, 8));
    assertEquals(0x0201L, get64(k));
  }

  @Test
  void copyToUserFromKernelMemory() {
    long k = kmalloc(4, GFP_KERNEL);
    put32(k, 0x11223344);
    assertEquals(0, copy_to_user(page, k, 4));
    assertArrayEquals(new byte[] {0x44, 0x33, 0x22, 0x11}, rig.userBytes(page, 4));
  }

  @Test
  void anUnmappedUserAddressCopiesNothingWithoutAReport() {
    assertEquals(16, copy_to_user(0x1000, new byte[16], 16));
    assertEquals(16, copy_from_user(new byte[16], 0x1000, 16));
    rig.assertNoReports();
  }

  @Test
  void aKernelPointerPassedAsAUserPointerIsRefusedAndReported() {
    long k = kmalloc(8, GFP_KERNEL);
    assertEquals(8, copy_to_user(k, new byte[8], 8));
    BugReport r = rig.onlyReport(Check.USERCOPY);
    assertEquals("copy_to_user with a pointer that is not a user address (a kernel pointer passed where a __user "
        + "pointer belongs?)", r.message());
    assertEquals(List.of(String.format("address=%#x", k), "size=8"), r.facts());
    assertTrue(r.callSite().startsWith("UaccessTest."), r.callSite());
    assertEquals(0, get64(k), "kernel memory untouched");
  }

  @Test
  void copyFromUserOfAKernelPointerZeroesTheDestination() {
    long k = kmalloc(8, GFP_KERNEL);
    put64(k, -1L);
    byte[] to = {1, 1, 1, 1};
    assertEquals(4, copy_from_user(to, k, 4));
    assertArrayEquals(new byte[4], to);
    assertEquals(1, rig.reports(Check.USERCOPY).size());
  }

  @Test
  void anAnonymousMappingLargerThanRamIsEnomemAndAnEmptyOneEinval() {
    assertEquals(-dev.driverlab.kernel.uapi.Errno.ENOMEM, p.mmapAnonymous(1L << 44));
    assertEquals(-dev.driverlab.kernel.uapi.Errno.ENOMEM, p.mmapAnonymous(2L << 30));
    assertEquals(-dev.driverlab.kernel.uapi.Errno.EINVAL, p.mmapAnonymous(0));
  }

  @Test
  void accessOkAcceptsOnlyUserRanges() {
    assertTrue(access_ok(page, PAGE_SIZE));
    assertFalse(access_ok(-1L, 1));
    assertFalse(access_ok(0x7fff_ffff_f000L, 1));
    assertFalse(access_ok(page, -1));
  }

  @Test
  void getUserAndPutUserRoundTripLittleEndian() {
    assertEquals(0, put_user(0x01020304, page));
    assertArrayEquals(new byte[] {4, 3, 2, 1}, rig.userBytes(page, 4));
    int[] x = {0};
    assertEquals(0, get_user(x, page));
    assertEquals(0x01020304, x[0]);
    assertEquals(0, put_user(-2L, page + 8));
    long[] y = {0};
    assertEquals(0, get_user(y, page + 8));
    assertEquals(-2L, y[0]);
  }

  @Test
  void getUserAndPutUserOnAnUnmappedAddressAreEfault() {
    int[] x = {42};
    assertEquals(-EFAULT, get_user(x, 0x1000));
    assertEquals(0, x[0], "get_user zeroes the value on a fault");
    assertEquals(-EFAULT, put_user(7, 0x1000));
    assertEquals(-EFAULT, put_user(7, page + PAGE_SIZE - 2), "straddling the end of the mapping");
    long[] y = {42};
    assertEquals(-EFAULT, get_user(y, page + PAGE_SIZE));
  }

  @Test
  void copyingUserMemoryUnderASpinlockIsReported() {
    var l = new dev.driverlab.kernel.sched.Spinlock("l");
    dev.driverlab.kernel.sched.Locks.spin_lock(l);
    copy_to_user(page, new byte[4], 4);
    dev.driverlab.kernel.sched.Locks.spin_unlock(l);
    assertEquals("BUG: sleeping function called from invalid context: copy_to_user",
        rig.onlyReport(Check.ATOMIC_SLEEP).message());
  }
}
