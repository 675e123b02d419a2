package dev.driverlab.devices.pcie;

import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;

/**
 * The part every PCI function shares: its configuration space, its place on the bus, and the answers
 * to Type 0 configuration requests. A function learns its bus number from the Type 0 configuration
 * writes it receives, as PCIe requires (captured Bus/Device Number, PCIe Base Spec §2.2.6.2); its
 * device number is its slot.
 */
public abstract class PciFunction {
  protected final Fabric fabric;
  protected final ConfigSpace config = new ConfigSpace();
  private final int device;
  private final int function;
  private int bus;
  private PcieId id;
  /** How this function's own TLPs leave it: through the link above, or the switch's internal bus. */
  private Upstream upstream;

  /** The road up from a function. */
  public interface Upstream {
    CplStatus send(Tlp tlp);
  }

  protected PciFunction(Fabric fabric, int device, int function) {
    this.fabric = fabric;
    this.device = device;
    this.function = function;
    this.id = new PcieId(0, device, function);
    config.addListener((offset, size, oldValue, newValue) -> configWritten(offset, size));
  }

  public final PcieId id() {
    return id;
  }

  public final int deviceNumber() {
    return device;
  }

  public final int functionNumber() {
    return function;
  }

  /** The config space, for the hardware's own use and for tests that inspect it. */
  public final ConfigSpace config() {
    return config;
  }

  public final Fabric fabric() {
    return fabric;
  }

  public void setUpstream(Upstream upstream) {
    this.upstream = upstream;
    this.upstreamLink = null;
  }

  /**
   * The link this function's TLPs cross first, when that is all its road up is ({@link
   * #setUpstreamLink}); null when the road up is something else. For the DMA express (RootComplex).
   */
  private Link upstreamLink;

  /** Wires the road up as {@code link}'s up: a card's function on its link. */
  final void setUpstreamLink(Link link) {
    this.upstream = link::up;
    this.upstreamLink = link;
  }

  final Link upstreamLink() {
    return upstreamLink;
  }

  protected final CplStatus sendUpstream(Tlp tlp) {
    if (upstream == null) {
      fabric.error("%s: TLP dropped, function is not connected: %s", id, tlp);
      return CplStatus.UR;
    }
    return upstream.send(tlp);
  }

  /** Fixes the bus number (firmware/board wiring for functions on bus 0, or a captured number). */
  protected final void captureBus(int bus) {
    if (bus != this.bus) {
      this.bus = bus;
      this.id = new PcieId(bus, device, function);
    }
  }

  private int pcieCap = -1;

  /** Offset of the PCI Express capability, 0 if none (looked up once: capabilities never move). */
  public final int pcieCapabilityOffset() {
    int c = pcieCap;
    if (c < 0) {
      c = config.findCapability(Capabilities.ID_EXP);
      pcieCap = c;
    }
    return c;
  }

  // ---- transaction limits, decoded from config space --------------------------------------------

  /**
   * The config {@link ConfigSpace#generation() generation} the limits below were decoded at. The link
   * protocol checker needs them for every TLP on every link; reading Device Control through the config
   * space each time costs more than the rest of its rules. The generation moves on every change of
   * config space by any door (a config write through ECAM or a TLP, the hardware's own {@code init},
   * a loaded image), so a stale value is never used. (-1: never decoded.)
   */
  private long limitsAt = -1;
  private int maxPayloadLimit;
  private int maxReadRequestLimit;
  private int completionBoundary;

  /**
   * Max_Payload_Size as programmed in Device Control bits 7:5 of the PCI Express capability, in bytes;
   * 0 if the function has no such capability (no limit known).
   */
  public final int maxPayloadLimit() {
    if (limitsAt != config.generation()) {
      decodeLimits();
    }
    return maxPayloadLimit;
  }

  /** Max_Read_Request_Size as programmed in Device Control bits 14:12, in bytes; 0 without the capability. */
  public final int maxReadRequestLimit() {
    if (limitsAt != config.generation()) {
      decodeLimits();
    }
    return maxReadRequestLimit;
  }

  /** The Read Completion Boundary of Link Control bit 3 (0: 64, 1: 128 bytes); 0 without the capability. */
  public final int readCompletionBoundary() {
    if (limitsAt != config.generation()) {
      decodeLimits();
    }
    return completionBoundary;
  }

  private void decodeLimits() {
    int cap = pcieCapabilityOffset();
    if (cap == 0) {
      maxPayloadLimit = maxReadRequestLimit = completionBoundary = 0;
    } else {
      int devctl = config.read16(cap + Capabilities.EXP_DEVCTL);
      maxPayloadLimit = 128 << ((devctl & Capabilities.EXP_DEVCTL_PAYLOAD) >>> 5);
      maxReadRequestLimit = 128 << ((devctl & Capabilities.EXP_DEVCTL_READRQ) >>> 12);
      completionBoundary =
          (config.read16(cap + Capabilities.EXP_LNKCTL) & 0x8) != 0 ? 128 : 64;
    }
    limitsAt = config.generation();
  }

  public final boolean memorySpaceEnabled() {
    return (config.read16(ConfigSpace.COMMAND) & ConfigSpace.COMMAND_MEMORY) != 0;
  }

  public final boolean busMasterEnabled() {
    return (config.read16(ConfigSpace.COMMAND) & ConfigSpace.COMMAND_MASTER) != 0;
  }

  /** Answers a Type 0 configuration request addressed to this function. */
  public Tlp handleConfig(Tlp tlp) {
    int reg = tlp.register();
    int be = tlp.firstBe();
    if (tlp.type() == TlpType.CFGWR0) {
      captureBus(tlp.target().bus());
      byte[] p = tlp.payload();
      for (int i = 0; i < 4; i++) {
        if ((be & (1 << i)) != 0) {
          config.write(reg + i, 1, p[i] & 0xff);
        }
      }
      return Tlp.completion(tlp, id, CplStatus.SC);
    }
    int v = config.read(reg, 4);
    byte[] data = {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    return Tlp.completionWithData(tlp, id, 4, 0, data, 0, 4);
  }

  /** Hook after any config write was applied (BAR, Command, MSI enable changes). */
  protected void configWritten(int offset, int size) {}

  /** Handles a memory or message request already routed to this function. */
  public abstract Tlp handleRequest(Tlp tlp);

  /**
   * A completion for a request this function issued arrives (DMA read data). Its payload may be read
   * in place from host RAM ({@link Tlp#ownsPayload}) and is valid during the call: copy the bytes out,
   * or keep {@code cpl.owned()}.
   */
  public void completionArrived(Tlp cpl) {
    fabric.error("%s: unexpected completion %s", id, cpl);
  }

  /** True if a memory address falls in one of this function's enabled BARs. */
  public abstract boolean claims(long address);

  public boolean isBridge() {
    return false;
  }

  /** Whether the header says more functions follow (header type bit 7). */
  public final boolean multiFunction() {
    return (config.read8(ConfigSpace.HEADER_TYPE) & 0x80) != 0;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + " " + id;
  }
}
