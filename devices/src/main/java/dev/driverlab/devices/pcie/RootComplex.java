package dev.driverlab.devices.pcie;

import static com.google.common.base.Preconditions.checkArgument;

import dev.driverlab.devices.mem.AddressMap;
import dev.driverlab.devices.mem.MemoryRegion;
import dev.driverlab.devices.mem.SparseRam;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.ExpressDma;
import dev.driverlab.devices.pcie.tlp.ExpressObserver;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.LinkTiming;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The Root Complex: where CPU physical accesses become TLPs and where devices' TLPs reach RAM and the
 * interrupt controller.
 *
 * <pre>
 *  CPU load/store ──► ECAM window ──► bus 0: host bridge / root ports; bus n: CfgRd1/CfgWr1 to the port
 *                 └─► MMIO window ──► MRd/MWr (requester 00:00.0) to the root port whose window claims it
 *                                     no claim / UR completion ─► reads return all ones
 *  root port ───────► MWr in 0xFEEx_xxxx ──► MSI to the interrupt controller
 *                 ├─► Assert/Deassert_INTx ──► IO-APIC line (Firmware._PRT wiring), wire-OR of sources
 *                 └─► MRd/MWr ──► IOMMU (if on) ──► RAM only ──► CplD split at MPS / RCB back down
 *                                 anything else: Unsupported Request, logged, RAM untouched
 * </pre>
 */
public final class RootComplex {
  /** Read Completion Boundary of the Root Complex, bytes (PCIe Base Spec §2.3.1.1). */
  public static final int RCB = 64;
  public static final int ROOT_PORT_VENDOR = 0x1b36, ROOT_PORT_DEVICE = 0x000c;

  private final Fabric fabric;
  private final AddressMap addressMap;
  private final Iommu iommu;
  private final HostBridge hostBridge;
  private final List<Bridge> rootPorts = new ArrayList<>();
  /** {@link #rootPorts} as an array, for the port decode of every CPU MMIO access (no list access). */
  private Bridge[] ports = new Bridge[0];
  private final List<Link> links = new ArrayList<>();
  private final PciFunction[] bus0 = new PciFunction[32];
  private final List<Set<Integer>> intxSources = new ArrayList<>();
  private InterruptSink interrupts;
  private int cpuTag;
  /** The RAM the last device memory request reached, and its base address ({@link #ramHolding}). */
  private SparseRam dmaRam;
  private long dmaRamBase;

  public RootComplex(Fabric fabric, AddressMap addressMap, Iommu iommu) {
    this.fabric = fabric;
    this.addressMap = addressMap;
    this.iommu = iommu;
    this.hostBridge = new HostBridge(fabric);
    bus0[0] = hostBridge;
    for (int i = 0; i < Firmware.PCI_GSI_COUNT; i++) {
      intxSources.add(new HashSet<>());
    }
  }

  public Fabric fabric() {
    return fabric;
  }

  public Iommu iommu() {
    return iommu;
  }

  public void setInterruptSink(InterruptSink sink) {
    this.interrupts = sink;
  }

  public List<Bridge> rootPorts() {
    return List.copyOf(rootPorts);
  }

  public List<Link> links() {
    return List.copyOf(links);
  }

  /** Functions on bus 0 in device order (host bridge, root ports). */
  public List<PciFunction> bus0Functions() {
    List<PciFunction> out = new ArrayList<>();
    for (PciFunction f : bus0) {
      if (f != null) {
        out.add(f);
      }
    }
    return out;
  }

  /** Adds a root port at device {@code device} of bus 0 with {@code partner} in its slot. */
  public Link addRootPort(int device, LinkPartner partner, int gen, int width) {
    checkArgument(device > 0 && device < 32 && bus0[device] == null, "bus 0 device %s is taken or invalid", device);
    Bridge port = new Bridge(fabric, String.format("root port 00:%02x.0", device), Bridge.Role.ROOT_PORT,
        ROOT_PORT_VENDOR, ROOT_PORT_DEVICE, device, 0, 2, gen, width);
    Link link = new Link(fabric, String.format("00:%02x.0", device), new LinkTiming(gen, width), port, partner);
    port.connectSecondaryLink(link);
    port.connectRootComplex(this);
    partner.attach(link);
    link.train();
    bus0[device] = port;
    rootPorts.add(port);
    ports = rootPorts.toArray(new Bridge[0]);
    links.add(link);
    return link;
  }

  // ---- CPU side ---------------------------------------------------------------------------------

  /** The ECAM window as a CPU memory region (bus &lt;&lt; 20 | devfn &lt;&lt; 12 | register; §D.10). */
  public MemoryRegion ecam() {
    return new MemoryRegion() {
      @Override
      public String name() {
        return "PCI ECAM";
      }

      @Override
      public long read(long offset, int size) {
        long v = configRead((int) (offset >>> 20) & 0xff, (int) (offset >>> 12) & 0xff, (int) (offset & 0xfff), size);
        return v & allOnes(size);
      }

      @Override
      public void write(long offset, long value, int size) {
        configWrite((int) (offset >>> 20) & 0xff, (int) (offset >>> 12) & 0xff, (int) (offset & 0xfff), size,
            (int) value);
      }
    };
  }

  /** The PCI MMIO window(s) as a CPU memory region: every access becomes a TLP. */
  public MemoryRegion mmio(String name, long base) {
    return new MemoryRegion() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public long read(long offset, int size) {
        return mmioRead(base + offset, size);
      }

      @Override
      public void write(long offset, long value, int size) {
        mmioWrite(base + offset, value, size);
      }
    };
  }

  private int nextTag() {
    int t = cpuTag;
    cpuTag = (cpuTag + 1) & 0xff;
    return t;
  }

  private Bridge portClaiming(long address) {
    for (Bridge p : ports) {
      if (p.claims(address)) {
        return p;
      }
    }
    return null;
  }

  /** A CPU load from PCI MMIO: an MRd; UR or silence returns all ones. */
  public long mmioRead(long address, int size) {
    Bridge port = portClaiming(address);
    if (port == null) {
      return allOnes(size);
    }
    int tag = nextTag();
    ExpressObserver[] watchers = fabric.hooks().expressCpuRead;
    Endpoint e = watchers == null ? null : cpuExpress(watchers, ExpressDma.Kind.CPU_READ, port, tag, address, size);
    if (e != null) {
      return cpuReadByExpress(watchers, e, address, size);
    }
    Tlp rd = Tlp.memRead(hostBridge.id(), tag, address, size);
    Tlp cpl = port.fromPrimary(rd);
    if (cpl == null || cpl.status() != CplStatus.SC || cpl.payloadLength() == 0) {
      return allOnes(size);
    }
    return cpl.payloadLe((int) (address & 3), size);
  }

  /*
   * The MMIO-read express: a CPU load from an Endpoint's BAR without TLP objects (and a store, below),
   * on the same terms
   * as the DMA express below. Going down, an MRd is routed by address (each bridge's windows, each link
   * up) to the first function of the card that claims the address; an Endpoint answers a read of 1, 2,
   * 4 or 8 bytes it claims always the same way, with one successful CplD carrying its model's value,
   * which goes back up the same links. When that is the road and every observer of MRds going down
   * and completions going up is an ExpressObserver that admits the read, the express charges each link
   * the MRd's time, calls the model's handler as the MRd's arrival would, charges the completion's
   * time, tells the observers, and returns the value. Anything else takes the TLP road.
   */

  /**
   * The Endpoint a CPU access ({@code kind}) of {@code size} bytes at {@code address} may take by
   * express, its road recorded in the fabric's {@link Fabric#cpuRoad} and, with watchers, the access
   * in its {@link Fabric#cpuExpress}; null: take the TLP road.
   */
  private Endpoint cpuExpress(ExpressObserver[] watchers, ExpressDma.Kind kind, Bridge port, int tag,
      long address, int size) {
    if (fabric.cpuReadInExpress || (size != 1 && size != 2 && size != 4 && size != 8)
        || (address & 0xfff) + size > 0x1000) {
      return null; // (an access from a handler in the middle of an express read: the road is in use)
    }
    ExpressRoad road = fabric.cpuRoad();
    Endpoint e = mmioRoad(port, address, road);
    if (e == null || watchers.length == 0) {
      return e;
    }
    ExpressDma dma = fabric.cpuExpress();
    dma.start(fabric.clock().nowNs(), kind, hostBridge.id(), tag, address, size);
    dma.requesterLimits(hostBridge.maxPayloadLimit(), hostBridge.maxReadRequestLimit());
    for (int i = road.downCount() - 1; i >= 0; i--) {
      Link l = road.down(i);
      dma.addUpLink(l.name(), l.port().maxPayloadLimit());
    }
    dma.answer(e.id(), 0, RCB);
    return admitted(watchers, dma) ? e : null;
  }

  /** The CPU read {@link #cpuExpress} admitted, done: the value the completion would bring. */
  private long cpuReadByExpress(ExpressObserver[] watchers, Endpoint e, long address, int size) {
    ExpressRoad road = fabric.cpuRoadRecorded();
    road.chargeDownRead((address >>> 32) != 0);
    long v;
    fabric.cpuReadInExpress = true;
    try {
      v = e.expressBarRead(address, size);
    } finally {
      fabric.cpuReadInExpress = false;
    }
    road.chargeCompletionBack(4 * (((int) (address & 3) + size + 3) >>> 2));
    ExpressDma dma = fabric.cpuExpress();
    for (ExpressObserver o : watchers) {
      o.onExpress(dma);
    }
    return v & allOnes(size);
  }

  /**
   * The MMIO-write express (as the read's above, for a posted MWr): true if the store was delivered
   * to the Endpoint's handler, false if nothing was done.
   */
  private boolean cpuWriteByExpress(ExpressObserver[] watchers, Bridge port, long address, long value, int size) {
    Endpoint e = cpuExpress(watchers, ExpressDma.Kind.CPU_WRITE, port, 0, address, size);
    if (e == null) {
      return false;
    }
    ExpressDma dma = fabric.cpuExpress();
    fabric.cpuRoadRecorded().chargeDownWrite((address >>> 32) != 0, 4 * (((int) (address & 3) + size + 3) >>> 2));
    for (ExpressObserver o : watchers) {
      o.onExpress(dma); // as a TLP is shown before it moves on
    }
    e.expressBarWrite(address, value & allOnes(size), size);
    return true;
  }

  /**
   * Walks the road an MRd or MWr for {@code address} takes down from root port {@code port} (which
   * claims it), making every check it would meet (each bridge's windows, each link up), records each link crossed
   * in {@code road}, and returns the Endpoint that would answer it, or null if a check fails or the road
   * holds anything but bridges, links, switches, slots and an Endpoint claiming the address first.
   */
  private static Endpoint mmioRoad(Bridge port, long address, ExpressRoad road) {
    Bridge b = port;
    for (int hops = 0; hops < 64; hops++) {
      LinkPartner p = road.crossDown(b.secondaryLink());
      if (p instanceof Switch sw) {
        Bridge upstream = sw.upstreamPort();
        b = upstream.claims(address) ? sw.portClaiming(address) : null;
        if (b == null) {
          return null;
        }
        continue;
      }
      if (p instanceof PcieDevice d && d.functionClaiming(address) instanceof Endpoint e) {
        return e;
      }
      return null;
    }
    return null;
  }

  /** A CPU store to PCI MMIO: a posted MWr; if nothing claims it, it is dropped. */
  public void mmioWrite(long address, long value, int size) {
    Bridge port = portClaiming(address);
    if (port == null) {
      return;
    }
    ExpressObserver[] watchers = fabric.hooks().expressCpuWrite;
    if (watchers != null && cpuWriteByExpress(watchers, port, address, value, size)) {
      return;
    }
    port.fromPrimary(Tlp.memWriteLe(hostBridge.id(), address, value, size));
  }

  private static long allOnes(int size) {
    return size == 8 ? -1L : (1L << (8 * size)) - 1;
  }

  /** A config read through ECAM; absent functions read as all ones. */
  public int configRead(int bus, int devfn, int reg, int size) {
    Tlp cpl = config(bus, devfn, reg, size, false, 0);
    if (cpl == null || cpl.status() != CplStatus.SC) {
      return (int) allOnes(size);
    }
    return (int) cpl.payloadLe(reg & 3, size);
  }

  public void configWrite(int bus, int devfn, int reg, int size, int value) {
    config(bus, devfn, reg, size, true, value);
  }

  private Tlp config(int bus, int devfn, int reg, int size, boolean write, int value) {
    if (size != 1 && size != 2 && size != 4 || (reg & (size - 1)) != 0) {
      fabric.error("ECAM: misaligned %d-byte config access at %02x:%02x.%x reg %#x ignored", size, bus, devfn >> 3,
          devfn & 7, reg);
      return null;
    }
    PcieId target = new PcieId(bus, devfn >> 3, devfn & 7);
    int be = ((1 << size) - 1) << (reg & 3);
    int shifted = value << (8 * (reg & 3));
    if (bus == 0) {
      PciFunction f = bus0[devfn >> 3];
      if (f == null || (devfn & 7) != 0) {
        return null;
      }
      Tlp req = write ? Tlp.cfgWrite(false, hostBridge.id(), nextTag(), target, reg & ~3, be, shifted)
          : Tlp.cfgRead(false, hostBridge.id(), nextTag(), target, reg & ~3, be);
      return f.handleConfig(req);
    }
    for (Bridge p : rootPorts) {
      if (p.routesBus(bus)) {
        Tlp req = write ? Tlp.cfgWrite(true, hostBridge.id(), nextTag(), target, reg & ~3, be, shifted)
            : Tlp.cfgRead(true, hostBridge.id(), nextTag(), target, reg & ~3, be);
        return p.fromPrimary(req);
      }
    }
    return null;
  }

  // ---- device side ------------------------------------------------------------------------------

  /** A TLP arriving from root port {@code port}, travelling up. */
  CplStatus fromRootPort(Tlp tlp, Bridge port) {
    TlpType t = tlp.type();
    if (t == TlpType.MWR) {
      long address = tlp.address();
      if (address >= Firmware.MSI_BASE && address < Firmware.MSI_BASE + Firmware.MSI_SIZE) {
        return msi(tlp);
      }
      return memoryRequest(tlp, port);
    }
    if (t == TlpType.MRD) {
      return memoryRequest(tlp, port);
    }
    if (t == TlpType.MSG || t == TlpType.MSGD) {
      int code = tlp.messageCode();
      if (code >= 0x20 && code <= 0x27) {
        intx(port, code & 3, code < 0x24, tlp.requester());
        return CplStatus.SC;
      }
      return CplStatus.SC; // other messages (PME, errors) are accepted and ignored
    }
    return notSupported(tlp, t);
  }

  /** Kept out of fromRootPort, which every DMA TLP passes: the report builds its arguments in line. */
  private CplStatus notSupported(Tlp tlp, TlpType t) {
    fabric.error("RC: %s from %s not supported", t, tlp.requester());
    return CplStatus.UR;
  }

  private CplStatus msi(Tlp tlp) {
    int data = (int) tlp.payloadLe(0, 4);
    if (interrupts != null) {
      interrupts.msi(tlp.requester(), tlp.address(), data);
    }
    return CplStatus.SC;
  }

  private void intx(Bridge port, int pin, boolean assert_, PcieId source) {
    int gsi = Firmware.intxGsi(port.deviceNumber(), pin);
    Set<Integer> set = intxSources.get(gsi - Firmware.FIRST_PCI_GSI);
    boolean before = !set.isEmpty();
    int key = source.requesterId() << 2 | pin;
    if (assert_) {
      set.add(key);
    } else {
      set.remove(key);
    }
    boolean after = !set.isEmpty();
    if (before != after && interrupts != null) {
      interrupts.intxLevel(gsi, after);
    }
  }

  /*
   * A device's memory request: every DMA TLP comes here. The common case (the IOMMU off or
   * translating, RAM there) is short; refusals are methods of their own.
   */
  private CplStatus memoryRequest(Tlp tlp, Bridge port) {
    boolean write = tlp.type() == TlpType.MWR;
    long address = tlp.requestFirstByteAddress();
    int len = tlp.requestByteLength();
    long pa = address;
    if (iommu.enabled()) {
      Iommu.Translation tr = iommu.translate(tlp.requester(), address, len, write);
      if (!tr.ok()) {
        return iommuFault(tlp, port, write, address, tr);
      }
      pa = tr.physical();
    }
    SparseRam ram = ramHolding(pa, len);
    if (ram == null) {
      return noRam(tlp, port, write, pa, len);
    }
    long at = pa - dmaRamBase;
    if (write) {
      tlp.payloadTo((int) (address & 3), len, ram, at);
      return CplStatus.SC;
    }
    completeRead(tlp, port, ram, at, address, len);
    return CplStatus.SC;
  }

  /**
   * Answers a read of {@code len} bytes at bus address {@code address}, found in {@code ram} at
   * {@code at}, with completions of at most MPS each; after the first, aligned to the RCB (PCIe Base
   * Spec §2.3.1.1). Each reads its bytes in place from RAM (a view, no copy) when RAM holds them in
   * one array: port.fromPrimary delivers the completion to the requester, which copies the bytes out,
   * before it returns, and nothing writes RAM in between (observers that keep TLPs get their own copy).
   * If the wire would copy them anyway (someone keeps TLPs), they are copied here once instead.
   */
  private void completeRead(Tlp tlp, Bridge port, SparseRam ram, long at, long address, int len) {
    int mps = port.maxPayloadBytes();
    if (readDataBurst(tlp, port, ram, at, address, len, mps)) {
      return;
    }
    boolean views = !fabric.ownsPayloadsOnTheWire();
    long a = address;
    int remaining = len;
    while (remaining > 0) {
      int n = (int) Math.min(remaining, mps - (a & (RCB - 1)));
      long from = at + (a - address);
      byte[] backing = views ? ram.backingArray(from, n) : null;
      Tlp cpl = backing != null
          ? Tlp.completionWithDataView(tlp, hostBridge.id(), remaining, (int) (a & 0x7f), backing,
              SparseRam.backingIndex(from), n)
          : Tlp.completionWithData(tlp, hostBridge.id(), remaining, (int) (a & 0x7f), n,
              (dst, off, cnt) -> ram.read(from, dst, off, cnt));
      port.fromPrimary(cpl);
      a += n;
      remaining -= n;
    }
  }

  /*
   * The read-data burst: the answer to a read delivered at once when nobody can see its completions.
   * With no observer of completions going down and no interceptor, a completion on its way down is seen only by
   * the bridges that route it, the links that time it and the function that asked; when those are
   * plain bridges, live links, switches, slots and an Endpoint (whose completionArrived only copies
   * the data), building each completion and walking it down the road one by one has no effect but
   * these: each link crossed adds its time, and the requester's buffer receives the bytes. The burst
   * checks the road once (every check a completion meets on it), adds to each link the sum of the
   * times of the completions that would have crossed it (the same split at MPS and the RCB, the same
   * per-TLP figures, so busyPs ends the same), and hands the Endpoint the bytes in place from RAM.
   * Anything else on the road (an observer, an interceptor, a link down, a bridge that does not route
   * the requester, an empty slot, another kind of function, a read the Endpoint does not hold as
   * expected, RAM never written) takes the completion-by-completion road below, which also reports
   * what goes wrong. With an observer of completions (the protocol checker, a trace) every completion
   * is a TLP. (A read that takes the express below never gets here: its answer comes with it.)
   */

  /** Delivers the answer to {@code tlp} as a burst if nothing could tell (see above); false if not. */
  private boolean readDataBurst(Tlp tlp, Bridge port, SparseRam ram, long at, long address, int len, int mps) {
    Fabric.Hooks h = fabric.hooks();
    if (h.watching(LinkDirection.DOWNSTREAM, TlpType.CPLD).length != 0 || h.intercepted || len <= 0) {
      return false;
    }
    byte[] backing = ram.backingArray(at, len); // one chunk: a read never crosses 4 KiB
    if (backing == null) {
      return false;
    }
    ExpressRoad road = fabric.expressRoad();
    Endpoint e = readDataRoad(port, tlp.requester(), road);
    if (e == null || !e.canTakeReadData(tlp.tag(), len)) {
      return false;
    }
    road.chargeAnswer(address, len, mps); // the road just checked: nothing ran in between
    e.readDataArrived(tlp.tag(), backing, SparseRam.backingIndex(at), len);
    return true;
  }

  /*
   * The DMA express: an Endpoint's MWr, or its MRd with the whole answer, without TLP objects. With no
   * interceptor, a memory request going up is seen only by the links that time it, the bridges that
   * check Bus Master Enable, the Root Complex and the observers that watch it (and a read's answer by
   * the same links and bridges going down, the Endpoint and the observers of completions). When every
   * check on the road passes, the Root Complex would take the request plainly (no MSI address, IOMMU
   * off, RAM there; for a read, an answer as the burst above would deliver it), and every observer of
   * these TLPs is an ExpressObserver that admits the transfer (told as one ExpressDma), building the
   * TLPs has no effect but these: each link adds the TLPs' times, the observers see the transfer,
   * RAM is written, or the Endpoint's buffer receives the bytes. The express makes every check first,
   * with no effect, and only then charges the same per-TLP times to the same links, tells the
   * observers and moves the bytes; if anything is not plain, it does nothing and the Endpoint sends the
   * TLP, which takes the full road (and reports errors). A plain TlpObserver (a trace, a recorder)
   * therefore sees every TLP as before; the kernel's two checkers are ExpressObservers.
   */

  /*
   * A whole transfer at once: the express for each of a transfer's MWrs (or MRds) in turn would walk
   * the same road again, charge each link the same times, tell the same observers and move the next
   * bytes. The runs below do that once for the whole transfer: the road checked once for the whole
   * range (RAM holds all of it, no MSI address in it, the IOMMU off, no 4 GiB line crossed, so every
   * request's header has the same size), the observers told once (an ExpressDma of many requests,
   * which each admits only if it would admit every one of them), each link charged the sum of the
   * requests' (and answers') times, the bytes moved in one copy. When a run is refused, the Endpoint
   * tries each request alone as a run of one, and one refused again crosses as TLPs.
   */

  /** The pieces a transfer of {@code len} bytes at {@code address} is cut into at {@code limit} and 4 KiB, as Endpoint cuts them. */
  private static int pieces(long address, int len, int limit, int[] sizes, int[] counts) {
    int runs = 0;
    long a = address;
    int rem = len;
    while (rem > 0) {
      int n = (int) Math.min(rem, Math.min(limit - (a & 3), 4096 - (a & 4095)));
      if (runs > 0 && sizes[runs - 1] == n) {
        counts[runs - 1]++;
      } else {
        if (runs == sizes.length) {
          return -1; // too many shapes: each request by its own express
        }
        sizes[runs] = n;
        counts[runs++] = 1;
      }
      a += n;
      rem -= n;
    }
    return runs;
  }

  /**
   * All of Endpoint {@code requester}'s write of {@code src[off, off+len)} at {@code address}
   * (DW-aligned, whole DWs), cut at {@code mps} and 4 KiB, in one go (see above); true if
   * delivered, false if nothing was done. The MWrs go out at once, or, for a burst, back to back until
   * {@code lastRequestNs} ({@link ExpressDma#pacedUntil}; no later than now: all at once).
   */
  static boolean expressWriteRun(Link link, PciFunction requester, long address, byte[] src, int off, int len,
      int mps, long lastRequestNs) {
    Fabric fabric = link.fabric();
    ExpressObserver[] watchers = fabric.hooks().expressWrite;
    if (watchers == null || (address >>> 32) != ((address + len - 1) >>> 32)) {
      return false;
    }
    ExpressDma dma = watchers.length == 0 ? null : fabric.express();
    if (dma != null) {
      dma.start(fabric.clock().nowNs(), ExpressDma.Kind.DEVICE_WRITE, requester.id(), 0, address, len);
      dma.pacedUntil(lastRequestNs);
      dma.requesterLimits(requester.maxPayloadLimit(), requester.maxReadRequestLimit());
    }
    ExpressRoad road = fabric.expressRoad();
    Bridge port = Bridge.rootPortAbove(link, road, dma);
    RootComplex rc = port == null ? null : port.rootComplex();
    if (rc == null || rc.iommu.enabled()
        || (address < Firmware.MSI_BASE + Firmware.MSI_SIZE && address + len > Firmware.MSI_BASE)) {
      return false;
    }
    SparseRam ram = rc.ramHolding(address, len);
    int[] sizes = road.runSizes();
    int[] counts = road.runCounts();
    int runs = ram == null ? -1 : pieces(address, len, mps, sizes, counts);
    if (runs < 0 || !admittedRun(watchers, dma, counts, runs, mps)) {
      return false;
    }
    road.chargeRequests((address >>> 32) != 0, sizes, counts, runs);
    for (ExpressObserver o : watchers) {
      o.onExpress(dma); // as the TLPs are shown before they move on
    }
    ram.write(address - rc.dmaRamBase, src, off, len);
    return true;
  }

  /** {@link #admitted} for a whole transfer of the {@code runs} runs' requests, cut at {@code limit}. */
  private static boolean admittedRun(ExpressObserver[] watchers, ExpressDma dma, int[] counts, int runs, int limit) {
    if (dma == null) {
      return true;
    }
    int requests = 0;
    for (int i = 0; i < runs; i++) {
      requests += counts[i];
    }
    dma.run(requests, limit);
    return admitted(watchers, dma);
  }

  /**
   * All of Endpoint {@code self}'s read of {@code len} bytes at {@code address} into
   * {@code dst[off, off+len)}, cut at {@code mrrs} and 4 KiB, with tags from {@code firstTag} on, in
   * one go (see above); returns how many MRds it stood for (the tags used), or 0 if nothing
   * was done. The MRds go out at once, or, for a burst, back to back until {@code lastRequestNs}
   * ({@link ExpressDma#pacedUntil}; no later than now: all at once), each answered at once.
   */
  static int expressReadRun(Link link, PcieId requester, int firstTag, long address, byte[] dst, int off, int len,
      int mrrs, Endpoint self, long lastRequestNs) {
    Fabric fabric = link.fabric();
    ExpressObserver[] watchers = fabric.hooks().expressRead;
    if (watchers == null || len <= 0 || off < 0 || off > dst.length - len
        || (address >>> 32) != ((address + len - 1) >>> 32)) {
      return 0;
    }
    ExpressDma dma = watchers.length == 0 ? null : fabric.express();
    if (dma != null) {
      dma.start(fabric.clock().nowNs(), ExpressDma.Kind.DEVICE_READ, requester, firstTag, address, len);
      dma.pacedUntil(lastRequestNs);
      dma.requesterLimits(self.maxPayloadLimit(), self.maxReadRequestLimit());
    }
    ExpressRoad road = fabric.expressRoad();
    Bridge port = Bridge.rootPortAbove(link, road, dma);
    RootComplex rc = port == null ? null : port.rootComplex();
    if (rc == null || rc.iommu.enabled()) {
      return 0;
    }
    SparseRam ram = rc.ramHolding(address, len);
    int[] sizes = road.runSizes();
    int[] counts = road.runCounts();
    int runs = ram == null ? -1 : pieces(address, len, mrrs, sizes, counts);
    if (runs < 0 || readDataRoad(port, requester, road) != self) {
      return 0;
    }
    int requests = 0;
    for (int i = 0; i < runs; i++) {
      requests += counts[i];
    }
    int mps = port.maxPayloadBytes();
    if (!self.tagsFree(requests)) {
      return 0;
    }
    if (dma != null) {
      dma.answer(rc.hostBridge.id(), mps, RCB);
      if (!admittedRun(watchers, dma, counts, runs, mrrs)) {
        return 0;
      }
    }
    road.chargeRequests((address >>> 32) != 0, null, counts, runs);
    long a = address;
    for (int i = 0; i < runs; i++) {
      road.chargeAnswers(a, sizes[i], mps, counts[i]);
      a += (long) sizes[i] * counts[i];
    }
    for (ExpressObserver o : watchers) {
      o.onExpress(dma);
    }
    ram.read(address - rc.dmaRamBase, dst, off, len); // what the completions would have copied, in order
    return requests;
  }

  /** Whether every observer that would see the transfer's TLPs takes {@code dma} without them. */
  private static boolean admitted(ExpressObserver[] watchers, ExpressDma dma) {
    for (ExpressObserver o : watchers) {
      if (!o.admits(dma)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Walks the road completions to {@code requester} take down from root port {@code port}, making
   * every check they would meet (bridges route the requester's bus, links are up), records each link
   * crossed in {@code road}, and returns the Endpoint they would reach, or null if any check fails or
   * the road holds anything but bridges, links, switches, slots and that Endpoint.
   */
  private static Endpoint readDataRoad(Bridge port, PcieId requester, ExpressRoad road) {
    int bus = requester.bus();
    Bridge b = port;
    for (int hops = 0; hops < 64; hops++) {
      if (!b.routesBus(bus)) {
        return null;
      }
      Link l = b.secondaryLink();
      if (l == null) { // a switch's upstream port: its internal bus picks the downstream port
        Switch sw = b.internalBus();
        b = sw == null ? null : sw.portRoutingBus(bus);
        if (b == null) {
          return null;
        }
        continue;
      }
      LinkPartner p = road.crossDown(l);
      if (p instanceof Switch sw) {
        b = sw.upstreamPort();
        continue;
      }
      if (p instanceof PcieDevice d && d.function(requester.function()) instanceof Endpoint e) {
        return e;
      }
      return null;
    }
    return null;
  }

  private CplStatus iommuFault(Tlp tlp, Bridge port, boolean write, long address, Iommu.Translation tr) {
    fabric.error("DMAR: [%s] Request device [%s] fault addr %#x: %s (IOMMU fault; RAM untouched)",
        write ? "DMA Write" : "DMA Read", tlp.requester(), address, tr.fault());
    return refuse(tlp, port);
  }

  private CplStatus noRam(Tlp tlp, Bridge port, boolean write, long pa, int len) {
    fabric.error("RC: [%s] by %s at %#x (%d bytes) refused: no RAM there (Unsupported Request)",
        write ? "DMA Write" : "DMA Read", tlp.requester(), pa, len);
    return refuse(tlp, port);
  }

  /**
   * The RAM holding all of {@code [pa, pa + len)}, or null; sets {@link #dmaRamBase} to its base.
   * Remembers the last RAM found: DMA hits the same RAM TLP after TLP. The memory is valid for good
   * because the address map only grows and refuses overlapping regions, so an address inside a RAM
   * region decodes to that region forever.
   */
  private SparseRam ramHolding(long pa, int len) {
    SparseRam r = dmaRam;
    if (r != null && pa >= dmaRamBase && pa - dmaRamBase <= r.size() - len) {
      return r;
    }
    AddressMap.Hit hit = addressMap.decode(pa);
    if (hit == null || !(hit.region() instanceof SparseRam ram) || hit.offset() + len > ram.size()) {
      return null;
    }
    dmaRam = ram;
    dmaRamBase = hit.base();
    return ram;
  }

  private CplStatus refuse(Tlp tlp, Bridge port) {
    if (tlp.type().nonPosted()) {
      port.fromPrimary(Tlp.completion(tlp, hostBridge.id(), CplStatus.UR));
    }
    return CplStatus.UR;
  }
}
