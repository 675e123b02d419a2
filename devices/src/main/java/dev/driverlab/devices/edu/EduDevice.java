package dev.driverlab.devices.edu;

import dev.driverlab.devices.model.BarHandler;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;

/**
 * QEMU's educational PCI device {@code edu} (qemu/qemu:hw/misc/edu.c), register for register. Every
 * behaviour cites shared/reference/edu-and-linux-api.md Part A ("§A.x" below).
 *
 * <h2>Config space (§A.1, §A.8)</h2>
 *
 * <pre>
 *   0x00  vendor 1234  device 11e8        0x08  revision 10, class 00 ff 00 (prog-if, sub, base)
 *   0x10  BAR0: 32-bit non-prefetchable memory, 1 MiB (sizing probe reads back 0xFFF00000)
 *   0x2c  subsystem 1af4:1100 (QEMU's defaults)    0x34  capabilities → 0x40
 *   0x3d  interrupt pin 01 (INTA#)
 *   0x40  MSI  +0 id 05, next 00   +2 control 0080 (64-bit, 1 vector, no per-vector masking)
 *              +4 address low      +8 address high      +c data (16 bits)
 * </pre>
 *
 * A conventional PCI function: no PCI Express capability (§A.1).
 *
 * <h2>BAR0 registers (§A.3), little-endian</h2>
 *
 * <pre>
 *   off      name        size  read                                     write
 *   0x00     ident       4     0x010000ED                               ignored
 *   0x04     liveness    4     ~(last value written), 0 at power-on     stored inverted (§A.4)
 *   0x08     factorial   4     input while computing, then n! mod 2^32  starts a computation unless busy (§A.5)
 *   0x20     status      4     bit 0 COMPUTING, bit 7 IRQFACT           only bit 7 is taken
 *   0x24     irq status  4     pending interrupt causes                 ignored
 *   0x60     irq raise   4     all ones                                 causes |= value, then signal (§A.6)
 *   0x64     irq ack     4     all ones                                 causes &amp;= ~value, INTx low at 0 (§A.6)
 *   0x80     dma src     4/8   current value                            stored unless a transfer runs (§A.7)
 *   0x88     dma dst     4/8   current value                            stored unless a transfer runs
 *   0x90     dma count   4/8   current value                            stored unless a transfer runs
 *   0x98     dma cmd     4/8   whole stored command                     with RUN and idle: store, start
 *            cmd bits:   0 RUN · 1 direction (0 RAM→buffer, 1 buffer→RAM) · 2 raise DMA_IRQ when done
 *   other    —           4/8   all ones                                 ignored
 *   0x40000–0x40FFF      the 4 KiB DMA buffer: device-internal DMA addresses, NOT visible through BAR0
 * </pre>
 *
 * Access rules (§A.2): only naturally aligned 4- and 8-byte accesses reach the registers. A 1- or
 * 2-byte or a misaligned access is a decode error in QEMU's memory core: reads return 0, writes are
 * dropped. Below 0x80 only 4-byte accesses work; an 8-byte access there reads all ones and writes
 * nothing. At 0x80 and above a 4-byte read returns the low half and a 4-byte write stores the value
 * zero-extended, so the upper half of a DMA register cannot be written separately.
 *
 * <p>Interrupts (§A.6): causes accumulate in irq status ({@link #FACT_IRQ}, {@link #DMA_IRQ} or
 * anything written to irq raise). Whether a raise sends MSI vector 0 or drives INTA# is decided at
 * each raise and ack from the live MSI Enable bit. INTx is level-triggered and stays high until every
 * cause is acked. An MSI is a memory write, so without Bus Master Enable it is lost (the core refuses
 * it and logs why).
 *
 * <p>Like QEMU, edu has no reset handler (§A.1). A function reset restores config space, but the
 * registers, a running factorial and a pending DMA are left as they are.
 *
 * <h2>Deliberate differences from QEMU</h2>
 *
 * <ul>
 *   <li><b>Factorial timing.</b> QEMU computes on a host thread with no added delay. Its source says a
 *       random sleep "should" be added so that students have to poll (§A.5). Here the result is ready
 *       {@link #FACTORIAL_DELAY_NS} (5 µs) of virtual time after the write, for every input. The delay
 *       is fixed so that runs replay the same way (DESIGN.md "Time and concurrency").
 *   <li><b>DMA outside the buffer window.</b> When a transfer fails {@code edu_check_range}, QEMU ≥ 9.1
 *       logs the error and copies anyway, past its 4 KiB host buffer, which is undefined behaviour.
 *       QEMU before 9.1 aborted the emulator with {@code hw_error}. This model logs the same guest error
 *       but copies nothing. The transfer still completes normally: RUN is cleared and {@link #DMA_IRQ}
 *       is raised if it was requested, so a polling or interrupt-driven driver is not left waiting
 *       (§A.7, which recommends this behaviour).
 *   <li><b>DMA the fabric refuses.</b> Without Bus Master Enable, QEMU silently reads zeros and drops
 *       the writes. In DriverLab the core refuses the request and reports it (DESIGN.md "DMA by a
 *       device"). The model also logs a guest error that names the {@link DmaResult}. On a failed read
 *       the device buffer is left unchanged. The transfer completes as above.
 *   <li><b>DMA delay granularity.</b> QEMU's DMA timer counts in milliseconds
 *       ({@code qemu_clock_get_ms() + 100}), so it fires up to 1 ms before a full 100 ms has passed.
 *       Here it fires exactly {@link #DMA_DELAY_NS} after the command write.
 *   <li><b>Extra log lines.</b> An 8-byte access below 0x80 is refused as in QEMU, but here it is also
 *       logged as a guest error (QEMU refuses it silently). The register values are the same.
 *   <li><b>Misaligned 8-byte accesses (a limit of the core, not a choice).</b> {@code Endpoint} splits a
 *       misaligned access whose offset and length are multiples of 4 (e.g. 8 bytes at 0x84) into
 *       aligned 4-byte pieces before the model sees it. Such an access therefore acts as two 4-byte
 *       accesses, where QEMU would treat it as a decode error. Every other misaligned access reaches
 *       this model as single bytes and is refused as in QEMU.
 * </ul>
 */
public final class EduDevice extends PciDeviceModel {
  // ---- identity (§A.1) -------------------------------------------------------------------------
  public static final int VENDOR_ID = 0x1234;                  // PCI_VENDOR_ID_QEMU
  public static final int DEVICE_ID = 0x11e8;
  public static final int REVISION = 0x10;
  public static final int CLASS_CODE = 0x00ff00;              // PCI_CLASS_OTHERS in the sub-class byte
  public static final int SUBSYSTEM_VENDOR_ID = 0x1af4;       // pci_set_default_subsystem_id
  public static final int SUBSYSTEM_ID = 0x1100;
  public static final long BAR0_SIZE = 1L << 20;

  // ---- BAR0 registers (§A.3) -------------------------------------------------------------------
  public static final int REG_IDENT = 0x00;
  public static final int REG_LIVENESS = 0x04;
  public static final int REG_FACTORIAL = 0x08;
  public static final int REG_STATUS = 0x20;
  public static final int REG_IRQ_STATUS = 0x24;
  public static final int REG_IRQ_RAISE = 0x60;
  public static final int REG_IRQ_ACK = 0x64;
  public static final int REG_DMA_SRC = 0x80;
  public static final int REG_DMA_DST = 0x88;
  public static final int REG_DMA_COUNT = 0x90;
  public static final int REG_DMA_CMD = 0x98;
  /** Below this offset only 4-byte accesses work; from here on, 4 and 8 (§A.2). */
  public static final int REG_WIDE_START = 0x80;

  /** Value of the ident register: major 1, minor 0, low byte 0xED (§A.3). */
  public static final int IDENT = 0x010000ed;

  /** status bit 0: a factorial is being computed (read-only). */
  public static final int STATUS_COMPUTING = 0x01;
  /** status bit 7: raise {@link #FACT_IRQ} when a factorial completes. */
  public static final int STATUS_IRQFACT = 0x80;

  /** Interrupt cause: factorial done (§A.5, §A.6). */
  public static final int FACT_IRQ = 0x00000001;
  /** Interrupt cause: DMA done (§A.7). */
  public static final int DMA_IRQ = 0x00000100;

  /** dma cmd bit 0: start; the device clears it when the transfer completes. */
  public static final int DMA_CMD_RUN = 0x1;
  /** dma cmd bit 1: direction, 0 = RAM → device buffer ({@code EDU_DMA_FROM_PCI}), 1 = buffer → RAM. */
  public static final int DMA_CMD_TO_RAM = 0x2;
  /** dma cmd bit 2: raise {@link #DMA_IRQ} on completion. */
  public static final int DMA_CMD_IRQ = 0x4;

  /** Device address of the DMA buffer ({@code DMA_START}) and its size ({@code DMA_SIZE}) (§A.7). */
  public static final long DMA_START = 0x40000;
  public static final int DMA_SIZE = 4096;
  /** QEMU's default {@code dma_mask} property: 28 bits (§A.7). */
  public static final long DEFAULT_DMA_MASK = (1L << 28) - 1;

  /** Virtual time from a command write with RUN to the transfer (QEMU_CLOCK_VIRTUAL timer, §A.7). */
  public static final long DMA_DELAY_NS = 100_000_000L;
  /** Virtual time a factorial takes, whatever the input (a DriverLab choice; see the class comment). */
  public static final long FACTORIAL_DELAY_NS = 5_000L;

  private static final long ALL_ONES = -1L;

  private final long dmaMask;
  private final BarHandler mmio = new Mmio();

  // Device registers. All zero at creation, as QOM zero-fills EduState (§A.1).
  private int liveness;     // addr4 in edu.c: holds ~(last write)
  private int fact;         // the input while COMPUTING, then the result
  private int status;
  private int irqStatus;
  private long dmaSrc;
  private long dmaDst;
  private long dmaCount;
  private long dmaCmd;
  private final byte[] dmaBuf = new byte[DMA_SIZE];
  /**
   * True while this model drives INTA# high. Used to drop the level when MSI takes over; see
   * {@link #msiMode}.
   */
  private boolean intxAsserted;

  /** An edu with QEMU's default 28-bit DMA mask. */
  public EduDevice() {
    this(DEFAULT_DMA_MASK);
  }

  /** An edu with another DMA mask, like {@code -device edu,dma_mask=<u64>} (§A.7). */
  public EduDevice(long dmaMask) {
    this.dmaMask = dmaMask;
  }

  /** The mask applied to the RAM-side DMA address. */
  public long dmaMask() {
    return dmaMask;
  }

  @Override
  protected void declare(FunctionSpec f) {
    f.ids(VENDOR_ID, DEVICE_ID).revision(REVISION).classCode(CLASS_CODE)
        .subsystem(SUBSYSTEM_VENDOR_ID, SUBSYSTEM_ID)
        .interruptPin(1)                                  // pci_config_set_interrupt_pin(pci_conf, 1)
        .msi(1, true, false)                              // msi_init(pdev, 0, 1, true, false, errp)
        .memoryBar(0, BAR0_SIZE, mmio);                   // pci_register_bar(pdev, 0, SPACE_MEMORY, …)
  }

  /**
   * Deliberately does nothing. QEMU registers no reset handler for edu, so a PCI reset leaves its
   * registers, a running factorial and a pending DMA untouched (§A.1). The fields start at zero
   * when the object is created.
   */
  @Override
  protected void reset() {}

  // ---- MMIO (edu_mmio_read / edu_mmio_write, §A.2, §A.3) -----------------------------------------

  private final class Mmio implements BarHandler {
    @Override
    public long read(long offset, int size) {
      if (!decodes(offset, size, "read")) {
        return 0;                                         // memory core: invalid access reads 0 (§A.2)
      }
      if (offset < REG_WIDE_START && size != 4) {
        guestError("EDU: %d-byte read at %#x refused: registers below 0x80 take 4-byte accesses only",
            size, offset);
        return ALL_ONES;
      }
      long v = switch ((int) offset) {
        case REG_IDENT -> IDENT;
        case REG_LIVENESS -> liveness;
        case REG_FACTORIAL -> fact;
        case REG_STATUS -> status;
        case REG_IRQ_STATUS -> irqStatus;
        case REG_DMA_SRC -> dmaSrc;
        case REG_DMA_DST -> dmaDst;
        case REG_DMA_COUNT -> dmaCount;
        case REG_DMA_CMD -> dmaCmd;
        default -> ALL_ONES;                              // edu's `val = ~0`, incl. 0x60/0x64 and the buffer
      };
      return size == 8 ? v : v & 0xffff_ffffL;
    }

    @Override
    public void write(long offset, long value, int size) {
      if (!decodes(offset, size, "write")) {
        return;
      }
      if (offset < REG_WIDE_START && size != 4) {
        guestError("EDU: %d-byte write of %#x at %#x ignored: registers below 0x80 take 4-byte accesses only",
            size, value, offset);
        return;
      }
      long v = size == 8 ? value : value & 0xffff_ffffL;  // a 4-byte write zero-extends (§A.2)
      switch ((int) offset) {
        case REG_LIVENESS -> liveness = ~(int) v;
        case REG_FACTORIAL -> startFactorial((int) v);
        case REG_STATUS -> status = (v & STATUS_IRQFACT) != 0 ? status | STATUS_IRQFACT : status & ~STATUS_IRQFACT;
        case REG_IRQ_RAISE -> raiseIrq((int) v);
        case REG_IRQ_ACK -> lowerIrq((int) v);
        case REG_DMA_SRC -> {
          if (!dmaRunning()) {
            dmaSrc = v;
          }
        }
        case REG_DMA_DST -> {
          if (!dmaRunning()) {
            dmaDst = v;
          }
        }
        case REG_DMA_COUNT -> {
          if (!dmaRunning()) {
            dmaCount = v;
          }
        }
        case REG_DMA_CMD -> startDma(v);
        default -> { }                                    // ident, irq status, unimplemented: ignored
      }
    }

    /**
     * QEMU's memory core admits aligned accesses of 4 or 8 bytes only ({@code valid.min/max_access_size},
     * no {@code unaligned}). Anything else is a decode error, which QEMU logs as a guest error (§A.2).
     */
    private boolean decodes(long offset, int size, String what) {
      if ((size == 4 || size == 8) && (offset & (size - 1)) == 0) {
        return true;
      }
      guestError("EDU: %d-byte %s at %#x refused: edu accepts only aligned 4- or 8-byte accesses (decode error)",
          size, what, offset);
      return false;
    }
  }

  // ---- factorial (edu_fact_thread, §A.5) -------------------------------------------------------

  private void startFactorial(int n) {
    if ((status & STATUS_COMPUTING) != 0) {
      return;                                             // a write while computing is dropped
    }
    fact = n;                                             // reads return the input until the result is in
    status |= STATUS_COMPUTING;
    schedule(FACTORIAL_DELAY_NS, "edu factorial", this::factorialDone);
  }

  private void factorialDone() {
    fact = factorialMod32(fact);
    status &= ~STATUS_COMPUTING;
    // IRQFACT is sampled once, after COMPUTING clears (edu.c orders the two with a barrier).
    if ((status & STATUS_IRQFACT) != 0) {
      raiseIrq(FACT_IRQ);
    }
  }

  /**
   * n! in unsigned 32-bit arithmetic, as edu's {@code ret *= val--} loop computes it. From n = 34 on,
   * the product has 2^32 as a factor (34! holds 17 + 8 + 4 + 2 + 1 = 32 factors of two), so the
   * answer is 0. Returning it directly avoids looping up to 4·10⁹ times.
   */
  static int factorialMod32(int n) {
    long u = Integer.toUnsignedLong(n);
    if (u >= 34) {
      return 0;
    }
    int r = 1;
    for (int i = 2; i <= u; i++) {
      r *= i;
    }
    return r;
  }

  // ---- interrupts (edu_raise_irq / edu_lower_irq, §A.6) ------------------------------------------

  private void raiseIrq(int causes) {
    irqStatus |= causes;
    if (irqStatus == 0) {
      return;                                             // raise of 0 with nothing pending: nothing
    }
    if (msiMode()) {
      signalMsi(0);                                       // lost (and logged by the core) without bus mastering
    } else {
      intxAsserted = true;
      raiseIntx();
    }
  }

  private void lowerIrq(int causes) {
    irqStatus &= ~causes;
    if (!msiMode() && irqStatus == 0) {
      intxAsserted = false;
      lowerIntx();
    }
  }

  /**
   * Reads MSI Enable live, as every raise and ack in edu.c does. When MSI is on, QEMU's INTx level is
   * always 0: enabling MSI deasserts INTx ({@code msi_write_config → pci_device_deassert_intx}). The
   * core gates the wire while MSI is enabled but keeps the level. So the model drops a level it
   * raised earlier, in case MSI is later turned off again (§A.6).
   */
  private boolean msiMode() {
    if (!msiEnabled()) {
      return false;
    }
    if (intxAsserted) {
      intxAsserted = false;
      lowerIntx();
    }
    return true;
  }

  // ---- DMA (dma_rw, edu_dma_timer, edu_check_range, edu_clamp_addr, §A.7) ------------------------

  private boolean dmaRunning() {
    return (dmaCmd & DMA_CMD_RUN) != 0;
  }

  private void startDma(long cmd) {
    if ((cmd & DMA_CMD_RUN) == 0 || dmaRunning()) {
      return;                                             // without RUN, or while running: ignored
    }
    dmaCmd = cmd;                                         // the whole value, reserved bits too
    schedule(DMA_DELAY_NS, "edu DMA", this::dmaTimer);
  }

  private void dmaTimer() {
    if (!dmaRunning()) {
      return;
    }
    if ((dmaCmd & DMA_CMD_TO_RAM) == 0) {
      ramToBuffer();
    } else {
      bufferToRam();
    }
    dmaCmd &= ~DMA_CMD_RUN;
    if ((dmaCmd & DMA_CMD_IRQ) != 0) {
      raiseIrq(DMA_IRQ);
    }
  }

  /** Direction 0 ({@code EDU_DMA_FROM_PCI}): dst is in the buffer window, src is a bus address. */
  private void ramToBuffer() {
    if (!inBufferWindow(dmaDst, dmaCount)) {
      return;
    }
    int len = (int) dmaCount;
    if (len == 0) {
      return;                                             // legal: nothing to move, completion still happens
    }
    long ram = clamp(dmaSrc);
    byte[] data = new byte[len];
    DmaResult r = dmaRead(ram, data, 0, len);
    if (!r.ok()) {
      guestError("EDU: DMA read of %d bytes from %#x failed: %s; device buffer unchanged", len, ram, r);
      return;
    }
    System.arraycopy(data, 0, dmaBuf, (int) (dmaDst - DMA_START), len);
  }

  /** Direction 1 ({@code EDU_DMA_TO_PCI}): src is in the buffer window, dst is a bus address. */
  private void bufferToRam() {
    if (!inBufferWindow(dmaSrc, dmaCount)) {
      return;
    }
    int len = (int) dmaCount;
    if (len == 0) {
      return;
    }
    long ram = clamp(dmaDst);
    DmaResult r = dmaWrite(ram, dmaBuf, (int) (dmaSrc - DMA_START), len);
    if (!r.ok()) {
      guestError("EDU: DMA write of %d bytes to %#x failed: %s", len, ram, r);
    }
  }

  /**
   * {@code edu_check_range}: accepts iff the transfer does not wrap around 2^64 and lies within
   * [0x40000, 0x41000), so a full 4096-byte transfer at 0x40000 is valid. On failure QEMU logs and
   * copies anyway; this model logs and skips the copy (class comment).
   */
  private boolean inBufferWindow(long start, long count) {
    long end = start + count;
    long windowEnd = DMA_START + DMA_SIZE;
    if (Long.compareUnsigned(end, start) >= 0 && Long.compareUnsigned(start, DMA_START) >= 0
        && Long.compareUnsigned(end, windowEnd) <= 0) {
      return true;
    }
    guestError("EDU: DMA range 0x%016x-0x%016x out of bounds (0x%016x-0x%016x)! Transfer skipped: "
        + "DriverLab does not copy outside the %d-byte buffer", start, end - 1, DMA_START, windowEnd - 1, DMA_SIZE);
    return false;
  }

  /**
   * {@code edu_clamp_addr}: the RAM-side address is ANDed with the DMA mask. Dropped bits are logged,
   * and the transfer goes to the aliased lower address, which is why a driver must set its DMA mask
   * correctly (§A.7).
   */
  private long clamp(long address) {
    long res = address & dmaMask;
    if (res != address) {
      guestError("EDU: clamping DMA 0x%016x to 0x%016x!", address, res);
    }
    return res;
  }

  @Override
  public String toString() {
    return "edu (1234:11e8)";
  }
}
