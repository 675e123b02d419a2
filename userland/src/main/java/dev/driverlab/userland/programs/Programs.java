package dev.driverlab.userland.programs;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The programs installed on the default system, by command name, with a one-line description. */
public final class Programs {
  /** One installed program. */
  public record Entry(String name, String description, Supplier<Program> factory) {}

  private static final Map<String, Entry> ALL = build();

  private static Map<String, Entry> build() {
    Map<String, Entry> m = new LinkedHashMap<>();
    add(m, "myioctl", "GET, SET 456, GET on /dev/myioctl (the ioctl example)", MyIoctlProgram::new);
    add(m, "dmesg", "print the kernel log", Dmesg::new);
    add(m, "lsmod", "list loaded modules", Lsmod::new);
    add(m, "lspci", "list PCI devices as pciutils does (-t -v -vv -vvv -n -nn -x -xxx -xxxx -k -s, -F dump)",
        LspciProgram::new);
    add(m, "edu-test", "check an edu card: ident, liveness, factorials 0..12, DMA round trip (-d /dev/eduN)",
        EduTest::new);
    add(m, "simple-dma", "the tutorial's DMA: 32 bytes into device RAM 0x8000 and back (--size, --offset, --to-host)",
        SimpleDma::new);
    add(m, "riffa-test", "RIFFA sample test: list, reset, loopback via chnl_tester, bandwidth and offset sweeps",
        RiffaTest::new);
    add(m, "pcimem", "read or write a BAR word through /sys/bus/pci/devices/BDF/resourceN", Pcimem::new);
    add(m, "tlp", "decode TLP header dwords into fields, or encode fields into dwords", TlpTool::new);
    return java.util.Collections.unmodifiableMap(m);
  }

  private Programs() {}

  private static void add(Map<String, Entry> m, String name, String description, Supplier<Program> factory) {
    m.put(name, new Entry(name, description, factory));
  }

  /** The program named {@code name}, or null. */
  public static Entry find(String name) {
    return ALL.get(name);
  }

  public static Map<String, Entry> all() {
    return Map.copyOf(ALL);
  }

  /** Names in installation order. */
  public static java.util.List<String> names() {
    return java.util.List.copyOf(ALL.keySet());
  }
}
