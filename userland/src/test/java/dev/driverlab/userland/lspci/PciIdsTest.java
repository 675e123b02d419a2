package dev.driverlab.userland.lspci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PciIdsTest {
  private static final PciIds SMALL = PciIds.parse(String.join("\n",
      "# comment",
      "8086  Intel Corporation",
      "\t1237  440FX - 82441FX PMC [Natoma]",
      "\t7000  82371SB PIIX3 ISA [Natoma/Triton II]",
      "\t\t1af4 1100  Qemu virtual machine",
      "\t9d10  Sunrise Point-LP PCI Express Root Port #1",
      "1af4  Red Hat, Inc.",
      "C 01  Mass storage controller",
      "\t01  IDE interface",
      "\t\t80  ISA Compatibility mode-only controller, supports bus mastering",
      "C 06  Bridge",
      "\t04  PCI bridge",
      "\t\t00  Normal decode",
      "S 1af4  Red Hat, Inc.",
      "\t0001  Generic subsystem",
      ""));

  @Test
  void looksUpEveryKindOfEntry() {
    assertEquals(Optional.of("Intel Corporation"), SMALL.vendorName(0x8086));
    assertEquals(Optional.of("440FX - 82441FX PMC [Natoma]"), SMALL.deviceName(0x8086, 0x1237));
    assertEquals(Optional.of("Qemu virtual machine"),
        SMALL.subsystemName(0x8086, 0x7000, 0x1af4, 0x1100));
    assertEquals(Optional.of("Bridge"), SMALL.className(0x06));
    assertEquals(Optional.of("PCI bridge"), SMALL.subclassName(0x06, 0x04));
    assertEquals(Optional.of("Normal decode"), SMALL.progIfName(0x06, 0x04, 0x00));
    assertEquals(Optional.empty(), SMALL.vendorName(0x1234));
  }

  @Test
  void unknownSubsystemTakesTheDeviceNameCutAtHashAsUdevHwdbDoes() {
    assertEquals(Optional.of("Sunrise Point-LP PCI Express Root Port"),
        SMALL.subsystemName(0x8086, 0x9d10, 0x17aa, 0x2238));
    assertEquals(Optional.empty(), SMALL.withoutHwdbFallback()
        .subsystemName(0x8086, 0x9d10, 0x17aa, 0x2238));
    assertEquals(Optional.of("Generic subsystem"), SMALL.withoutHwdbFallback()
        .subsystemName(0x8086, 0x9d10, 0x1af4, 0x0001));
  }

  @Test
  void namesFallBackToNumbersAsLspciPrintsThem() {
    NameFormatter names = new NameFormatter(PciIds.empty(), 0);
    assertEquals("Device 1234:11e8", names.vendorDevice(0x1234, 0x11e8, 128));
    assertEquals("Class 00ff", names.deviceClass(0x00ff, 128));
    NameFormatter mixed = new NameFormatter(SMALL, 2);
    assertEquals("Intel Corporation Device [8086:1234]", mixed.vendorDevice(0x8086, 0x1234, 128));
    assertEquals("Bridge [0680]", mixed.deviceClass(0x0680, 128));
    assertEquals("Bridge [0680]", new NameFormatter(SMALL, 0).deviceClass(0x0680, 128));
    assertEquals("Intel Corporation Device 1234",
        new NameFormatter(SMALL, 0).vendorDevice(0x8086, 0x1234, 128));
    assertEquals("8086:1237", new NameFormatter(SMALL, 1).vendorDevice(0x8086, 0x1237, 128));
  }

  @Test
  void idePrograminterfaceBitsAreSpelledOutWhenUnnamed() {
    assertEquals("Master SecP PriO", new NameFormatter(SMALL, 0).progIf(0x0101, 0x89, 128));
  }

  @Test
  void malformedDatabaseLineIsReportedWithItsNumber() {
    PciIds bad = PciIds.parse("# ids\n8086  Intel\n\t1234  Fine\n\tzz12  Broken\n");
    // a vendor's block is parsed when its devices are first asked for
    assertEquals(Optional.of("Intel"), bad.vendorName(0x8086));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> bad.deviceName(0x8086, 0x1234));
    assertEquals("Parse error at <text>, line 4", e.getMessage());
    PciIds badClass = PciIds.parse("C 0  x\n");
    e = assertThrows(IllegalArgumentException.class, () -> badClass.className(0));
    assertEquals("Parse error at <text>, line 1", e.getMessage());
  }

  @Test
  void systemDatabaseNamesTheReferenceDevices() {
    assumeTrue(PciIds.findSystemPath().isPresent(), "no pci.ids installed");
    PciIds ids = PciIds.system();
    assertEquals(Optional.of("Intel Corporation"), ids.vendorName(0x8086));
    assertEquals(Optional.of("5520/5500/X58 I/O Hub PCI Express Root Port 1"),
        ids.deviceName(0x8086, 0x3408));
    assertTrue(ids.source().endsWith("pci.ids"));
  }
}
