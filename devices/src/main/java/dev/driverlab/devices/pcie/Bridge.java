package dev.driverlab.devices.pcie;

import static dev.driverlab.devices.pcie.ConfigSpace.*;

import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.ExpressDma;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;

/**
 * A PCI-to-PCI bridge function with a Type 1 header: a root port, a switch's upstream port, or one of
 * its downstream ports. It forwards what its windows and bus range claim (PCI-to-PCI Bridge spec §4):
 *
 * <pre>
 *   primary side  ──► config Type 1: bus == secondary → Type 0 below; secondary < bus ≤ subordinate → as is
 *                     memory: inside the memory or prefetchable window, with Memory Space Enable set
 *                     completions: requester bus inside [secondary, subordinate]
 *   secondary side ─► memory requests and MSIs go up only with Bus Master Enable set;
 *                     INTx messages are swizzled by the child's device number
 * </pre>
 * Unclaimed non-posted requests complete with Unsupported Request; unclaimed posted ones are dropped
 * and reported.
 */
public final class Bridge extends PciFunction {
  /** PCIe port type (PCI Express Capabilities register, bits 7:4). */
  public enum Role {
    ROOT_PORT(4), UPSTREAM_PORT(5), DOWNSTREAM_PORT(6);
    final int portType;

    Role(int portType) {
      this.portType = portType;
    }
  }

  private final Role role;
  /*
   * Where the two sides lead, set once when the fabric is wired; exactly one target per side is set.
   * Plain typed fields rather than one callback interface per side: fromPrimary and fromSecondary run
   * at every hop of every TLP, and one call site with a lambda class per role behind it is
   * megamorphic (an indirect call the JIT cannot inline); these calls are direct.
   *
   *   role             secondary side leads to        primary side leads to
   *   root port        secondaryLink                  rootComplex
   *   downstream port  secondaryLink                  switchUpstream (this port is device
   *                                                   deviceOnInternalBus of its internal bus)
   *   upstream port    internalBus (its switch)       uplink (the link above the switch)
   */
  private Link secondaryLink;
  private Switch internalBus;
  private RootComplex rootComplex;
  private Bridge switchUpstream;
  private int deviceOnInternalBus;
  private Link uplink;
  private final String name;
  // Decoded windows, refreshed after every config write (hot path: no config reads per TLP).
  private int secBus, subBus;
  private long memBase, memLimit, prefBase, prefLimit;
  private boolean memEnabled, masterEnabled;
  private int maxPayloadBytes = 128;

  public Bridge(Fabric fabric, String name, Role role, int vendor, int deviceId, int device, int function,
      int maxPayloadSupported, int linkGen, int linkWidth) {
    super(fabric, device, function);
    this.role = role;
    this.name = name;
    config.init(VENDOR_ID, 2, vendor).init(DEVICE_ID, 2, deviceId);
    config.init(CLASS_PROG, 3, 0x060400).init(HEADER_TYPE, 1, 0x01);
    config.initWritable(COMMAND, 2, COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER | 0x40 | COMMAND_SERR
        | COMMAND_INTX_DISABLE);
    config.initW1c(STATUS, 2, STATUS_W1C);
    config.initWritable(CACHE_LINE_SIZE, 1, 0xff);
    config.initWritable(PRIMARY_BUS, 3, 0xffffff);
    config.init(IO_BASE, 1, 0x01).init(IO_LIMIT, 1, 0x01);     // 32-bit I/O addressing
    config.initWritable(IO_BASE, 2, 0xf0f0);
    config.initW1c(SEC_STATUS, 2, STATUS_W1C);
    config.initWritable(MEMORY_BASE, 4, 0xfff0fff0L);
    config.init(PREF_MEMORY_BASE, 2, 0x1).init(PREF_MEMORY_LIMIT, 2, 0x1); // 64-bit prefetchable
    config.initWritable(PREF_MEMORY_BASE, 4, 0xfff0fff0L);
    config.initWritable(PREF_BASE_UPPER32, 4, 0xffffffffL).initWritable(PREF_LIMIT_UPPER32, 4, 0xffffffffL);
    config.initWritable(IO_BASE_UPPER16, 4, 0xffffffffL);
    config.initWritable(INTERRUPT_LINE, 1, 0xff);
    config.initWritable(BRIDGE_CONTROL, 2, 0x0063 | 0x0004 | 0x0008);
    Capabilities.addPcie(config, role.portType, maxPayloadSupported, linkGen, linkWidth, role != Role.UPSTREAM_PORT);
    Capabilities.addPm(config);
    refresh();
  }

  public Role role() {
    return role;
  }

  public String name() {
    return name;
  }

  @Override
  public boolean isBridge() {
    return true;
  }

  /** An upstream port: its secondary side is its switch's internal bus. */
  void connectInternalBus(Switch sw) {
    this.internalBus = sw;
  }

  /**
   * The root port a memory request crossing link {@code l} upwards would reach, making every check
   * it would meet on the way (each link up, Bus Master Enable on each bridge); null if one fails or
   * the road is not links and bridges. Records each link crossed in {@code road}, and, when
   * {@code names} is not null, its name and its port's Max_Payload_Size there. For the DMA express
   * (RootComplex); nothing is changed but the records.
   */
  static Bridge rootPortAbove(Link l, ExpressRoad road, ExpressDma names) {
    for (int hops = 0; hops < 64 && l != null; hops++) {
      if (!l.isUp()) {
        return null;
      }
      road.addUp(l);
      Bridge b = l.port();
      if (names != null) {
        names.addUpLink(l.name(), b.maxPayloadLimit());
      }
      if (!b.masterEnabled) {
        return null;
      }
      if (b.rootComplex != null) {
        return b;
      }
      if (b.switchUpstream != null) { // a downstream port: its switch's upstream port is next
        b = b.switchUpstream;
        if (!b.masterEnabled) {
          return null;
        }
      }
      l = b.uplink;
    }
    return null;
  }

  /** The Root Complex above a root port, else null. */
  RootComplex rootComplex() {
    return rootComplex;
  }

  /** An upstream port's switch (its secondary side), else null. */
  Switch internalBus() {
    return internalBus;
  }

  /** A root port or downstream port: its secondary side is the link to its slot. */
  void connectSecondaryLink(Link link) {
    this.secondaryLink = link;
  }

  /** The link below a root port or downstream port; null for a switch's upstream port. */
  public Link secondaryLink() {
    return secondaryLink;
  }

  /** A root port: TLPs going up reach the Root Complex. */
  void connectRootComplex(RootComplex rc) {
    this.rootComplex = rc;
  }

  /** A downstream port: TLPs going up reach {@code upstream}, this port being device {@code device} below it. */
  void connectSwitchUpstream(Bridge upstream, int device) {
    this.switchUpstream = upstream;
    this.deviceOnInternalBus = device;
  }

  /** An upstream port: TLPs going up cross {@code link}. */
  void connectUplink(Link link) {
    this.uplink = link;
  }

  /** Hands a TLP down the secondary side. */
  private Tlp deliver(Tlp tlp) {
    Link l = secondaryLink;
    return l != null ? l.down(tlp) : internalBus.internalBus(tlp);
  }

  /** Sends a TLP out of the primary side, up towards the Root Complex. */
  private CplStatus sendPrimary(Tlp tlp) {
    if (rootComplex != null) {
      return rootComplex.fromRootPort(tlp, this);
    }
    if (switchUpstream != null) {
      return switchUpstream.fromSecondary(tlp, deviceOnInternalBus);
    }
    return uplink.up(tlp);
  }

  /*
   * The memory road up (every DMA request) and the completion road down (every DMA read's data)
   * cross three bridges: root port, switch upstream port, downstream port. Were each hop the same
   * method again (fromSecondary calling sendPrimary calling fromSecondary ...), the JIT would inline
   * only two levels of that recursion and call the rest, so the switch's internal hop takes methods
   * of its own: sendPrimaryMemory hands a memory request from a downstream port straight to its
   * upstream port's memoryFromInternalBus, and Switch.internalBus hands a completion straight to the
   * downstream port's link. Each does exactly what the general method does with that TLP.
   */

  /** {@link #sendPrimary} of a memory request that passed this bridge's checks in fromSecondary. */
  private CplStatus sendPrimaryMemory(Tlp tlp) {
    if (rootComplex != null) {
      return rootComplex.fromRootPort(tlp, this);
    }
    if (switchUpstream != null) {
      return switchUpstream.memoryFromInternalBus(tlp);
    }
    return uplink.up(tlp);
  }

  /**
   * A switch's upstream port: {@code fromSecondary} of a memory request from one of its downstream
   * ports (which child sent it matters only to INTx messages). Its primary side is its uplink.
   */
  private CplStatus memoryFromInternalBus(Tlp tlp) {
    if (!masterEnabled) {
      return masterAbort(tlp, tlp.type());
    }
    return uplink.up(tlp);
  }

  /** Max Payload Size programmed in this port's Device Control, in bytes (decoded on config writes). */
  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  public int secondaryBus() {
    return secBus;
  }

  public int subordinateBus() {
    return subBus;
  }

  public boolean routesBus(int bus) {
    return bus >= secBus && bus <= subBus && secBus != 0;
  }

  @Override
  protected void configWritten(int offset, int size) {
    refresh();
  }

  private void refresh() {
    secBus = config.read8(SECONDARY_BUS);
    subBus = config.read8(SUBORDINATE_BUS);
    memBase = (config.read16(MEMORY_BASE) & 0xfff0L) << 16;
    memLimit = ((config.read16(MEMORY_LIMIT) & 0xfff0L) << 16) | 0xfffff;
    prefBase = ((config.read16(PREF_MEMORY_BASE) & 0xfff0L) << 16) | ((config.read32(PREF_BASE_UPPER32) & 0xffffffffL) << 32);
    prefLimit = ((config.read16(PREF_MEMORY_LIMIT) & 0xfff0L) << 16) | 0xfffff
        | ((config.read32(PREF_LIMIT_UPPER32) & 0xffffffffL) << 32);
    int exp = config.findCapability(Capabilities.ID_EXP);
    maxPayloadBytes = exp == 0 ? 128 : 128 << ((config.read16(exp + Capabilities.EXP_DEVCTL) >>> 5) & 7);
    int cmd = config.read16(COMMAND);
    memEnabled = (cmd & COMMAND_MEMORY) != 0;
    masterEnabled = (cmd & COMMAND_MASTER) != 0;
  }

  @Override
  public boolean claims(long address) {
    return memEnabled && ((address >= memBase && address <= memLimit) || (address >= prefBase && address <= prefLimit));
  }

  /*
   * fromPrimary and fromSecondary run at every hop of every TLP: each is a short type dispatch whose
   * common cases (a completion or memory request that is forwarded) fit the JIT's inlining budget,
   * with the rarer work (config routing, refusals, INTx swizzling) in methods of its own.
   */

  /** A TLP arriving on the primary side, travelling down. */
  public Tlp fromPrimary(Tlp tlp) {
    TlpType t = tlp.type();
    if (t.completion()) {
      if (routesBus(tlp.requester().bus())) {
        return deliver(tlp);
      }
      return completionNotRouted(tlp);
    }
    if (t.isMemory()) {
      if (claims(tlp.address())) {
        return deliver(tlp);
      }
      return memoryNotClaimed(tlp, t);
    }
    if (t.isConfig()) {
      return configFromPrimary(tlp, t);
    }
    return null; // downstream messages (e.g. broadcast PME_Turn_Off) end here: nothing below models them
  }

  private Tlp configFromPrimary(Tlp tlp, TlpType t) {
    int bus = tlp.target().bus();
    if (bus == secBus && secBus != 0) {
      if (role != Role.UPSTREAM_PORT && tlp.target().device() != 0) {
        return Tlp.completion(tlp, id(), CplStatus.UR); // a link has only device 0 below it
      }
      return deliver(tlp.withType(t == TlpType.CFGRD1 || t == TlpType.CFGRD0 ? TlpType.CFGRD0 : TlpType.CFGWR0));
    }
    if (routesBus(bus)) {
      return deliver(tlp);
    }
    return Tlp.completion(tlp, id(), CplStatus.UR);
  }

  /*
   * The refusals below are methods of their own (as are the messages they report): an error report
   * builds its argument array in line, and kept out of fromPrimary and fromSecondary it leaves those
   * small enough for the JIT to inline the whole road of a TLP into one piece of code.
   */

  private Tlp completionNotRouted(Tlp tlp) {
    fabric.error("%s: completion for %s dropped: not below this bridge", name, tlp.requester());
    return null;
  }

  private Tlp memoryNotClaimed(Tlp tlp, TlpType t) {
    if (t.nonPosted()) {
      return Tlp.completion(tlp, id(), CplStatus.UR);
    }
    fabric.error("%s: posted write to %#x outside the bridge windows dropped", name, tlp.address());
    return null;
  }

  /** A TLP arriving from the secondary side, travelling up. {@code childDevice} is its device number below. */
  public CplStatus fromSecondary(Tlp tlp, int childDevice) {
    TlpType t = tlp.type();
    if (t.isMemory()) {
      if (!masterEnabled) {
        return masterAbort(tlp, t);
      }
      return sendPrimaryMemory(tlp);
    }
    if (t == TlpType.MSG || t == TlpType.MSGD) {
      return sendPrimary(swizzleIntx(tlp, childDevice));
    }
    return notModelledUpstream(t);
  }

  private CplStatus notModelledUpstream(TlpType t) {
    fabric.error("%s: %s travelling upstream is not modelled; dropped", name, t);
    return CplStatus.UR;
  }

  /** INTx virtual wires are swizzled by the child's device number; other messages pass as they are. */
  private static Tlp swizzleIntx(Tlp tlp, int childDevice) {
    int code = tlp.messageCode();
    if (code >= 0x20 && code <= 0x27) {
      int pin = code & 3;
      int base = code & ~3;
      return Tlp.message(tlp.requester(), tlp.messageRouting(), base | ((pin + childDevice) & 3), tlp.messageBytes8to15());
    }
    return tlp;
  }

  /** A memory request from below with Bus Master Enable clear: refused, logged, UR to a requester. */
  private CplStatus masterAbort(Tlp tlp, TlpType t) {
    fabric.error("%s: Bus Master Enable is clear on this bridge: %s %s at %#x from %s refused (master abort)",
        name, role.name().toLowerCase().replace('_', ' '), t, tlp.address(), tlp.requester());
    config.setBits16(SEC_STATUS, STATUS_REC_MASTER_ABORT, true);
    if (t.nonPosted()) {
      deliver(Tlp.completion(tlp, id(), CplStatus.UR)); // the requester gets UR, not silence
    }
    return CplStatus.UR;
  }

  @Override
  public Tlp handleRequest(Tlp tlp) {
    return tlp.type().nonPosted() ? Tlp.completion(tlp, id(), CplStatus.UR) : null;
  }
}
