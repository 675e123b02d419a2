package dev.driverlab.drivers.broken;

import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.drivers.broken.BrokenMyIoctl.Bug;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The catalogue's entries that need no hardware, on the myioctl variant: user-pointer misuse, lock
 * misuse, and what a module's exit must undo. Each names the check and its exact message.
 */
class ModuleCatalogueTest {
  static BrokenRig loaded(Bug bug) {
    BrokenRig r = BrokenRig.with();
    assertEquals(0, r.insmod(new BrokenMyIoctl(bug)), () -> r.k.dmesg().text());
    return r;
  }

  private static void putInt(BrokenRig r, int v) {
    r.poke(r.arg, new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)});
  }

  private static int getInt(BrokenRig r) {
    byte[] b = r.peek(r.arg, 4);
    return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
  }

  private static void assertSite(BugReport b, String method) {
    assertTrue(b.callSite() != null && b.callSite().startsWith("BrokenMyIoctl." + method + "(BrokenMyIoctl.java:"),
        b::toString);
  }

  /** The one LEAK report rmmod made, without its "module bmyioctl unloaded but left: " prefix. */
  private static String onlyLeftover(BrokenRig r) {
    assertEquals(0, r.k.modules().rmmod(BrokenMyIoctl.NAME));
    String msg = r.only(Check.LEAK).message();
    assertTrue(msg.startsWith("module bmyioctl unloaded but left: "), msg);
    return msg.substring("module bmyioctl unloaded but left: ".length());
  }

  @Test
  void theCorrectModuleIsQuiet() {
    try (BrokenRig r = loaded(Bug.NONE)) {
      int fd = r.open(BrokenMyIoctl.DEVICE_PATH);
      assertEquals(0, r.p.ioctl(fd, BrokenMyIoctl.GET, r.arg));
      assertEquals(123, getInt(r));
      putInt(r, 456);
      assertEquals(0, r.p.ioctl(fd, BrokenMyIoctl.SET, r.arg));
      putInt(r, -1);
      assertEquals(-EINVAL, r.p.ioctl(fd, BrokenMyIoctl.SET, r.arg));
      assertEquals(0, r.p.ioctl(fd, BrokenMyIoctl.GET, r.arg));
      assertEquals(456, getInt(r));
      r.p.close(fd);
      assertEquals(0, r.k.modules().rmmod(BrokenMyIoctl.NAME));
      r.assertClean();
    }
  }

  // ---- user pointers --------------------------------------------------------------------------------

  @Test
  void passAKernelPointerToCopyToUser() {
    try (BrokenRig r = loaded(Bug.KERNEL_POINTER_AS_USER)) {
      assertEquals(-EFAULT, r.p.ioctl(r.open(BrokenMyIoctl.DEVICE_PATH), BrokenMyIoctl.GET, r.arg));
      BugReport b = r.only(Check.USERCOPY);
      assertEquals("copy_to_user with a pointer that is not a user address (a kernel pointer passed where a __user "
          + "pointer belongs?)", b.message());
      assertTrue(b.facts().get(0).startsWith("address=0xffff8880"), b.facts().toString());
      assertEquals("size=4", b.facts().get(1));
      assertEquals("bmyioctl", b.driver());
      assertSite(b, "get");
    }
  }

  @Test
  void copyMoreThanTheIoctlEncodes() {
    try (BrokenRig r = loaded(Bug.IOCTL_COPIES_TOO_MUCH)) {
      int fd = r.open(BrokenMyIoctl.DEVICE_PATH);
      Hooks.assumeUsercopyHooks(r.k, r.p, fd, BrokenMyIoctl.SET, r.arg);
      assertEquals(0, r.p.ioctl(fd, BrokenMyIoctl.GET, r.arg));
      BugReport b = r.only(Check.USERCOPY);
      assertEquals("ioctl _IOR('x', 0, 4) copies 8 bytes to user space at its argument, but the command encodes 4",
          b.message());
      assertEquals(List.of("cmd=0x80047800", "copy=copy_to_user of 8 bytes at offset 0"), b.facts());
      assertSite(b, "get");
    }
  }

  @Test
  void dereferenceAUserPointer() {
    try (BrokenRig r = loaded(Bug.DEREFERENCES_USER_POINTER)) {
      Hooks.assumeKernelFaultHook(r.k);
      putInt(r, 7);
      assertEquals(-EFAULT, r.p.ioctl(r.open(BrokenMyIoctl.DEVICE_PATH), BrokenMyIoctl.SET, r.arg));
      BugReport b = r.only(Check.USERCOPY);
      assertEquals("kernel read through a user pointer directly (SMAP forbids it): use copy_from_user or get_user",
          b.message());
      assertSite(b, "set");
    }
  }

  // ---- locks ----------------------------------------------------------------------------------------

  @Test
  void takeTwoLocksInBothOrders() {
    try (BrokenRig r = loaded(Bug.LOCK_ORDER_INVERSION)) {
      int fd = r.open(BrokenMyIoctl.DEVICE_PATH);
      assertEquals(0, r.p.ioctl(fd, BrokenMyIoctl.GET, r.arg));
      assertEquals(0, r.p.ioctl(fd, BrokenMyIoctl.SET, r.arg));
      BugReport b = r.only(Check.LOCKDEP);
      assertEquals("possible circular locking dependency detected: init takes bmyioctl->value while holding "
          + "bmyioctl->stats, but elsewhere bmyioctl->stats was taken while holding bmyioctl->value", b.message());
      assertSite(b, "set");
    }
  }

  @Test
  void returnToUserSpaceWithAMutexHeld() {
    try (BrokenRig r = loaded(Bug.LOCK_HELD_ON_RETURN)) {
      Hooks.assumeSyscallExitHook(r.k, r.p);
      putInt(r, -5);
      assertEquals(-EINVAL, r.p.ioctl(r.open(BrokenMyIoctl.DEVICE_PATH), BrokenMyIoctl.SET, r.arg));
      BugReport b = r.only(Check.LOCKDEP);
      assertTrue(b.message().matches("lock held when returning to user space: (catalogue|init)/\\d+ leaves ioctl with "
          + "bmyioctl->value still held"), b::toString);
      assertTrue(r.k.dmesg().contains("WARNING: lock held when returning to user space!"));
    }
  }

  @Test
  void sleepUnderASpinlock() {
    try (BrokenRig r = loaded(Bug.SLEEP_UNDER_SPINLOCK)) {
      putInt(r, 9);
      assertEquals(0, r.p.ioctl(r.open(BrokenMyIoctl.DEVICE_PATH), BrokenMyIoctl.SET, r.arg));
      BugReport b = r.only(Check.ATOMIC_SLEEP);
      assertEquals("BUG: sleeping function called from invalid context: copy_from_user", b.message());
      assertTrue(b.facts().contains("in_atomic()=1"), b.facts().toString());
      assertSite(b, "set");
    }
  }

  // ---- what exit must undo ----------------------------------------------------------------------------

  @Test
  void leakKmallocMemory() {
    try (BrokenRig r = loaded(Bug.LEAK_KMALLOC)) {
      assertTrue(onlyLeftover(r).matches("kmalloc'ed 64 bytes at 0x\\p{XDigit}+ \\(allocated at "
          + "BrokenMyIoctl\\.init\\(BrokenMyIoctl\\.java:\\d+\\)\\)"), r::describe);
    }
  }

  @Test
  void freeKmallocMemoryTwice() {
    try (BrokenRig r = loaded(Bug.DOUBLE_KFREE)) {
      assertEquals(0, r.k.modules().rmmod(BrokenMyIoctl.NAME));
      BugReport b = r.only(Check.KFREE);
      assertTrue(b.message().matches("double free: kfree of memory that was already freed \\(at "
          + "BrokenMyIoctl\\.exit\\(BrokenMyIoctl\\.java:\\d+\\)\\)"), b::toString);
      assertSite(b, "exit");
    }
  }

  @Test
  void leakVmallocMemory() {
    try (BrokenRig r = loaded(Bug.LEAK_VMALLOC)) {
      assertTrue(onlyLeftover(r).matches("vmalloc'ed 12288 bytes at 0x\\p{XDigit}+ \\(allocated at "
          + "BrokenMyIoctl\\.init\\(BrokenMyIoctl\\.java:\\d+\\)\\)"), r::describe);
    }
  }

  @Test
  void leaveTheTimerArmed() {
    try (BrokenRig r = loaded(Bug.LEAK_TIMER)) {
      assertTrue(onlyLeftover(r).matches("timer still pending \\(set up at BrokenMyIoctl\\.init\\("
          + "BrokenMyIoctl\\.java:\\d+\\)\\)"), r::describe);
    }
  }

  @Test
  void leaveWorkQueued() {
    try (BrokenRig r = loaded(Bug.LEAK_WORK)) {
      assertTrue(onlyLeftover(r).matches("work still queued \\(initialised at BrokenMyIoctl\\.init\\("
          + "BrokenMyIoctl\\.java:\\d+\\)\\)"), r::describe);
    }
  }

  @Test
  void leaveTheCharDeviceRegion() {
    try (BrokenRig r = loaded(Bug.LEAK_CHRDEV_REGION)) {
      assertTrue(onlyLeftover(r).matches("char device region \\d+:0-0 \"bmyioctl\" \\(registered at "
          + "BrokenMyIoctl\\.init\\(BrokenMyIoctl\\.java:\\d+\\)\\)"), r::describe);
    }
  }

  @Test
  void leaveTheCdev() {
    try (BrokenRig r = loaded(Bug.LEAK_CDEV)) {
      assertEquals(0, r.k.modules().rmmod(BrokenMyIoctl.NAME));
      assertTrue(r.reports(Check.LEAK).stream().anyMatch(b -> b.message().matches("module bmyioctl unloaded but "
          + "left: cdev \\d+:0 \\(added at BrokenMyIoctl\\.init\\(BrokenMyIoctl\\.java:\\d+\\)\\)")), r::describe);
    }
  }

  @Test
  void leaveTheClassAndItsNode() {
    try (BrokenRig r = loaded(Bug.LEAK_CLASS)) {
      assertEquals(0, r.k.modules().rmmod(BrokenMyIoctl.NAME));
      List<String> left = r.reports(Check.LEAK).stream().map(BugReport::message).toList();
      assertEquals(2, left.size(), r::describe);
      assertTrue(left.get(0).matches("module bmyioctl unloaded but left: device /dev/bmyioctl \\(created at "
          + "BrokenMyIoctl\\.init\\(BrokenMyIoctl\\.java:\\d+\\)\\)"), left::toString);
      assertTrue(left.get(1).matches("module bmyioctl unloaded but left: class bmyioctl \\(created at "
          + "BrokenMyIoctl\\.init\\(BrokenMyIoctl\\.java:\\d+\\)\\)"), left::toString);
    }
  }

  @Test
  void leaveTheDeviceNode() {
    try (BrokenRig r = loaded(Bug.LEAK_DEVICE_NODE)) {
      assertTrue(onlyLeftover(r).matches("device /dev/bmyioctl \\(created at BrokenMyIoctl\\.init\\("
          + "BrokenMyIoctl\\.java:\\d+\\)\\)"), r::describe);
    }
  }
}
