package dev.driverlab.devices.testing;

import dev.driverlab.devices.pcie.tlp.ExpressDma;
import dev.driverlab.devices.pcie.tlp.ExpressObserver;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.ArrayList;
import java.util.List;

/**
 * For tests: notes which DMA the fabric moved without TLP objects (the express, see
 * {@link ExpressObserver}) and which crossed as TLPs, deciding nothing: it admits every transfer. It
 * watches a device's MWrs and MRds going up and the completions coming down, and keeps no TLP, so it
 * closes no express itself. Add it with {@code machine.fabric().addObserver(spy)}.
 */
public final class ExpressSpy implements ExpressObserver {
  private int expresses;
  private int bursts;
  private int readBursts;
  private int dmaTlps;
  private final List<String> shapes = new ArrayList<>();

  /** Transfers the express moved. */
  public int expresses() {
    return expresses;
  }

  /** Of those, bursts: requests sent back to back until a later time ({@link ExpressDma#lastRequestNs}). */
  public int bursts() {
    return bursts;
  }

  /** Of the bursts, those of reads. */
  public int readBursts() {
    return readBursts;
  }

  /** DMA TLPs that crossed a link as objects (MWr and MRd going up, CplD coming down), once per link. */
  public int dmaTlps() {
    return dmaTlps;
  }

  /**
   * What each express was, in order: kind, how many requests (a whole DMA is one run of them), the
   * largest request's bytes; for example {@code "DEVICE_READ x8 <=512"}.
   */
  public List<String> shapes() {
    return shapes;
  }

  @Override
  public boolean keepsTlps() {
    return false; // else a device's writes could never take the express (see Endpoint.dmaWrite)
  }

  @Override
  public boolean watches(LinkDirection dir, TlpType type) {
    return dir == LinkDirection.UPSTREAM ? type == TlpType.MWR || type == TlpType.MRD : type == TlpType.CPLD;
  }

  @Override
  public void onTlp(long timeNs, LinkDirection dir, String linkName, Tlp tlp) {
    dmaTlps++;
  }

  @Override
  public boolean admits(ExpressDma dma) {
    return true;
  }

  @Override
  public void onExpress(ExpressDma dma) {
    expresses++;
    if (dma.lastRequestNs() > dma.timeNs()) {
      bursts++;
      if (!dma.write()) {
        readBursts++;
      }
    }
    shapes.add(dma.kind() + " x" + dma.requests() + " <=" + dma.largestRequestBytes());
  }
}
