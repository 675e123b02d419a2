package dev.driverlab.kernel.check;

import dev.driverlab.devices.pcie.Firmware;
import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.tlp.ExpressDma;
import dev.driverlab.devices.pcie.tlp.ExpressObserver;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.dma.DmaCore;
import dev.driverlab.kernel.pci.PciDev;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Joins what a device really does on the bus with what its driver told the DMA API. DriverLab sees
 * both sides: every memory request an endpoint sends upstream is checked against the live DMA regions
 * ({@link DmaCore}) when it crosses the root port's link (every upstream request crosses exactly one;
 * a transfer the fabric moves without TLP objects is told once, as an {@link ExpressDma}, and checked
 * the same way), and the device's refused attempts (Bus Master Enable clear) are read from the
 * fabric's error lines.
 *
 * <pre>
 *  device MRd / MWr (not an MSI write to 0xFEEx_xxxx), bus address A, n bytes
 *    ├─ inside a live region of this device ── device writes a DMA_TO_DEVICE buffer ........ direction
 *    │                                      ├─ device reads a DMA_FROM_DEVICE buffer ........ direction
 *    │                                      ├─ streaming buffer owned by the CPU (synced
 *    │                                      │  for_cpu, not yet for_device) ................... ownership
 *    │                                      └─ beyond the device's DMA mask .................. mask
 *    └─ not inside one ── overlaps one of its live regions: runs past the end ................ bounds
 *                      ├─ inside another device's region ...................................... foreign
 *                      ├─ inside a region it unmapped/freed recently (says where) ............. after free
 *                      ├─ beyond its DMA mask ................................................. mask
 *                      └─ anything else: outside every live mapping ........................... stray
 *  "DMA read/write ... not issued: Bus Master Enable is clear" ............................... no master
 *  "MSI not sent: Bus Master Enable is clear" ................................................ no master
 * </pre>
 *
 * Each finding is reported once per device, kind and region (one bad transfer is many TLPs), as
 * {@link Check#DMA_TLP}, naming the driver, the device, the bus range, the region with where it was
 * mapped or freed, and the driver code that was running (the doorbell write, or the wait).
 */
public final class DmaTlpCheck implements ExpressObserver {
  private static final Pattern REFUSED_DMA = Pattern.compile(
      "^(\\p{XDigit}{2}:\\p{XDigit}{2}\\.\\d): DMA (read|write) of (\\d+) bytes at (0x\\p{XDigit}+|0) not issued: "
          + "Bus Master Enable is clear$");
  private static final Pattern REFUSED_MSI = Pattern.compile(
      "^(\\p{XDigit}{2}:\\p{XDigit}{2}\\.\\d): MSI not sent: Bus Master Enable is clear.*");

  private final Kernel kernel;
  /** The root ports' links, by name (the fabric passes each link's own name String, so usually identical). */
  private final String[] rootLinks;
  /**
   * Link names already classified, by identity (the fabric passes each link's own name String), with
   * their verdicts; filled round-robin. Upstream requests from a device behind switches cross several
   * links before the root port's, one after the other for every TLP, so remembering only the last
   * non-root name made each of them miss in turn and walk the root links with equals(). A name's
   * verdict never changes (the root ports' links are fixed at construction), so any hit is right; a
   * name evicted from the table is only classified again.
   */
  private final String[] knownLinks = new String[8];
  private final boolean[] knownRoot = new boolean[8];
  private int knownNext;
  /** The last root port link name and the last other one {@link #isRootLink} answered (identity). */
  private String lastRoot = NO_LINK;
  private String lastNonRoot = NO_LINK;
  /** No link's name (a String of its own, so no name is this one by identity, null included). */
  @SuppressWarnings("StringOperationCanBeSimplified")
  private static final String NO_LINK = new String("no link");
  private final Set<String> reported = new HashSet<>();
  /**
   * The last access found in order ({@link #rememberInOrder}): device, direction, the bus range
   * [okLo, okHi) and the DMA state it holds for. Null device: nothing remembered.
   */
  private PciDev okDev;
  private boolean okWrite;
  private long okLo;
  private long okHi;
  private boolean okStreaming;
  private long okMask;
  private long okVersion = -1;
  /**
   * Not synchronized: written only from the TLP callbacks, on the simulation thread (one simulated CPU
   * drives a machine at a time; the scheduler's hand-over orders memory between the threads that take
   * turns), as the protocol checker's state is.
   */
  /**
   * Written on the simulated CPU only, with a release store ({@link #CHECKED}) so a test thread outside
   * the scheduler reads it whole; not volatile: a volatile store is a full fence on every DMA TLP,
   * which waited for all the payload stores before it to drain.
   */
  private long checked;
  private static final VarHandle CHECKED;

  static {
    try {
      CHECKED = MethodHandles.lookup().findVarHandle(DmaTlpCheck.class, "checked", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  DmaTlpCheck(Kernel kernel) {
    this.kernel = kernel;
    List<Link> links = kernel.machine().rootComplex().links();
    rootLinks = new String[links.size()];
    for (int i = 0; i < rootLinks.length; i++) {
      rootLinks[i] = links.get(i).name();
    }
  }

  /** Device memory requests checked so far (each counted once, on its root port's link). */
  public long checked() {
    return (long) CHECKED.getAcquire(this);
  }

  private boolean isRootLink(String name) {
    // The usual device sends upstream across two links, its own and a root port's: those two names are
    // answered with one compare each (set only when they change: a reference store has a GC barrier).
    if (name == lastRoot) {
      return true;
    }
    if (name == lastNonRoot) {
      return false;
    }
    boolean root = classify(name);
    if (root) {
      lastRoot = name;
    } else {
      lastNonRoot = name;
    }
    return root;
  }

  /** Looks {@code name} up in the table of classified names, classifying it if it is new. */
  private boolean classify(String name) {
    String[] known = knownLinks;
    for (int i = 0; i < known.length; i++) {
      if (known[i] == name) {
        return knownRoot[i];
      }
    }
    boolean root = false;
    for (String l : rootLinks) {
      if (l.equals(name)) {
        root = true;
        break;
      }
    }
    known[knownNext] = name;
    knownRoot[knownNext] = root;
    knownNext = (knownNext + 1) % known.length;
    return root;
  }

  /** Looks at each TLP's header during the call only: DMA TLPs need not copy their payload for it. */
  @Override
  public boolean keepsTlps() {
    return false;
  }

  /** Device memory requests going up (DMA, and MSI writes): the fabric spares it everything else. */
  @Override
  public boolean watches(LinkDirection dir, TlpType type) {
    return dir == LinkDirection.UPSTREAM && (type == TlpType.MRD || type == TlpType.MWR || type == TlpType.MRDLK);
  }

  @Override
  public void onTlp(long timeNs, LinkDirection dir, String linkName, Tlp tlp) {
    TlpType t = tlp.type();
    if (dir != LinkDirection.UPSTREAM || (t != TlpType.MRD && t != TlpType.MWR && t != TlpType.MRDLK)
        || !isRootLink(linkName)) {
      return;
    }
    check(tlp.requester(), t == TlpType.MWR, tlp.requestFirstByteAddress(), tlp.requestByteLength());
  }

  /**
   * The fabric's express ({@link ExpressObserver}): the check needs no TLP, only its facts, and its
   * reports name no TLP, so every transfer is taken and checked as its request would be on the root
   * port's link (the last the request crosses).
   */
  @Override
  public boolean admits(ExpressDma dma) {
    return dma.requests() == 1 || wholeInOrder(dma);
  }

  @Override
  public void onExpress(ExpressDma dma) {
    if (dma.fromCpu() || dma.linkCount() == 0 || !isRootLink(dma.upLink(dma.linkCount() - 1))) {
      return;
    }
    if (dma.requests() == 1) {
      check(dma.requester(), dma.write(), dma.address(), dma.length());
      return;
    }
    // A whole transfer (admitted: wholeInOrder): each of its requests would have been counted and
    // found in order in the same region, the first remembering it.
    CHECKED.setRelease(this, checked + dma.requests());
    PcieId id = dma.requester();
    PciDev d = kernel.pci().find(id.bus(), id.device() << 3 | id.function());
    if (!(d == okDev && d != null && dma.write() == okWrite && dma.address() >= okLo
        && dma.address() + dma.length() <= okHi && kernel.dma().version() == okVersion
        && maskOf(d, okStreaming) == okMask)) {
      rememberInOrder(d, kernel.dma().findLive(d, dma.address(), dma.length()), dma.write());
    }
  }

  /**
   * Whether every request of a whole transfer would be found in order, with nothing to report: one
   * live region of the device holds the whole range, no other region starts inside it (so each request
   * finds that one), and direction, ownership and mask allow the access. Changes nothing.
   */
  private boolean wholeInOrder(ExpressDma dma) {
    long addr = dma.address();
    long len = dma.length();
    boolean write = dma.write();
    if (write && addr < Firmware.MSI_BASE + Firmware.MSI_SIZE && addr + len > Firmware.MSI_BASE) {
      return false;
    }
    PcieId id = dma.requester();
    PciDev d = kernel.pci().find(id.bus(), id.device() << 3 | id.function());
    if (d == null) {
      return false;
    }
    if (d == okDev && write == okWrite && addr >= okLo && addr + len <= okHi
        && kernel.dma().version() == okVersion && maskOf(d, okStreaming) == okMask) {
      return true;
    }
    DmaCore.Entry e = kernel.dma().findLive(d, addr, len);
    if (e == null) {
      return false;
    }
    long end = kernel.dma().soleRangeEnd(e);
    if (end < addr + len) {
      return false;
    }
    boolean inOrder = !(write && e.dir == DmaCore.DMA_TO_DEVICE) && !(!write && e.dir == DmaCore.DMA_FROM_DEVICE)
        && !(e.streaming() && !e.deviceOwns);
    long mask = !e.streaming() ? d.dev.coherent_dma_mask : d.dev.dma_mask;
    if (!inOrder || (Long.compareUnsigned(addr + len - 1, mask) > 0 && !kernel.machine().iommu().enabled())) {
      return false;
    }
    // Found in order: remembered as the first request would (a fact about the DMA state, true whether
    // or not the transfer goes on), so onExpress and the next transfers there need not search again.
    rememberInOrder(d, e, write, end);
    return true;
  }

  /** A device's memory request of {@code len} bytes from {@code addr}, as it crosses its root port's link. */
  private void check(PcieId id, boolean write, long addr, int len) {
    if (len == 0 || (write && addr >= Firmware.MSI_BASE && addr < Firmware.MSI_BASE + Firmware.MSI_SIZE)) {
      return; // a zero-length read flushes writes; an MSI is the interrupt, not DMA
    }
    CHECKED.setRelease(this, checked + 1); // the only writer: a plain read of its own count is current
    PciDev d = kernel.pci().find(id.bus(), id.device() << 3 | id.function());
    if (d == okDev && d != null && write == okWrite && addr >= okLo && addr + len <= okHi
        && kernel.dma().version() == okVersion && maskOf(d, okStreaming) == okMask) {
      return; // in order, as the last access there was (see okDev)
    }
    checkAccess(id, d, addr, len, write);
  }

  private static long maskOf(PciDev d, boolean streaming) {
    return streaming ? d.dev.dma_mask : d.dev.coherent_dma_mask;
  }

  /**
   * Remembers an access to {@code e} that was in order (direction, ownership and mask), with the range
   * around it where every access of {@code d} finds {@code e} again ({@link DmaCore#soleRangeEnd}).
   * A transfer's TLPs walk a mapping in order, so the next ones of this device in that range, in the
   * same direction, are in order too while the DMA state is the same ({@link DmaCore#version}: maps,
   * unmaps, syncs, masks set by the API) and the device's mask field is too: the check they would run
   * is skipped. Reference stores only here, once per region (a GC barrier each), none per TLP.
   */
  private void rememberInOrder(PciDev d, DmaCore.Entry e, boolean write) {
    rememberInOrder(d, e, write, kernel.dma().soleRangeEnd(e));
  }

  /** {@link #rememberInOrder(PciDev, DmaCore.Entry, boolean)} with {@code e}'s sole range end known. */
  private void rememberInOrder(PciDev d, DmaCore.Entry e, boolean write, long end) {
    long mask = maskOf(d, e.streaming());
    if (end <= e.handle || Long.compareUnsigned(end - 1, mask) > 0) {
      okDev = null; // nothing known, or the range reaches past the mask: check every access
      return;
    }
    if (okDev != d) {
      okDev = d;
    }
    okWrite = write;
    okLo = e.handle;
    okHi = end;
    okStreaming = e.streaming();
    okMask = mask;
    okVersion = kernel.dma().version();
  }

  /** What a report says about the access (built only when something is reported: checks run per DMA TLP). */
  private static String what(long addr, int len, boolean write) {
    return String.format("device %s %d bytes at bus address %#x", write ? "write of" : "read of", len, addr);
  }

  private void checkAccess(PcieId id, PciDev d, long addr, int len, boolean write) {
    DmaCore dma = kernel.dma();
    if (d == null) {
      report("stray", id.toString(), 0, null, String.format("%s DMA from %s, which the kernel does not know",
          write ? "a write" : "a read", id), null, "access", what(addr, len, write));
      return;
    }
    DmaCore.Entry e = dma.findLive(d, addr, len);
    if (e != null) {
      if (write && e.dir == DmaCore.DMA_TO_DEVICE) {
        report("direction", d, e.handle, e, "device wrote to a buffer mapped DMA_TO_DEVICE (the device may "
            + "only read it: map it DMA_FROM_DEVICE or DMA_BIDIRECTIONAL)", "mapped at " + e.site, "access",
            what(addr, len, write), "region", e.describe());
      } else if (!write && e.dir == DmaCore.DMA_FROM_DEVICE) {
        report("direction", d, e.handle, e, "device read a buffer mapped DMA_FROM_DEVICE (the device may only "
            + "write it: map it DMA_TO_DEVICE or DMA_BIDIRECTIONAL)", "mapped at " + e.site, "access",
            what(addr, len, write), "region", e.describe());
      }
      if (e.streaming() && !e.deviceOwns) {
        report("ownership", d, e.handle, e, "device accessed a streaming DMA buffer while the CPU owns it "
            + "(dma_sync_single_for_cpu was called and dma_sync_single_for_device not yet)", "mapped at " + e.site,
            "access", what(addr, len, write), "region", e.describe());
      }
      boolean inOrder = !(write && e.dir == DmaCore.DMA_TO_DEVICE) && !(!write && e.dir == DmaCore.DMA_FROM_DEVICE)
          && !(e.streaming() && !e.deviceOwns);
      if (!checkMask(d, e, addr, len, write) && inOrder) {
        rememberInOrder(d, e, write);
      }
      return;
    }
    List<DmaCore.Entry> near = dma.overlappingLive(addr, len);
    for (DmaCore.Entry x : near) {
      if (x.dev == d) {
        report("bounds", d, x.handle, x, String.format("device access runs past its DMA region (%d of %d bytes "
            + "outside it)", outside(x, addr, len), len), "mapped at " + x.site, "access", what(addr, len, write),
            "region", x.describe());
        return;
      }
    }
    for (DmaCore.Entry x : near) {
      if (x.contains(addr, len)) {
        report("foreign", d, x.handle, x, "device accessed a DMA region mapped for another device ("
            + x.dev.name() + ")", "mapped at " + x.site, "access", what(addr, len, write), "region", x.describe());
        return;
      }
    }
    DmaCore.Entry was = dma.findFreed(d, addr, len);
    if (was != null) {
      report("after free", d, was.handle, was, String.format("device %s DMA memory after the driver %s it",
          write ? "wrote to" : "read from", was.streaming() ? "unmapped" : "freed"),
          (was.streaming() ? "unmapped at " : "freed at ") + was.freedSite() + ", mapped at " + was.site, "access",
          what(addr, len, write), "region", was.describe());
      return;
    }
    if (!checkMask(d, null, addr, len, write)) {
      report("stray", d, addr >>> 16, null, String.format("device %s memory outside every live DMA mapping of "
          + "this device", write ? "wrote to" : "read"), null, "access", what(addr, len, write));
    }
  }

  /** Reports an access beyond the device's DMA mask; true if it was. */
  private boolean checkMask(PciDev d, DmaCore.Entry e, long addr, int len, boolean write) {
    long mask = e != null && !e.streaming() ? d.dev.coherent_dma_mask : d.dev.dma_mask;
    // The range test first: it nearly always passes, and then the IOMMU's state is not needed.
    if (Long.compareUnsigned(addr + len - 1, mask) <= 0 || kernel.machine().iommu().enabled()) {
      return false;
    }
    report("mask", d, e == null ? addr >>> 16 : e.handle, e, String.format("device DMA above its DMA mask %#x: "
        + "the driver set a mask the device cannot honour, or gave it an address it never mapped", mask),
        e == null ? null : "mapped at " + e.site, "access", what(addr, len, write));
    return true;
  }

  private static long outside(DmaCore.Entry x, long addr, int len) {
    long lo = Math.max(addr, x.handle);
    long hi = Math.min(addr + len, x.handle + x.size);
    return len - Math.max(0, hi - lo);
  }

  // ---- refused attempts (Bus Master Enable clear) ------------------------------------------------

  /** An error line from the fabric; the ones about a refused DMA or MSI are joined with the driver. */
  void onFabricError(String line) {
    Matcher m = REFUSED_DMA.matcher(line);
    if (m.matches()) {
      PciDev d = device(m.group(1));
      boolean write = m.group(2).equals("write");
      long addr = Long.decode(m.group(4));
      int len = Integer.parseInt(m.group(3));
      String region = "outside every live DMA mapping";
      if (d != null) {
        DmaCore.Entry e = kernel.dma().findLive(d, addr, Math.max(1, len));
        if (e != null) {
          region = e.describe() + " (mapped at " + e.site + ")";
        }
      }
      report("no master", d != null ? d : m.group(1), 0, null, String.format("device tried to DMA while Bus Master "
          + "Enable is clear: the %s was never sent (call pci_set_master before starting DMA)",
          write ? "write" : "read"), null, "access", String.format("device %s %d bytes at bus address %#x",
          write ? "write of" : "read of", len, addr), "region", region);
      return;
    }
    m = REFUSED_MSI.matcher(line);
    if (m.matches()) {
      PciDev d = device(m.group(1));
      report("no master msi", d != null ? d : m.group(1), 0, null, "device could not send its MSI: Bus Master "
          + "Enable is clear (an MSI is a memory write: call pci_set_master)", null);
    }
  }

  private PciDev device(String bdf) {
    PcieId id = PcieId.parse(bdf);
    return kernel.pci().find(id.bus(), id.device() << 3 | id.function());
  }

  // ---- reporting -------------------------------------------------------------------------------

  private void report(String kind, Object device, long region, DmaCore.Entry e, String message, String origin,
      Object... facts) {
    String key = kind + "|" + (device instanceof PciDev p ? p.name() : device) + "|" + region;
    synchronized (this) {
      if (!reported.add(key)) {
        return;
      }
    }
    kernel.bugs().reportAt(Check.DMA_TLP, reportDevice(device, e), message, kernel.callSite(), origin, facts);
  }

  /**
   * The struct device a report names: the PCI device's own, which names its bound driver; or, once
   * the driver is gone (a late DMA after remove), a stand-in naming the driver that mapped the region.
   */
  private static Object reportDevice(Object device, DmaCore.Entry e) {
    if (device instanceof PciDev p) {
      if (p.dev.driverName() == null && e != null && e.driver != null) {
        Device standIn = new Device(p.name(), null);
        standIn.setDriverName(e.driver);
        return standIn;
      }
      return p.dev;
    }
    return device;
  }
}
