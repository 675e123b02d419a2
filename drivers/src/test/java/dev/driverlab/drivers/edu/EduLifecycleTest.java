package dev.driverlab.drivers.edu;

import static dev.driverlab.kernel.uapi.Errno.EBUSY;
import static dev.driverlab.kernel.uapi.Errno.EEXIST;
import static dev.driverlab.kernel.uapi.Errno.ENOENT;
import static dev.driverlab.kernel.uapi.Errno.ENOMEM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.kernel.fs.Chrdev;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.irq.Irq;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.pci.PciCore;
import dev.driverlab.kernel.pci.PciDev;
import org.junit.jupiter.api.Test;

/** Module load and unload, probe and remove, several cards, and every probe failure unwinding cleanly. */
class EduLifecycleTest {

  @Test
  void withoutAnEduCardProbeIsNeverCalledAndTheModuleStillLoadsAndUnloads() {
    try (EduRig r = EduRig.withCards(0)) {
      assertEquals(0, r.insmod());
      assertTrue(r.k.dmesg().contains("edu: driver loaded"));
      assertFalse(r.k.dmesg().contains("/dev/edu0"), "probe logs the node it creates; it never ran");
      assertNull(r.driver.cardOf(0));
      assertEquals(-ENOENT, r.p.open("/dev/edu0", File.O_RDWR));
      assertEquals(0, r.k.modules().rmmod("edu"));
      r.assertNoBugs();
    }
  }

  @Test
  void rmmodRemovesTheNodeAndGivesEverythingBack() {
    try (EduRig r = EduRig.loaded(1)) {
      PciDev pdev = r.eduDevices().get(0);
      int fd = r.open(0);
      assertEquals(2, r.factorial(fd, 2));
      assertEquals(0, r.toDevice(fd, EduRig.pattern(128, 0), 0));
      assertEquals(-EBUSY, r.k.modules().rmmod("edu"), "an open file pins the module");
      r.p.close(fd);
      assertTrue(r.k.chrdev().procDevices().contains(" edu"));

      assertEquals(0, r.k.modules().rmmod("edu"));
      r.assertNoBugs();
      assertNull(r.k.vfs().lookup("/dev/edu0"));
      assertEquals(-ENOENT, r.p.open("/dev/edu0", File.O_RDWR));
      assertNull(r.k.vfs().lookup("/sys/class/edu"));
      assertFalse(r.k.chrdev().procDevices().contains(" edu"));
      assertFalse(pdev.isEnabled());
      assertFalse(pdev.is_busmaster);
      assertFalse(pdev.msi_enabled);
      assertTrue(pdev.irqVectors().isEmpty());
      assertFalse(pdev.resource[0].claimed());
      assertNull(pdev.driver());
      assertEquals(0, r.k.pci().read(pdev, PciCore.COMMAND_OFFSET, 2) & PciCore.COMMAND_MASTER);
      assertTrue(r.k.modules().leftoversOf(r.driver).isEmpty());
      assertTrue(r.k.dmesg().contains("removed /dev/edu0"));
    }
  }

  @Test
  void theModuleCanBeLoadedAgainAfterRmmod() {
    try (EduRig r = EduRig.loaded(1)) {
      assertEquals(0, r.k.modules().rmmod("edu"));
      EduDriver again = new EduDriver();
      assertEquals(0, r.k.modules().insmod(again, "use_msi=0"));
      int fd = r.open(0);
      assertEquals(6, r.factorial(fd, 3));
      r.p.close(fd);
      assertEquals(0, r.k.modules().rmmod("edu"));
      r.assertNoBugs();
    }
  }

  @Test
  void twoCardsGetEdu0AndEdu1AndWorkIndependently() {
    try (EduRig r = EduRig.loaded(2)) {
      assertEquals(2, r.eduDevices().size());
      int fd0 = r.open(0);
      int fd1 = r.open(1);
      EduCard c0 = r.driver.cardOf(0);
      EduCard c1 = r.driver.cardOf(1);
      assertEquals(r.eduDevices().get(0), c0.pdev);
      assertEquals(r.eduDevices().get(1), c1.pdev);
      assertEquals(Chrdev.MAJOR(c0.cdev.dev()), Chrdev.MAJOR(c1.cdev.dev()));
      assertEquals(0, Chrdev.MINOR(c0.cdev.dev()));
      assertEquals(1, Chrdev.MINOR(c1.cdev.dev()));

      r.putInt(r.arg, 0x11111111);
      assertEquals(0, r.p.ioctl(fd0, EduUapi.EDU_IOC_LIVENESS, r.arg));
      r.putInt(r.arg, 0x22222222);
      assertEquals(0, r.p.ioctl(fd1, EduUapi.EDU_IOC_LIVENESS, r.arg));
      assertEquals(~0x22222222, r.getInt(r.arg));
      assertEquals(39916800, r.factorial(fd1, 11));
      assertEquals(479001600, r.factorial(fd0, 12));

      byte[] p0 = EduRig.pattern(4096, 10);
      byte[] p1 = EduRig.pattern(4096, 20);
      assertEquals(0, r.toDevice(fd0, p0, 0));
      assertEquals(0, r.toDevice(fd1, p1, 0));
      assertEquals(0, r.fromDevice(fd0, 0, 4096));
      assertArrayEquals(p0, r.peek(r.data + 4096, 4096));
      assertEquals(0, r.fromDevice(fd1, 0, 4096));
      assertArrayEquals(p1, r.peek(r.data + 4096, 4096));
      r.p.close(fd0);
      r.p.close(fd1);
      assertEquals(0, r.k.modules().rmmod("edu"));
      assertNull(r.k.vfs().lookup("/dev/edu0"));
      assertNull(r.k.vfs().lookup("/dev/edu1"));
      r.assertNoBugs();
    }
  }

  @Test
  void aFailedDmaBufferAllocationUnwindsTheProbeWithoutLeaks() {
    try (EduRig r = EduRig.withCards(1)) {
      r.k.faults().failNth("dma_alloc_coherent", 0);
      assertEquals(0, r.insmod(), "a failing probe does not fail the module");
      PciDev pdev = r.eduDevices().get(0);
      String log = r.k.dmesg().text();
      assertTrue(log.contains("edu " + pdev.name() + ": cannot allocate the 4096-byte DMA buffer"), log);
      assertTrue(log.contains("edu: probe of " + pdev.name() + " failed with error " + -ENOMEM), log);
      assertProbeLeftNothing(r, pdev);
      assertEquals(0, r.k.modules().rmmod("edu"));
      r.assertNoBugs();
    }
  }

  @Test
  void aTakenIntxLineUnwindsTheProbeFromRequestIrq() {
    try (EduRig r = EduRig.withCards(1)) {
      PciDev pdev = r.eduDevices().get(0);
      Object cookie = new Object();
      KernelModule squatter = new KernelModule() {
        @Override
        public String name() {
          return "squatter";
        }

        @Override
        protected int init() {
          return Irq.request_irq(pdev.irq, (irq, dev) -> Irq.IRQ_NONE, 0, "squatter", cookie); // not shared
        }

        @Override
        protected void exit() {
          Irq.free_irq(pdev.irq, cookie);
        }
      };
      assertEquals(0, r.k.modules().insmod(squatter));
      assertEquals(0, r.insmod("use_msi=0"));
      String log = r.k.dmesg().text();
      assertTrue(log.contains("request_irq(" + pdev.irq + ") failed: " + -EBUSY), log);
      assertTrue(log.contains("edu: probe of " + pdev.name() + " failed with error " + -EBUSY), log);
      assertProbeLeftNothing(r, pdev);
      assertEquals(0, r.k.modules().rmmod("edu"));
      assertEquals(0, r.k.modules().rmmod("squatter"));
      r.assertNoBugs();
    }
  }

  @Test
  void aTakenDeviceNodeUnwindsTheWholeProbe() {
    try (EduRig r = EduRig.withCards(1)) {
      assertEquals(0, r.p.mknod("/dev/edu0", Chrdev.MKDEV(1, 3)));     // somebody's stale node
      assertEquals(0, r.insmod());
      PciDev pdev = r.eduDevices().get(0);
      String log = r.k.dmesg().text();
      assertTrue(log.contains("device_create(edu0) failed: " + -EEXIST), log);
      assertProbeLeftNothing(r, pdev);
      assertNull(r.k.chrdev().lookup(Chrdev.MKDEV(254, 0)), "the cdev was deleted");
      assertEquals(0, r.k.modules().rmmod("edu"));
      r.assertNoBugs();
    }
  }

  @Test
  void aProbeFailureOnTheSecondCardLeavesTheFirstWorking() {
    try (EduRig r = EduRig.withCards(2)) {
      r.k.faults().failNth("dma_alloc_coherent", 1);
      assertEquals(0, r.insmod());
      assertNotNull(r.driver.cardOf(0));
      assertNull(r.driver.cardOf(1));
      assertNull(r.k.vfs().lookup("/dev/edu1"));
      assertProbeLeftNothing(r, r.eduDevices().get(1));
      int fd = r.open(0);
      assertEquals(1, r.factorial(fd, 1));
      r.p.close(fd);
      assertEquals(0, r.k.modules().rmmod("edu"));
      r.assertNoBugs();
    }
  }

  @Test
  void aBadModuleParameterIsRefused() {
    try (EduRig r = EduRig.withCards(1)) {
      assertEquals(-22, r.insmod("use_msi=maybe"));
      assertTrue(r.k.dmesg().contains("edu: 'maybe' invalid for parameter 'use_msi'"));
      assertEquals(-ENOENT, r.insmod("use_mxi=1"));
      assertNull(r.k.modules().find("edu"));
      r.assertNoBugs();
    }
  }

  /** After a failed probe: nothing claimed, mapped, enabled or registered for {@code pdev}, no report. */
  private static void assertProbeLeftNothing(EduRig r, PciDev pdev) {
    r.assertNoBugs();
    assertTrue(r.k.pci().leftoversOfDevice(pdev).isEmpty(), () -> r.k.pci().leftoversOfDevice(pdev).toString());
    assertNull(pdev.driver());
    assertFalse(pdev.isEnabled());
    assertFalse(pdev.resource[0].claimed());
    assertTrue(pdev.irqVectors().isEmpty());
    assertFalse(pdev.msi_enabled);
    assertEquals(0, r.k.pci().read(pdev, PciCore.COMMAND_OFFSET, 2) & PciCore.COMMAND_MASTER);
  }
}
