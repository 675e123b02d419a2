package dev.driverlab.kerneltest.fs;

import static dev.driverlab.kernel.base.ErrPtr.IS_ERR;
import static dev.driverlab.kernel.base.ErrPtr.PTR_ERR;
import static dev.driverlab.kernel.fs.Chrdev.*;
import static dev.driverlab.kernel.uapi.Errno.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.fs.Cdev;
import dev.driverlab.kernel.fs.DeviceClass;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.fs.FileOperations;
import dev.driverlab.kerneltest.KernelRig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Device numbers, cdevs, classes and device nodes (fs/char_dev.c, drivers/base/class.c and core.c). */
class ChrdevRegistrationTest {
  private final KernelRig rig = KernelRig.boot();
  private final FileOperations fops = FileOperations.builder().build();

  @AfterEach
  void shutdown() {
    rig.close();
  }

  @Test
  void deviceNumbersPackTwelveBitMajorsAndTwentyBitMinors() {
    assertEquals(240 << 20 | 5, MKDEV(240, 5));
    assertEquals(240, MAJOR(MKDEV(240, 5)));
    assertEquals(5, MINOR(MKDEV(240, 5)));
    assertEquals(0xfffff, MINOR(MKDEV(1, 0xfffff)));
  }

  @Test
  void registerChrdevWithAStaticMajorReturnsZero() {
    assertEquals(0, register_chrdev(240, "static", fops));
    assertTrue(rig.readFile("/proc/devices").contains("240 static\n"));
  }

  @Test
  void dynamicMajorsAreHandedOutFrom254Down() {
    assertEquals(254, register_chrdev(0, "first", fops));
    assertEquals(253, register_chrdev(0, "second", fops));
    unregister_chrdev(254, "first");
    assertEquals(254, register_chrdev(0, "third", fops));
  }

  @Test
  void dynamicMajorsContinueFrom511DownWhenTheLowRangeIsFull() {
    for (int m = 254; m >= 234; m--) {
      assertEquals(m, register_chrdev(0, "low" + m, fops));
    }
    assertEquals(511, register_chrdev(0, "high", fops));
  }

  @Test
  void runningOutOfDynamicMajorsIsEbusyWithADmesgLine() {
    for (int i = 0; i < 21 + 128; i++) {
      assertTrue(register_chrdev(0, "d" + i, fops) > 0);
    }
    assertEquals(-EBUSY, register_chrdev(0, "onetoomany", fops));
    assertTrue(rig.kernel.dmesg().contains("CHRDEV \"onetoomany\" dynamic allocation region is full"));
  }

  @Test
  void aTakenMajorIsEbusy() {
    assertEquals(0, register_chrdev(240, "one", fops));
    assertEquals(-EBUSY, register_chrdev(240, "two", fops));
  }

  @Test
  void aMajorOf512OrMoreIsEinvalWithTheLinuxMessage() {
    assertEquals(-EINVAL, register_chrdev(512, "big", fops));
    assertTrue(rig.kernel.dmesg().contains("CHRDEV \"big\" major requested (512) is greater than the maximum (511)"));
    assertEquals(-EINVAL, register_chrdev(-1, "negative", fops));
  }

  @Test
  void unregisteringAMajorThatIsNotRegisteredIsReported() {
    unregister_chrdev(200, "ghost");
    assertEquals("unregister_chrdev of a major that is not registered", rig.onlyReport(Check.WARN).message());
  }

  @Test
  void allocChrdevRegionFillsInTheFirstNumber() {
    int[] dev = {0};
    assertEquals(0, alloc_chrdev_region(dev, 0, 4, "region"));
    assertEquals(MKDEV(254, 0), dev[0]);
    assertEquals(0, alloc_chrdev_region(dev, 5, 1, "offset"));
    assertEquals(MKDEV(253, 5), dev[0]);
  }

  @Test
  void allocChrdevRegionRejectsBadCounts() {
    int[] dev = {0};
    assertEquals(-EINVAL, alloc_chrdev_region(dev, 0, 0, "none"));
    assertEquals(-EINVAL, alloc_chrdev_region(dev, -1, 1, "negative"));
    assertEquals(-EINVAL, alloc_chrdev_region(dev, 0, (1 << 20) + 1, "too many"));
  }

  @Test
  void registerChrdevRegionRefusesOverlappingMinorsOnly() {
    assertEquals(0, register_chrdev_region(MKDEV(240, 0), 4, "a"));
    assertEquals(-EBUSY, register_chrdev_region(MKDEV(240, 3), 2, "b"));
    assertEquals(0, register_chrdev_region(MKDEV(240, 4), 4, "c"));
    unregister_chrdev_region(MKDEV(240, 0), 4);
    assertEquals(0, register_chrdev_region(MKDEV(240, 0), 4, "d"));
    rig.assertNoReports();
  }

  @Test
  void unregisteringARegionThatWasNotRegisteredIsReported() {
    unregister_chrdev_region(MKDEV(240, 0), 1);
    assertEquals("unregister_chrdev_region of a range that is not registered", rig.onlyReport(Check.WARN).message());
  }

  @Test
  void cdevAddOfAnOverlappingRangeIsEbusy() {
    Cdev a = new Cdev();
    Cdev b = new Cdev();
    cdev_init(a, fops);
    cdev_init(b, fops);
    assertEquals(0, cdev_add(a, MKDEV(240, 0), 2));
    assertTrue(a.added());
    assertEquals(-EBUSY, cdev_add(b, MKDEV(240, 1), 1));
    assertFalse(b.added());
    assertEquals(0, cdev_add(b, MKDEV(240, 2), 1));
  }

  @Test
  void cdevAddOfZeroDevicesIsEinval() {
    Cdev a = new Cdev();
    cdev_init(a, fops);
    assertEquals(-EINVAL, cdev_add(a, MKDEV(240, 0), 0));
  }

  @Test
  void cdevDelOfACdevThatWasNeverAddedIsReported() {
    Cdev a = new Cdev();
    cdev_init(a, fops);
    cdev_del(a);
    assertEquals("cdev_del of a cdev that was never added", rig.onlyReport(Check.WARN).message());
  }

  @Test
  void classCreateOfAnExistingNameIsErrPtrEexist() {
    DeviceClass c = class_create("scratch");
    assertFalse(IS_ERR(c));
    DeviceClass dup = class_create("scratch");
    assertTrue(IS_ERR(dup));
    assertEquals(-EEXIST, PTR_ERR(dup));
    assertEquals("ERR_PTR(-17)", dup.toString());
  }

  @Test
  void deviceCreateMakesTheDevNodeAndTheSysfsEntry() {
    DeviceClass c = class_create("scratch");
    Device d = device_create(c, null, MKDEV(240, 3), null, "scratch%d", 3);
    assertFalse(IS_ERR(d));
    assertEquals("scratch3", d.name());
    assertNotNull(rig.kernel.vfs().lookup("/dev/scratch3"));
    assertEquals("240:3\n", rig.readFile("/sys/class/scratch/scratch3/dev"));
    assertTrue(rig.kernel.vfs().list("/sys/class").contains("scratch"));
  }

  @Test
  void deviceDestroyRemovesTheNodeAndTheSysfsEntry() {
    DeviceClass c = class_create("scratch");
    device_create(c, null, MKDEV(240, 0), null, "scratch0");
    device_destroy(c, MKDEV(240, 0));
    assertEquals(-ENOENT, rig.process().open("/dev/scratch0", File.O_RDWR));
    assertEquals(-ENOENT, rig.process().open("/sys/class/scratch/scratch0/dev", File.O_RDONLY));
    class_destroy(c);
    assertFalse(rig.kernel.vfs().list("/sys/class").contains("scratch"));
    rig.assertNoReports();
  }

  @Test
  void deviceCreateOfADuplicateNameIsErrPtrEexist() {
    DeviceClass c = class_create("scratch");
    device_create(c, null, MKDEV(240, 0), null, "scratch0");
    Device dup = device_create(c, null, MKDEV(240, 1), null, "scratch0");
    assertEquals(-EEXIST, PTR_ERR(dup));
    assertTrue(rig.kernel.dmesg().contains("sysfs: cannot create duplicate filename '/dev/scratch0'"));
  }

  @Test
  void deviceCreateInAnErrorClassIsErrPtrEinval() {
    class_create("scratch");
    assertEquals(-EINVAL, PTR_ERR(device_create(class_create("scratch"), null, MKDEV(240, 0), null, "x")));
  }

  @Test
  void deviceDestroyOfAnUnknownDeviceIsReported() {
    DeviceClass c = class_create("scratch");
    device_destroy(c, MKDEV(240, 9));
    assertEquals("device_destroy of a device that does not exist", rig.onlyReport(Check.WARN).message());
    assertEquals(java.util.List.of("dev=240:9"), rig.onlyReport(Check.WARN).facts());
  }

  @Test
  void classDestroyTwiceIsReported() {
    DeviceClass c = class_create("scratch");
    class_destroy(c);
    class_destroy(c);
    assertEquals("class_destroy of a class that does not exist", rig.onlyReport(Check.WARN).message());
  }
}
