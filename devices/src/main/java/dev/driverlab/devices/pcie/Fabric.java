package dev.driverlab.devices.pcie;

import dev.driverlab.devices.pcie.tlp.ExpressDma;
import dev.driverlab.devices.pcie.tlp.ExpressObserver;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpInterceptor;
import dev.driverlab.devices.pcie.tlp.TlpObserver;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.devices.time.VirtualClock;
import java.util.ArrayList;
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
  private final List<Consumer<String>> errorSinks = new CopyOnWriteArrayList<>();
  private final List<TlpInterceptor> interceptors = new CopyOnWriteArrayList<>();
  /**
   * What a TLP crossing a link meets, as one immutable snapshot replaced whole (under the lock of
   * {@link #observers}) on every change of the observers or interceptors: a crossing reads one
   * volatile field to learn all of it, instead of one per fact.
   */
  private volatile Hooks hooks = new Hooks(new TlpObserver[0], false, false);

  private static final TlpType[] TYPES = TlpType.values();

  /** A snapshot of the fabric's hooks (see {@link #hooks}). */
  static final class Hooks {
    /** The observers as an array: {@link #show} runs for every TLP on every link, no iterator. */
    final TlpObserver[] observers;
    /**
     * The observers that watch each direction and type ({@link TlpObserver#watches}), indexed by
     * {@link #kind}: a crossing calls only those, from an array built once per change of observers.
     */
    private final TlpObserver[][] watching;
    /** Some observer may keep TLPs: {@link #show} shows them owned ones. */
    final boolean keeping;
    /** Some interceptor is registered: crossings take the interception path. */
    final boolean intercepted;
    /**
     * The observers that watch a memory write going up, or null if one of them is not an
     * {@link ExpressObserver} (then no write takes the express); likewise for a memory read going up
     * and its completions coming down. In the order the observers were added. See {@link ExpressDma}.
     */
    final ExpressObserver[] expressWrite;
    final ExpressObserver[] expressRead;
    /** Likewise for a CPU's MMIO read (the MRd going down and its completion coming up), and write. */
    final ExpressObserver[] expressCpuRead;
    final ExpressObserver[] expressCpuWrite;

    Hooks(TlpObserver[] observers, boolean keeping, boolean intercepted) {
      this.observers = observers;
      this.keeping = keeping;
      this.intercepted = intercepted;
      this.watching = new TlpObserver[2 * TYPES.length][];
      for (LinkDirection dir : LinkDirection.values()) {
        for (TlpType type : TYPES) {
          List<TlpObserver> w = new ArrayList<>();
          for (TlpObserver o : observers) {
            if (o.watches(dir, type)) {
              w.add(o);
            }
          }
          watching[kind(dir, type)] = w.toArray(new TlpObserver[0]);
        }
      }
      this.expressWrite = intercepted ? null : express(observers, LinkDirection.UPSTREAM, TlpType.MWR, null, null);
      this.expressRead = intercepted ? null
          : express(observers, LinkDirection.UPSTREAM, TlpType.MRD, LinkDirection.DOWNSTREAM, TlpType.CPLD);
      this.expressCpuRead = intercepted ? null
          : express(observers, LinkDirection.DOWNSTREAM, TlpType.MRD, LinkDirection.UPSTREAM, TlpType.CPLD);
      this.expressCpuWrite = intercepted ? null : express(observers, LinkDirection.DOWNSTREAM, TlpType.MWR, null, null);
    }

    /**
     * The observers that watch (dir, type) or (dir2, type2), if all of them are ExpressObservers;
     * else null.
     */
    private static ExpressObserver[] express(TlpObserver[] observers, LinkDirection dir, TlpType type,
        LinkDirection dir2, TlpType type2) {
      List<ExpressObserver> w = new ArrayList<>();
      for (TlpObserver o : observers) {
        if (o.watches(dir, type) || (dir2 != null && o.watches(dir2, type2))) {
          if (!(o instanceof ExpressObserver e)) {
            return null;
          }
          w.add(e);
        }
      }
      return w.toArray(new ExpressObserver[0]);
    }

    private static int kind(LinkDirection dir, TlpType type) {
      return (dir == LinkDirection.UPSTREAM ? TYPES.length : 0) + type.ordinal();
    }

    /** The observers that watch TLPs of {@code type} crossing in direction {@code dir}. */
    TlpObserver[] watching(LinkDirection dir, TlpType type) {
      return watching[kind(dir, type)];
    }
  }

  /** The transfer the express is moving now, and its links (one simulated CPU drives a machine at a time). */
  private final ExpressDma express = new ExpressDma();
  private final ExpressRoad expressRoad = new ExpressRoad();
  /**
   * The same for a CPU's MMIO access, apart: the device model's register handler runs in the middle of
   * a read, and may itself start DMA. {@link #cpuReadInExpress} is set while a read is under way (a
   * nested read, were a handler to make one, takes the TLP road).
   */
  private final ExpressDma cpuExpress = new ExpressDma();
  private final ExpressRoad cpuRoad = new ExpressRoad();
  boolean cpuReadInExpress;

  public Fabric(VirtualClock clock) {
    this.clock = clock;
  }

  /** The one {@link ExpressDma} of this fabric, to fill for the transfer at hand. */
  ExpressDma express() {
    return express;
  }

  /** The one {@link ExpressRoad} of this fabric, cleared, to record the transfer at hand's links. */
  ExpressRoad expressRoad() {
    return expressRoad.clear();
  }

  /** {@link #express()} for a CPU's MMIO access. */
  ExpressDma cpuExpress() {
    return cpuExpress;
  }

  /** {@link #expressRoad()} for a CPU's MMIO access. */
  ExpressRoad cpuRoad() {
    return cpuRoad.clear();
  }

  /** The CPU access's road as {@link #cpuRoad()}'s walk recorded it. */
  ExpressRoad cpuRoadRecorded() {
    return cpuRoad;
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

  /** Publishes a new {@link #hooks} snapshot; called holding the lock of {@link #observers}. */
  private void publishObservers() {
    TlpObserver[] os = observers.toArray(new TlpObserver[0]);
    boolean k = false;
    for (TlpObserver o : os) {
      k |= o.keepsTlps();
    }
    hooks = new Hooks(os, k, !interceptors.isEmpty());
  }

  /** The hooks a crossing meets now (one volatile read; see {@link #hooks}). */
  Hooks hooks() {
    return hooks;
  }

  /** Lets {@code i} pass, change or drop every TLP before it crosses a link. Returns a handle that removes it. */
  public AutoCloseable addInterceptor(TlpInterceptor i) {
    synchronized (observers) {
      interceptors.add(i);
      publishObservers();
    }
    return () -> {
      synchronized (observers) {
        interceptors.remove(i);
        publishObservers();
      }
    };
  }

  /**
   * Runs the interceptors: the TLP to send, or null if one dropped it. Interceptors are test tools that
   * may keep what they see, so they see (and the link sends on) a TLP that owns its payload.
   */
  Tlp intercept(LinkDirection dir, String link, Tlp tlp) {
    return hooks.intercepted ? runInterceptors(dir, link, tlp) : tlp;
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
    Hooks h = hooks;
    return h.keeping || h.intercepted;
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
    Hooks h = hooks;
    return h.observers.length == 0 ? tlp : show(h, dir, link, tlp);
  }

  /**
   * {@link #trace} with the hooks {@code h} a crossing read already (observers present): the link's
   * common path reads the snapshot once for interception and observation both.
   */
  Tlp show(Hooks h, LinkDirection dir, String link, Tlp tlp) {
    TlpObserver[] os = h.watching(dir, tlp.type());
    if (os.length == 0) {
      return tlp;
    }
    if (h.keeping) {
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
