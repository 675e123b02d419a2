package dev.driverlab.kerneltest.module;

import static dev.driverlab.kernel.fs.Chrdev.*;
import static dev.driverlab.kernel.mm.Mm.*;
import static dev.driverlab.kernel.sched.Sched.jiffies;
import static dev.driverlab.kernel.sched.Timers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.fs.Cdev;
import dev.driverlab.kernel.fs.DeviceClass;
import dev.driverlab.kernel.fs.FileOperations;
import dev.driverlab.kernel.io.Io;
import dev.driverlab.kernel.irq.Irq;
import dev.driverlab.kernel.mm.Page;
import dev.driverlab.kernel.pci.Pci;
import dev.driverlab.kernel.pci.PciDriver;
import dev.driverlab.kernel.sched.TimerList;
import dev.driverlab.kernel.sched.WorkStruct;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import dev.driverlab.kerneltest.TestModule;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * rmmod names every kind of resource a module left behind, one LEAK report each. Each init records
 * the kernel's call site on the line that made the resource, so the expected message is exact.
 */
class ModuleLeakTest {
  private final KernelRig rig = KernelRig.boot();
  /** The call site recorded on the allocating line. */
  private String site;

  @AfterEach
  void shutdown() {
    rig.close();
  }

  /** Loads a module named "leaky" with {@code init} and an empty exit, unloads it, returns the one report. */
  private String leakOf(IntSupplier init) {
    assertEquals(0, rig.kernel.modules().insmod(new TestModule("leaky").onInit(init)));
    assertEquals(0, rig.kernel.modules().rmmod("leaky"));
    BugReport r = rig.onlyReport(Check.LEAK);
    assertNull(r.driver(), "a module leak names no device");
    return r.message();
  }

  @Test
  void kmallocMemory() {
    long[] p = {0};
    String msg = leakOf(() -> {
      p[0] = kmalloc(64, GFP_KERNEL); site = rig.kernel.callSite();
      return 0;
    });
    assertEquals(String.format("module leaky unloaded but left: kmalloc'ed 64 bytes at %#x (allocated at %s)", p[0],
        site), msg);
    assertTrue(site.startsWith("ModuleLeakTest.lambda$kmallocMemory$"), site);
    assertTrue(rig.kernel.dmesg().contains("leak: module leaky unloaded but left: kmalloc'ed 64 bytes"));
  }

  @Test
  void vmallocMemory() {
    long[] p = {0};
    String msg = leakOf(() -> {
      p[0] = vmalloc(10_000); site = rig.kernel.callSite();
      return 0;
    });
    assertEquals(String.format("module leaky unloaded but left: vmalloc'ed 10000 bytes at %#x (allocated at %s)",
        p[0], site), msg);
  }

  @Test
  void ioremapMapping() {
    long[] p = {0};
    String msg = leakOf(() -> {
      p[0] = Io.ioremap(Machine.MMIO32_BASE, 4096); site = rig.kernel.callSite();
      return 0;
    });
    assertEquals(String.format("module leaky unloaded but left: ioremap mapping of 0x1000 bytes at %#x (made at %s)",
        p[0], site), msg);
  }

  @Test
  void charDeviceRegion() {
    String msg = leakOf(() -> {
      int[] dev = {0};
      int r = alloc_chrdev_region(dev, 0, 2, "leaky"); site = rig.kernel.callSite();
      return r;
    });
    assertEquals("module leaky unloaded but left: char device region 254:0-1 \"leaky\" (registered at " + site + ")",
        msg);
  }

  @Test
  void registeredChrdevMajor() {
    String msg = leakOf(() -> {
      int r = register_chrdev(240, "leaky", FileOperations.builder().build()); site = rig.kernel.callSite();
      return r;
    });
    assertEquals("module leaky unloaded but left: char device region 240:0-255 \"leaky\" (registered at " + site + ")",
        msg);
  }

  @Test
  void cdevStillAdded() {
    Cdev cdev = new Cdev();
    String msg = leakOf(() -> {
      cdev_init(cdev, FileOperations.builder().build());
      int r = cdev_add(cdev, MKDEV(240, 0), 1); site = rig.kernel.callSite();
      return r;
    });
    assertEquals("module leaky unloaded but left: cdev 240:0 (added at " + site + ")", msg);
  }

  @Test
  void deviceClass() {
    String msg = leakOf(() -> {
      class_create("leaky_class"); site = rig.kernel.callSite();
      return 0;
    });
    assertEquals("module leaky unloaded but left: class leaky_class (created at " + site + ")", msg);
  }

  @Test
  void deviceNode() {
    DeviceClass[] cls = {null};
    assertEquals(0, rig.kernel.modules().insmod(new TestModule("leaky")
        .onInit(() -> {
          cls[0] = class_create("leaky_class");
          device_create(cls[0], null, MKDEV(240, 0), null, "leaky%d", 0); site = rig.kernel.callSite();
          return 0;
        })
        .onExit(() -> class_destroy(cls[0]))));
    assertEquals(0, rig.kernel.modules().rmmod("leaky"));
    assertEquals("module leaky unloaded but left: device /dev/leaky0 (created at " + site + ")",
        rig.onlyReport(Check.LEAK).message());
  }

  @Test
  void pendingTimer() {
    TimerList t = new TimerList();
    String msg = leakOf(() -> {
      timer_setup(t, x -> { }, 0); site = rig.kernel.callSite();
      mod_timer(t, jiffies() + 100);
      return 0;
    });
    assertEquals("module leaky unloaded but left: timer still pending (set up at " + site + ")", msg);
  }

  @Test
  void queuedWork() {
    WorkStruct w = new WorkStruct();
    String msg = leakOf(() -> {
      INIT_WORK(w, x -> { }); site = rig.kernel.callSite();
      schedule_work(w);
      return 0;
    });
    assertEquals("module leaky unloaded but left: work still queued (initialised at " + site + ")", msg);
  }

  @Test
  void registeredPciDriver() {
    String msg = leakOf(() -> Pci.pci_register_driver(new PciDriver("leaky_pci",
        List.of(Pci.PCI_DEVICE(0x1234, 0xfffe)), (d, id) -> 0, d -> { })));
    assertEquals("module leaky unloaded but left: PCI driver \"leaky_pci\" still registered", msg);
  }

  @Test
  void interruptHandler() {
    String msg = leakOf(() -> {
      int r = Irq.request_irq(16, (irq, dev) -> Irq.IRQ_NONE, 0, "leaky_irq", this); site = rig.kernel.callSite();
      return r;
    });
    assertEquals("module leaky unloaded but left: IRQ 16 handler \"leaky_irq\" (requested at " + site + ")", msg);
  }

  @Test
  void pinnedUserPage() {
    var p = rig.process();
    long buf = rig.userBuffer(4096);
    Page[] pages = new Page[1];
    String msg;
    try (var s = rig.kernel.enterProcess(p)) {
      msg = leakOf(() -> {
        long n = pin_user_pages(buf, 1, FOLL_WRITE, pages); site = rig.kernel.callSite();
        return n == 1 ? 0 : -1;
      });
    }
    assertEquals("module leaky unloaded but left: pin of user " + pages[0] + " (taken at " + site + ")", msg);
  }

  /** request_irq from one line, so both handlers get the same name, line and IRQ: the same report text. */
  private static int requestTwin(Object devId) {
    return Irq.request_irq(16, (irq, dev) -> Irq.IRQ_NONE, Irq.IRQF_SHARED, "twin", devId);
  }

  @Test
  void aHandlerReportedAtRemoveIsNotReportedAgainAtRmmodButItsTwinIs() {
    try (KernelRig r = KernelRig.bootWith(new ScratchDevice())) {
      Object probeCookie = new Object();
      Object initCookie = new Object();
      PciDriver drv = new PciDriver("twins", List.of(Pci.PCI_DEVICE(ScratchDevice.VENDOR_ID, ScratchDevice.DEVICE_ID)),
          (d, id) -> requestTwin(probeCookie), d -> { });
      assertEquals(0, r.kernel.modules().insmod(new TestModule("twins").onInit(() -> {
        int err = Pci.pci_register_driver(drv);
        return err != 0 ? err : requestTwin(initCookie); // a second handler, the module's, with no device
      }).onExit(() -> Pci.pci_unregister_driver(drv))));
      assertEquals(0, r.kernel.modules().rmmod("twins"));
      List<BugReport> leaks = r.reports(Check.LEAK);
      assertEquals(2, leaks.size(), leaks::toString);
      assertTrue(leaks.get(0).message().startsWith("driver removed but did not release: IRQ 16 handler \"twin\""),
          leaks::toString);
      assertTrue(leaks.get(1).message().startsWith("module twins unloaded but left: IRQ 16 handler \"twin\""),
          leaks::toString);
      assertEquals(leaks.get(0).message().substring("driver removed but did not release: ".length()),
          leaks.get(1).message().substring("module twins unloaded but left: ".length()), "the two texts are equal");
    }
  }

  @Test
  void everyLeftoverGetsItsOwnReport() {
    assertEquals(0, rig.kernel.modules().insmod(new TestModule("leaky").onInit(() -> {
      kmalloc(8, GFP_KERNEL);
      kmalloc(16, GFP_KERNEL);
      class_create("leaky_class");
      return 0;
    })));
    rig.kernel.modules().rmmod("leaky");
    assertEquals(3, rig.reports(Check.LEAK).size());
  }
}
