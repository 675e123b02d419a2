package dev.driverlab.devices.testing;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Bridge;
import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.InterruptSink;
import dev.driverlab.devices.pcie.LinkPartner;
import dev.driverlab.devices.pcie.PciFunction;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.Switch;
import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.pcie.tlp.PcieId;
import java.util.ArrayList;
import java.util.List;

/**
 * A device-model test harness with no kernel, in the spirit of QEMU's qtest/libqos: it plays firmware
 * (numbers the buses depth-first, places every BAR, opens bridge windows, enables memory decoding and
 * bus mastering) and then lets a test poke a device through CPU physical accesses, which travel the
 * fabric as TLPs like any other access. Interrupts are recorded instead of handled.
 *
 * <p>For device-model tests only; drivers are tested on a booted {@code Kernel}.
 */
public final class BareMetal implements InterruptSink {
  /** An MSI the Root Complex received. */
  public record Msi(PcieId requester, long address, int data) {}

  private final Machine machine;
  private final List<Msi> msis = new ArrayList<>();
  private final boolean[] intx = new boolean[256];
  private long next32 = Machine.MMIO32_BASE;
  private long next64 = Machine.MMIO64_BASE;
  private int nextBus = 1;

  private BareMetal(Machine machine) {
    this.machine = machine;
    machine.rootComplex().setInterruptSink(this);
  }

  /** Numbers, places and enables everything plugged into {@code machine}. */
  public static BareMetal boot(Machine machine) {
    BareMetal b = new BareMetal(machine);
    for (Bridge rp : machine.rootComplex().rootPorts()) {
      b.bridge(rp, 0);
    }
    return b;
  }

  public Machine machine() {
    return machine;
  }

  private void bridge(Bridge br, int primary) {
    ConfigSpace cs = br.config();
    int sec = nextBus++;
    cs.write(ConfigSpace.PRIMARY_BUS, 1, primary);
    cs.write(ConfigSpace.SECONDARY_BUS, 1, sec);
    cs.write(ConfigSpace.SUBORDINATE_BUS, 1, 0xff);
    long start32 = align(next32, 1 << 20);
    long start64 = align(next64, 1 << 20);
    next32 = start32;
    next64 = start64;
    LinkPartner below = partnerOf(br);
    if (below instanceof Slot s && s.card() != null) {
      below = s.card();
    }
    if (below instanceof Switch sw) {
      Bridge up = sw.upstreamPort();
      captureBus(up, sec);
      int upSec = nextBus++;
      up.config().write(ConfigSpace.PRIMARY_BUS, 1, sec);
      up.config().write(ConfigSpace.SECONDARY_BUS, 1, upSec);
      up.config().write(ConfigSpace.SUBORDINATE_BUS, 1, 0xff);
      long u32 = next32, u64 = next64;
      for (Bridge dp : sw.downstreamPorts()) {
        captureBus(dp, upSec);
        bridge(dp, upSec);
      }
      up.config().write(ConfigSpace.SUBORDINATE_BUS, 1, nextBus - 1);
      window(up, u32, u64);
    } else if (below != null) {
      for (PciFunction f : below.functions()) {
        captureBus(f, sec);
        if (f instanceof Endpoint e) {
          place(e);
        }
      }
    }
    cs.write(ConfigSpace.SUBORDINATE_BUS, 1, nextBus - 1);
    window(br, start32, start64);
  }

  private static LinkPartner partnerOf(Bridge br) {
    return br.secondaryLink() == null ? null : br.secondaryLink().partner();
  }

  private void window(Bridge br, long start32, long start64) {
    ConfigSpace cs = br.config();
    long end32 = align(next32, 1 << 20);
    long end64 = align(next64, 1 << 20);
    next32 = end32;
    next64 = end64;
    if (end32 > start32) {
      cs.write(ConfigSpace.MEMORY_BASE, 2, (int) (start32 >>> 16) & 0xfff0);
      cs.write(ConfigSpace.MEMORY_LIMIT, 2, (int) ((end32 - 1) >>> 16) & 0xfff0);
    } else {
      cs.write(ConfigSpace.MEMORY_BASE, 2, 0xfff0);
      cs.write(ConfigSpace.MEMORY_LIMIT, 2, 0);
    }
    if (end64 > start64) {
      cs.write(ConfigSpace.PREF_MEMORY_BASE, 2, (int) (start64 >>> 16) & 0xfff0);
      cs.write(ConfigSpace.PREF_MEMORY_LIMIT, 2, (int) ((end64 - 1) >>> 16) & 0xfff0);
      cs.write(ConfigSpace.PREF_BASE_UPPER32, 4, (int) (start64 >>> 32));
      cs.write(ConfigSpace.PREF_LIMIT_UPPER32, 4, (int) ((end64 - 1) >>> 32));
    } else {
      cs.write(ConfigSpace.PREF_MEMORY_BASE, 2, 0xfff0);
      cs.write(ConfigSpace.PREF_MEMORY_LIMIT, 2, 0);
    }
    cs.write(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER);
  }

  private void place(Endpoint e) {
    ConfigSpace cs = e.config();
    for (int i = 0; i < 6; i++) {
      long size = e.barSize(i);
      if (size == 0) {
        continue;
      }
      int off = ConfigSpace.BAR0 + 4 * i;
      boolean is64 = (cs.read32(off) & 0x6) == 0x4;
      if (is64) {
        long base = align(next64, size);
        next64 = base + size;
        cs.write(off, 4, (int) base);
        cs.write(off + 4, 4, (int) (base >>> 32));
      } else {
        long base = align(next32, Math.max(size, 16));
        next32 = base + size;
        cs.write(off, 4, (int) base);
      }
    }
    cs.write(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER);
  }

  private static void captureBus(PciFunction f, int bus) {
    // A Type 0 config write captures the bus number, as on a real link; write something harmless.
    f.handleConfig(dev.driverlab.devices.pcie.tlp.Tlp.cfgWrite(false, new PcieId(0, 0, 0), 0,
        new PcieId(bus, f.deviceNumber(), f.functionNumber()), ConfigSpace.CACHE_LINE_SIZE & ~3, 0x1,
        f.config().read8(ConfigSpace.CACHE_LINE_SIZE)));
  }

  private static long align(long v, long a) {
    return (v + a - 1) & -a;
  }

  // ---- poking a device ----------------------------------------------------------------------------

  /** Physical base address of BAR {@code i} of {@code f} as placed. */
  public static long barBase(Endpoint f, int i) {
    int off = ConfigSpace.BAR0 + 4 * i;
    int lo = f.config().read32(off);
    long base = lo & ~0xfL & 0xffffffffL;
    if ((lo & 6) == 4) {
      base |= (f.config().read32(off + 4) & 0xffffffffL) << 32;
    }
    return base;
  }

  public long read(long physical, int size) {
    return machine.read(physical, size);
  }

  public void write(long physical, long value, int size) {
    machine.write(physical, value, size);
  }

  /** Programs and enables single-vector MSI on {@code f} (x86 address 0xFEE00000, given data). */
  public static void enableMsi(Endpoint f, int data) {
    ConfigSpace cs = f.config();
    int cap = cs.findCapability(Capabilities.ID_MSI);
    if (cap == 0) {
      throw new IllegalStateException(f + " has no MSI capability");
    }
    int flags = cs.read16(cap + Capabilities.MSI_FLAGS);
    cs.write(cap + Capabilities.MSI_ADDRESS_LO, 4, 0xfee00000);
    cs.write(cap + Capabilities.msiDataOffset(flags), 2, data);
    cs.write(cap + Capabilities.MSI_FLAGS, 2, flags | Capabilities.MSI_FLAGS_ENABLE);
  }

  /** MSIs received so far. */
  public List<Msi> msis() {
    return List.copyOf(msis);
  }

  public void clearMsis() {
    msis.clear();
  }

  /** Level of INTx line {@code gsi} as the interrupt controller sees it. */
  public boolean intxLevel(int gsi) {
    return intx[gsi];
  }

  /** Runs the clock until no event is pending (or {@code maxNs} of simulated time have passed). */
  public void runUntilIdle(long maxNs) {
    long end = machine.clock().nowNs() + maxNs;
    while (machine.clock().hasPending() && machine.clock().peek().when() <= end) {
      machine.clock().runNext();
    }
  }

  @Override
  public void msi(PcieId requester, long address, int data) {
    msis.add(new Msi(requester, address, data));
  }

  @Override
  public void intxLevel(int gsi, boolean asserted) {
    intx[gsi] = asserted;
  }
}
