package dev.driverlab.drivers.simpledma;

import static dev.driverlab.drivers.simpledma.SimpleDmaUapi.*;
import static dev.driverlab.kernel.pci.Pci.pcie_get_mps;
import static dev.driverlab.kernel.pci.Pci.pcie_get_readrq;
import static dev.driverlab.kernel.uapi.Errno.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.simpledma.SimpleDmaDevice;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.fs.Chrdev;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.fs.Vfs;
import dev.driverlab.kernel.pci.PciCore;
import org.junit.jupiter.api.Test;

/** Loading, probing, unwinding and unloading. */
class SimpleDmaLifecycleTest {

  @Test
  void ioctlCommandsEncodeAsDocumented() {
    assertEquals(0x80205300, SDMA_IOC_INFO);
    assertEquals(0xc0285301, SDMA_IOC_TRANSFER);
    assertEquals(0x40105302, SDMA_IOC_READ_RAM);
    assertEquals(0x40105303, SDMA_IOC_WRITE_RAM);
  }

  @Test
  void probeLogsTheCardAndInfoReportsItsRegistersAndBuffer() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      assertEquals(0, rig.insmod);
      assertTrue(rig.pdev(0).msi_enabled);
      assertTrue(rig.pdev(0).is_busmaster);
      int fd = rig.open(0);
      byte[] info = rig.info(fd);
      long bus = getLe64(info, INFO_BUF_BUS_ADDR);
      assertEquals(0x0100_d1ab, getLe32(info, INFO_ID));
      assertEquals(65536, getLe32(info, INFO_RAM_SIZE));
      assertEquals(65536, getLe32(info, INFO_BUF_SIZE));
      assertEquals(SDMA_IRQ_MSI, getLe32(info, INFO_IRQ_MODE));
      assertEquals(pcie_get_readrq(rig.pdev(0)), getLe32(info, INFO_MAX_READ_REQ));
      assertEquals(pcie_get_mps(rig.pdev(0)), getLe32(info, INFO_MAX_PAYLOAD));
      assertTrue(bus >= 16 << 20 && (bus & 0xfff) == 0, String.format("bus address %#x", bus));
      String line = String.format("simple_dma %s: /dev/simple-dma: 64 KiB device RAM, DMA buffer of 65536 bytes at bus "
          + "%#x, MSI IRQ %d", rig.pdev(0).name(), bus, rig.pdev(0).irqVectors().get(0));
      assertTrue(rig.k.dmesg().contains(line), rig.k.dmesg().text());
      assertTrue(rig.k.bugs().reports().isEmpty(), rig.k.bugs().reports().toString());
    }
  }

  @Test
  void rmmodReleasesEverythingAndTheModuleLoadsAgain() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(2)) {
      int fd = rig.open(0);
      long user = rig.userBuffer(4096);
      assertEquals(0, rig.transfer(fd, SDMA_TO_DEVICE, 0, user, 64));
      assertEquals(0, rig.transfer(fd, SDMA_FROM_DEVICE, 0, user, 64));
      assertEquals(-EBUSY, rig.k.modules().rmmod("simple_dma"), "a file is open");
      assertEquals(0, rig.p.close(fd));
      assertEquals(0, rig.k.modules().rmmod("simple_dma"));
      assertTrue(rig.k.bugs().reports().isEmpty(), rig.k.bugs().reports().toString());
      assertNull(rig.k.vfs().lookup("/dev/simple-dma"));
      assertNull(rig.k.vfs().lookup("/dev/simple-dma1"));
      assertFalse(rig.k.vfs().isDirectory("/sys/class/simple-dma"));
      assertFalse(rig.k.chrdev().procDevices().contains("simple-dma"));
      for (int card = 0; card < 2; card++) {
        assertFalse(rig.pdev(card).msi_enabled);
        assertFalse(rig.pdev(card).is_busmaster);
        assertFalse(rig.pdev(card).resource[0].claimed());
        assertEquals(0, rig.k.pci().read(rig.pdev(card), PciCore.COMMAND_OFFSET, 2) & PciCore.COMMAND_MASTER);
      }

      assertEquals(0, rig.k.modules().insmod(new SimpleDmaDriver()));
      fd = rig.open(1);
      rig.poke(user, SimpleDmaRig.tutorialPattern(32));
      assertEquals(0, rig.transfer(fd, SDMA_TO_DEVICE, 0x8000, user, 32));
      assertArrayEquals(SimpleDmaRig.tutorialPattern(32), rig.deviceRam(1, 0x8000, 32));
      rig.p.close(fd);
      assertEquals(0, rig.k.modules().rmmod("simple_dma"));
      assertTrue(rig.k.bugs().reports().isEmpty(), rig.k.bugs().reports().toString());
    }
  }

  @Test
  void loadsWithoutCardsAndUnloadsCleanly() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(0)) {
      assertEquals(0, rig.insmod);
      assertNull(rig.k.vfs().lookup("/dev/simple-dma"));
      assertEquals(0, rig.k.modules().rmmod("simple_dma"));
      assertTrue(rig.k.bugs().reports().isEmpty(), rig.k.bugs().reports().toString());
    }
  }

  @Test
  void probeThatCannotAllocateItsBufferUndoesEveryStep() {
    Machine m = Machine.createDefault();
    m.plug(new SimpleDmaDevice());
    Kernel k = Kernel.boot(m);
    try {
      k.faults().failNth("dma_alloc_coherent", 0);
      assertEquals(0, k.modules().insmod(new SimpleDmaDriver()), "a failed probe does not fail the module");
      var pdev = k.pci().devices().stream().filter(d -> d.vendor == 0xd1ab).findFirst().orElseThrow();
      assertTrue(k.dmesg().contains("simple_dma " + pdev.name() + ": cannot allocate a 65536-byte DMA buffer"));
      assertTrue(k.dmesg().contains("simple_dma: probe of " + pdev.name() + " failed with error -12"));
      assertTrue(k.bugs().reports().isEmpty(), "nothing left behind: " + k.bugs().reports());
      assertNull(pdev.driver());
      assertFalse(pdev.is_busmaster);
      assertFalse(pdev.isEnabled());
      assertFalse(pdev.resource[1].claimed());
      assertNull(k.vfs().lookup("/dev/simple-dma"));
      assertEquals(0, k.modules().rmmod("simple_dma"));
      assertTrue(k.bugs().reports().isEmpty(), k.bugs().reports().toString());
    } finally {
      k.shutdown();
    }
  }

  @Test
  void probeThatCannotCreateItsNodeUndoesEveryStep() {
    Machine m = Machine.createDefault();
    m.plug(new SimpleDmaDevice());
    Kernel k = Kernel.boot(m);
    try {
      var squatter = k.createProcess("mknod");
      assertEquals(0, squatter.mknod("/dev/simple-dma", Chrdev.MKDEV(1, 3)));
      assertEquals(0, k.modules().insmod(new SimpleDmaDriver()));
      assertTrue(k.dmesg().contains("device_create /dev/simple-dma failed: -17"), k.dmesg().text());
      assertTrue(k.bugs().reports().isEmpty(), "IRQ, vectors, buffer, mappings, regions released: "
          + k.bugs().reports());
      var pdev = k.pci().devices().stream().filter(d -> d.vendor == 0xd1ab).findFirst().orElseThrow();
      assertFalse(pdev.msi_enabled);
      assertTrue(pdev.irqVectors().isEmpty());
      assertEquals(0, k.modules().rmmod("simple_dma"));
      assertTrue(k.bugs().reports().isEmpty(), k.bugs().reports().toString());
    } finally {
      k.shutdown();
    }
  }

  @Test
  void badReadRequestSizeParameterFailsInsmodWithAClearMessage() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1, "readrq=100")) {
      assertEquals(-EINVAL, rig.insmod);
      assertTrue(rig.k.dmesg().contains(
          "simple_dma: readrq=100: the Max Read Request Size is a power of two from 128 to 4096 bytes"));
      assertNull(rig.k.modules().find("simple_dma"));
      assertTrue(rig.k.bugs().reports().isEmpty(), rig.k.bugs().reports().toString());
      assertNull(rig.pdev(0).driver());
    }
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1, "readrq=8192")) {
      assertEquals(-EINVAL, rig.insmod);
    }
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1, "use_msi=maybe")) {
      assertEquals(-EINVAL, rig.insmod);
      assertTrue(rig.k.dmesg().contains("simple_dma: 'maybe' invalid for parameter 'use_msi'"));
    }
  }

  @Test
  void aMinorWithoutACardCannotBeOpened() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      Vfs.CharNode node = (Vfs.CharNode) rig.k.vfs().lookup("/dev/simple-dma");
      int major = Chrdev.MAJOR(node.rdev());
      assertEquals(0, Chrdev.MINOR(node.rdev()));
      assertEquals(0, rig.p.mknod("/dev/simple-dma5", Chrdev.MKDEV(major, 5)));
      assertEquals(-ENXIO, rig.p.open("/dev/simple-dma5", File.O_RDWR), "no cdev serves minor 5");
    }
  }
}
