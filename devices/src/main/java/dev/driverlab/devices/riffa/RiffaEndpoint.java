package dev.driverlab.devices.riffa;

import static dev.driverlab.devices.riffa.RiffaRegisters.*;

import dev.driverlab.devices.model.BarHandler;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.tlp.LinkTiming;
import dev.driverlab.devices.time.VirtualClock;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;

/**
 * A RIFFA 2.x FPGA endpoint (KastnerRG/riffa, {@code fpga/riffa_hdl/riffa.v} and the ports beneath it):
 * BAR0 of 1024 bytes holding 1–12 channel register windows, single-vector MSI, and per channel a host
 * send engine (RX port), a host receive engine (TX port) and two scatter-gather fetchers, all moving
 * data as real MRd/MWr TLPs. Facts: shared/reference/riffa.md; register map: {@link RiffaRegisters}.
 *
 * <pre>
 *            BAR0 (1024 B)                                          user logic, per channel
 *   ┌─────────────────────────────┐   RxPort ── beats ──► CHNL_RX* ─► ┌──────────────┐
 *   │ ch0: 0x00-0x3F  (+INFO,IRQ) │ ─ SgRequester (RX SG FIFO)        │ ChannelCore  │
 *   │ ch1: 0x40-0x7F              │   TxPort ◄─ beats ─── CHNL_TX* ◄─ │ (ChnlTester, │
 *   │ ...                         │ ─ SgRequester (TX SG FIFO)        │  EchoCore..) │
 *   │ ch11: 0x2C0-0x2FF           │                                   └──────────────┘
 *   └─────────────────────────────┘   InterruptController ─► one MSI per batch
 * </pre>
 *
 * <p>Reading INFO (field 0xA) returns the core settings and then resets the whole core: vectors,
 * ports, FIFOs, pending work and the user cores (riffa.md §2.3). Every engine step is an event on the
 * machine's virtual clock; a step that moves data keeps the link busy for {@code transferTimeNs} of its
 * bytes (reads and writes pace separately, as the link is full duplex, and channels share it).
 *
 * <p>Not static anywhere: several instances may sit in one machine (the driver handles five).
 */
public final class RiffaEndpoint extends PciDeviceModel implements BarHandler {
  /** Xilinx 7-series core as RIFFA's projects configure it: class "other memory controller". */
  private static final int XILINX_CLASS_CODE = 0x058000;
  private static final int XILINX_SUBSYSTEM_ID = 0x0007;
  /** DevCap Max Payload Size Supported: 256 bytes, as the RIFFA Xilinx cores are built. */
  private static final int MPS_SUPPORTED_CODE = 1;

  private final RiffaConfig config;
  private final Channel[] channels;
  private final InterruptController irq;
  private final int channelMask;
  private final int nameValue;
  /**
   * log2 of the words in a beat (a beat is 2 or 4 words): the engines count beats for every TLP, and
   * a shift is a cycle where an integer division by a value the JIT does not know is tens of them.
   */
  private final int beatShift;
  /** {@code C_MAX_READ_REQ} as its code, log2(config.maxReadRequestBytes() / 128): fixed, asked per MRd. */
  private final int engineReadCode;
  /** Payload bytes of the one TLP being issued: dmaRead/dmaWrite copy in or out before returning. */
  private byte[] tlpBytes = new byte[4096];
  /**
   * {@link #tlpBytes} seen as little-endian 32-bit words (remade when tlpBytes grows): payload bytes go
   * to and from words with one bulk copy per TLP instead of a word-at-a-time loop.
   */
  private IntBuffer tlpWords = leWords(tlpBytes);
  /** The machine's clock, looked up once (a model is plugged into one machine for good). */
  private VirtualClock clock;
  private long readLinkFreeNs;
  private long writeLinkFreeNs;
  /** The last transfer time of each direction's bookings (see {@link TransferTime}). */
  private final TransferTime readTime = new TransferTime();
  private final TransferTime writeTime = new TransferTime();
  private boolean plugged;

  /** One channel, 128-bit, Xilinx; a {@link ChnlTester} on the channel. */
  public RiffaEndpoint() {
    this(RiffaConfig.defaults());
  }

  /** A {@link ChnlTester} on every channel, as RIFFA's example designs do. */
  public RiffaEndpoint(RiffaConfig config) {
    this(config, c -> new ChnlTester());
  }

  /**
   * @param cores makes the user core of each channel (called once per channel, 0 first); each channel
   *     needs its own instance
   */
  public RiffaEndpoint(RiffaConfig config, IntFunction<? extends ChannelCore> cores) {
    this.config = config;
    this.channels = new Channel[config.channels()];
    for (int c = 0; c < channels.length; c++) {
      ChannelCore core = cores.apply(c);
      if (core == null) {
        throw new IllegalArgumentException("no core for RIFFA channel " + c);
      }
      channels[c] = new Channel(this, c, core);
    }
    this.irq = new InterruptController(this, config.channels());
    // registers.v decodes the channel from clog2s(C_NUM_CHNL) address bits above the field.
    int bits = config.channels() == 1 ? 1 : 32 - Integer.numberOfLeadingZeros(config.channels() - 1);
    this.channelMask = (1 << bits) - 1;
    this.beatShift = Integer.numberOfTrailingZeros(config.wordsPerBeat());
    this.engineReadCode = Integer.numberOfTrailingZeros(config.maxReadRequestBytes() >>> 7);
    String name = ("    " + config.fpgaName());
    byte[] ascii = name.substring(name.length() - 4).getBytes(StandardCharsets.US_ASCII);
    this.nameValue = (ascii[0] & 0xff) << 24 | (ascii[1] & 0xff) << 16 | (ascii[2] & 0xff) << 8 | (ascii[3] & 0xff);
  }

  public RiffaConfig config() {
    return config;
  }

  /** The user core on {@code channel}. */
  public ChannelCore core(int channel) {
    return channels[checkChannel(channel)].core();
  }

  /** Replaces the user core on {@code channel}; once plugged in, the new core gets {@code reset} first. */
  public void attach(int channel, ChannelCore core) {
    if (core == null) {
      throw new IllegalArgumentException("core is null");
    }
    Channel ch = channels[checkChannel(channel)];
    ch.setCore(core);
    if (plugged) {
      core.reset(ch);
    }
  }

  private int checkChannel(int channel) {
    if (channel < 0 || channel >= channels.length) {
      throw new IllegalArgumentException("RIFFA channel " + channel + " does not exist; this core has "
          + channels.length + " channel(s)");
    }
    return channel;
  }

  @Override
  protected void declare(FunctionSpec f) {
    if (config.isXilinx()) {
      f.ids(config.vendorId(), config.deviceId()).revision(0).classCode(XILINX_CLASS_CODE)
          .subsystem(VENDOR_ID0, XILINX_SUBSYSTEM_ID);
    } else {
      // RIFFA's DE5 projects: class code 0, revision 1, no subsystem ids (QSys*.qsys).
      f.ids(config.vendorId(), config.deviceId()).revision(1).classCode(0);
    }
    // Legacy_Interrupt NONE in the Xilinx cores; the driver requires MSI (64-bit capable, no masking).
    f.interruptPin(0).msi(1, true, false).pcieEndpoint(MPS_SUPPORTED_CODE, config.linkGen(), config.linkWidth())
        .memoryBar(0, BAR0_SIZE, this);
  }

  @Override
  protected void reset() {
    plugged = true;
    resetCore();
  }

  /** {@code RST_OUT}: everything but the configuration back to power-on state. */
  private void resetCore() {
    // Every event of this endpoint is scheduled with it as owner (later): the clock drops those pending.
    if (plugged()) {
      vclock().cancelOwnedBy(this);
    }
    irq.reset();
    for (Channel ch : channels) {
      ch.reset();
    }
  }

  // ---- BAR0 --------------------------------------------------------------------------------------

  @Override
  public long read(long offset, int size) {
    if (size != 4 || (offset & 3) != 0) {
      guestError("%d-byte read at BAR0+%#x: RIFFA registers take 32-bit accesses only", size, offset);
      return size == 8 ? -1L : (1L << (8 * size)) - 1;
    }
    int field = (int) (offset >>> 2) & 0xF;
    int chnl = (int) (offset >>> 6) & channelMask;
    // The global registers' side effects are decoded from the field bits alone; their data is only
    // defined in channel 0's window (registers.v).
    switch (field) {
      case INFO_REG_OFF -> {
        int v = chnl == 0 ? info() : 0;
        resetCore(); // the completion still goes out (riffa.v's hold logic)
        return v & 0xffffffffL;
      }
      case IRQ_REG0_OFF -> {
        return irq.read(0, chnl == 0) & 0xffffffffL;
      }
      case IRQ_REG1_OFF -> {
        return irq.read(1, chnl == 0) & 0xffffffffL;
      }
      case FPGA_NAME_REG_OFF -> {
        return chnl == 0 ? nameValue & 0xffffffffL : 0;
      }
      default -> {
        return chnl < channels.length ? channels[chnl].read(field) & 0xffffffffL : 0;
      }
    }
  }

  @Override
  public void write(long offset, long value, int size) {
    if (size != 4 || (offset & 3) != 0) {
      guestError("%d-byte write of %#x at BAR0+%#x ignored: RIFFA registers take 32-bit accesses only",
          size, value, offset);
      return;
    }
    int field = (int) (offset >>> 2) & 0xF;
    int chnl = (int) (offset >>> 6) & channelMask;
    if (chnl >= channels.length) {
      guestError("write of %#x to BAR0+%#x ignored: channel %d does not exist (%d channel(s))",
          value, offset, chnl, channels.length);
      return;
    }
    channels[chnl].write(field, (int) value);
  }

  /** The INFO / core-settings value (riffa.md §1.6, {@code wCoreSettings} in riffa.v). */
  private int info() {
    Endpoint f = function();
    Link link = f.link();
    int width = 0;
    int rate = 0;
    if (link != null) {
      width = Math.min(config.linkWidth(), link.timing().width());
      rate = Math.min(config.linkGen(), link.timing().generation());
    }
    // riffa.v's if-chain on C_FPGA_ID compares with "!= 1", so any id without bit 7 yields bit 6.
    int fpgaId = (config.fpgaId() & 0x80) != 0 ? 0x80 : 0x40;
    return config.channels()
        | (busMasterEnabled() ? INFO_BUS_MASTER_ENABLE : 0)
        | (width & INFO_LINK_WIDTH_MASK) << INFO_LINK_WIDTH_SHIFT
        | (rate & INFO_LINK_RATE_MASK) << INFO_LINK_RATE_SHIFT
        | (mrrsCode() & INFO_MAX_READ_REQUEST_MASK) << INFO_MAX_READ_REQUEST_SHIFT
        | (mpsCode() & INFO_MAX_PAYLOAD_MASK) << INFO_MAX_PAYLOAD_SHIFT
        | (config.wordsPerBeat() & INFO_BUS_WIDTH_MASK) << INFO_BUS_WIDTH_SHIFT
        | fpgaId << INFO_FPGA_ID_SHIFT;
  }

  /**
   * The MRRS and MPS encodings of Device Control. Taken from the function's decoded limits, which
   * follow every change of its config space (and are 0 without a PCIe capability, where the
   * function's own defaults are 512 and 128): the engines ask for every TLP, and
   * {@link Endpoint#maxReadRequestBytes()} reads config space each time.
   */
  private int mrrsCode() {
    int bytes = function().maxReadRequestLimit();
    return Integer.numberOfTrailingZeros((bytes == 0 ? 512 : bytes) >>> 7);
  }

  private int mpsCode() {
    int bytes = function().maxPayloadLimit();
    return Integer.numberOfTrailingZeros((bytes == 0 ? 128 : bytes) >>> 7);
  }

  // ---- what the engines use ----------------------------------------------------------------------

  int wordsPerBeat() {
    // From the shift this endpoint holds, not through its config record: the engines ask several times
    // per TLP, and the record is one more object to load (a cache miss once a transfer's data has
    // streamed through the cache). The config's width is 64 or 128 bits, 2 or 4 words: a power of two.
    return 1 << beatShift;
  }

  /** {@code wordsPerBeat() == 1 << beatShift()}. */
  int beatShift() {
    return beatShift;
  }

  /** Beats that {@code words} (≥ 0) fill, the last one partly: ⌈words / beat⌉. */
  long beatsFor(long words) {
    return (words + (1L << beatShift) - 1) >> beatShift;
  }

  /**
   * As {@link #beatsFor(long)} in int arithmetic, as {@code (words + b - 1) / b} was: for a count that is
   * not a real one (negative, or overflowing there) it is ≤ 0 where that was, so callers do nothing alike.
   */
  int beatsFor(int words) {
    return (words + (1 << beatShift) - 1) >> beatShift;
  }

  /** Read request size in words: {@code 32 << min(C_MAX_READ_REQ, min(device MRRS code, 4))}. */
  int maxReadWords() {
    return 32 << Math.min(engineReadCode, Math.min(mrrsCode(), 4));
  }

  /** Write payload in words: {@code 32 << min(device MPS code, 4)}. */
  int maxPayloadWords() {
    return 32 << Math.min(mpsCode(), 4);
  }

  /** Words from {@code address} (4-byte aligned) to the next 4 KiB boundary. */
  static long pageRemainingWords(long address) {
    return (PAGE_BYTES - (address & (PAGE_BYTES - 1))) >>> 2;
  }

  long nowNs() {
    return vclock().nowNs();
  }

  private VirtualClock vclock() {
    VirtualClock c = clock;
    if (c == null) {
      c = clock = clock();
    }
    return c;
  }

  private byte[] tlpBytes(int words) {
    if (tlpBytes.length < 4 * words) {
      tlpBytes = new byte[4 * words];
      tlpWords = leWords(tlpBytes);
    }
    return tlpBytes;
  }

  private static IntBuffer leWords(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
  }

  /**
   * One MRd of {@code n} words into {@code dst[off..]} (the caller keeps it within max read size and a
   * 4 KiB page); words little-endian. {@code dst} is left alone if the read fails.
   */
  DmaResult dmaReadWords(long address, int[] dst, int off, int n) {
    byte[] b = tlpBytes(n);
    DmaResult r = dmaRead(address, b, 0, 4 * n);
    if (r.ok()) {
      tlpWords.get(0, dst, off, n);
    }
    return r;
  }

  /**
   * As {@link #dmaReadWords} into the words after {@code q}'s last value, left pending there
   * ({@link IntQueue#commitPending} queues them when the read's data event comes): the completions'
   * payload is written straight into the FIFO's bytes, or through {@link #tlpBytes} when the run would
   * wrap around its ring. Words past {@code q}'s last are not in the queue, so a failed read leaves
   * it as it was.
   */
  DmaResult dmaReadPending(long address, IntQueue q, int n) {
    int at = q.pendingSlot(n);
    if (at >= 0) {
      DmaResult r = dmaRead(address, q.bytes(), at, 4 * n);
      if (r.ok()) {
        q.markPending(n);
      }
      return r;
    }
    byte[] b = tlpBytes(n);
    DmaResult r = dmaRead(address, b, 0, 4 * n);
    if (r.ok()) {
      q.putPending(b, 0, n);
    }
    return r;
  }

  /**
   * One MWr of the first {@code n} words of {@code q}, which leave it whether the write succeeds or
   * not (the caller keeps them within max payload and a 4 KiB page). The payload is sent straight from
   * the FIFO's bytes when they lie in one piece (the MWr reads them during this call only, and nothing
   * it sets off touches the FIFO: a posted write answers nothing), otherwise through {@link #tlpBytes}.
   */
  DmaResult dmaWriteFrom(long address, IntQueue q, int n) {
    int at = q.headSlot(n);
    if (at >= 0) {
      DmaResult r = dmaWrite(address, q.bytes(), at, 4 * n);
      q.skip(n);
      return r;
    }
    byte[] b = tlpBytes(n);
    q.poll(b, 0, n);
    return dmaWrite(address, b, 0, 4 * n); // the MWr copies its payload: b may be reused at once
  }

  /**
   * {@code n} words from {@code address} as a burst of MRds that go out back to back until
   * {@code lastRequestNs} ({@link #dmaReadBurst}), written after {@code q}'s last value and left
   * pending there, as {@link #dmaReadPending} leaves one read's. True if they were read, false if
   * nothing was done (someone watches TLPs: send them one by one).
   */
  boolean dmaReadBurstPending(long address, IntQueue q, int n, long lastRequestNs) {
    if (4 * maxReadWords() != function().maxReadRequestBytes()) {
      return false; // the fabric would cut the burst's MRds elsewhere than the engine does
    }
    int at = q.pendingSlot(n);
    if (at >= 0) {
      if (!dmaReadBurst(address, q.bytes(), at, 4 * n, lastRequestNs)) {
        return false;
      }
      q.markPending(n);
      return true;
    }
    byte[] b = tlpBytes(n);
    if (!dmaReadBurst(address, b, 0, 4 * n, lastRequestNs)) {
      return false;
    }
    q.putPending(b, 0, n);
    return true;
  }

  /**
   * When a read of {@code bytes} booked after the ones already booked would be in (see
   * {@link #readLinkDelayNs}), if {@code freeNs} is when those are in; books nothing.
   */
  long readLinkFreeAfter(long freeNs, long bytes) {
    return Math.max(nowNs(), freeNs) + readTime.ns(bytes);
  }

  /** When the reads booked so far are in on the downstream direction ({@link #readLinkDelayNs}). */
  long readLinkFreeNs() {
    return readLinkFreeNs;
  }

  /**
   * The first {@code n} words of {@code q} as a burst of MWrs that go out back to back until
   * {@code lastRequestNs} ({@link #dmaWriteBurst}); the words stay queued. True if they were written,
   * false if nothing was done (someone watches TLPs: send them one by one).
   */
  boolean dmaWriteBurstFrom(long address, IntQueue q, int n, long lastRequestNs) {
    if (4 * maxPayloadWords() != function().maxPayloadBytes()) {
      return false; // the fabric would cut the burst's MWrs elsewhere than the engine does
    }
    int at = q.headSlot(n);
    if (at >= 0) {
      return dmaWriteBurst(address, q.bytes(), at, 4 * n, lastRequestNs);
    }
    byte[] b = tlpBytes(n);
    q.peek(b, 0, n);
    return dmaWriteBurst(address, b, 0, 4 * n, lastRequestNs);
  }

  /**
   * When a write of {@code bytes} booked after the ones already booked would be out (see
   * {@link #writeLinkDelayNs}), if {@code freeNs} is when those are out; books nothing.
   */
  long writeLinkFreeAfter(long freeNs, long bytes) {
    return Math.max(nowNs(), freeNs) + writeTime.ns(bytes);
  }

  /** When the writes booked so far are out on the upstream direction ({@link #writeLinkDelayNs}). */
  long writeLinkFreeNs() {
    return writeLinkFreeNs;
  }

  /**
   * Books writes until {@code freeNs}, as {@link #writeLinkDelayNs} would have for each of them in turn
   * ({@code freeNs} from {@link #writeLinkFreeAfter}); returns the delay until the last is out.
   */
  long writeLinkBookedUntil(long freeNs) {
    writeLinkFreeNs = freeNs;
    return freeNs - nowNs();
  }

  /** Up to when nothing else on the machine can happen ({@link VirtualClock#quietThroughNs}). */
  long quietThroughNs() {
    return vclock().quietThroughNs();
  }

  /** Books {@code bytes} of read data on the downstream direction; returns the delay until it is in. */
  long readLinkDelayNs(long bytes) {
    long now = nowNs();
    readLinkFreeNs = Math.max(now, readLinkFreeNs) + readTime.ns(bytes);
    return readLinkFreeNs - now;
  }

  /** Books {@code bytes} of write data on the upstream direction; returns the delay until it is out. */
  long writeLinkDelayNs(long bytes) {
    long now = nowNs();
    writeLinkFreeNs = Math.max(now, writeLinkFreeNs) + writeTime.ns(bytes);
    return writeLinkFreeNs - now;
  }

  /**
   * {@link #transferTimeNs} of the last size booked in one direction. Every read (or write) TLP of a
   * transfer has the same size but the last, and the time is a floating-point division and a ceil.
   * It depends on nothing but the size, the link's timing (an immutable record the link replaces when
   * it retrains) and the function's Max Payload Size, so it is reused while all three are the same.
   */
  private final class TransferTime {
    private long bytes = -1;
    private Link link;
    private LinkTiming timing;
    private int mps;
    private long ns;

    long ns(long n) {
      Endpoint f = function();
      Link l = f.link();
      LinkTiming t = l == null ? null : l.timing();
      int m = f.maxPayloadLimit();
      if (n != bytes || l != link || t != timing || m != mps) {
        ns = transferTimeNs(n);
        bytes = n;
        link = l;
        timing = t;
        mps = m;
      }
      return ns;
    }
  }

  /** From an interrupt event to its MSI: one DW write on the link. */
  long msiLatencyNs() {
    return transferTimeNs(4);
  }

  void sendMsi() {
    signalMsi(0);
  }

  void raise(int channel, int event) {
    irq.raise(channel, event);
  }

  /** A reusable label "&lt;function id&gt; RIFFA what" for {@link #later(long, EventLabel, Runnable)}. */
  EventLabel label(String what) {
    return eventLabel("RIFFA " + what);
  }

  /**
   * Schedules engine or core work; reset drops whatever is still pending. Engines make their labels
   * once ({@link #label}) and their actions once where they can: this runs for every TLP.
   */
  void later(long delayNs, EventLabel label, Runnable action) {
    vclock().schedule(delayNs, label, action, this);
  }

  /**
   * An engine's per-TLP event with at most one pending at a time (the data of the one read in flight,
   * the one write on the link): {@link #after} schedules it as {@link #later(long, EventLabel, Runnable)}
   * would, with a reusable clock event ({@link VirtualClock#timer}) made on first use, so a TLP does not
   * store a new event object into the clock's queue. Reset cancels it as it cancels the rest.
   */
  final class Step {
    private final EventLabel label;
    private final Runnable action;
    private VirtualClock.Event event;

    Step(EventLabel label, Runnable action) {
      this.label = label;
      this.action = action;
    }

    void after(long delayNs) {
      VirtualClock c = vclock();
      if (event == null) {
        event = c.timer(label, action, RiffaEndpoint.this);
      }
      c.arm(event, delayNs);
    }
  }

  /**
   * Holds the place of an engine step that may turn out to have nothing to do; see
   * {@link VirtualClock#reserveSeq()}. Schedule it with {@link #laterReserved} in the same instant.
   */
  long reserveStep() {
    return vclock().reserveSeq();
  }

  /** Schedules, with no delay, a step whose place {@link #reserveStep()} reserved. */
  void laterReserved(long reservedSeq, EventLabel label, Runnable action) {
    vclock().scheduleReserved(reservedSeq, 0, label, action, this);
  }

  /** As {@link #later(long, EventLabel, Runnable)} with a one-off label (user cores' own events). */
  void later(long delayNs, String what, Runnable action) {
    later(delayNs, label(what), action);
  }

  void complain(String fmt, Object... args) {
    guestError(fmt, args);
  }

  @Override
  public String toString() {
    return String.format("RiffaEndpoint[%04x:%04x, %d channel(s), %d-bit]", config.vendorId(), config.deviceId(),
        config.channels(), config.dataWidth());
  }
}
