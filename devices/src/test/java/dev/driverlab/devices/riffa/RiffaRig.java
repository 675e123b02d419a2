package dev.driverlab.devices.riffa;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.devices.testing.BareMetal;
import dev.driverlab.devices.time.VirtualClock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * One default machine with RIFFA endpoints plugged in (switch slots first), booted bare-metal, a
 * {@link MiniDriver} per endpoint (MSI data 0x40 + index, 16 MiB of RAM each), the fabric's error
 * lines and a TLP log per endpoint link.
 */
final class RiffaRig {
  /** A TLP seen on an endpoint's own link. */
  record Seen(long timeNs, LinkDirection dir, String link, Tlp tlp) {}

  static final long MS = 1_000_000L;

  final Machine m;
  final BareMetal bm;
  final List<RiffaEndpoint> devs;
  final List<Endpoint> eps = new ArrayList<>();
  final List<MiniDriver> drivers = new ArrayList<>();
  final List<String> errors = new ArrayList<>();
  final List<Seen> tlps = new ArrayList<>();

  RiffaRig(RiffaEndpoint... devices) {
    this(Machine.createDefault(), devices);
  }

  RiffaRig(Machine machine, RiffaEndpoint... devices) {
    this(machine, true, devices);
  }

  /**
   * {@code logTlps} false: no TLP log ({@link #tlps} stays empty), so no plain observer keeps the
   * fabric's DMA on the TLP road (the express, and the engines' bursts, may run).
   */
  RiffaRig(Machine machine, boolean logTlps, RiffaEndpoint... devices) {
    m = machine;
    devs = List.of(devices);
    List<Slot> slots = new ArrayList<>();
    for (RiffaEndpoint d : devices) {
      slots.add(m.plug(d));
    }
    bm = BareMetal.boot(m);
    m.fabric().addErrorSink(errors::add);
    for (int i = 0; i < devices.length; i++) {
      Endpoint ep = (Endpoint) slots.get(i).functions().get(0);
      eps.add(ep);
      drivers.add(new MiniDriver(m, bm, ep, 0x40 + i, new MiniDriver.Ram(0x0100_0000L * (i + 1), 0x0100_0000L)));
    }
    if (!logTlps) {
      return;
    }
    List<String> links = slots.stream().map(s -> s.link().name()).toList();
    m.fabric().addObserver((t, dir, link, tlp) -> {
      if (links.contains(link)) {
        tlps.add(new Seen(t, dir, link, tlp));
      }
    });
  }

  /** A rig with one endpoint, probed. */
  static RiffaRig probed(RiffaEndpoint dev) {
    RiffaRig r = new RiffaRig(dev);
    r.d().probe();
    return r;
  }

  MiniDriver d() {
    return drivers.get(0);
  }

  Endpoint ep() {
    return eps.get(0);
  }

  /**
   * Advances the machine until every op is done: after each event, every driver's ISR runs for its
   * new MSIs and the ops consume their messages; an op whose inactivity timeout passes finishes with
   * what it has. Returns false if the clock ran dry while an op without timeout still waited.
   */
  boolean run(MiniDriver.Op... ops) {
    VirtualClock clock = m.clock();
    while (true) {
      for (MiniDriver d : drivers) {
        if (d.sendQ != null) {
          d.serviceInterrupts();
        }
      }
      for (MiniDriver.Op op : ops) {
        op.dispatch();
      }
      if (Arrays.stream(ops).allMatch(op -> op.done)) {
        return true;
      }
      long deadline = Arrays.stream(ops).filter(op -> !op.done).mapToLong(MiniDriver.Op::deadline).min().orElseThrow();
      VirtualClock.Event next = clock.peek();
      if (next == null || next.when() > deadline) {
        if (deadline == Long.MAX_VALUE) {
          return false; // a real kernel would report this wait as a hang
        }
        clock.advanceTo(deadline);
        for (MiniDriver.Op op : ops) {
          if (!op.done && op.deadline() <= deadline) {
            op.onTimeout();
          }
        }
        continue;
      }
      clock.runNext();
    }
  }

  /** Runs every pending event (no driver involved). */
  void drain() {
    while (m.clock().runNext()) {
      // keep going
    }
  }

  /** {@code fpga_send} of {@code words} from a fresh buffer; returns the words sent. */
  int send(int chnl, int[] words, long timeoutNs) {
    MiniDriver d = d();
    long buf = d.alloc(Math.max(4, 4L * words.length));
    d.writeWords(buf, words);
    MiniDriver.SendOp op = d.startSend(chnl, buf, words.length, 0, true, timeoutNs);
    run(op);
    return op.words();
  }

  /** {@code fpga_recv} into a fresh zeroed buffer of {@code capacity} words. */
  int[] recv(int chnl, int capacity, long timeoutNs, int[] wordsReceived) {
    MiniDriver d = d();
    long buf = d.alloc(Math.max(4, 4L * capacity));
    MiniDriver.RecvOp op = d.startRecv(chnl, buf, capacity, timeoutNs);
    run(op);
    wordsReceived[0] = op.words();
    return d.readWords(buf, capacity);
  }

  static int[] counting(int n) {
    return IntStream.rangeClosed(1, n).toArray();
  }

  /** MRd requests the endpoint issued (upstream on its own link), excluding nothing. */
  List<Tlp> reads(int dev) {
    return deviceRequests(dev, TlpType.MRD);
  }

  /** MWr requests the endpoint issued, without its MSIs. */
  List<Tlp> writes(int dev) {
    return deviceRequests(dev, TlpType.MWR).stream().filter(t -> (t.address() & ~0xfffffL) != 0xfee00000L).toList();
  }

  List<Tlp> msiWrites(int dev) {
    return deviceRequests(dev, TlpType.MWR).stream().filter(t -> (t.address() & ~0xfffffL) == 0xfee00000L).toList();
  }

  private List<Tlp> deviceRequests(int dev, TlpType type) {
    Endpoint ep = eps.get(dev);
    return tlps.stream()
        .filter(s -> s.dir() == LinkDirection.UPSTREAM && s.tlp().type() == type && s.tlp().requester().equals(ep.id()))
        .map(Seen::tlp).toList();
  }
}
