package dev.driverlab.kerneltest.mm;

import static dev.driverlab.kernel.mm.Mm.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.KernelMemory;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kerneltest.KernelRig;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** vmalloc, address translation and oopses on addresses the kernel has not mapped. */
class KernelAddressSpaceTest {
  private final KernelRig rig = KernelRig.boot();

  @AfterEach
  void shutdown() {
    rig.close();
  }

  @Test
  void vmallocIsVirtuallyContiguousButItsPagesAreNot() {
    long v = vmalloc(4 * PAGE_SIZE);
    assertTrue(v >= KernelMemory.VMALLOC_START && v < KernelMemory.VMALLOC_END);
    long first = rig.kernel.mem().translate(v, 1);
    Set<Long> pages = new HashSet<>();
    boolean contiguous = true;
    for (int i = 0; i < 4; i++) {
      long pa = rig.kernel.mem().translate(v + (long) i * PAGE_SIZE, 1);
      pages.add(pa);
      contiguous &= pa == first + (long) i * PAGE_SIZE;
    }
    assertEquals(4, pages.size());
    assertFalse(contiguous, "vmalloc pages must not look physically contiguous");
  }

  @Test
  void vmallocMemoryIsZeroedAndReadableAcrossPages() {
    long v = vmalloc(2 * PAGE_SIZE);
    assertEquals(0, get64(v + PAGE_SIZE - 4 - 4));
    byte[] pattern = new byte[64];
    for (int i = 0; i < pattern.length; i++) {
      pattern[i] = (byte) i;
    }
    memcpy(v + PAGE_SIZE - 32, pattern, 64);         // straddles the page boundary
    byte[] back = new byte[64];
    memcpy(back, v + PAGE_SIZE - 32, 64);
    assertArrayEquals(pattern, back);
  }

  @Test
  void virtToPhysOfVmallocMemoryIsMinusOne() {
    assertEquals(-1, virt_to_phys(vmalloc(100)));
  }

  @Test
  void readingAnUnmappedKernelAddressIsAnOops() {
    long bad = KernelMemory.VMALLOC_START + 0x4000_0000L;
    KernelOops oops = assertThrows(KernelOops.class, () -> get32(bad));
    assertEquals("BUG: unable to handle page fault for address: ffffc90040000000 (unmapped kernel address)",
        oops.getMessage());
    assertTrue(rig.kernel.dmesg().contains("BUG: unable to handle page fault for address: ffffc90040000000"));
    assertTrue(rig.kernel.dmesg().contains("Oops: 0000 [#1] PREEMPT SMP"));
    assertTrue(rig.kernel.dmesg().text().contains("RIP: KernelAddressSpaceTest.lambda$"));
    assertEquals(1, rig.reports(Check.OOPS).size());
  }

  @Test
  void readingVmallocMemoryAfterVfreeIsAnOops() {
    long v = vmalloc(PAGE_SIZE);
    put32(v, 1);
    vfree(v);
    assertThrows(KernelOops.class, () -> get32(v));
  }

  @Test
  void accessRunningPastTheEndOfAVmallocAreaIsAnOops() {
    long v = vmalloc(PAGE_SIZE);
    assertThrows(KernelOops.class, () -> get64(v + PAGE_SIZE - 4));
  }

  @Test
  void vfreeOfAnAddressVmallocDidNotReturnIsReported() {
    long v = vmalloc(PAGE_SIZE);
    vfree(v + 8);
    assertEquals("vfree of an address vmalloc did not return", rig.onlyReport(Check.KFREE).message());
    vfree(v);
    vfree(v);
    assertEquals(2, rig.reports(Check.KFREE).size());
  }

  @Test
  void vmallocOfNothingReturnsNull() {
    assertEquals(0, vmalloc(0));
    assertEquals(0, vmalloc(-5));
  }

  @Test
  void pageHelpersAgree() {
    long p = kmalloc(PAGE_SIZE, GFP_KERNEL);
    assertTrue(PAGE_ALIGNED(p));
    var page = virt_to_page(p);
    assertEquals(virt_to_phys(p), page_to_phys(page));
    assertEquals(p, page_address(page));
  }
}
