package dev.driverlab.kerneltest.mm;

import static dev.driverlab.kernel.mm.Mm.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.KernelMemory;
import dev.driverlab.kernel.sched.Locks;
import dev.driverlab.kernel.sched.Spinlock;
import dev.driverlab.kerneltest.KernelRig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** kmalloc and friends (include/linux/slab.h) and the checks on kfree. */
class KmallocTest {
  private final KernelRig rig = KernelRig.boot();

  @AfterEach
  void shutdown() {
    rig.close();
  }

  @Test
  void kmallocReturnsDirectMappedMemoryThatReadsBackWhatWasWritten() {
    long p = kmalloc(64, GFP_KERNEL);
    assertTrue(p >= KernelMemory.PAGE_OFFSET && p < KernelMemory.PAGE_OFFSET + rig.machine.ramBytes(),
        Long.toHexString(p));
    assertEquals(p - KernelMemory.PAGE_OFFSET, virt_to_phys(p));
    assertEquals(p, phys_to_virt(virt_to_phys(p)));
    put32(p, 0xdeadbeef);
    put64(p + 8, 0x0123_4567_89ab_cdefL);
    put8(p + 16, 0x1ff);
    put16(p + 18, 0xcafe);
    assertEquals(0xdeadbeef, get32(p));
    assertEquals(0x0123_4567_89ab_cdefL, get64(p + 8));
    assertEquals(0xff, get8(p + 16));
    assertEquals(0xcafe, get16(p + 18));
    assertEquals(64, rig.kernel.mem().ksize(p));
    kfree(p);
    rig.assertNoReports();
  }

  @Test
  void smallAllocationsAreSixtyFourByteAlignedAndLargeOnesPageAligned() {
    assertEquals(0, kmalloc(24, GFP_KERNEL) % 64);
    assertEquals(0, kmalloc(3, GFP_KERNEL) % 64);
    assertEquals(0, kmalloc(8192, GFP_KERNEL) % PAGE_SIZE);
  }

  @Test
  void kzallocZeroesMemoryThatWasDirtyBefore() {
    long p = kmalloc(128, GFP_KERNEL);
    memset(p, 0xa5, 128);
    kfree(p);
    long q = kzalloc(128, GFP_KERNEL);
    assertEquals(p, q, "first fit gives the same block back");
    byte[] b = new byte[128];
    memcpy(b, q, 128);
    assertArrayEquals(new byte[128], b);
  }

  @Test
  void kmallocOfZeroBytesIsZeroSizePtrAndKfreeOfItIsANoOp() {
    assertEquals(16, ZERO_SIZE_PTR);
    assertEquals(ZERO_SIZE_PTR, kmalloc(0, GFP_KERNEL));
    kfree(ZERO_SIZE_PTR);
    kfree(0);
    rig.assertNoReports();
  }

  @Test
  void kmallocOfANegativeOrHugeSizeReturnsNull() {
    assertEquals(0, kmalloc(-1, GFP_KERNEL));
    assertEquals(0, kmalloc(1L << 40, GFP_KERNEL));
  }

  @Test
  void kcallocZeroesAndRefusesAnOverflowingProduct() {
    long p = kcalloc(4, 8, GFP_KERNEL);
    assertNotEquals(0, p);
    assertEquals(0, get64(p + 24));
    assertEquals(0, kcalloc(Long.MAX_VALUE / 2, 4, GFP_KERNEL));
    assertEquals(0, kcalloc(-1, 4, GFP_KERNEL));
  }

  @Test
  void kfreeTwiceIsReportedAsADoubleFree() {
    long p = kmalloc(32, GFP_KERNEL);
    kfree(p);
    kfree(p);
    BugReport r = rig.onlyReport(Check.KFREE);
    assertTrue(r.message().startsWith("double free: kfree of memory that was already freed (at KmallocTest."),
        r.message());
    assertEquals(java.util.List.of(String.format("address=%#x", p)), r.facts());
    assertTrue(r.callSite().startsWith("KmallocTest.kfreeTwiceIsReportedAsADoubleFree(KmallocTest.java:"));
  }

  @Test
  void kfreeOfAPointerIntoTheMiddleOfAnObjectIsReported() {
    long p = kmalloc(100, GFP_KERNEL);
    kfree(p + 16);
    BugReport r = rig.onlyReport(Check.KFREE);
    assertTrue(r.message().startsWith("kfree of a pointer 16 bytes into a 100-byte kmalloc object (allocated at "
        + "KmallocTest.kfreeOfAPointerIntoTheMiddleOfAnObjectIsReported(KmallocTest.java:"), r.message());
    assertEquals(100, rig.kernel.mem().ksize(p), "the object is still allocated");
  }

  @Test
  void kfreeOfAStrangePointerIsReported() {
    kfree(KernelMemory.PAGE_OFFSET + 0x12340);
    assertEquals("kfree of memory that kmalloc did not return", rig.onlyReport(Check.KFREE).message());
  }

  @Test
  void aFreedPointerHandedOutAgainIsNoLongerADoubleFree() {
    long p = kmalloc(32, GFP_KERNEL);
    kfree(p);
    long q = kmalloc(32, GFP_KERNEL);
    assertEquals(p, q);
    kfree(q);
    rig.assertNoReports();
  }

  @Test
  void gfpKernelInAtomicContextIsReported() {
    Spinlock l = new Spinlock("l");
    Locks.spin_lock(l);
    long p = kmalloc(64, GFP_KERNEL);
    Locks.spin_unlock(l);
    assertNotEquals(0, p);
    BugReport r = rig.onlyReport(Check.ATOMIC_SLEEP);
    assertEquals("BUG: sleeping function called from invalid context: kmalloc(GFP_KERNEL)", r.message());
    assertTrue(r.callSite().startsWith("KmallocTest.gfpKernelInAtomicContextIsReported(KmallocTest.java:"));
  }

  @Test
  void gfpAtomicAndGfpNowaitAreFineInAtomicContext() {
    Spinlock l = new Spinlock("l");
    long flags = Locks.spin_lock_irqsave(l);
    assertNotEquals(0, kmalloc(64, GFP_ATOMIC));
    assertNotEquals(0, kzalloc(64, GFP_NOWAIT));
    Locks.spin_unlock_irqrestore(l, flags);
    rig.assertNoReports();
  }

  @Test
  void gfpDma32KeepsTheAllocationBelowFourGiB() {
    try (KernelRig big = KernelRig.boot(dev.driverlab.devices.Machine.builder().ramBytes(8L << 30).build())) {
      long p = kmalloc(1L << 20, GFP_KERNEL | GFP_DMA32);
      assertTrue(virt_to_phys(p) + (1L << 20) <= 1L << 32);
    }
  }

  @Test
  void faultInjectionFailsTheChosenAllocation() {
    rig.kernel.faults().failNth("kmalloc", 1);
    assertNotEquals(0, kmalloc(8, GFP_KERNEL));
    assertEquals(0, kmalloc(8, GFP_KERNEL));
    assertNotEquals(0, kmalloc(8, GFP_KERNEL));
  }

  @Test
  void memcpyBetweenKernelBuffers() {
    long a = kmalloc(16, GFP_KERNEL);
    long b = kmalloc(16, GFP_KERNEL);
    memcpy(a, new byte[] {1, 2, 3, 4}, 4);
    memcpy(b, a, 4);
    assertEquals(0x04030201, get32(b));
  }
}
