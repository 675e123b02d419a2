package dev.driverlab.userland.testing;

import dev.driverlab.devices.pcie.Firmware;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.MessageCode;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * An immutable window of recorded TLPs, in the order they crossed their links, with filters that
 * return narrower windows. Each filter adds to {@link #description()}, which assertion messages quote.
 *
 * <p>Where a TLP is seen: a TLP crossing a switch shows up on two links (the root port's and the
 * slot's); a configuration request appears as CfgRd1/CfgWr1 on links above the target's bus and as
 * CfgRd0/CfgWr0 on the target's own link; functions on bus 0 (root ports) are reached through ECAM
 * inside the Root Complex and appear on no link. Narrow to one device's link ({@link #at}) to see each
 * of its TLPs once.
 */
public final class TlpLog {
  private final List<SeenTlp> tlps;
  private final long missing;
  private final String description;

  TlpLog(List<SeenTlp> tlps, long missing, String description) {
    this.tlps = List.copyOf(tlps);
    this.missing = missing;
    this.description = description;
  }

  /** What this window holds, e.g. "all TLPs, on link switch0/0, MRd, requested by 02:00.0". */
  public String description() {
    return description;
  }

  /** TLPs that belong in this window but fell out of the recorder's history (0 when complete). */
  public long missing() {
    return missing;
  }

  public List<SeenTlp> list() {
    return tlps;
  }

  public Stream<SeenTlp> stream() {
    return tlps.stream();
  }

  public int size() {
    return tlps.size();
  }

  public boolean isEmpty() {
    return tlps.isEmpty();
  }

  /** The TLPs as analyzer lines. */
  public List<String> lines() {
    return tlps.stream().map(SeenTlp::line).toList();
  }

  /** The same TLPs under another description. */
  public TlpLog describedAs(String newDescription) {
    return new TlpLog(tlps, missing, newDescription);
  }

  // ---- filters ----------------------------------------------------------------------------------

  /** The TLPs matching {@code p}; {@code what} describes the filter in messages. */
  public TlpLog filter(Predicate<SeenTlp> p, String what) {
    return new TlpLog(tlps.stream().filter(p).toList(), missing, description + ", " + what);
  }

  /** Only the TLPs on the link named {@code linkName}. */
  public TlpLog onLink(String linkName) {
    return filter(s -> s.link().equals(linkName), "on link " + linkName);
  }

  /** Only the TLPs on {@code device}'s link (its slot's link): each of its TLPs once. */
  public TlpLog at(PluggedDevice device) {
    return onLink(device.linkName());
  }

  public TlpLog upstream() {
    return filter(s -> s.dir() == LinkDirection.UPSTREAM, "upstream");
  }

  public TlpLog downstream() {
    return filter(s -> s.dir() == LinkDirection.DOWNSTREAM, "downstream");
  }

  /** Only TLPs of these types. */
  public TlpLog ofType(TlpType first, TlpType... more) {
    Set<TlpType> types = EnumSet.of(first, more);
    return filter(s -> types.contains(s.tlp().type()), String.join("/", types.stream().map(TlpType::mnemonic).toList()));
  }

  /** Requests and messages whose Requester ID is {@code id} (a device's DMA, MSIs and INTx messages). */
  public TlpLog requestedBy(PcieId id) {
    return filter(s -> !s.tlp().type().completion() && id.equals(s.tlp().requester()), "requested by " + id);
  }

  /** Config requests addressed to {@code id} (any type: CfgRd0/1, CfgWr0/1). */
  public TlpLog configTo(PcieId id) {
    return filter(s -> s.tlp().type().isConfig() && id.equals(s.tlp().target()), "config to " + id);
  }

  /** Memory reads (MRd) a device issued: its DMA reads of host memory. */
  public TlpLog memoryReadsBy(PcieId device) {
    return ofType(TlpType.MRD).requestedBy(device);
  }

  /** Memory writes a device issued, without its MSI writes: its DMA writes to host memory. */
  public TlpLog memoryWritesBy(PcieId device) {
    return ofType(TlpType.MWR).requestedBy(device).filter(s -> !isMsi(s.tlp()), "not MSI");
  }

  /** MSI/MSI-X writes (MWr into the interrupt window 0xFEEx_xxxx) from {@code device}. */
  public TlpLog msisFrom(PcieId device) {
    return requestedBy(device).filter(s -> isMsi(s.tlp()), "MSI");
  }

  /**
   * Every interrupt {@code device} signalled: MSI writes and Assert_INTx messages (not Deassert), in
   * order.
   */
  public TlpLog interruptsFrom(PcieId device) {
    return requestedBy(device).filter(s -> isInterrupt(s.tlp()), "interrupts (MSI or Assert_INTx)");
  }

  /**
   * The configuration writes that reached {@code target} (its CfgWr0s), decoded. Count them on a log
   * that holds each TLP once: CfgWr0 only appears on the target's own link, so any log works.
   */
  public List<ConfigWrite> configWritesTo(PcieId target) {
    return tlps.stream()
        .filter(s -> s.tlp().type() == TlpType.CFGWR0 && target.equals(s.tlp().target()))
        .map(s -> ConfigWrite.of(s.tlp()))
        .toList();
  }

  static boolean isMsi(Tlp t) {
    return t.type() == TlpType.MWR && t.address() >= Firmware.MSI_BASE
        && t.address() < Firmware.MSI_BASE + Firmware.MSI_SIZE;
  }

  static boolean isInterrupt(Tlp t) {
    if (isMsi(t)) {
      return true;
    }
    if (t.type() != TlpType.MSG) {
      return false;
    }
    int code = t.messageCode();
    return code >= MessageCode.ASSERT_INTA && code <= MessageCode.ASSERT_INTD;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(description).append(" (").append(tlps.size()).append(" TLPs");
    if (missing > 0) {
      sb.append(", ").append(missing).append(" no longer recorded");
    }
    sb.append(')');
    for (SeenTlp s : tlps) {
      sb.append('\n').append(s.line());
    }
    return sb.toString();
  }
}
