package dev.driverlab.drivers.simpledma;

import static dev.driverlab.drivers.simpledma.SimpleDmaUapi.*;
import static dev.driverlab.kernel.uapi.Errno.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.kernel.uapi.Ioctl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Requests the driver refuses, and failures the engine reports. */
class SimpleDmaErrorTest {

  /** Bad requests fail with -EINVAL before the driver touches the card: no TLP crosses its link. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "size 0,                         0, 0,          0",
      "runs past device RAM,           0, 0xfff0,     32",
      "offset past device RAM,         0, 0x10000,    1",
      "offset wraps 32 bits,           0, 0xffffffff, 2",
      "longer than device RAM,         0, 0,          65537",
      "negative length,                0, 0,          -1",
      "bad direction,                  2, 0,          32",
      "size 0 from device,             1, 0,          0",
      "runs past device RAM to host,   1, 0x8001,     0x8000"})
  void badTransferIsEinvalAndTouchesNoHardware(String what, int dir, String offset, String length) {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      int fd = rig.open(0);
      long user = rig.userBuffer(1 << 17);
      rig.record();
      assertEquals(-EINVAL, rig.transfer(fd, dir, decodeUnsigned(offset), user, decodeUnsigned(length)), what);
      assertEquals(java.util.List.of(), rig.tlps(0), "no TLP on the card's link");
    }
  }

  private static int decodeUnsigned(String s) {
    return (int) Long.decode(s).longValue();
  }

  @Test
  void offsetAndLengthAreUnsigned() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      int fd = rig.open(0);
      long user = rig.userBuffer(4096);
      assertEquals(-EINVAL, rig.transfer(fd, SDMA_TO_DEVICE, decodeUnsigned("0xffffffff"), user, 2));
      assertEquals(-EINVAL, rig.transfer(fd, SDMA_TO_DEVICE, 0x10, user, decodeUnsigned("0xfffffff0")));
      assertEquals(0, rig.transfer(fd, SDMA_TO_DEVICE, 0xffe0, user, 32), "the last 32 bytes are fine");
    }
  }

  @Test
  void nonZeroFlagsAreEinval() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      int fd = rig.open(0);
      long user = rig.userBuffer(4096);
      byte[] req = SimpleDmaUapi.transfer(SDMA_TO_DEVICE, 0, user, 32);
      putLe32(req, XFER_FLAGS, 1);
      rig.poke(rig.arg, req);
      assertEquals(-EINVAL, rig.p.ioctl(fd, SDMA_IOC_TRANSFER, rig.arg));
    }
  }

  @Test
  void ramIoOutOfRangeIsEinval() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      int fd = rig.open(0);
      long user = rig.userBuffer(4096);
      rig.record();
      assertEquals(-EINVAL, rig.readRam(fd, 0, 0, user));
      assertEquals(-EINVAL, rig.readRam(fd, 0xfffc, 8, user));
      assertEquals(-EINVAL, rig.writeRam(fd, 0x10000, 1, user));
      assertEquals(-EINVAL, rig.writeRam(fd, -1, 2, user));
      assertEquals(java.util.List.of(), rig.tlps(0));
      assertEquals(0, rig.readRam(fd, 0xfffc, 4, user), "the last word is fine");
    }
  }

  @Test
  void badPointersAreEfaultWithoutBugReports() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      int fd = rig.open(0);
      long user = rig.userBuffer(4096);
      long unmapped = 0x1000;
      long kernelPointer = 0xffff_8880_0010_0000L;
      assertEquals(-EFAULT, rig.p.ioctl(fd, SDMA_IOC_TRANSFER, unmapped), "the struct itself");
      assertEquals(-EFAULT, rig.p.ioctl(fd, SDMA_IOC_INFO, unmapped));
      assertEquals(-EFAULT, rig.p.ioctl(fd, SDMA_IOC_READ_RAM, unmapped));
      rig.record();
      assertEquals(-EFAULT, rig.transfer(fd, SDMA_TO_DEVICE, 0, unmapped, 32), "an unmapped source");
      assertEquals(-EFAULT, rig.transfer(fd, SDMA_TO_DEVICE, 0, kernelPointer, 32), "a kernel address");
      assertEquals(-EFAULT, rig.writeRam(fd, 0, 32, unmapped));
      assertEquals(java.util.List.of(), rig.tlps(0), "refused before any MMIO or DMA");
      assertEquals(-EFAULT, rig.transfer(fd, SDMA_FROM_DEVICE, 0, unmapped, 32), "caught after the DMA");
      assertEquals(-EFAULT, rig.readRam(fd, 0, 32, unmapped));
      assertEquals(-EFAULT, rig.transfer(fd, SDMA_TO_DEVICE, 0, user + 4000, 200), "runs off the mapping");
      assertTrue(rig.k.bugs().reports().isEmpty(), "user mistakes are not driver bugs: " + rig.k.bugs().reports());
      assertEquals(0, rig.transfer(fd, SDMA_TO_DEVICE, 0, user, 32), "the card still works");
    }
  }

  @Test
  void unknownCommandsAreEnotty() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1)) {
      int fd = rig.open(0);
      assertEquals(-ENOTTY, rig.p.ioctl(fd, Ioctl._IO('S', 9), 0));
      assertEquals(-ENOTTY, rig.p.ioctl(fd, Ioctl._IOR('S', 0, 8), rig.arg), "INFO with the wrong struct size");
      assertEquals(-ENOTTY, rig.p.ioctl(fd, Ioctl._IOWR('x', 1, SDMA_TRANSFER_SIZE), rig.arg), "another magic");
    }
  }

  /**
   * A failure only the hardware can see: the IOMMU loses the buffer's mapping, the Root Complex answers
   * the card's read with Unsupported Request, the engine reports it in ERROR_CAUSE and the driver turns
   * it into -EIO with a line naming the cause. Device RAM keeps its old contents.
   */
  @Test
  void engineErrorIsEioAndDmesgNamesTheCause() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(Machine.builder().iommu(true).build(), 1)) {
      int fd = rig.open(0);
      long bus = getLe64(rig.info(fd), INFO_BUF_BUS_ADDR);
      long user = rig.userBuffer(4096);
      rig.poke(user, SimpleDmaRig.tutorialPattern(32));
      rig.machine.iommu().unmap(rig.id(0), bus, 65536);
      rig.record();
      assertEquals(-EIO, rig.transfer(fd, SDMA_TO_DEVICE, 0x8000, user, 32));
      assertTrue(rig.k.dmesg().contains("DMAR: [DMA Read] Request device [" + rig.id(0)), rig.k.dmesg().text());
      String line = "simple_dma " + rig.pdev(0).name() + ": DMA to device of 32 bytes at device RAM 0x8000 failed: "
          + "ERROR_CAUSE 6 (UNSUPPORTED_REQUEST)";
      assertTrue(rig.k.dmesg().contains(line), rig.k.dmesg().text());
      assertEquals(1, SimpleDmaRig.count(rig.deviceInitiated(0), TlpType.MRD));
      assertArrayEquals(new byte[32], rig.deviceRam(0, 0x8000, 32), "a failed read leaves device RAM alone");
      assertTrue(rig.k.bugs().reports().isEmpty(), rig.k.bugs().reports().toString());
    }
  }

  /**
   * Teaching mode bus_master=0: the engine refuses to master (ERROR_CAUSE BUS_MASTER_DISABLED) and its
   * MSI, a memory write, is not sent either; the driver finds the outcome in STATUS after its timeout.
   */
  @Test
  void withoutBusMasteringTheEngineRefusesAndTheDriverSaysWhy() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1, "bus_master=0")) {
      assertEquals(0, rig.insmod);
      assertTrue(rig.k.dmesg().contains("bus_master=0: Bus Master Enable stays clear"));
      int fd = rig.open(0);
      long user = rig.userBuffer(4096);
      rig.record();
      assertEquals(-EIO, rig.transfer(fd, SDMA_TO_DEVICE, 0x8000, user, 32));
      assertEquals(java.util.List.of(), rig.deviceInitiated(0), "no DMA request, no MSI");
      String dmesg = rig.k.dmesg().text();
      assertTrue(dmesg.contains("failed: ERROR_CAUSE 5 (BUS_MASTER_DISABLED): Bus Master Enable is clear"), dmesg);
      assertTrue(dmesg.contains("its interrupt never came (MSI is a memory write: it needs Bus Master Enable too)"),
          dmesg);
      assertEquals(-EIO, rig.transfer(fd, SDMA_FROM_DEVICE, 0, user, 32), "the next one fails the same way");
      // The DMA-TLP check joins the refused request with the driver's mapping and names the missing call.
      var reports = rig.k.bugs().reports(dev.driverlab.kernel.debug.Check.DMA_TLP);
      assertTrue(reports.stream().anyMatch(r -> r.message().contains("Bus Master Enable is clear")
          && r.message().contains("call pci_set_master")), reports.toString());
    }
  }

  @Test
  void withoutBusMasteringIntxStillSignalsTheFailure() {
    try (SimpleDmaRig rig = SimpleDmaRig.boot(1, "bus_master=0", "use_msi=0")) {
      int fd = rig.open(0);
      long user = rig.userBuffer(4096);
      assertEquals(-EIO, rig.transfer(fd, SDMA_TO_DEVICE, 0, user, 32));
      assertTrue(rig.k.dmesg().contains("(BUS_MASTER_DISABLED)"));
      assertFalse(rig.k.dmesg().contains("interrupt never came"), "INTx is a message, not a memory write");
    }
  }
}
