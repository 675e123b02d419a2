package dev.driverlab.userland.testing;

import dev.driverlab.devices.pcie.InterruptSink;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.time.VirtualClock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Sits between the Root Complex and the kernel's interrupt controller (the {@link InterruptSink} the
 * kernel installed at boot) and loses or delays interrupts:
 *
 * <pre>
 *   MSI write / INTx level change ──► rule for this device fires? ──► drop: the kernel never hears of it
 *                                                                 └─► delay: delivered by a clock event later
 *                                  └─► otherwise the kernel's controller, at once
 * </pre>
 *
 * MSIs are matched by requester ID. INTx reaches the controller as a GSI level with no requester, so
 * INTx rules match the device's GSI (its Interrupt Line): on a shared line they hit every device on
 * it. Dropping INTx drops the assert edges (the line then stays low for the kernel until the next
 * change); delaying shifts every later change of that GSI as well, so asserts and deasserts keep order.
 */
final class InterruptFaults implements InterruptSink {
  private record Rule(PcieId requester, int gsi, long delayNs, Fault fault) {
    boolean drops() {
      return delayNs < 0;
    }
  }

  private final InterruptSink kernelSink;
  private final VirtualClock clock;
  private final FaultInjector injector;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  /** Per GSI: the time the last delayed level change will be delivered, to keep changes in order. */
  private final Map<Integer, Long> gsiBusyUntil = new HashMap<>();

  InterruptFaults(InterruptSink kernelSink, VirtualClock clock, FaultInjector injector) {
    this.kernelSink = kernelSink;
    this.clock = clock;
    this.injector = injector;
  }

  /**
   * Arms {@code fault} for MSIs from {@code requester} and, if {@code gsi} is not -1, for asserts of
   * that INTx line (one fault, so {@link Fault#times} counts both).
   *
   * @param delayNs how long to hold the interrupt, or -1 to drop it
   */
  void add(PcieId requester, int gsi, long delayNs, Fault fault) {
    rules.add(new Rule(requester, -1, delayNs, fault));
    if (gsi >= 0) {
      rules.add(new Rule(null, gsi, delayNs, fault));
    }
  }

  @Override
  public void msi(PcieId requester, long address, int data) {
    for (Rule r : rules) {
      if (requester.equals(r.requester) && r.fault.fire()) {
        if (r.drops()) {
          injector.record("%s: MSI (address %#x data %#x) lost before the interrupt controller", r.fault.what(),
              address, data);
          return;
        }
        injector.record("%s: MSI (address %#x data %#x) held for %d ns", r.fault.what(), address, data, r.delayNs);
        clock.schedule(r.delayNs, "delayed MSI from " + requester, () -> kernelSink.msi(requester, address, data));
        return;
      }
    }
    kernelSink.msi(requester, address, data);
  }

  @Override
  public void intxLevel(int gsi, boolean asserted) {
    long now = clock.nowNs();
    long busyUntil;
    synchronized (gsiBusyUntil) {
      busyUntil = gsiBusyUntil.getOrDefault(gsi, -1L);
    }
    for (Rule r : rules) {
      if (r.requester == null && r.gsi == gsi && asserted && r.fault.fire()) {
        if (r.drops()) {
          injector.record("%s: INTx assert on GSI %d lost", r.fault.what(), gsi);
          return;
        }
        injector.record("%s: INTx assert on GSI %d held for %d ns", r.fault.what(), gsi, r.delayNs);
        deliverLater(gsi, true, Math.max(now + r.delayNs, busyUntil));
        return;
      }
    }
    if (busyUntil > now) {
      deliverLater(gsi, asserted, busyUntil); // an earlier change is still held: keep the order
      return;
    }
    kernelSink.intxLevel(gsi, asserted);
  }

  private void deliverLater(int gsi, boolean asserted, long whenNs) {
    synchronized (gsiBusyUntil) {
      gsiBusyUntil.put(gsi, whenNs);
    }
    clock.scheduleAt(whenNs, "delayed INTx " + (asserted ? "assert" : "deassert") + " on GSI " + gsi,
        () -> kernelSink.intxLevel(gsi, asserted));
  }
}
