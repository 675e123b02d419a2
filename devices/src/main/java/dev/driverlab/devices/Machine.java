package dev.driverlab.devices;

import static com.google.common.base.Preconditions.checkArgument;

import dev.driverlab.devices.mem.AddressMap;
import dev.driverlab.devices.mem.MemoryRegion;
import dev.driverlab.devices.mem.SparseRam;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.pcie.Fabric;
import dev.driverlab.devices.pcie.Iommu;
import dev.driverlab.devices.pcie.RootComplex;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.Switch;
import dev.driverlab.devices.time.VirtualClock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One simulated computer: RAM, the PCIe fabric, the IOMMU and a virtual clock. Several machines run
 * side by side in one JVM; nothing here is static.
 *
 * <p>Physical address map (x86-like):
 * <pre>
 *   0x0000_0000 .. min(RAM, 3 GiB)      low RAM
 *   0xC000_0000 .. 0xDFFF_FFFF          PCI MMIO window (32-bit BARs)
 *   0xE000_0000 .. 0xEFFF_FFFF          ECAM (256 buses × 32 devices × 8 functions × 4 KiB)
 *   0xFEE0_0000 .. 0xFEEF_FFFF          MSI window (writes reach the interrupt controller)
 *   0x1_0000_0000 ..                    RAM above 3 GiB, if any
 *   0x80_0000_0000 .. +64 GiB           PCI MMIO window (64-bit prefetchable BARs)
 * </pre>
 * The default topology has a switch with four slots behind root port 00:01.0 and one slot each behind
 * root ports 00:02.0 and 00:03.0.
 */
public final class Machine {
  public static final long LOW_RAM_LIMIT = 0xC000_0000L;
  public static final long MMIO32_BASE = 0xC000_0000L, MMIO32_SIZE = 0x2000_0000L;
  public static final long ECAM_BASE = 0xE000_0000L, ECAM_SIZE = 0x1000_0000L;
  public static final long HIGH_RAM_BASE = 0x1_0000_0000L;
  public static final long MMIO64_BASE = 0x80_0000_0000L, MMIO64_SIZE = 0x10_0000_0000L;

  /** A range of RAM as the firmware's memory map (E820) reports it. */
  public record RamRange(long base, long size) {}

  private final VirtualClock clock = new VirtualClock();
  private final Fabric fabric = new Fabric(clock);
  private final AddressMap map = new AddressMap();
  private final Iommu iommu = new Iommu();
  private final RootComplex rc;
  private final SparseRam lowRam;
  private final SparseRam highRam;
  private final long lowRamSize;
  private final List<Slot> slots = new ArrayList<>();
  private final List<Consumer<Slot>> hotplugListeners = new ArrayList<>();
  private final int gen;
  private final int width;

  private Machine(Builder b) {
    this.gen = b.gen;
    this.width = b.width;
    lowRamSize = Math.min(b.ramBytes, LOW_RAM_LIMIT);
    lowRam = new SparseRam("System RAM", lowRamSize);
    map.add(0, lowRamSize, lowRam);
    if (b.ramBytes > LOW_RAM_LIMIT) {
      highRam = new SparseRam("System RAM (high)", b.ramBytes - LOW_RAM_LIMIT);
      map.add(HIGH_RAM_BASE, highRam.size(), highRam);
    } else {
      highRam = null;
    }
    iommu.setEnabled(b.iommu);
    rc = new RootComplex(fabric, map, iommu);
    map.add(MMIO32_BASE, MMIO32_SIZE, rc.mmio("PCI MMIO (32-bit)", MMIO32_BASE));
    map.add(ECAM_BASE, ECAM_SIZE, rc.ecam());
    map.add(MMIO64_BASE, MMIO64_SIZE, rc.mmio("PCI MMIO (64-bit)", MMIO64_BASE));
    if (b.switchSlots > 0) {
      Switch sw = new Switch(fabric, "switch0", gen, width);
      rc.addRootPort(1, sw, gen, width);
      for (int i = 0; i < b.switchSlots; i++) {
        Slot s = new Slot(fabric, "switch0/" + i);
        sw.addPort(s, gen, width);
        slots.add(s);
      }
    }
    for (int i = 0; i < b.directSlots; i++) {
      Slot s = new Slot(fabric, String.format("00:%02x.0", i + 2));
      rc.addRootPort(i + 2, s, gen, width);
      slots.add(s);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A machine with the default topology and 1 GiB of RAM. */
  public static Machine createDefault() {
    return builder().build();
  }

  public VirtualClock clock() {
    return clock;
  }

  public Fabric fabric() {
    return fabric;
  }

  public RootComplex rootComplex() {
    return rc;
  }

  public Iommu iommu() {
    return iommu;
  }

  public AddressMap addressMap() {
    return map;
  }

  public long ramBytes() {
    return lowRamSize + (highRam == null ? 0 : highRam.size());
  }

  /** The firmware's RAM map (E820). */
  public List<RamRange> ramRanges() {
    List<RamRange> r = new ArrayList<>();
    r.add(new RamRange(0, lowRamSize));
    if (highRam != null) {
      r.add(new RamRange(HIGH_RAM_BASE, highRam.size()));
    }
    return r;
  }

  /** Heap bytes holding RAM contents (untouched RAM costs nothing). */
  public long ramHeapBytes() {
    return lowRam.allocatedBytes() + (highRam == null ? 0 : highRam.allocatedBytes());
  }

  public List<Slot> slots() {
    return List.copyOf(slots);
  }

  public Slot slot(String name) {
    for (Slot s : slots) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("no slot named " + name + "; slots: "
        + slots.stream().map(Slot::name).toList());
  }

  /** Plugs a card built from {@code model} into the first empty slot (switch slots first). */
  public Slot plug(PciDeviceModel model) {
    for (Slot s : slots) {
      if (!s.occupied()) {
        s.plug(model);
        return s;
      }
    }
    throw new IllegalStateException("no free slot for " + model.getClass().getSimpleName() + ": all "
        + slots.size() + " slots are occupied");
  }

  /** Hot-adds a card after boot: plugs it and tells the listeners (the kernel rescans). */
  public Slot hotPlug(PciDeviceModel model, String slotName) {
    Slot s = slot(slotName);
    s.plug(model);
    s.link().setUp(true);
    for (Consumer<Slot> l : hotplugListeners) {
      l.accept(s);
    }
    return s;
  }

  public void addHotplugListener(Consumer<Slot> l) {
    hotplugListeners.add(l);
  }

  private final List<Consumer<Slot>> removalListeners = new ArrayList<>();

  /**
   * Surprise removal: the card leaves {@code slotName} and its link goes down; requests to it fail as
   * on a dead link. The listeners (the kernel's pciehp) are told afterwards.
   */
  public Slot surpriseRemove(String slotName) {
    Slot s = slot(slotName);
    if (!s.occupied()) {
      throw new IllegalStateException("slot " + slotName + " is empty");
    }
    s.unplug();
    s.link().setUp(false);
    for (Consumer<Slot> l : removalListeners) {
      l.accept(s);
    }
    return s;
  }

  public void addRemovalListener(Consumer<Slot> l) {
    removalListeners.add(l);
  }

  // ---- the CPU's physical accesses --------------------------------------------------------------

  /** A CPU load of {@code size} bytes at physical {@code address}; unclaimed addresses read all ones. */
  public long read(long address, int size) {
    if (address >= 0 && address + size <= lowRamSize) {
      return lowRam.read(address, size);
    }
    if (inMmioWindow(address)) {
      return rc.mmioRead(address, size);
    }
    return map.read(address, size);
  }

  /** A CPU store; unclaimed addresses drop it. */
  public void write(long address, long value, int size) {
    if (address >= 0 && address + size <= lowRamSize) {
      lowRam.write(address, value, size);
      return;
    }
    if (inMmioWindow(address)) {
      rc.mmioWrite(address, value, size);
      return;
    }
    map.write(address, value, size);
  }

  /**
   * Whether the address map decodes {@code address} to one of the Root Complex's MMIO windows: the
   * map would hand the access to {@code rc.mmio(...)}'s region, which calls mmioRead/mmioWrite at
   * the same address. Decided here without the map's lookup and its call through the region
   * interface (many region classes: a megamorphic call), on every MMIO access. Valid for good: the
   * windows are mapped at construction, and the map only grows and refuses overlapping regions.
   * (Like the map, the access's start address decides.)
   */
  private static boolean inMmioWindow(long address) {
    return (address >= MMIO32_BASE && address - MMIO32_BASE < MMIO32_SIZE)
        || (address >= MMIO64_BASE && address - MMIO64_BASE < MMIO64_SIZE);
  }

  /** Bulk RAM read for the CPU (memcpy); the range must be RAM. */
  public void readRam(long address, byte[] dst, int off, int len) {
    ramFor(address, len).read(address - ramBase(address), dst, off, len);
  }

  public void writeRam(long address, byte[] src, int off, int len) {
    ramFor(address, len).write(address - ramBase(address), src, off, len);
  }

  public void fillRam(long address, long len, byte value) {
    ramFor(address, len).fill(address - ramBase(address), len, value);
  }

  public boolean isRam(long address, long len) {
    return (address >= 0 && address + len <= lowRamSize)
        || (highRam != null && address >= HIGH_RAM_BASE && address + len <= HIGH_RAM_BASE + highRam.size());
  }

  private long ramBase(long address) {
    return address >= HIGH_RAM_BASE ? HIGH_RAM_BASE : 0;
  }

  private SparseRam ramFor(long address, long len) {
    checkArgument(isRam(address, len), "[%#x, +%d) is not RAM", address, len);
    return address >= HIGH_RAM_BASE ? highRam : lowRam;
  }

  /** Where ECAM starts (the firmware's MCFG table). */
  public long ecamBase() {
    return ECAM_BASE;
  }

  public String describeAddressMap() {
    return map.describe();
  }

  /** Builds a machine. Defaults: 1 GiB RAM, IOMMU off, Gen3 x4 links, 4 switch slots, 2 direct slots. */
  public static final class Builder {
    private long ramBytes = 1L << 30;
    private boolean iommu;
    private int gen = 3;
    private int width = 4;
    private int switchSlots = 4;
    private int directSlots = 2;

    public Builder ramBytes(long bytes) {
      checkArgument(bytes >= (16L << 20) && bytes % (64 << 10) == 0,
          "RAM must be at least 16 MiB and a multiple of 64 KiB: %s", bytes);
      this.ramBytes = bytes;
      return this;
    }

    public Builder iommu(boolean on) {
      this.iommu = on;
      return this;
    }

    public Builder link(int gen, int width) {
      checkArgument(gen >= 1 && gen <= 5, "link generation must be 1..5: %s", gen);
      checkArgument(List.of(1, 2, 4, 8, 12, 16, 32).contains(width), "link width must be x1..x32: %s", width);
      this.gen = gen;
      this.width = width;
      return this;
    }

    public Builder switchSlots(int n) {
      checkArgument(n >= 0 && n <= 32, "switch slots must be 0..32: %s", n);
      this.switchSlots = n;
      return this;
    }

    public Builder directSlots(int n) {
      checkArgument(n >= 0 && n <= 29, "direct slots must be 0..29: %s", n);
      this.directSlots = n;
      return this;
    }

    public Machine build() {
      return new Machine(this);
    }
  }
}
