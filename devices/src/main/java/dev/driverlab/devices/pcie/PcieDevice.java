package dev.driverlab.devices.pcie;

import static com.google.common.base.Preconditions.checkArgument;

import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.ArrayList;
import java.util.List;

/**
 * A card in a slot: up to eight functions behind one link (device number 0 on the link's bus).
 * Config requests go to the addressed function or complete with UR when it is absent (reads of absent
 * functions return all ones, §D.11); memory requests go to the function whose BAR claims the address;
 * completions to the function that asked.
 */
public final class PcieDevice implements LinkPartner {
  private final PciFunction[] functions = new PciFunction[8];
  private Link link;

  public PcieDevice add(PciFunction f) {
    int fn = f.functionNumber();
    checkArgument(functions[fn] == null, "function %s already present: %s", fn, functions[fn]);
    functions[fn] = f;
    if (link != null) {
      wire(f);
    }
    return this;
  }

  @Override
  public void attach(Link link) {
    this.link = link;
    for (PciFunction f : functions) {
      if (f != null) {
        wire(f);
      }
    }
  }

  private void wire(PciFunction f) {
    f.setUpstreamLink(link);
    if (f instanceof Endpoint e) {
      e.attachLink(link);
    }
  }

  /** The first function (by number) that claims memory {@code address}, or null: the one a memory request goes to. */
  PciFunction functionClaiming(long address) {
    for (PciFunction f : functions) {
      if (f != null && f.claims(address)) {
        return f;
      }
    }
    return null;
  }

  /** Function {@code fn} (0..7), or null if absent. */
  PciFunction function(int fn) {
    return functions[fn];
  }

  public Link link() {
    return link;
  }

  @Override
  public List<PciFunction> functions() {
    List<PciFunction> out = new ArrayList<>();
    for (PciFunction f : functions) {
      if (f != null) {
        out.add(f);
      }
    }
    return out;
  }

  /** Every TLP to the card passes here: completions (each DMA read's data) first, config apart. */
  @Override
  public Tlp fromUpstream(Tlp tlp) {
    TlpType t = tlp.type();
    if (t.completion()) {
      PciFunction f = functions[tlp.requester().function()];
      if (f != null) {
        f.completionArrived(tlp);
      }
      return null;
    }
    if (t.isMemory()) {
      PciFunction f = functionClaiming(tlp.requestFirstByteAddress());
      if (f != null) {
        return f.handleRequest(tlp);
      }
      return t.nonPosted() ? Tlp.completion(tlp, tlp.requester(), CplStatus.UR) : null;
    }
    if (t == TlpType.CFGRD0 || t == TlpType.CFGWR0) {
      return config(tlp);
    }
    return null;
  }

  private Tlp config(Tlp tlp) {
    PciFunction f = functions[tlp.target().function()];
    // Functions 1-7 answer only if function 0 says the device is multi-function (§D.11).
    if (f == null || tlp.target().device() != 0 || (tlp.target().function() != 0
        && (functions[0] == null || !functions[0].multiFunction()))) {
      return Tlp.completion(tlp, tlp.target(), CplStatus.UR);
    }
    return f.handleConfig(tlp);
  }
}
