package dev.driverlab.kernel.pci;

import static dev.driverlab.kernel.uapi.Errno.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Firmware;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.debug.Leftover;
import dev.driverlab.kernel.fs.Vfs;
import dev.driverlab.kernel.mm.KernelMemory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The PCI core: enumeration at boot (depth-first, bus numbers, BAR sizing and placement, bridge
 * windows), the driver model (match, probe, remove), and the per-device services drivers call
 * (enable, bus mastering, regions, iomap, config access). It reaches hardware only through CPU
 * physical accesses: config space through ECAM, BARs through MMIO.
 */
public final class PciCore {
  // Config space offsets and bits (include/uapi/linux/pci_regs.h).
  static final int VENDOR_ID = 0x00, COMMAND = 0x04, STATUS = 0x06, CLASS_REVISION = 0x08, HEADER_TYPE = 0x0e;
  static final int BAR0 = 0x10, SUBSYSTEM_VENDOR_ID = 0x2c, CAPABILITY_LIST = 0x34, INTERRUPT_LINE = 0x3c;
  static final int INTERRUPT_PIN = 0x3d, PRIMARY_BUS = 0x18, SECONDARY_BUS = 0x19, SUBORDINATE_BUS = 0x1a;
  static final int MEMORY_BASE = 0x20, MEMORY_LIMIT = 0x22, PREF_MEMORY_BASE = 0x24, PREF_MEMORY_LIMIT = 0x26;
  static final int PREF_BASE_UPPER32 = 0x28, PREF_LIMIT_UPPER32 = 0x2c;
  public static final int COMMAND_OFFSET = 0x04;
  public static final int COMMAND_IO = 0x1, COMMAND_MEMORY = 0x2, COMMAND_MASTER = 0x4, COMMAND_INTX_DISABLE = 0x400;
  public static final int PCI_CAP_ID_PM = 0x01, PCI_CAP_ID_MSI = 0x05, PCI_CAP_ID_EXP = 0x10, PCI_CAP_ID_MSIX = 0x11;
  /** Space reserved behind an empty hot-plug slot (Linux's pci=hpmemsize/hpmmioprefsize defaults, rounded). */
  static final long HOTPLUG_MEM = 8L << 20, HOTPLUG_PREF = 64L << 20;
  static final long MB = 1L << 20;

  private final Kernel kernel;
  private final Machine machine;
  private final List<PciDev> devices = new ArrayList<>();
  /**
   * The device {@link #find} found last. The DMA checker looks up the requester of every device DMA
   * TLP, nearly always the same device, so this saves a scan of the device list per TLP. A PciDev's
   * bus and devfn are final, and the cache is dropped whenever the list changes, so a hit is exactly
   * what the scan would return (the first, and only, device at that bus:devfn).
   */
  private PciDev lastFound;
  private final List<PciDriver> drivers = new ArrayList<>();
  private int lastBus;

  public PciCore(Kernel kernel) {
    this.kernel = kernel;
    this.machine = kernel.machine();
  }

  // ---- config access through ECAM ---------------------------------------------------------------

  private long ecam(int bus, int devfn, int where) {
    return machine.ecamBase() + ((long) bus << 20) + ((long) devfn << 12) + where;
  }

  public int readConfig(int bus, int devfn, int where, int size) {
    return (int) machine.read(ecam(bus, devfn, where), size);
  }

  public void writeConfig(int bus, int devfn, int where, int size, int value) {
    machine.write(ecam(bus, devfn, where), value & 0xffffffffL, size);
  }

  public int read(PciDev d, int where, int size) {
    return readConfig(d.bus, d.devfn, where, size);
  }

  public void write(PciDev d, int where, int size, int value) {
    writeConfig(d.bus, d.devfn, where, size, value);
  }

  // ---- enumeration ------------------------------------------------------------------------------

  public void boot() {
    log(6, String.format("PCI: ECAM [mem %#010x-%#010x] (base %#x) for domain 0000 [bus 00-ff]", machine.ecamBase(),
        machine.ecamBase() + Machine.ECAM_SIZE - 1, machine.ecamBase()));
    log(6, "PCI host bridge to bus 0000:00");
    log(6, String.format("pci_bus 0000:00: root bus resource [mem %#010x-%#010x window]", Machine.MMIO32_BASE,
        Machine.MMIO32_BASE + Machine.MMIO32_SIZE - 1));
    log(6, String.format("pci_bus 0000:00: root bus resource [mem %#x-%#x window]", Machine.MMIO64_BASE,
        Machine.MMIO64_BASE + Machine.MMIO64_SIZE - 1));
    lastBus = 0;
    scanBus(0, null);
    assignRoot();
    for (PciDev d : devices) {
      if (d.bus == 0 && d.isBridge()) {
        configureMps(d);
      }
    }
    for (PciDev d : devices) {
      addSysfs(d);
    }
  }

  private void scanBus(int bus, PciDev bridge) {
    List<PciDev> bridges = new ArrayList<>();
    for (int slot = 0; slot < 32; slot++) {
      int vd = readConfig(bus, slot << 3, VENDOR_ID, 4);
      if (absent(vd)) {
        continue;
      }
      int hdr = readConfig(bus, slot << 3, HEADER_TYPE, 1);
      int nfn = (hdr & 0x80) != 0 ? 8 : 1;
      for (int fn = 0; fn < nfn; fn++) {
        int devfn = slot << 3 | fn;
        if (fn > 0 && absent(readConfig(bus, devfn, VENDOR_ID, 4))) {
          continue;
        }
        PciDev d = probeFunction(bus, devfn, bridge);
        if (d.isBridge()) {
          bridges.add(d);
        }
      }
    }
    for (PciDev b : bridges) {
      int sec = ++lastBus;
      b.secondary = sec;
      write(b, PRIMARY_BUS, 1, bus);
      write(b, SECONDARY_BUS, 1, sec);
      write(b, SUBORDINATE_BUS, 1, 0xff);
      scanBus(sec, b);
      b.subordinate = lastBus;
      write(b, SUBORDINATE_BUS, 1, lastBus);
      log(6, String.format("pci %s: PCI bridge to [bus %02x-%02x]", b.name(), sec, lastBus));
    }
  }

  private static boolean absent(int vd) {
    return vd == -1 || vd == 0 || vd == 0x0000ffff || vd == 0xffff0000;
  }

  private PciDev probeFunction(int bus, int devfn, PciDev bridge) {
    PciDev d = new PciDev(bus, devfn, bridge);
    int vd = readConfig(bus, devfn, VENDOR_ID, 4);
    d.vendor = vd & 0xffff;
    d.device = vd >>> 16;
    int cr = readConfig(bus, devfn, CLASS_REVISION, 4);
    d.revision = cr & 0xff;
    d.class_ = cr >>> 8;
    d.hdr_type = readConfig(bus, devfn, HEADER_TYPE, 1) & 0xff;
    if (!d.isBridge()) {
      int ss = readConfig(bus, devfn, SUBSYSTEM_VENDOR_ID, 4);
      d.subsystem_vendor = ss & 0xffff;
      d.subsystem_device = ss >>> 16;
    }
    d.pin = readConfig(bus, devfn, INTERRUPT_PIN, 1);
    d.msi_cap = findCapability(d, PCI_CAP_ID_MSI);
    d.msix_cap = findCapability(d, PCI_CAP_ID_MSIX);
    d.pcie_cap = findCapability(d, PCI_CAP_ID_EXP);
    d.pm_cap = findCapability(d, PCI_CAP_ID_PM);
    if (d.pcie_cap != 0) {
      int flags = read(d, d.pcie_cap + 2, 2);
      int type = (flags >>> 4) & 0xf;
      d.slotImplemented = (flags & 0x100) != 0 && (type == 4 || type == 6);
    }
    log(6, String.format("pci %s: [%04x:%04x] type %02x class %#08x", d.name(), d.vendor, d.device, d.hdr_type & 0x7f,
        d.class_));
    sizeBars(d);
    routeIntx(d);
    devices.add(d);
    lastFound = null;
    if (bridge != null) {
      bridge.children.add(d);
    }
    return d;
  }

  /** BAR sizing (edu-and-linux-api.md §D.5): decoding off, write all ones, read back, restore. */
  private void sizeBars(PciDev d) {
    int nbars = d.isBridge() ? 2 : 6;
    int cmd = read(d, COMMAND, 2);
    write(d, COMMAND, 2, cmd & ~(COMMAND_IO | COMMAND_MEMORY));
    for (int i = 0; i < nbars; i++) {
      int off = BAR0 + 4 * i;
      int orig = read(d, off, 4);
      write(d, off, 4, -1);
      int mask = read(d, off, 4);
      write(d, off, 4, orig);
      if (mask == 0 || mask == -1 && orig == -1) {
        continue;
      }
      Resource r = d.resource[i];
      if ((mask & 1) != 0) {
        long sz = (~(mask & ~3L) + 1) & 0xffff;
        r.flags = Resource.IORESOURCE_IO | Resource.IORESOURCE_SIZEALIGN;
        r.start = 0;
        r.end = sz - 1;
        continue;
      }
      boolean is64 = (mask & 6) == 4;
      long m = mask & ~0xfL & 0xffffffffL;
      if (is64) {
        int origHi = read(d, off + 4, 4);
        write(d, off + 4, 4, -1);
        long hi = read(d, off + 4, 4) & 0xffffffffL;
        write(d, off + 4, 4, origHi);
        m |= hi << 32;
      } else {
        m |= 0xffffffff00000000L;
      }
      long size = Long.lowestOneBit(m);
      r.flags = Resource.IORESOURCE_MEM | Resource.IORESOURCE_SIZEALIGN | ((mask & 8) != 0 ? Resource.IORESOURCE_PREFETCH : 0)
          | (is64 ? Resource.IORESOURCE_MEM_64 : 0);
      r.start = 0;
      r.end = size - 1;
      log(6, String.format("pci %s: BAR %d %s", d.name(), i, r.describe()));
      if (is64) {
        i++;
      }
    }
    write(d, COMMAND, 2, cmd);
  }

  /** INTx routing: swizzle the pin at every bridge (pci_swizzle_interrupt_pin), then the firmware's _PRT. */
  private void routeIntx(PciDev d) {
    if (d.pin == 0) {
      return;
    }
    int pin = d.pin - 1;
    PciDev cur = d;
    while (cur.parent != null) {
      pin = (pin + cur.slot()) % 4;
      cur = cur.parent;
    }
    d.irq = Firmware.intxGsi(cur.slot(), pin);
    write(d, INTERRUPT_LINE, 1, d.irq);
  }

  // ---- resource assignment ----------------------------------------------------------------------

  /** A bridge's window needs: items placed at offsets from the window base. */
  private static final class Layout {
    final List<Object[]> mem = new ArrayList<>();   // {PciDev, bar index or -1 for a child bridge window, offset}
    final List<Object[]> pref = new ArrayList<>();
    long memSize, memAlign = MB, prefSize, prefAlign = MB;
  }

  private Layout layout(PciDev bridge) {
    Layout l = new Layout();
    List<long[]> memItems = new ArrayList<>();  // {size, align, index into owners}
    List<long[]> prefItems = new ArrayList<>();
    List<Object[]> owners = new ArrayList<>();
    for (PciDev c : bridge.children) {
      for (int i = 0; i < 6; i++) {
        Resource r = c.resource[i];
        if (r.len() == 0 || (r.flags & Resource.IORESOURCE_MEM) == 0) {
          continue;
        }
        boolean pref64 = (r.flags & Resource.IORESOURCE_PREFETCH) != 0 && (r.flags & Resource.IORESOURCE_MEM_64) != 0;
        owners.add(new Object[] {c, i});
        (pref64 ? prefItems : memItems).add(new long[] {r.len(), r.len(), owners.size() - 1});
      }
      if (c.isBridge()) {
        Layout cl = layout(c);
        c.layout = cl;
        if (cl.memSize > 0) {
          owners.add(new Object[] {c, -1});
          memItems.add(new long[] {cl.memSize, cl.memAlign, owners.size() - 1});
        }
        if (cl.prefSize > 0) {
          owners.add(new Object[] {c, -2});
          prefItems.add(new long[] {cl.prefSize, cl.prefAlign, owners.size() - 1});
        }
      }
    }
    boolean empty = bridge.children.isEmpty() && bridge.slotImplemented;
    l.memSize = place(memItems, owners, l.mem, empty ? HOTPLUG_MEM : 0);
    l.memAlign = Math.max(MB, memItems.stream().mapToLong(x -> x[1]).max().orElse(MB));
    l.prefSize = place(prefItems, owners, l.pref, empty ? HOTPLUG_PREF : 0);
    l.prefAlign = Math.max(MB, prefItems.stream().mapToLong(x -> x[1]).max().orElse(MB));
    return l;
  }

  private static long place(List<long[]> items, List<Object[]> owners, List<Object[]> out, long reserve) {
    items.sort(Comparator.comparingLong((long[] x) -> -x[1]));
    long off = 0;
    for (long[] it : items) {
      off = (off + it[1] - 1) & -it[1];
      Object[] o = owners.get((int) it[2]);
      out.add(new Object[] {o[0], o[1], off});
      off += it[0];
    }
    off += reserve;
    return (off + MB - 1) & -MB;
  }

  private void assignRoot() {
    long base32 = Machine.MMIO32_BASE;
    long base64 = Machine.MMIO64_BASE;
    for (PciDev d : devices) {
      if (d.bus != 0 || !d.isBridge()) {
        continue;
      }
      Layout l = layout(d);
      d.layout = l;
      base32 = (base32 + l.memAlign - 1) & -l.memAlign;
      base64 = (base64 + l.prefAlign - 1) & -l.prefAlign;
      assignBridge(d, l, base32, base64);
      base32 += l.memSize;
      base64 += l.prefSize;
    }
    if (base32 > Machine.MMIO32_BASE + Machine.MMIO32_SIZE) {
      log(3, "pci_bus 0000:00: not enough 32-bit MMIO space for all BARs");
    }
  }

  private void assignBridge(PciDev b, Layout l, long memBase, long prefBase) {
    Resource mem = b.resource[PciDev.PCI_BRIDGE_RESOURCES + 1];
    Resource pref = b.resource[PciDev.PCI_BRIDGE_RESOURCES + 2];
    if (l.memSize > 0) {
      mem.start = memBase;
      mem.end = memBase + l.memSize - 1;
      mem.flags = Resource.IORESOURCE_MEM;
      write(b, MEMORY_BASE, 2, (int) (memBase >>> 16) & 0xfff0);
      write(b, MEMORY_LIMIT, 2, (int) (mem.end >>> 16) & 0xfff0);
    } else {
      write(b, MEMORY_BASE, 2, 0xfff0);
      write(b, MEMORY_LIMIT, 2, 0);
    }
    if (l.prefSize > 0) {
      pref.start = prefBase;
      pref.end = prefBase + l.prefSize - 1;
      pref.flags = Resource.IORESOURCE_MEM | Resource.IORESOURCE_PREFETCH | Resource.IORESOURCE_MEM_64;
      write(b, PREF_MEMORY_BASE, 2, (int) (prefBase >>> 16) & 0xfff0);
      write(b, PREF_MEMORY_LIMIT, 2, (int) (pref.end >>> 16) & 0xfff0);
      write(b, PREF_BASE_UPPER32, 4, (int) (prefBase >>> 32));
      write(b, PREF_LIMIT_UPPER32, 4, (int) (pref.end >>> 32));
    } else {
      write(b, PREF_MEMORY_BASE, 2, 0xfff0);
      write(b, PREF_MEMORY_LIMIT, 2, 0);
      write(b, PREF_BASE_UPPER32, 4, 0);
      write(b, PREF_LIMIT_UPPER32, 4, 0);
    }
    Map<PciDev, long[]> childWindows = new java.util.LinkedHashMap<>();
    for (Object[] it : l.mem) {
      PciDev c = (PciDev) it[0];
      int bar = (Integer) it[1];
      long addr = memBase + (Long) it[2];
      if (bar == -1) {
        childWindows.computeIfAbsent(c, k -> new long[] {-1, -1})[0] = addr;
      } else {
        assignBar(c, bar, addr);
      }
    }
    for (Object[] it : l.pref) {
      PciDev c = (PciDev) it[0];
      int bar = (Integer) it[1];
      long addr = prefBase + (Long) it[2];
      if (bar == -2) {
        childWindows.computeIfAbsent(c, k -> new long[] {-1, -1})[1] = addr;
      } else {
        assignBar(c, bar, addr);
      }
    }
    childWindows.forEach((c, w) -> assignBridge(c, (Layout) c.layout, w[0], w[1]));
    log(6, String.format("pci %s: PCI bridge to [bus %02x-%02x]", b.name(), b.secondary, b.subordinate));
    if (l.memSize > 0) {
      log(6, String.format("pci %s:   bridge window %s", b.name(), mem.describe()));
    }
    if (l.prefSize > 0) {
      log(6, String.format("pci %s:   bridge window %s", b.name(), pref.describe()));
    }
  }

  private void assignBar(PciDev d, int bar, long addr) {
    setBar(d, bar, addr);
    log(6, String.format("pci %s: BAR %d: assigned %s", d.name(), bar, d.resource[bar].describe()));
  }

  private void setBar(PciDev d, int bar, long addr) {
    Resource r = d.resource[bar];
    long len = r.len();
    r.start = addr;
    r.end = addr + len - 1;
    write(d, BAR0 + 4 * bar, 4, (int) addr);
    if ((r.flags & Resource.IORESOURCE_MEM_64) != 0) {
      write(d, BAR0 + 4 * bar + 4, 4, (int) (addr >>> 32));
    }
  }

  // ---- Max Payload Size (drivers/pci/probe.c pcie_bus_configure_settings, "safe" policy) ----------

  private void configureMps(PciDev rootPort) {
    List<PciDev> tree = new ArrayList<>();
    collect(rootPort, tree);
    int code = 5;
    for (PciDev d : tree) {
      if (d.pcie_cap != 0) {
        code = Math.min(code, read(d, d.pcie_cap + 4, 4) & 7);
      }
    }
    for (PciDev d : tree) {
      setMps(d, code);
    }
  }

  private void collect(PciDev d, List<PciDev> out) {
    out.add(d);
    for (PciDev c : d.children) {
      collect(c, out);
    }
  }

  private void setMps(PciDev d, int code) {
    if (d.pcie_cap == 0) {
      return;
    }
    int ctl = read(d, d.pcie_cap + 8, 2);
    int was = (ctl >>> 5) & 7;
    if (was != code) {
      write(d, d.pcie_cap + 8, 2, (ctl & ~0xe0) | code << 5);
      int supported = read(d, d.pcie_cap + 4, 4) & 7;
      log(6, String.format("pci %s: Max Payload Size set to %4d/%4d (was %4d), Max Read Request %4d", d.name(),
          128 << code, 128 << supported, 128 << was, 128 << ((ctl >>> 12) & 7)));
    }
  }

  // ---- hot plug ---------------------------------------------------------------------------------

  /** A card appeared in {@code slot}: scan below its port, place its BARs in the reserved window, bind. */
  public void hotAdd(Slot slot) {
    PciDev port = null;
    for (PciDev d : devices) {
      if (d.isBridge() && d.slotImplemented && d.children.isEmpty() && portFor(d, slot)) {
        port = d;
        break;
      }
    }
    if (port == null) {
      log(3, "pciehp: no empty hot-plug port for slot " + slot.name());
      return;
    }
    log(6, String.format("pcieport %s: pciehp: Slot(%s): Card present", port.name(), slot.name()));
    int before = devices.size();
    int saved = lastBus;
    lastBus = port.secondary - 1;
    scanBusHot(port);
    lastBus = Math.max(saved, lastBus);
    long memNext = port.resource[PciDev.PCI_BRIDGE_RESOURCES + 1].start;
    long prefNext = port.resource[PciDev.PCI_BRIDGE_RESOURCES + 2].start;
    for (PciDev d : devices.subList(before, devices.size())) {
      for (int i = 0; i < 6; i++) {
        Resource r = d.resource[i];
        if (r.len() == 0 || (r.flags & Resource.IORESOURCE_MEM) == 0) {
          continue;
        }
        boolean pref64 = (r.flags & Resource.IORESOURCE_PREFETCH) != 0 && (r.flags & Resource.IORESOURCE_MEM_64) != 0;
        long a;
        if (pref64) {
          a = (prefNext + r.len() - 1) & -r.len();
          prefNext = a + r.len();
        } else {
          a = (memNext + r.len() - 1) & -r.len();
          memNext = a + r.len();
        }
        setBar(d, i, a);
        log(6, String.format("pci %s: BAR %d: assigned %s", d.name(), i, r.describe()));
      }
      addSysfs(d);
    }
    int portMps = port.pcie_cap == 0 ? 0 : (read(port, port.pcie_cap + 8, 2) >>> 5) & 7;
    for (PciDev d : devices.subList(before, devices.size())) {
      if (d.pcie_cap != 0) {
        setMps(d, Math.min(portMps, read(d, d.pcie_cap + 4, 4) & 7));
      }
    }
    for (PciDev d : List.copyOf(devices.subList(before, devices.size()))) {
      bindAny(d);
    }
  }

  private boolean portFor(PciDev port, Slot slot) {
    // The slot is below this port if a config read on the port's secondary bus now finds a device.
    return !absent(readConfig(port.secondary, 0, VENDOR_ID, 4));
  }

  private void scanBusHot(PciDev port) {
    lastBus = port.secondary;
    int vd = readConfig(port.secondary, 0, VENDOR_ID, 4);
    if (absent(vd)) {
      return;
    }
    int hdr = readConfig(port.secondary, 0, HEADER_TYPE, 1);
    int nfn = (hdr & 0x80) != 0 ? 8 : 1;
    for (int fn = 0; fn < nfn; fn++) {
      if (!absent(readConfig(port.secondary, fn, VENDOR_ID, 4))) {
        probeFunction(port.secondary, fn, port);
      }
    }
  }

  /**
   * pciehp after a surprise removal from {@code slot}: the port reports the card gone and the link
   * down; every function below is unbound (the driver's remove sees a dead device: reads return all
   * ones) and forgotten.
   */
  public void hotRemoveSlot(Slot slot) {
    dev.driverlab.devices.pcie.tlp.PcieId portId = slot.link().port().id();
    PciDev port = find(portId.bus(), portId.device() << 3 | portId.function());
    if (port == null) {
      log(3, "pciehp: card removed from slot " + slot.name() + ", but no port is known for it");
      return;
    }
    log(6, String.format("pcieport %s: pciehp: Slot(%s): Card not present", port.name(), slot.name()));
    log(6, String.format("pcieport %s: pciehp: Slot(%s): Link Down", port.name(), slot.name()));
    for (PciDev d : List.copyOf(port.children)) {
      removeTree(d);
    }
  }

  private void removeTree(PciDev d) {
    for (PciDev c : List.copyOf(d.children)) {
      removeTree(c);
    }
    hotRemove(d);
  }

  /** Unbinds {@code d} (its driver's remove runs) and forgets it. */
  public void hotRemove(PciDev d) {
    if (d.driver != null) {
      unbind(d);
    }
    d.removed = true;
    devices.remove(d);
    lastFound = null;
    if (d.parent != null) {
      d.parent.children.remove(d);
    }
    kernel.vfs().removeTree("/sys/bus/pci/devices/" + d.name());
  }

  // ---- sysfs ------------------------------------------------------------------------------------

  private void addSysfs(PciDev d) {
    String dir = "/sys/bus/pci/devices/" + d.name();
    Vfs v = kernel.vfs();
    v.add(dir + "/vendor", Vfs.AttrNode.text(() -> String.format("0x%04x%n", d.vendor)));
    v.add(dir + "/device", Vfs.AttrNode.text(() -> String.format("0x%04x%n", d.device)));
    v.add(dir + "/subsystem_vendor", Vfs.AttrNode.text(() -> String.format("0x%04x%n", d.subsystem_vendor)));
    v.add(dir + "/subsystem_device", Vfs.AttrNode.text(() -> String.format("0x%04x%n", d.subsystem_device)));
    v.add(dir + "/class", Vfs.AttrNode.text(() -> String.format("0x%06x%n", d.class_)));
    v.add(dir + "/revision", Vfs.AttrNode.text(() -> String.format("0x%02x%n", d.revision)));
    v.add(dir + "/irq", Vfs.AttrNode.text(() -> d.irq + "\n"));
    v.add(dir + "/enable", Vfs.AttrNode.text(() -> d.enableCnt + "\n"));
    v.add(dir + "/driver", Vfs.AttrNode.text(() -> d.driver == null ? "" : d.driver.name + "\n"));
    v.add(dir + "/config", new Vfs.AttrNode(() -> configBytes(d), -1, 0));
    v.add(dir + "/resource", Vfs.AttrNode.text(() -> resourceText(d)));
    for (int i = 0; i < 6; i++) {
      Resource r = d.resource[i];
      if (r.len() > 0 && (r.flags & Resource.IORESOURCE_MEM) != 0) {
        v.add(dir + "/resource" + i, new Vfs.AttrNode(() -> new byte[0], r.start, r.len()));
      }
    }
  }

  /** The function's config space as sysfs shows it to root (4 KiB for PCIe functions, else 256 bytes). */
  public byte[] configBytes(PciDev d) {
    int n = d.pcie_cap != 0 ? 4096 : 256;
    byte[] b = new byte[n];
    for (int i = 0; i < n; i += 4) {
      int v = read(d, i, 4);
      b[i] = (byte) v;
      b[i + 1] = (byte) (v >>> 8);
      b[i + 2] = (byte) (v >>> 16);
      b[i + 3] = (byte) (v >>> 24);
    }
    return b;
  }

  private static String resourceText(PciDev d) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 13; i++) {
      Resource r = i < d.resource.length ? d.resource[i] : null;
      if (r == null || r.len() == 0) {
        sb.append("0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
      } else {
        sb.append(String.format("0x%016x 0x%016x 0x%016x%n", r.start, r.end, r.flags));
      }
    }
    return sb.toString();
  }

  // ---- driver model -----------------------------------------------------------------------------

  public List<PciDev> devices() {
    return List.copyOf(devices);
  }

  /** The PciDev embedding {@code d} (to_pci_dev), or null. */
  public PciDev fromDevice(dev.driverlab.kernel.base.Device d) {
    for (PciDev p : devices) {
      if (p.dev == d) {
        return p;
      }
    }
    return null;
  }

  /** The device at bus:devfn, or null. */
  public PciDev find(int bus, int devfn) {
    PciDev last = lastFound;
    if (last != null && last.bus == bus && last.devfn == devfn) {
      return last;
    }
    for (PciDev d : devices) {
      if (d.bus == bus && d.devfn == devfn) {
        lastFound = d;
        return d;
      }
    }
    return null;
  }

  public List<PciDriver> drivers() {
    return List.copyOf(drivers);
  }

  public int registerDriver(PciDriver drv) {
    if (drv == null || drv.name == null || drv.probe == null) {
      return -EINVAL;
    }
    if (drivers.contains(drv) || drivers.stream().anyMatch(d -> d.name.equals(drv.name))) {
      log(3, "Error: Driver '" + drv.name + "' is already registered, aborting...");
      return -EBUSY;
    }
    drv.owner = kernel.currentModule();
    drivers.add(drv);
    for (PciDev d : List.copyOf(devices)) {
      if (d.driver == null) {
        tryBind(drv, d);
      }
    }
    return 0;
  }

  public void unregisterDriver(PciDriver drv) {
    if (!drivers.remove(drv)) {
      kernel.bugs().report(Check.PCI, null, "pci_unregister_driver of a driver that is not registered",
          "driver", drv == null ? "null" : drv.name);
      return;
    }
    for (PciDev d : List.copyOf(devices)) {
      if (d.driver == drv) {
        unbind(d);
      }
    }
  }

  private void bindAny(PciDev d) {
    for (PciDriver drv : List.copyOf(drivers)) {
      if (d.driver == null && tryBind(drv, d)) {
        return;
      }
    }
  }

  private boolean tryBind(PciDriver drv, PciDev d) {
    PciDeviceId id = drv.match(d);
    if (id == null) {
      return false;
    }
    d.driver = drv;
    d.dev.setDriverName(drv.name);
    PciDev prev = current;
    current = d;
    int r;
    try {
      r = (int) kernel.callDriver(drv.owner, () -> drv.probe.probe(d, id));
    } catch (dev.driverlab.kernel.mm.KernelOops oops) {
      r = -EFAULT;
    } finally {
      current = prev;
    }
    if (r == 0) {
      return true;
    }
    if (r > 0) {
      log(4, String.format("%s %s: Driver probe function unexpectedly returned %d", drv.name, d.name(), r));
    } else if (r != -ENODEV && r != -ENXIO) {
      log(4, String.format("%s: probe of %s failed with error %d", drv.name, d.name(), r));
    }
    List<Leftover> left = leftoverResourcesOfDevice(d);
    for (Leftover l : left) {
      kernel.bugs().reportAt(Check.LEAK, d, "probe failed but did not release: " + l.description(), null, null);
    }
    noteLeaksReported(drv.owner, left);
    d.driver = null;
    d.dev.setDriverName(null);
    d.dev.setDrvdata(null);
    return false;
  }

  private void unbind(PciDev d) {
    PciDriver drv = d.driver;
    if (drv.remove != null) {
      PciDev prev = current;
      current = d;
      try {
        kernel.callDriver(drv.owner, () -> {
          drv.remove.remove(d);
          return 0;
        });
      } catch (dev.driverlab.kernel.mm.KernelOops oops) {
        log(4, drv.name + " " + d.name() + ": remove crashed: " + oops.getMessage());
      } finally {
        current = prev;
      }
    }
    List<Leftover> left = leftoverResourcesOfDevice(d);
    for (Leftover l : left) {
      kernel.bugs().reportAt(Check.LEAK, d, "driver removed but did not release: " + l.description(), null, null);
    }
    noteLeaksReported(drv.owner, left);
    d.driver = null;
    d.dev.setDrvdata(null);
    d.dev.setDriverName(null);
  }

  /** What is still held on behalf of {@code d}: regions, iomaps, IRQs, vectors, DMA memory. */
  public List<String> leftoversOfDevice(PciDev d) {
    return leftoverResourcesOfDevice(d).stream().map(Leftover::description).toList();
  }

  private List<Leftover> leftoverResourcesOfDevice(PciDev d) {
    List<Leftover> out = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Resource r = d.resource[i];
      boolean ours = d.driver == null || r.claimOwner == null || r.claimOwner == d.driver.owner;
      if (r.claimed() && ours) {
        out.add(new Leftover(r, String.format("region BAR%d %s claimed by \"%s\" (at %s)", i, r.describe(),
            r.claimedBy, r.claimSite)));
      }
    }
    for (KernelMemory.Mapping m : kernel.mem().ioMappings()) {
      if (m.device == d) {
        out.add(new Leftover(m, describeBarMapping(m)));
      }
    }
    out.addAll(kernel.irq().leftovers(null, d));
    if (!d.vectors.isEmpty()) {
      out.add(new Leftover(d.vectors, String.format("%d IRQ vector(s) from pci_alloc_irq_vectors (at %s)",
          d.vectors.size(), d.vectorsSite)));
    }
    out.addAll(kernel.dma().leftovers(null, d));
    return out;
  }

  /** How a leaked mapping of a BAR reads in a leak report (the same at remove and at rmmod). */
  public static String describeBarMapping(KernelMemory.Mapping m) {
    return String.format("%s of BAR%d at %#x (mapped at %s)", m.kind(), m.bar, m.va(), m.site);
  }

  /**
   * Leaks already reported when a driver of {@code module} was removed from a device (or its probe
   * failed), by the kernel's record of each resource (identity). The same resources are still the
   * module's at rmmod; they are reported once, where they were first seen.
   */
  private final Map<Object, Set<Object>> leaksReported = new HashMap<>();

  private synchronized void noteLeaksReported(Object module, List<Leftover> left) {
    if (!left.isEmpty()) {
      Set<Object> seen = leaksReported.computeIfAbsent(module, m -> Collections.newSetFromMap(new IdentityHashMap<>()));
      left.forEach(l -> seen.add(l.resource()));
    }
  }

  /**
   * Of {@code left} (what {@code module} still holds as it is unloaded), those not reported yet at a
   * remove; forgets what was reported for the module.
   */
  public synchronized List<Leftover> leaksNotYetReported(Object module, List<Leftover> left) {
    Set<Object> seen = leaksReported.remove(module);
    return seen == null ? left : left.stream().filter(l -> !seen.contains(l.resource())).toList();
  }

  public List<String> leftoversOf(Object module) {
    List<String> out = new ArrayList<>();
    for (PciDriver drv : drivers) {
      if (drv.owner == module) {
        out.add("PCI driver \"" + drv.name + "\" still registered");
      }
    }
    return out;
  }

  private PciDev current;

  /** The device whose probe or remove is running, or null. */
  public PciDev currentDevice() {
    return current;
  }

  public void setVectors(PciDev d, int first, int n, int type) {
    d.vectors.clear();
    for (int i = 0; i < n; i++) {
      d.vectors.add(first + i);
    }
    d.vectorType = type;
    d.vectorsOwner = kernel.currentModule();
    d.vectorsSite = kernel.callSite();
  }

  public void clearVectors(PciDev d) {
    d.vectors.clear();
    d.vectorType = 0;
  }

  private final Map<PciDev, Integer> savedIrq = new HashMap<>();

  public void setLegacyIrq(PciDev d, int irq) {
    savedIrq.put(d, d.irq);
    d.irq = irq;
  }

  public void restoreLegacyIrq(PciDev d) {
    Integer s = savedIrq.remove(d);
    if (s != null) {
      d.irq = s;
    }
  }

  // ---- services for drivers ---------------------------------------------------------------------

  public int enableDevice(PciDev d, boolean memOnly) {
    if (d.removed) {
      return -ENODEV;
    }
    kernel.mightSleep("pci_enable_device");
    if (d.enableCnt++ > 0) {
      return 0;
    }
    if (d.parent != null) {
      enableBridge(d.parent);
    }
    int cmd = read(d, COMMAND, 2);
    int want = cmd;
    for (int i = 0; i < 6; i++) {
      Resource r = d.resource[i];
      if (r.len() > 0) {
        want |= (r.flags & Resource.IORESOURCE_IO) != 0 ? (memOnly ? 0 : COMMAND_IO) : COMMAND_MEMORY;
      }
    }
    if (want != cmd) {
      log(6, String.format("%s%s: enabling device (%04x -> %04x)", prefix(d), d.name(), cmd, want));
      write(d, COMMAND, 2, want);
    }
    return 0;
  }

  private void enableBridge(PciDev b) {
    if (b.parent != null) {
      enableBridge(b.parent);
    }
    int cmd = read(b, COMMAND, 2);
    if ((cmd & (COMMAND_MEMORY | COMMAND_MASTER)) != (COMMAND_MEMORY | COMMAND_MASTER)) {
      write(b, COMMAND, 2, cmd | COMMAND_MEMORY | COMMAND_MASTER);
      b.is_busmaster = true;
    }
    b.enableCnt++;
  }

  public void disableDevice(PciDev d) {
    if (d.enableCnt <= 0) {
      kernel.bugs().report(Check.PCI, d, "disabling already-disabled device");
      return;
    }
    if (--d.enableCnt > 0) {
      return;
    }
    int cmd = read(d, COMMAND, 2);
    if ((cmd & COMMAND_MASTER) != 0) {
      write(d, COMMAND, 2, cmd & ~COMMAND_MASTER);
    }
    d.is_busmaster = false;
    for (PciDev b = d.parent; b != null; b = b.parent) {
      b.enableCnt--;
    }
  }

  public void setMaster(PciDev d, boolean on) {
    int cmd = read(d, COMMAND, 2);
    int want = on ? cmd | COMMAND_MASTER : cmd & ~COMMAND_MASTER;
    if (want != cmd) {
      if (on) {
        log(7, String.format("%s%s: enabling bus mastering", prefix(d), d.name()));
      }
      write(d, COMMAND, 2, want);
    }
    d.is_busmaster = on;
  }

  private static String prefix(PciDev d) {
    return d.driver == null ? "pci " : d.driver.name + " ";
  }

  public int requestRegion(PciDev d, int bar, String name) {
    Resource r = d.resource[bar];
    if (r.len() == 0) {
      return 0;
    }
    if (r.claimed()) {
      log(4, String.format("%s %s: BAR %d: can't reserve %s", prefix(d).trim(), d.name(), bar, r.describe()));
      return -EBUSY;
    }
    r.claimedBy = name;
    r.claimOwner = kernel.currentModule();
    r.claimSite = kernel.callSite();
    return 0;
  }

  public void releaseRegion(PciDev d, int bar) {
    Resource r = d.resource[bar];
    if (r.len() == 0) {
      return;
    }
    if (!r.claimed()) {
      kernel.bugs().report(Check.PCI, d, "Trying to free nonexistent resource " + r.describe());
      return;
    }
    r.claimedBy = null;
    r.claimOwner = null;
    r.claimSite = null;
  }

  public int requestRegions(PciDev d, String name) {
    for (int i = 0; i < 6; i++) {
      int r = requestRegion(d, i, name);
      if (r != 0) {
        for (int j = 0; j < i; j++) {
          Resource undo = d.resource[j];
          if (undo.len() > 0) {
            undo.claimedBy = null;
            undo.claimOwner = null;
            undo.claimSite = null;
          }
        }
        return r;
      }
    }
    return 0;
  }

  public void releaseRegions(PciDev d) {
    for (int i = 0; i < 6; i++) {
      if (d.resource[i].len() > 0) {
        releaseRegion(d, i);
      }
    }
  }

  /** pci_iomap: the BAR (or its first {@code maxlen} bytes) mapped into the kernel; 0 on failure. */
  public long iomap(PciDev d, int bar, long maxlen) {
    if (bar < 0 || bar > 5) {
      return 0;
    }
    Resource r = d.resource[bar];
    if (r.len() == 0 || r.start == 0) {
      return 0;
    }
    long len = maxlen == 0 ? r.len() : Math.min(r.len(), maxlen);
    KernelMemory.Mapping m = kernel.mem().ioremap(r.start, len, "pci_iomap");
    m.device = d;
    m.bar = bar;
    return KernelMemory.ioAddress(m, r.start);
  }

  /** The PciDev whose memory BAR contains physical {@code pa}, with the BAR index, or null. */
  public Object[] barOf(long pa) {
    for (PciDev d : devices) {
      for (int i = 0; i < 6; i++) {
        Resource r = d.resource[i];
        if (r.len() > 0 && pa >= r.start && pa <= r.end && (r.flags & Resource.IORESOURCE_MEM) != 0) {
          return new Object[] {d, i};
        }
      }
    }
    return null;
  }

  /** pci_find_capability, walking the list through config reads. */
  public int findCapability(PciDev d, int cap) {
    if ((read(d, STATUS, 2) & 0x10) == 0) {
      return 0;
    }
    int pos = read(d, CAPABILITY_LIST, 1) & ~3;
    for (int ttl = 48; ttl > 0 && pos >= 0x40; ttl--) {
      int id = read(d, pos, 1);
      if (id == 0xff) {
        return 0;
      }
      if (id == cap) {
        return pos;
      }
      pos = read(d, pos + 1, 1) & ~3;
    }
    return 0;
  }

  private void log(int level, String s) {
    kernel.dmesg().log(level, s);
  }
}
