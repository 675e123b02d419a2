package dev.driverlab.userland.testing;

import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.kernel.Kernel;
import java.time.Duration;

/**
 * Faults of one card ({@link FaultInjector#device}). Each method arms a {@link Fault} and returns it:
 * it hits every match until cancelled, or the next {@code n} with {@link Fault#times}.
 *
 * <pre>
 *   tm.faults().device(edu).answerMmioWith(CplStatus.UR);          // every MMIO read returns all ones
 *   tm.faults().device(dma).poisonDmaReadCompletions().times(1);    // the next DMA read gets poisoned data
 *   tm.faults().device(edu).dropInterrupts().times(1);              // the next interrupt is lost
 *   tm.faults().device(edu).surpriseRemoveAfter(Duration.ofMillis(50));
 * </pre>
 */
public final class DeviceFaults {
  private final FaultInjector injector;
  private final PluggedDevice device;

  DeviceFaults(FaultInjector injector, PluggedDevice device) {
    this.injector = injector;
    this.device = device;
  }

  /**
   * The card answers MMIO with a completion of {@code status} instead of doing it: reads complete with
   * UR or CA (the CPU reads all ones, as on real hardware), posted writes are dropped.
   *
   * @param status {@code UR} (Unsupported Request) or {@code CA} (Completer Abort)
   * @throws IllegalArgumentException for SC (not a fault) or CRS (config requests only, §2.3.1)
   */
  public Fault answerMmioWith(CplStatus status) {
    if (status != CplStatus.UR && status != CplStatus.CA) {
      throw new IllegalArgumentException("a card can refuse MMIO with UR or CA, not " + status
          + (status == CplStatus.CRS ? " (CRS answers configuration requests only)" : ""));
    }
    return injector.interposer(device.slot()).add(SlotInterposer.Action.ANSWER_MMIO, status,
        device.bdf() + " refuses MMIO with " + status);
  }

  /** Completions of the card's DMA reads reach it poisoned (EP set): it must not use the data. */
  public Fault poisonDmaReadCompletions() {
    return injector.interposer(device.slot()).add(SlotInterposer.Action.POISON_COMPLETION, null,
        device.bdf() + " gets poisoned DMA read completions");
  }

  /** Completions of the card's DMA reads never reach it: its read ends in a completion timeout. */
  public Fault dropDmaReadCompletions() {
    return injector.interposer(device.slot()).add(SlotInterposer.Action.DROP_COMPLETION, null,
        device.bdf() + " loses DMA read completions");
  }

  /** The card's interrupts (MSI, or its INTx line) never reach the kernel. */
  public Fault dropInterrupts() {
    return interruptRule(-1, device.bdf() + " loses interrupts");
  }

  /** The card's interrupts reach the kernel {@code d} of virtual time late. */
  public Fault delayInterrupts(Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("an interrupt delay must be positive: " + d);
    }
    return interruptRule(d.toNanos(), device.bdf() + " interrupts " + d.toNanos() + " ns late");
  }

  private Fault interruptRule(long delayNs, String what) {
    Fault f = new Fault(what);
    // The kernel wrote the GSI it routed the function's INTx pin to into Interrupt Line at enumeration.
    int line = device.function().config().read8(ConfigSpace.INTERRUPT_LINE);
    boolean hasIntx = device.function().config().read8(ConfigSpace.INTERRUPT_PIN) != 0 && line != 0xff;
    injector.interrupts().add(device.bdf(), hasIntx ? line : -1, delayNs, f);
    return f;
  }

  /**
   * Surprise removal, now: the card leaves its slot and the link goes down (in-flight and later
   * requests to it fail as on a dead link: reads return all ones, its DMA and MSIs are refused), then
   * the kernel's pciehp unbinds the driver ({@code remove} runs against absent hardware) and forgets
   * the function.
   */
  public void surpriseRemove() {
    injector.pull(device);
    try (Kernel.Scope s = injector.machine().kernel().enter()) {
      injector.forget(device);
    }
  }

  /**
   * Surprise removal {@code d} of virtual time from now, in the middle of whatever runs then: the
   * hardware goes at once, and a pciehp kernel thread unbinds the driver when the CPU is next free.
   */
  public void surpriseRemoveAfter(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("cannot remove a card in the past: " + d);
    }
    Kernel k = injector.machine().kernel();
    k.machine().clock().schedule(d.toNanos(), "surprise removal of " + device.bdf(), () -> {
      injector.pull(device);
      k.spawnDaemon("pciehp", () -> injector.forget(device));
    });
    injector.record("armed: surprise removal of %s in %d ns", device.bdf(), d.toNanos());
  }
}
