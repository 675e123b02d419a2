package dev.driverlab.userland.labs;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Firmware;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A protocol analyzer on one card's link: records every TLP that crosses it, so a grader can say what
 * the card really moved, whatever the driver claims. The DMA data is rebuilt from the TLPs themselves:
 *
 * <pre>
 *   card reads host memory    MRd (up, card's requester ID, tag t) ... CplD (down, tag t, Byte Count,
 *                             Lower Address): byte i of a CplD lands at first byte + (request length −
 *                             Byte Count) + i, after the (Lower Address &amp; 3) padding bytes
 *   card writes host memory   MWr (up): payload from the first enabled byte, Length/BE bytes
 * </pre>
 *
 * MSIs are memory writes too; they are left out of {@link #deviceWrites}.
 */
final class TlpRecorder implements AutoCloseable {
  private record Seen(LinkDirection dir, Tlp tlp) {}

  private final List<Seen> seen = new ArrayList<>();
  private final AutoCloseable registration;

  private TlpRecorder(Machine machine, String linkName) {
    this.registration = machine.fabric().addObserver((t, dir, link, tlp) -> {
      if (link.equals(linkName)) {
        seen.add(new Seen(dir, tlp));
      }
    });
  }

  /** Starts recording the link called {@code linkName} (a slot's link). */
  static TlpRecorder on(Machine machine, String linkName) {
    return new TlpRecorder(machine, linkName);
  }

  /** Forgets what was recorded so far. */
  void clear() {
    seen.clear();
  }

  /** Memory reads the card issued. */
  List<Tlp> deviceReads(PcieId card) {
    return seen.stream().filter(s -> s.dir == LinkDirection.UPSTREAM && s.tlp.type() == TlpType.MRD
        && s.tlp.requester().equals(card)).map(Seen::tlp).toList();
  }

  /** Memory writes the card issued, without its MSIs. */
  List<Tlp> deviceWrites(PcieId card) {
    return seen.stream().filter(s -> s.dir == LinkDirection.UPSTREAM && s.tlp.type() == TlpType.MWR
        && s.tlp.requester().equals(card) && !isMsi(s.tlp)).map(Seen::tlp).toList();
  }

  private static boolean isMsi(Tlp t) {
    long a = t.address();
    return a >= Firmware.MSI_BASE && a < Firmware.MSI_BASE + Firmware.MSI_SIZE;
  }

  /** Host bytes the card read, by bus address, rebuilt from its MRds and their CplDs. */
  NavigableMap<Long, Byte> bytesRead(PcieId card) {
    NavigableMap<Long, Byte> image = new TreeMap<>();
    Map<Integer, Tlp> open = new HashMap<>();
    for (Seen s : seen) {
      Tlp t = s.tlp;
      if (s.dir == LinkDirection.UPSTREAM && t.type() == TlpType.MRD && t.requester().equals(card)) {
        open.put(t.tag(), t);
      } else if (s.dir == LinkDirection.DOWNSTREAM && t.type() == TlpType.CPLD && t.requester().equals(card)) {
        Tlp req = open.get(t.tag());
        if (req == null) {
          continue;
        }
        int total = req.requestByteLength();
        long at = req.requestFirstByteAddress() + (total - t.byteCount());
        int pad = t.lowerAddress() & 3;
        int n = Math.min(t.byteCount(), t.payloadLength() - pad);
        for (int i = 0; i < n; i++) {
          image.put(at + i, (byte) t.payloadByte(pad + i));
        }
      }
    }
    return image;
  }

  /** Host bytes the card wrote, by bus address, from its MWr payloads (the last write wins). */
  NavigableMap<Long, Byte> bytesWritten(PcieId card) {
    NavigableMap<Long, Byte> image = new TreeMap<>();
    for (Tlp t : deviceWrites(card)) {
      long first = t.requestFirstByteAddress();
      int lead = (int) (first - t.address());
      int n = t.requestByteLength();
      for (int i = 0; i < n; i++) {
        image.put(first + i, (byte) t.payloadByte(lead + i));
      }
    }
    return image;
  }

  /**
   * The {@code len} bytes starting at the lowest address in {@code image}, or null if the image does not
   * hold that many contiguous bytes from there.
   */
  static byte[] contiguousFromLowest(NavigableMap<Long, Byte> image, int len) {
    if (image.isEmpty()) {
      return null;
    }
    long base = image.firstKey();
    byte[] out = new byte[len];
    for (int i = 0; i < len; i++) {
      Byte b = image.get(base + i);
      if (b == null) {
        return null;
      }
      out[i] = b;
    }
    return out;
  }

  @Override
  public void close() {
    try {
      registration.close();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop recording TLPs", e);
    }
  }
}
