package dev.driverlab.drivers.edu;

/**
 * The edu device's identity and BAR0 register map, as the driver needs it. A driver must not import
 * the device model, so these constants are copied from shared/reference/edu-and-linux-api.md
 * ("§A.x" below), the way a C driver keeps its own {@code #define}s.
 *
 * <pre>
 *   off    name        access  the driver uses it to
 *   0x00   ident       RO 4    check the card at probe: 0xRRrr00ED, RR major, rr minor     (§A.3)
 *   0x04   liveness    RW 4    read back ~(last value written)                              (§A.4)
 *   0x08   factorial   RW 4    write n to start, read n! mod 2^32 when done                 (§A.5)
 *   0x20   status      RW 4    bit 0 COMPUTING (RO), bit 7 IRQFACT: raise 0x1 when done     (§A.3)
 *   0x24   irq status  RO 4    pending causes: 0x1 factorial, 0x100 DMA                      (§A.6)
 *   0x60   irq raise   WO 4    (not used by this driver)
 *   0x64   irq ack     WO 4    clear causes; INTx drops when none is left                    (§A.6)
 *   0x80   dma src     RW 8    source: a bus address, or 0x40000 + offset in the buffer      (§A.7)
 *   0x88   dma dst     RW 8    destination, the other side
 *   0x90   dma count   RW 8    bytes
 *   0x98   dma cmd     RW 8    bit 0 RUN (cleared when done), bit 1 buffer → RAM, bit 2 IRQ
 * </pre>
 *
 * Registers below 0x80 take 4-byte accesses only; the DMA registers take 4 or 8 (§A.2), and the
 * driver writes them with 8-byte {@code writeq} so the upper halves are set too.
 */
final class EduRegs {
  private EduRegs() {}

  // ---- identity (§A.1) ---------------------------------------------------------------------------
  static final int PCI_VENDOR_ID_QEMU = 0x1234;
  static final int PCI_DEVICE_ID_EDU = 0x11e8;

  // ---- BAR0 registers (§A.3) -----------------------------------------------------------------------
  static final int REG_IDENT = 0x00;
  static final int REG_LIVENESS = 0x04;
  static final int REG_FACTORIAL = 0x08;
  static final int REG_STATUS = 0x20;
  static final int REG_IRQ_STATUS = 0x24;
  static final int REG_IRQ_RAISE = 0x60;
  static final int REG_IRQ_ACK = 0x64;
  static final int REG_DMA_SRC = 0x80;
  static final int REG_DMA_DST = 0x88;
  static final int REG_DMA_COUNT = 0x90;
  static final int REG_DMA_CMD = 0x98;

  /** The low byte of ident on every edu (§A.3). */
  static final int IDENT_MAGIC = 0xed;

  /** status bit 0: a factorial is being computed (read-only). */
  static final int STATUS_COMPUTING = 0x01;
  /** status bit 7: raise {@link #IRQ_FACT} when a factorial completes; sampled once, at completion (§A.5). */
  static final int STATUS_IRQFACT = 0x80;

  /** Interrupt cause: factorial done (§A.6). */
  static final int IRQ_FACT = 0x00000001;
  /** Interrupt cause: DMA done (§A.6, §A.7). */
  static final int IRQ_DMA = 0x00000100;

  /** dma cmd bit 0: start; the device clears it when the transfer is over. */
  static final int DMA_CMD_RUN = 0x1;
  /** dma cmd bit 1: direction; 0 = RAM → device buffer, 1 = device buffer → RAM. */
  static final int DMA_CMD_TO_RAM = 0x2;
  /** dma cmd bit 2: raise {@link #IRQ_DMA} when the transfer is over. */
  static final int DMA_CMD_IRQ = 0x4;

  /** Device address of the 4 KiB DMA buffer ({@code DMA_START}); not visible through BAR0 (§A.2, §A.7). */
  static final long DMA_BUFFER_ADDR = 0x40000;
  /** Size of the device's DMA buffer ({@code DMA_SIZE}). */
  static final int DMA_BUFFER_SIZE = 4096;
  /** The device keeps only the low 28 bits of a RAM address (QEMU's default dma_mask, §A.7, §B.1 step 5). */
  static final int DMA_ADDRESS_BITS = 28;
}
