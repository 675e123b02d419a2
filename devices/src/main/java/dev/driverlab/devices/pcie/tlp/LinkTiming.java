package dev.driverlab.devices.pcie.tlp;

/**
 * How long a TLP occupies a PCIe link of a given generation and width, in simulated picoseconds.
 *
 * <h2>Formula</h2>
 * <pre>
 *   wire bytes  = header (12 or 16) + payload + ECRC (4 if TD)      the TLP itself
 *               + 8                                                 framing, sequence number, LCRC
 *               + 8 / ACK_EVERY + 8 / UPDATE_FC_EVERY               amortised ACK and UpdateFC DLLPs
 *   time (ps)   = ceil( wire bytes * 8 * E * 1e6 / (rate in MT/s * width) )
 *
 *   generation      1      2      3        4        5
 *   rate (GT/s)     2.5    5      8        16       32
 *   encoding E      10/8   10/8   130/128  130/128  130/128   (8b/10b; 128b/130b)
 *   ps per byte     4000   2000   1015.625 507.8125 253.90625 on one lane
 *   raw MB/s/lane   250    500    984.6    1969.2   3938.5
 * </pre>
 * So a Gen1 x1 link moves 250 MB/s after 8b/10b (2.5 GT/s * 8/10 / 8 bits) and a Gen3 x8 link
 * 7.877 GB/s after 128b/130b (8 lanes * 8 GT/s * 128/130 / 8 bits) before any protocol overhead.
 *
 * <h2>Constants and why</h2>
 * <ul>
 *   <li><b>8 bytes of per-TLP overhead in every generation.</b> Gen1/2 (8b/10b): STP symbol 1 +
 *       sequence number 2 + LCRC 4 + END symbol 1 (Base Spec, Data Link Layer TLP format and 8b/10b
 *       framing; Intel AN 456 "Protocol Overhead": five DW of overhead with a 3 DW header and no
 *       ECRC, i.e. 12 + 8 bytes). Gen3+ (128b/130b): a 4-byte STP token, which carries the TLP
 *       length, its check bits and the 12-bit sequence number, + LCRC 4; there is no END token (Base
 *       Spec 3.0 §4.2.2.3, "Framing Tokens"). Counting a separate 2-byte sequence number on top of the
 *       Gen3 STP token would count it twice, so Gen3+ is 8 bytes too, not 10.
 *   <li><b>A DLLP is 8 bytes on the wire</b>: 6 bytes (type, 3 bytes of content, 16-bit CRC) plus SDP
 *       and END symbols (Gen1/2) or a 2-byte SDP token (Gen3+). Intel AN 456 and AN 829: "The DLLPs
 *       are two dwords".
 *   <li><b>{@value #ACK_EVERY} TLPs per Ack DLLP.</b> A receiver may hold its Ack until its
 *       AckNak_LATENCY_TIMER expires and then acknowledge every TLP received so far with one Ack (Base
 *       Spec ch. 3, "Data Integrity"), and controllers merge pending Acks while the transmitter is
 *       busy (e.g. the Efinix PCIe controller guide, "Aggregating ACK DLLPs"). One Ack per TLP is the
 *       worst case the PLX PEX 8532 data book's "100% DLLP" column assumes; one per four TLPs is our
 *       (inferred) middle for a busy link.
 *   <li><b>{@value #UPDATE_FC_EVERY} TLPs per UpdateFC DLLP</b>, likewise (inferred): a receiver
 *       returns credits in batches as it drains its buffers (Base Spec §2.6, Flow Control).
 *   <li>The Acks and UpdateFCs for a TLP really travel the other way; charging them to the TLP's own
 *       direction is the symmetric-traffic convention of the PLX data book (§8.4.1.4 there).
 *   <li>Not modelled (each well under 1%): SKP ordered sets (Gen1/2: one of 4 symbols every 1180..1538
 *       symbol times; Gen3+: one SKP block every 370..375 blocks), the Gen3 sync header beyond the
 *       128b/130b ratio, flow-control stalls and replays. Bytes are spread evenly over the lanes:
 *       framed TLPs and DLLPs are whole DWs and on wide links start on 4-lane boundaries, so a busy
 *       link leaves no lane idle (inferred from the Physical Layer framing rules, Base Spec §4.2).
 * </ul>
 * The lead's README carries this summary; change both together.
 *
 * @param generation 1..5 (2.5, 5, 8, 16, 32 GT/s)
 * @param width lanes: 1, 2, 4, 8, 12, 16 or 32
 */
public record LinkTiming(int generation, int width) {

  /** Bytes a TLP adds on the wire beyond header, payload and ECRC (see the class comment). */
  public static final int TLP_FRAMING_BYTES = 8;
  /** Bytes one DLLP (Ack, UpdateFC) occupies on the wire. */
  public static final int DLLP_BYTES = 8;
  /** TLPs acknowledged by one Ack DLLP. */
  public static final int ACK_EVERY = 4;
  /** TLPs per UpdateFC DLLP. */
  public static final int UPDATE_FC_EVERY = 4;

  private static final int[] RATE_MT_PER_S = {0, 2500, 5000, 8000, 16000, 32000};

  /** Validates generation and width; messages name the bad value. */
  public LinkTiming {
    if (generation < 1 || generation > 5) {
      throw new IllegalArgumentException("generation out of range 1..5: " + generation);
    }
    switch (width) {
      case 1:
      case 2:
      case 4:
      case 8:
      case 12:
      case 16:
      case 32:
        break;
      default:
        throw new IllegalArgumentException("width not one of 1, 2, 4, 8, 12, 16, 32: " + width);
    }
  }

  /** The lane rate in megatransfers per second (2500 for Gen1 ... 32000 for Gen5). */
  public int rateMtPerSec() {
    return RATE_MT_PER_S[generation];
  }

  private int encodingNumerator() {
    return generation <= 2 ? 10 : 130;
  }

  private int encodingDenominator() {
    return generation <= 2 ? 8 : 128;
  }

  /** The time {@code tlp} occupies this link: its header, payload, ECRC if TD, overheads. */
  public long tlpTimePs(Tlp tlp) {
    return timePs(tlp.headerBytes(), tlp.payloadLength() + (tlp.td() ? 4 : 0));
  }

  /**
   * The time a TLP of {@code headerBytes} (12 or 16) and {@code payloadBytes} (0..4096, no ECRC)
   * occupies this link.
   */
  public long tlpTimePs(int headerBytes, int payloadBytes) {
    if (headerBytes != 12 && headerBytes != 16) {
      throw new IllegalArgumentException("header bytes not 12 or 16: " + headerBytes);
    }
    if (payloadBytes < 0 || payloadBytes > 4096) {
      throw new IllegalArgumentException("payload bytes out of range 0..4096: " + payloadBytes);
    }
    return timePs(headerBytes, payloadBytes);
  }

  private long timePs(int headerBytes, int payloadBytes) {
    // wire bytes as a fraction over ACK_EVERY * UPDATE_FC_EVERY, so the amortised DLLPs stay exact
    long den = (long) ACK_EVERY * UPDATE_FC_EVERY;
    long wireNum = (long) (headerBytes + payloadBytes + TLP_FRAMING_BYTES) * den
        + (long) DLLP_BYTES * UPDATE_FC_EVERY + (long) DLLP_BYTES * ACK_EVERY;
    long num = wireNum * 8 * encodingNumerator() * 1_000_000L;
    long div = den * encodingDenominator() * rateMtPerSec() * width;
    return (num + div - 1) / div;
  }

  /** Bytes per second the lanes carry after line encoding, before any protocol overhead. */
  public double rawBandwidthBytesPerSec() {
    return (double) rateMtPerSec() * 1e6 * width * encodingDenominator() / encodingNumerator() / 8;
  }

  /**
   * Payload bytes per second of a steady stream of memory writes, each carrying {@code maxPayload}
   * bytes (1..4096) behind a 3 DW header without ECRC, with the overheads above; computed without
   * rounding to picoseconds.
   */
  public double effectiveBandwidthBytesPerSec(int maxPayload) {
    if (maxPayload < 1 || maxPayload > 4096) {
      throw new IllegalArgumentException("max payload out of range 1..4096: " + maxPayload);
    }
    int wirePayload = (maxPayload + 3) & ~3;
    double wireBytes = 12 + wirePayload + TLP_FRAMING_BYTES
        + (double) DLLP_BYTES / ACK_EVERY + (double) DLLP_BYTES / UPDATE_FC_EVERY;
    return maxPayload * rawBandwidthBytesPerSec() / wireBytes;
  }

  /** "Gen3 x8". */
  public String describe() {
    return "Gen" + generation + " x" + width;
  }

  /** {@link #describe()}. */
  @Override
  public String toString() {
    return describe();
  }
}
