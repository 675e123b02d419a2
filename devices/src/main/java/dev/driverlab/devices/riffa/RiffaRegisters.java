package dev.driverlab.devices.riffa;

/**
 * The RIFFA 2.x register map and protocol constants, named as the Linux driver names them
 * ({@code driver/linux/riffa_driver.h}) so a driver port can mirror them one to one. Facts from
 * shared/reference/riffa.md §1.1, §1.6, §2, §3 and §5.3; HDL names in the comments.
 *
 * <p>BAR0 is 1024 bytes: sixteen 64-byte channel windows of sixteen 32-bit registers each. The driver
 * computes a word index with {@code CHNL_REG(c, o) = (c << 4) + o}; the byte offset is four times that.
 *
 * <pre>
 *  byte offset  = 64·c + 4·field            (c = channel 0..11, field = 0x0..0xF)
 *
 *  field  driver name              HDL name            access  meaning
 *  0x0    RX_SG_LEN_REG_OFF        ADDR_SGRX_LEN       W       host-send SG list length (words); starts the fetch
 *  0x1    RX_SG_ADDR_LO_REG_OFF    ADDR_SGRX_ADDRLO    W       host-send SG list bus address 31:0
 *  0x2    RX_SG_ADDR_HI_REG_OFF    ADDR_SGRX_ADDRHI    W       host-send SG list bus address 63:32
 *  0x3    RX_LEN_REG_OFF           ADDR_RX_LEN         W       host-send length (words); starts the transaction
 *  0x4    RX_OFFLAST_REG_OFF       ADDR_RX_OFFLAST     W       (offset &lt;&lt; 1) | last, written before the length
 *  0x5    TX_SG_LEN_REG_OFF        ADDR_SGTX_LEN       W       host-receive SG list length (words); starts the fetch
 *  0x6    TX_SG_ADDR_LO_REG_OFF    ADDR_SGTX_ADDRLO    W       host-receive SG list bus address 31:0
 *  0x7    TX_SG_ADDR_HI_REG_OFF    ADDR_SGTX_ADDRHI    W       host-receive SG list bus address 63:32
 *  0x8    TX_LEN_REG_OFF           ADDR_TX_LEN         R       length the channel announced; the read acks it
 *  0x9    TX_OFFLAST_REG_OFF       ADDR_TX_OFFLAST     R       (offset &lt;&lt; 1) | last the channel announced
 *  0xA    INFO_REG_OFF             ADDR_CORESETTINGS   R       core settings (below); the read RESETS the core
 *  0xB    IRQ_REG0_OFF             ADDR_INTR_VECTOR_0  R       interrupt vector, channels 0-5, clear-on-read
 *  0xC    IRQ_REG1_OFF             ADDR_INTR_VECTOR_1  R       interrupt vector, channels 6-11, clear-on-read
 *  0xD    RX_TNFR_LEN_REG_OFF      ADDR_RX_LEN_XFERD   R       words the last host send moved; the read acks it
 *  0xE    TX_TNFR_LEN_REG_OFF      ADDR_TX_LEN_XFERD   R       words the last host receive moved; the read acks it
 *  0xF    FPGA_NAME_REG_OFF        ADDR_FPGA_NAME      R       four ASCII characters ("REGT"); unused by the driver
 *
 *  INFO (riffa.md §1.6):
 *   31   23 22   19 18  16 15  13 12 11 10      5   4   3    0
 *  | fpga id | width/32| MPS | MRRS | rate | link width | BM | chnls |
 * </pre>
 */
public final class RiffaRegisters {
  private RiffaRegisters() {}

  // ---- per-channel fields (word offsets inside a channel window) ---------------------------------
  public static final int RX_SG_LEN_REG_OFF = 0x0;
  public static final int RX_SG_ADDR_LO_REG_OFF = 0x1;
  public static final int RX_SG_ADDR_HI_REG_OFF = 0x2;
  public static final int RX_LEN_REG_OFF = 0x3;
  public static final int RX_OFFLAST_REG_OFF = 0x4;
  public static final int TX_SG_LEN_REG_OFF = 0x5;
  public static final int TX_SG_ADDR_LO_REG_OFF = 0x6;
  public static final int TX_SG_ADDR_HI_REG_OFF = 0x7;
  public static final int TX_LEN_REG_OFF = 0x8;
  public static final int TX_OFFLAST_REG_OFF = 0x9;
  public static final int INFO_REG_OFF = 0xA;
  public static final int IRQ_REG0_OFF = 0xB;
  public static final int IRQ_REG1_OFF = 0xC;
  public static final int RX_TNFR_LEN_REG_OFF = 0xD;
  public static final int TX_TNFR_LEN_REG_OFF = 0xE;
  /** HDL {@code ADDR_FPGA_NAME}; the driver defines no macro for it and never reads it. */
  public static final int FPGA_NAME_REG_OFF = 0xF;

  /** Registers per channel window. */
  public static final int REGS_PER_CHNL = 16;
  /** Bytes per channel window. */
  public static final int CHNL_WINDOW_BYTES = 4 * REGS_PER_CHNL;

  /** The driver's {@code CHNL_REG(c, o)}: the word index of field {@code o} of channel {@code c}. */
  public static int chnlReg(int c, int o) {
    return (c << 4) + o;
  }

  /** Byte offset in BAR0 of field {@code o} of channel {@code c} ({@code 4 * CHNL_REG(c, o)}). */
  public static int regByteOffset(int c, int o) {
    return 4 * chnlReg(c, o);
  }

  // ---- INFO / core settings (§1.6) ---------------------------------------------------------------
  public static final int INFO_NUM_CHNLS_MASK = 0xF;
  public static final int INFO_BUS_MASTER_ENABLE = 1 << 4;
  public static final int INFO_LINK_WIDTH_SHIFT = 5, INFO_LINK_WIDTH_MASK = 0x3F;
  public static final int INFO_LINK_RATE_SHIFT = 11, INFO_LINK_RATE_MASK = 0x3;
  public static final int INFO_MAX_READ_REQUEST_SHIFT = 13, INFO_MAX_READ_REQUEST_MASK = 0x7;
  public static final int INFO_MAX_PAYLOAD_SHIFT = 16, INFO_MAX_PAYLOAD_MASK = 0x7;
  public static final int INFO_BUS_WIDTH_SHIFT = 19, INFO_BUS_WIDTH_MASK = 0xF;
  public static final int INFO_FPGA_ID_SHIFT = 23, INFO_FPGA_ID_MASK = 0x1FF;

  // ---- interrupt vectors (§3.1) ------------------------------------------------------------------
  /** +0: the channel announced a transmit (FPGA→host); read TX_OFFLAST then TX_LEN. */
  public static final int IRQ_TX_TXN = 0;
  /** +1: the host-receive SG list has been fetched. */
  public static final int IRQ_TX_SG_BUF_RECVD = 1;
  /** +2: the host receive is done; read TX_TNFR_LEN. */
  public static final int IRQ_TX_TXN_DONE = 2;
  /** +3: the host-send SG list has been fetched. */
  public static final int IRQ_RX_SG_BUF_RECVD = 3;
  /** +4: the host send is done; read RX_TNFR_LEN. */
  public static final int IRQ_RX_TXN_DONE = 4;
  public static final int IRQ_BITS_PER_CHNL = 5;
  public static final int IRQ_CHNLS_PER_VECTOR = 6;
  /** Bits 30 and 31 are never set; the driver drops a vector with either set as "bad". */
  public static final int IRQ_BAD_BITS = 0xC000_0000;

  /** Which vector (0 or 1) holds channel {@code c}'s bits. */
  public static int irqVector(int c) {
    return c / IRQ_CHNLS_PER_VECTOR;
  }

  /** The bit of event {@code event} (IRQ_TX_TXN..IRQ_RX_TXN_DONE) of channel {@code c} in its vector. */
  public static int irqBit(int c, int event) {
    return 1 << (IRQ_BITS_PER_CHNL * (c % IRQ_CHNLS_PER_VECTOR) + event);
  }

  // ---- identity and sizes (§1.1, §5.3) -----------------------------------------------------------
  public static final int VENDOR_ID0 = 0x10EE;
  public static final int VENDOR_ID1 = 0x1172;
  public static final int MAX_CHNLS = 12;
  public static final int NUM_FPGAS = 5;
  public static final int MAX_BUS_WIDTH_PARAM = 4;
  public static final int BAR0_SIZE = 1024;
  /** Words per SG element: address low, address high, length in words, unused. */
  public static final int SG_ELEM_WORDS = 4;
  public static final int SG_ELEM_BYTES = 4 * SG_ELEM_WORDS;
  /** SG elements per unit of the INFO width field (driver {@code SG_ELEMS}). */
  public static final int SG_ELEMS = 200;
  /** SG-buffer bytes per unit of the INFO width field (driver {@code SG_BUF_SIZE}). */
  public static final int SG_BUF_SIZE = 4 * 1024;
  public static final int SPILL_BUF_SIZE = 4 * 1024;
  /** Channel RX FIFO depth in beats ({@code C_RX_FIFO_DEPTH}). */
  public static final int RX_FIFO_BEATS = 1024;
  /** Channel TX FIFO depth in beats ({@code C_TX_FIFO_DEPTH}). */
  public static final int TX_FIFO_BEATS = 512;
  /**
   * Beats the TX channel gate buffers before the host has acknowledged the transaction by reading
   * TX_LEN ({@code tx_port_channel_gate_*.v}, {@code C_FIFO_DEPTH = 8}; the monitor does not drain the
   * gate until the ack).
   */
  public static final int TX_GATE_BEATS = 8;
  /** SG FIFO depth in beats. */
  public static final int SG_FIFO_BEATS = 1024;
  /** A list is fetched only while the SG FIFO holds fewer beats than this (1024 − 200·4). */
  public static final int SG_FETCH_THRESHOLD_BEATS = SG_FIFO_BEATS - SG_ELEMS * SG_ELEM_WORDS;
  /** No request crosses a 4 KiB boundary. */
  public static final int PAGE_BYTES = 4096;
  /** {@code C_FPGA_NAME} in every example wrapper. */
  public static final String DEFAULT_FPGA_NAME = "REGT";
}
