package dev.driverlab.devices.pcie;

import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpInterceptor;
import dev.driverlab.devices.pcie.tlp.TlpObserver;
import dev.driverlab.devices.time.VirtualClock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What every part of one machine's PCIe fabric shares: the machine's clock, the TLP observers watching
 * the links, and the sink for hardware error reports (master aborts, IOMMU faults, guest errors of
 * device models). One per {@code Machine}; nothing here is static.
 */
public final class Fabric {
  private final VirtualClock clock;
  private final List<TlpObserver> observers = new CopyOnWriteArrayList<>();
  /** {@link #observers} as an array for {@link #trace}, which runs for every TLP on every link: no iterator. */
  private volatile TlpObserver[] observing = new TlpObserver[0];
  /** Some observer in {@link #observing} may keep TLPs: {@link #trace} shows them owned ones. */
  private volatile boolean keeping;
  private final List<Consumer<String>> errorSinks = new CopyOnWriteArrayList<>();
  private final List<TlpInterceptor> interceptors = new CopyOnWriteArrayList<>();
  private volatile boolean intercepted;

  public Fabric(VirtualClock clock) {
    this.clock = clock;
  }

  public VirtualClock clock() {
    return clock;
  }

  /** Watches every TLP on every link of this machine. Returns a handle that stops watching. */
  public AutoCloseable addObserver(TlpObserver o) {
    synchronized (observers) { // the change and its array together, so the last array written is whole
      observers.add(o);
      publishObservers();
    }
    return () -> {
      synchronized (observers) {
        observers.remove(o);
        publishObservers();
      }
    };
  }

  private void publishObservers() {
    TlpObserver[] os = observers.toArray(new TlpObserver[0]);
    boolean k = false;
    for (TlpObserver o : os) {
      k |= o.keepsTlps();
    }
    keeping = k;
    observing = os;
  }

  /** Lets {@code i} pass, change or drop every TLP before it crosses a link. Returns a handle that removes it. */
  public AutoCloseable addInterceptor(TlpInterceptor i) {
    interceptors.add(i);
    intercepted = true;
    return () -> {
      interceptors.remove(i);
      intercepted = !interceptors.isEmpty();
    };
  }

  /**
   * Runs the interceptors: the TLP to send, or null if one dropped it. Interceptors are test tools that
   * may keep what they see, so they see (and the link sends on) a TLP that owns its payload.
   */
  Tlp intercept(LinkDirection dir, String link, Tlp tlp) {
    return intercepted ? runInterceptors(dir, link, tlp) : tlp;
  }

  private Tlp runInterceptors(LinkDirection dir, String link, Tlp tlp) {
    tlp = tlp.owned();
    long now = clock.nowNs();
    for (TlpInterceptor i : interceptors) {
      if (tlp == null) {
        return null;
      }
      tlp = i.intercept(now, dir, link, tlp);
    }
    return tlp;
  }

  /**
   * Whether a TLP shown on the links now would be copied into an owned one anyway (an observer may
   * keep TLPs, or an interceptor is registered). A sender that could build a TLP as a view of its
   * buffer builds it owning its payload instead: one copy at the door, as a copying factory makes,
   * rather than a view and then a copy at the first link.
   */
  boolean ownsPayloadsOnTheWire() {
    return keeping || intercepted;
  }

  /** Receives one line per hardware-level error (the kernel prints them to dmesg). */
  public void addErrorSink(Consumer<String> sink) {
    errorSinks.add(sink);
  }

  /**
   * Shows {@code tlp} to the observers; returns the TLP the link sends on: {@code tlp} itself, or, if
   * an observer may keep TLPs and {@code tlp}'s payload is a view of its sender's buffer, an equal TLP
   * owning a copy. Sending that one on means a TLP is copied once however many links it crosses.
   */
  Tlp trace(LinkDirection dir, String link, Tlp tlp) {
    TlpObserver[] os = observing;
    return os.length == 0 ? tlp : show(os, dir, link, tlp);
  }

  private Tlp show(TlpObserver[] os, LinkDirection dir, String link, Tlp tlp) {
    if (keeping) {
      tlp = tlp.owned();
    }
    long now = clock.nowNs();
    for (TlpObserver o : os) {
      o.onTlp(now, dir, link, tlp);
    }
    return tlp;
  }

  /** Reports a hardware error: a refused request, a fault, a device model's complaint. */
  public void error(String fmt, Object... args) {
    String msg = args.length == 0 ? fmt : String.format(fmt, args);
    for (Consumer<String> s : errorSinks) {
      s.accept(msg);
    }
  }
}
