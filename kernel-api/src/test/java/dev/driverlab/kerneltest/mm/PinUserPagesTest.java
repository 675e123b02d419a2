package dev.driverlab.kerneltest.mm;

import static dev.driverlab.kernel.mm.Mm.*;
import static dev.driverlab.kernel.uapi.Errno.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.Page;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.kerneltest.KernelRig;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** pin_user_pages/unpin_user_pages and get_user_pages/put_page (mm/gup.c). */
class PinUserPagesTest {
  private final KernelRig rig = KernelRig.boot();
  private final Process p = rig.process();
  private final long buf = rig.userBuffer(3 * PAGE_SIZE);
  private final Kernel.Scope syscall = rig.kernel.enterProcess(p);

  @AfterEach
  void shutdown() {
    syscall.close();
    rig.close();
  }

  @Test
  void pinUserPagesReturnsThePhysicalPagesBehindTheBuffer() {
    Page[] pages = new Page[3];
    assertEquals(3, pin_user_pages(buf + 100, 3, FOLL_WRITE, pages));
    for (int i = 0; i < 3; i++) {
      assertEquals(p.mm().translate(buf + (long) i * PAGE_SIZE, false), pages[i].physAddress());
    }
    assertEquals(3, Arrays.stream(pages).distinct().count());
    assertEquals(3, p.mm().pinnedPages());
    unpin_user_pages(pages, 3);
    assertEquals(0, p.mm().pinnedPages());
    rig.assertNoReports();
  }

  @Test
  void aDeviceWritingToAPinnedPageIsSeenByTheUser() {
    Page[] pages = new Page[1];
    assertEquals(1, pin_user_pages(buf, 1, FOLL_WRITE, pages));
    rig.machine.writeRam(pages[0].physAddress() + 5, new byte[] {42}, 0, 1);   // as a DMA write would
    assertEquals(42, rig.userBytes(buf + 5, 1)[0]);
    unpin_user_pages(pages, 1);
  }

  @Test
  void pinningPastTheEndOfTheMappingPinsOnlyWhatIsMapped() {
    Page[] pages = new Page[5];
    assertEquals(3, pin_user_pages(buf, 5, FOLL_WRITE, pages));
    assertNull(pages[3]);
    unpin_user_pages(pages, 3);
  }

  @Test
  void pinningAnUnmappedAddressIsEfault() {
    assertEquals(-EFAULT, pin_user_pages(0x1000, 1, FOLL_WRITE, new Page[1]));
    assertEquals(-EFAULT, pin_user_pages(-4096, 1, FOLL_WRITE, new Page[1]));
  }

  @Test
  void pinUserPagesWithFollGetIsRefusedAndReported() {
    assertEquals(-EINVAL, pin_user_pages(buf, 1, FOLL_GET, new Page[1]));
    assertEquals("pin_user_pages with FOLL_GET or without a pages array", rig.onlyReport(Check.WARN).message());
  }

  @Test
  void unpinningTwiceIsReportedForEveryPage() {
    Page[] pages = new Page[2];
    assertEquals(2, pin_user_pages(buf, 2, FOLL_WRITE, pages));
    unpin_user_pages(pages, 2);
    unpin_user_pages(pages, 2);
    var r = rig.reports(Check.WARN);
    assertEquals(2, r.size());
    assertEquals("unpin_user_pages of a page that is not pinned (or was taken with get_user_pages: release those "
        + "with put_page)", r.get(0).message());
    assertEquals(java.util.List.of("page=" + pages[0]), r.get(0).facts());
  }

  @Test
  void getUserPagesReferencesAreReleasedWithPutPageNotUnpin() {
    Page[] pages = new Page[1];
    assertEquals(1, get_user_pages(buf, 1, FOLL_WRITE, pages));
    unpin_user_pages(pages, 1);
    assertEquals(1, rig.reports(Check.WARN).size());
    put_page(pages[0]);
    assertEquals(1, rig.reports(Check.WARN).size());
    put_page(pages[0]);
    assertEquals(2, rig.reports(Check.WARN).size());
  }
}
