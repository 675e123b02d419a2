package dev.driverlab.userland.testing;

import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.opentest4j.AssertionFailedError;

/**
 * Assertions on what crossed the links, over a {@link TlpLog}: the far side of a driver, as a protocol
 * analyzer shows it. Narrowing methods return assertions over fewer TLPs; checks return {@code this}.
 *
 * <pre>
 * TlpLog probe = tm.tlps().during(() -&gt; tm.insmod(new EduDriver()));
 * assertThat(probe).configWritesTo(edu.bdf()).touchedExactlyRegisters(0x04, 0x44);
 *
 * TlpLog dma = tm.tlps().all().at(edu);                 // each TLP once: the card's own link
 * assertThat(dma).memoryReadsBy(edu.bdf()).hasCount(8).eachAtMostBytes(512);
 * assertThat(dma).noRequestCrosses4KiB();
 * assertThat(dma).everyInterruptFrom(edu.bdf()).isAcknowledgedBy(tm.barAddress(edu, 0) + 0x64);
 * </pre>
 *
 * Every failure message names the window ({@link TlpLog#description()}) and lists the TLPs that
 * matter as analyzer lines. A window that lost TLPs to the recorder's limit fails any check rather than
 * pass on partial evidence.
 */
public final class LinkAssertions {
  private static final int LINES_SHOWN = 40;

  private final TlpLog log;

  private LinkAssertions(TlpLog log) {
    this.log = log;
  }

  public static LinkAssertions assertThat(TlpLog log) {
    if (log == null) {
      throw new NullPointerException("log");
    }
    return new LinkAssertions(log);
  }

  /** The TLPs these assertions look at. */
  public TlpLog log() {
    return log;
  }

  // ---- narrowing --------------------------------------------------------------------------------

  /** Only the TLPs matching {@code p} ({@code what} names it in messages). */
  public LinkAssertions filteredOn(Predicate<SeenTlp> p, String what) {
    return new LinkAssertions(log.filter(p, what));
  }

  /** Only {@code device}'s DMA reads (its MRd TLPs). */
  public LinkAssertions memoryReadsBy(PcieId device) {
    return new LinkAssertions(log.memoryReadsBy(device));
  }

  /** Only {@code device}'s DMA writes (its MWr TLPs, without MSIs). */
  public LinkAssertions memoryWritesBy(PcieId device) {
    return new LinkAssertions(log.memoryWritesBy(device));
  }

  /** Only {@code device}'s MSI writes. */
  public LinkAssertions msisFrom(PcieId device) {
    return new LinkAssertions(log.msisFrom(device));
  }

  /** Only configuration writes that reached {@code target} (CfgWr0). */
  public ConfigWrites configWritesTo(PcieId target) {
    return new ConfigWrites(target, log.configWritesTo(target));
  }

  /** The interrupts {@code device} signalled (MSI writes and Assert_INTx), to check how each was handled. */
  public Interrupts everyInterruptFrom(PcieId device) {
    return new Interrupts(device);
  }

  // ---- checks -----------------------------------------------------------------------------------

  public LinkAssertions hasCount(int expected) {
    complete();
    if (log.size() != expected) {
      throw new AssertionFailedError("expected " + expected + " TLPs in " + log.description() + ", found "
          + log.size() + listing(log.lines()), expected, log.size());
    }
    return this;
  }

  public LinkAssertions isEmpty() {
    return hasCount(0);
  }

  public LinkAssertions isNotEmpty() {
    complete();
    if (log.isEmpty()) {
      throw new AssertionFailedError("expected TLPs in " + log.description() + ", found none");
    }
    return this;
  }

  /**
   * Each memory request moves at most {@code maxBytes} (MRd: bytes asked for; MWr: payload), each
   * completion carries at most {@code maxBytes}: Max Read Request Size and Max Payload Size at work.
   */
  public LinkAssertions eachAtMostBytes(int maxBytes) {
    complete();
    List<String> bad = new ArrayList<>();
    for (SeenTlp s : log.list()) {
      int n = bytesOf(s.tlp());
      if (n > maxBytes) {
        bad.add(s.line() + "   <- " + n + " bytes");
      }
    }
    if (!bad.isEmpty()) {
      throw new AssertionError(bad.size() + " of " + log.size() + " TLPs in " + log.description() + " move more than "
          + maxBytes + " bytes" + listing(bad));
    }
    return this;
  }

  /** The memory requests move {@code expected} bytes in all (as {@link #eachAtMostBytes} counts them). */
  public LinkAssertions totalBytes(long expected) {
    complete();
    long total = log.stream().mapToLong(s -> bytesOf(s.tlp())).sum();
    if (total != expected) {
      throw new AssertionFailedError("expected " + expected + " bytes moved by " + log.description() + ", found "
          + total + " in " + log.size() + " TLPs" + listing(log.lines()), expected, total);
    }
    return this;
  }

  /**
   * No memory request crosses a 4 KiB boundary (PCIe Base Spec §2.2.7). {@code Tlp} itself refuses to
   * build such a request, so a device model that tries fails at the source; this states the rule where
   * the test reads it. {@link #noRequestCrosses(int)} checks finer boundaries.
   */
  public LinkAssertions noRequestCrosses4KiB() {
    return noRequestCrosses(4096);
  }

  /**
   * No memory request crosses a multiple of {@code boundaryBytes}: e.g. 4096 (the spec's rule), or a
   * device's own burst alignment.
   *
   * @param boundaryBytes a power of two
   */
  public LinkAssertions noRequestCrosses(int boundaryBytes) {
    if (boundaryBytes <= 0 || Integer.bitCount(boundaryBytes) != 1) {
      throw new IllegalArgumentException("the boundary must be a power of two: " + boundaryBytes);
    }
    complete();
    List<String> bad = new ArrayList<>();
    for (SeenTlp s : log.list()) {
      Tlp t = s.tlp();
      if (!t.type().isMemory()) {
        continue;
      }
      long first = t.requestFirstByteAddress();
      int len = t.requestByteLength();
      if (len > 0 && first / boundaryBytes != (first + len - 1) / boundaryBytes) {
        bad.add(s.line() + String.format("   <- bytes %#x..%#x", first, first + len - 1));
      }
    }
    if (!bad.isEmpty()) {
      throw new AssertionError(bad.size() + " requests in " + log.description() + " cross a " + boundaryBytes
          + "-byte boundary" + listing(bad));
    }
    return this;
  }

  /** No completion in the window has status {@code status} (e.g. no Unsupported Request anywhere). */
  public LinkAssertions noCompletionWithStatus(CplStatus status) {
    complete();
    List<String> bad = log.stream().filter(s -> s.tlp().type().completion() && s.tlp().status() == status)
        .map(SeenTlp::line).toList();
    if (!bad.isEmpty()) {
      throw new AssertionError(bad.size() + " completions with status " + status + " in " + log.description()
          + listing(bad));
    }
    return this;
  }

  // ---- config writes ----------------------------------------------------------------------------

  /** Assertions on the configuration writes one function received. */
  public final class ConfigWrites {
    private final PcieId target;
    private final List<ConfigWrite> writes;

    private ConfigWrites(PcieId target, List<ConfigWrite> writes) {
      this.target = target;
      this.writes = writes;
    }

    public List<ConfigWrite> list() {
      return writes;
    }

    /**
     * The writes touched exactly these registers (by the offset of their first written byte), in any
     * order and as often as they like: "probe wrote Command and the MSI control word, nothing else".
     */
    public ConfigWrites touchedExactlyRegisters(int... offsets) {
      complete();
      Set<Integer> want = IntStream.of(offsets).boxed().collect(Collectors.toCollection(TreeSet::new));
      Set<Integer> got = writes.stream().map(ConfigWrite::offset).collect(Collectors.toCollection(TreeSet::new));
      if (!want.equals(got)) {
        Set<Integer> extra = new TreeSet<>(got);
        extra.removeAll(want);
        Set<Integer> absent = new TreeSet<>(want);
        absent.removeAll(got);
        throw new AssertionFailedError("config writes to " + target + " in " + log.description() + " touched "
            + hex(got) + ", expected exactly " + hex(want)
            + (extra.isEmpty() ? "" : "; not expected: " + hex(extra))
            + (absent.isEmpty() ? "" : "; never written: " + hex(absent))
            + listing(writes.stream().map(ConfigWrite::toString).toList()), hex(want), hex(got));
      }
      return this;
    }

    /** Some write put {@code value} ({@code size} bytes) at {@code offset}. */
    public ConfigWrites includes(int offset, int size, int value) {
      complete();
      ConfigWrite want = new ConfigWrite(target, offset, size, value);
      if (!writes.contains(want)) {
        throw new AssertionError("no config write " + want + " in " + log.description()
            + listing(writes.stream().map(ConfigWrite::toString).toList()));
      }
      return this;
    }

    public ConfigWrites hasCount(int expected) {
      complete();
      if (writes.size() != expected) {
        throw new AssertionFailedError("expected " + expected + " config writes to " + target + " in "
            + log.description() + ", found " + writes.size()
            + listing(writes.stream().map(ConfigWrite::toString).toList()), expected, writes.size());
      }
      return this;
    }
  }

  // ---- interrupts -------------------------------------------------------------------------------

  /** Assertions on how each interrupt of one device was handled, read from TLP order. */
  public final class Interrupts {
    private final PcieId device;

    private Interrupts(PcieId device) {
      this.device = device;
    }

    /**
     * After every interrupt the device signalled (an upstream MSI write or Assert_INTx message), a
     * downstream memory write to {@code ackAddress} (the device's interrupt-acknowledge register) follows
     * before the device's next interrupt: the handler acknowledged each interrupt it took. Run it on a
     * log of one link ({@link TlpLog#at}) so each TLP counts once.
     *
     * @param ackAddress the bus address of the acknowledge register (BAR base + offset)
     */
    public Interrupts isAcknowledgedBy(long ackAddress) {
      complete();
      List<SeenTlp> all = log.list();
      List<Integer> irqs = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        SeenTlp s = all.get(i);
        if (s.dir() == LinkDirection.UPSTREAM && device.equals(s.tlp().requester())
            && TlpLog.isInterrupt(s.tlp())) {
          irqs.add(i);
        }
      }
      if (irqs.isEmpty()) {
        throw new AssertionError("no interrupt from " + device + " in " + log.description()
            + " (neither an MSI write nor Assert_INTx)");
      }
      for (int k = 0; k < irqs.size(); k++) {
        int from = irqs.get(k);
        int to = k + 1 < irqs.size() ? irqs.get(k + 1) : all.size();
        boolean acked = false;
        for (int i = from + 1; i < to && !acked; i++) {
          Tlp t = all.get(i).tlp();
          acked = all.get(i).dir() == LinkDirection.DOWNSTREAM && t.type() == TlpType.MWR
              && t.requestFirstByteAddress() <= ackAddress
              && ackAddress < t.requestFirstByteAddress() + Math.max(1, t.requestByteLength());
        }
        if (!acked) {
          List<String> around = new ArrayList<>();
          for (int i = from; i < Math.min(to, from + LINES_SHOWN); i++) {
            around.add(all.get(i).line());
          }
          throw new AssertionError(String.format("interrupt %d of %d from %s was not acknowledged: no write to %#x "
              + "before %s (%s)", k + 1, irqs.size(), device, ackAddress,
              k + 1 < irqs.size() ? "the next interrupt" : "the end of the recording", log.description())
              + listing(around));
        }
      }
      return this;
    }

    /** The device signalled exactly {@code expected} interrupts. */
    public Interrupts hasCount(int expected) {
      complete();
      TlpLog irqs = log.interruptsFrom(device).upstream();
      if (irqs.size() != expected) {
        throw new AssertionFailedError("expected " + expected + " interrupts from " + device + " in "
            + log.description() + ", found " + irqs.size() + listing(irqs.lines()), expected, irqs.size());
      }
      return this;
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private void complete() {
    if (log.missing() > 0) {
      throw new AssertionError(log.description() + " is incomplete: " + log.missing()
          + " of its TLPs fell out of the recorder's history; raise @DriverLabTest(tlpHistory = ...)");
    }
  }

  /** Bytes a TLP moves: requested bytes for memory requests, payload bytes for completions. */
  private static int bytesOf(Tlp t) {
    if (t.type().isMemory() || t.type().isIo()) {
      return t.requestByteLength();
    }
    if (t.type().completion()) {
      return t.type().hasData() ? Math.min(t.byteCount(), t.lengthDw() * 4 - (t.lowerAddress() & 3)) : 0;
    }
    return t.payloadLength();
  }

  private static String hex(Set<Integer> offsets) {
    return offsets.stream().map(o -> String.format("%#04x", o)).collect(Collectors.joining(", ", "[", "]"));
  }

  private static String listing(List<String> lines) {
    if (lines.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder(":");
    int n = Math.min(lines.size(), LINES_SHOWN);
    for (int i = 0; i < n; i++) {
      sb.append("\n  ").append(lines.get(i));
    }
    if (lines.size() > n) {
      sb.append("\n  ... ").append(lines.size() - n).append(" more");
    }
    return sb.toString();
  }
}
