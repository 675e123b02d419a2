package dev.driverlab.devices.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.testing.BareMetal;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigDumpTest {
  static final String DUMP = String.join("\n",
      "00:1f.3 Audio device: Intel Corporation Device a171 (rev 31)",
      "00: 86 80 71 a1 06 04 10 00 31 00 03 04 10 00 00 00",
      "10: 04 00 00 e9 00 00 00 00 00 00 00 00 00 00 00 00",
      "20: 04 00 20 e9 00 00 00 00 00 00 00 00 28 10 c6 07",
      "30: 00 00 00 00 50 00 00 00 00 00 00 00 ff 01 00 00",
      "50: 01 60 43 c8 08 00 00 00 00 00 00 00 00 00 00 00",
      "60: 05 00 80 00 00 00 00 00 00 00 00 00 00 00 00 00");

  @Test
  void parsesSlotAndBytes() {
    List<ConfigDump.Function> fns = ConfigDump.parse(DUMP);
    assertEquals(1, fns.size());
    assertEquals("00:1f.3", fns.get(0).slot());
    assertEquals(256, fns.get(0).config().length);
    assertEquals((byte) 0x86, fns.get(0).config()[0]);
    assertEquals((byte) 0x05, fns.get(0).config()[0x60]);
  }

  @Test
  void badLineIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConfigDump.parse("00:1f.3 x\n00: zz"));
    assertTrue(e.getMessage().startsWith("config dump line 2"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ConfigDump.parse(""));
  }

  @Test
  void dumpedDeviceAnswersWithTheRealHeaderAndWorkingBars() {
    Machine m = Machine.createDefault();
    Slot s = m.plug(DumpedDevice.fromLspci(DUMP, 16384, 0, 0, 0, 1 << 20));
    BareMetal bm = BareMetal.boot(m);
    Endpoint ep = (Endpoint) s.functions().get(0);
    assertEquals(0xa1718086, ep.config().read32(ConfigSpace.VENDOR_ID));
    assertEquals(0x040300, ep.config().read32(ConfigSpace.REVISION_ID) >>> 8);
    long bar0 = BareMetal.barBase(ep, 0);
    long bar4 = BareMetal.barBase(ep, 4);
    assertTrue(bar4 >= Machine.MMIO64_BASE, "64-bit BAR 4 placed high: " + Long.toHexString(bar4));
    bm.write(bar0 + 0x10, 0xabcd1234L, 4);
    assertEquals(0xabcd1234L, bm.read(bar0 + 0x10, 4));
    ep.config().write(ConfigSpace.BAR0, 4, 0xffffffff);
    assertEquals(0xffffc004, ep.config().read32(ConfigSpace.BAR0), "BAR sizing reads back the 16 KiB mask");
    // The MSI capability from the image is usable: enable it and signal.
    BareMetal.enableMsi(ep, 0x33);
    assertTrue(ep.msiEnabled());
  }
}
