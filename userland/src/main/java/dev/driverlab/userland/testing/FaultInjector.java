package dev.driverlab.userland.testing;

import dev.driverlab.devices.pcie.InterruptSink;
import dev.driverlab.devices.pcie.LinkPartner;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.pci.PciDev;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fault injection for one {@link TestMachine}: the kernel's allocation failures, and per device
 * ({@link #device}) misbehaving hardware, lost or late interrupts and surprise removal. Every fault
 * that fires is written to {@link #log()} with the virtual time, and failure messages show that log.
 *
 * <pre>
 *   where a fault acts                      how                                     hook used
 *   kmalloc / dma_alloc_coherent fail       the kernel's FaultInjection              Kernel.faults()
 *   MMIO answered UR / CA, DMA read         an interposer card in the device's       Slot.unplug/plug with
 *     completions poisoned or dropped       slot sees TLPs travelling down           a LinkPartner
 *   MSI / INTx lost or delayed              between Root Complex and the kernel's    RootComplex
 *                                           interrupt controller                     .setInterruptSink
 *   surprise removal                        card pulled, link down, pciehp unbinds   Slot, Link, PciCore
 * </pre>
 *
 * Not possible without a fabric hook (TLPs a device sends up cannot be altered from outside): poisoning
 * or dropping a device's DMA writes, UR/CA completions to a device's DMA reads, dropping an MSI write on
 * the wire (here it is lost after the Root Complex, which looks the same to a driver).
 */
public final class FaultInjector {
  /** The allocation kinds the kernel's allocators consult (KernelMemory, DmaCore). */
  public static final Set<String> ALLOCATION_KINDS = Set.of("kmalloc", "dma_alloc_coherent");

  private final TestMachine tm;
  private final List<String> log = new ArrayList<>();
  private final Map<Slot, SlotInterposer> interposers = new HashMap<>();
  private InterruptFaults interrupts;

  FaultInjector(TestMachine tm) {
    this.tm = tm;
  }

  /**
   * Lets {@code skip} more allocations of {@code kind} succeed, then fails the next one (Linux's
   * failslab / fail_page_alloc, one shot): {@code failNth("kmalloc", 0)} fails the very next kmalloc.
   *
   * @param kind "kmalloc" or "dma_alloc_coherent" ({@link #ALLOCATION_KINDS})
   * @throws IllegalArgumentException for another kind (it would never fire) or a negative {@code skip}
   */
  public void failNth(String kind, int skip) {
    if (!ALLOCATION_KINDS.contains(kind)) {
      throw new IllegalArgumentException("unknown allocation kind \"" + kind + "\": the kernel's allocators ask about "
          + ALLOCATION_KINDS.stream().sorted().toList());
    }
    if (skip < 0) {
      throw new IllegalArgumentException("skip must be 0 or more (0 fails the next " + kind + "): " + skip);
    }
    tm.kernel().faults().failNth(kind, skip);
    record("armed: %s number %d from now fails", kind, skip + 1);
  }

  /** Faults of one card. */
  public DeviceFaults device(PluggedDevice device) {
    if (!tm.devices().contains(device)) {
      throw new IllegalArgumentException(device + " is not a card of this machine: " + tm.devices());
    }
    return new DeviceFaults(this, device);
  }

  /** What fired so far, one line each, with the virtual time. */
  public synchronized List<String> log() {
    return List.copyOf(log);
  }

  synchronized void record(String fmt, Object... args) {
    long now = tm.nowNs();
    log.add(String.format("[%5d.%06d] ", now / 1_000_000_000L, (now / 1000) % 1_000_000) + String.format(fmt, args));
  }

  TestMachine machine() {
    return tm;
  }

  /** The interposer in {@code slot}, put there on first use. */
  SlotInterposer interposer(Slot slot) {
    SlotInterposer ip = interposers.get(slot);
    if (ip == null) {
      if (!slot.occupied()) {
        throw new IllegalStateException("slot " + slot.name() + " is empty: the card was removed");
      }
      LinkPartner card = slot.unplug();
      ip = new SlotInterposer(card, this);
      slot.plug(ip);
      interposers.put(slot, ip);
    }
    return ip;
  }

  /** The interrupt filter, put between the Root Complex and the kernel on first use. */
  InterruptFaults interrupts() {
    if (interrupts == null) {
      InterruptSink kernelSink = tm.kernel().irq();
      interrupts = new InterruptFaults(kernelSink, tm.machine().clock(), this);
      tm.machine().rootComplex().setInterruptSink(interrupts);
    }
    return interrupts;
  }

  /** Pulls the card out of its slot and takes the link down: the hardware half of a surprise removal. */
  void pull(PluggedDevice d) {
    Slot s = d.slot();
    if (!s.occupied()) {
      throw new IllegalStateException("slot " + s.name() + " is already empty");
    }
    s.unplug();
    interposers.remove(s);
    s.link().setUp(false);
    record("surprise removal: card %s pulled from slot %s, link %s down", d.bdf(), s.name(), d.linkName());
  }

  /** The kernel half: pciehp unbinds the driver and forgets the function (no-op if it never knew it). */
  void forget(PluggedDevice d) {
    Kernel k = tm.kernel();
    for (PciDev pd : k.pci().devices()) {
      if (pd.id().equals(d.bdf())) {
        record("pciehp: %s removed from the kernel (driver %s)", d.bdf(),
            pd.driver() == null ? "none" : pd.driver().name);
        k.pci().hotRemove(pd);
        return;
      }
    }
  }
}
