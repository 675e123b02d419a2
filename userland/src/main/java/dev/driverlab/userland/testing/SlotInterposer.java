package dev.driverlab.userland.testing;

import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.LinkPartner;
import dev.driverlab.devices.pcie.PciFunction;
import dev.driverlab.devices.pcie.tlp.AnalyzerText;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An interposer card: it sits in a slot between the link and the real card, like the protocol
 * exercisers labs put between a slot and a device, and may answer or alter what travels down to the
 * card. It is built from public roads only (a {@link LinkPartner} plugged into the slot in the card's
 * place), so it sees TLPs going <em>down</em>: MMIO requests to the card and the completions of the
 * card's DMA reads. What the card sends up (DMA writes, MSIs, its read requests) goes from the card's
 * function straight onto the link; changing those needs a fabric hook (see {@link FaultInjector}).
 *
 * <pre>
 *   link ──► Link.down (observers see the TLP here) ──► interposer ──► rule fires? ──► answer / alter / drop
 *                                                                  └─► otherwise the card, untouched
 * </pre>
 *
 * Because observers see a TLP before the interposer, a poisoned or dropped completion is recorded as
 * the Root Complex sent it; the injector's log says what the card received instead.
 */
final class SlotInterposer implements LinkPartner {
  /** What a rule does to a TLP it matches. */
  enum Action {
    /** Answer a memory request to the card with UR/CA itself (non-posted) or drop it (posted). */
    ANSWER_MMIO,
    /** Deliver a completion with data to the card with EP set (PCIe Base Spec §2.7.2). */
    POISON_COMPLETION,
    /** Never deliver a completion with data: the card's read times out. */
    DROP_COMPLETION
  }

  private record Rule(Action action, CplStatus status, Fault fault) {}

  private final LinkPartner card;
  private final FaultInjector injector;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();

  SlotInterposer(LinkPartner card, FaultInjector injector) {
    this.card = card;
    this.injector = injector;
  }

  Fault add(Action action, CplStatus status, String what) {
    Fault f = new Fault(what);
    rules.add(new Rule(action, status, f));
    return f;
  }

  @Override
  public Tlp fromUpstream(Tlp tlp) {
    TlpType t = tlp.type();
    for (Rule r : rules) {
      switch (r.action) {
        case ANSWER_MMIO:
          if (t.isMemory() && r.fault.fire()) {
            if (t.nonPosted()) {
              injector.record("%s: %s answered with %s, the card never saw it", r.fault.what(),
                  AnalyzerText.describe(tlp), r.status);
              return Tlp.completion(tlp, completerFor(tlp), r.status);
            }
            injector.record("%s: %s dropped, the card never saw it", r.fault.what(), AnalyzerText.describe(tlp));
            return null;
          }
          break;
        case POISON_COMPLETION:
          if (t == TlpType.CPLD && r.fault.fire()) {
            injector.record("%s: %s delivered with EP set", r.fault.what(), AnalyzerText.describe(tlp));
            return card.fromUpstream(tlp.withPoisoned(true));
          }
          break;
        case DROP_COMPLETION:
          if (t == TlpType.CPLD && r.fault.fire()) {
            injector.record("%s: %s never delivered", r.fault.what(), AnalyzerText.describe(tlp));
            return null;
          }
          break;
        default:
          throw new AssertionError(r.action);
      }
    }
    return card.fromUpstream(tlp);
  }

  /** The card function whose BAR the request hits, as a completer would name itself. */
  private PcieId completerFor(Tlp request) {
    List<PciFunction> fns = card.functions();
    for (PciFunction f : fns) {
      if (f.claims(request.requestFirstByteAddress())) {
        return f.id();
      }
    }
    return fns.isEmpty() ? request.requester() : fns.get(0).id();
  }

  @Override
  public void attach(Link link) {
    card.attach(link);
  }

  @Override
  public List<PciFunction> functions() {
    return card.functions();
  }

  LinkPartner card() {
    return card;
  }

  @Override
  public String toString() {
    return "interposer in front of " + card;
  }
}
