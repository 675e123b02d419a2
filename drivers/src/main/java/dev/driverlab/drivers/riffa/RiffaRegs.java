package dev.driverlab.drivers.riffa;

/**
 * The RIFFA 2.x BAR0 register map as the Linux driver names it ({@code riffa_driver.h}; facts from
 * shared/reference/riffa.md §1.6, §2.2 and §3.1). Mirrored here because a driver never imports a device
 * model: these numbers are the contract between the two, as a C header is.
 *
 * <pre>
 *  BAR0 is 1024 bytes. The driver addresses a register by WORD index:
 *      CHNL_REG(c, o) = (c &lt;&lt; 4) + o          byte offset = 4 * CHNL_REG(c, o) = 64*c + 4*o
 *
 *  o    name                     access  meaning
 *  0x0  RX_SG_LEN_REG_OFF        W  host-send SG list length in words (4 per element); starts the fetch
 *  0x1  RX_SG_ADDR_LO_REG_OFF    W  host-send SG list bus address 31:0
 *  0x2  RX_SG_ADDR_HI_REG_OFF    W  host-send SG list bus address 63:32
 *  0x3  RX_LEN_REG_OFF           W  host-send length in words; starts the FPGA's RX transaction
 *  0x4  RX_OFFLAST_REG_OFF       W  (offset &lt;&lt; 1) | last, written before the length
 *  0x5  TX_SG_LEN_REG_OFF        W  host-receive SG list length in words; starts the fetch
 *  0x6  TX_SG_ADDR_LO_REG_OFF    W  host-receive SG list bus address 31:0
 *  0x7  TX_SG_ADDR_HI_REG_OFF    W  host-receive SG list bus address 63:32
 *  0x8  TX_LEN_REG_OFF           R  words the channel announced; the read acknowledges the transaction
 *  0x9  TX_OFFLAST_REG_OFF       R  (offset &lt;&lt; 1) | last the channel announced
 *  0xA  INFO_REG_OFF             R  core settings (below); the read also RESETS the core (§2.3)
 *  0xB  IRQ_REG0_OFF             R  interrupt vector, channels 0-5, clear-on-read of the returned bits
 *  0xC  IRQ_REG1_OFF             R  interrupt vector, channels 6-11
 *  0xD  RX_TNFR_LEN_REG_OFF      R  words the last host send moved; the read acks the done length
 *  0xE  TX_TNFR_LEN_REG_OFF      R  words the last host receive moved; the read acks the done length
 *  (0xF holds the FPGA's 4-character name; the driver never reads it.)
 *  INFO and the IRQ vectors live in channel 0's window.
 *
 *  INFO (riffa.md §1.6):
 *   31      23 22     19 18   16 15   13 12  11 10        5   4   3      0
 *  | fpga id  | width/32 |  MPS  | MRRS  | rate | link width | BM | chnls  |
 *
 *  Interrupt vectors (riffa.md §3.1): five bits per channel, channel k at 5*(k % 6):
 *  +0 TX_TXN  +1 TX_SG_BUF_RECVD  +2 TX_TXN_DONE  +3 RX_SG_BUF_RECVD  +4 RX_TXN_DONE; bits 30, 31 are 0.
 * </pre>
 */
final class RiffaRegs {
  private RiffaRegs() {}

  static final int RX_SG_LEN_REG_OFF = 0x0;
  static final int RX_SG_ADDR_LO_REG_OFF = 0x1;
  static final int RX_SG_ADDR_HI_REG_OFF = 0x2;
  static final int RX_LEN_REG_OFF = 0x3;
  static final int RX_OFFLAST_REG_OFF = 0x4;
  static final int TX_SG_LEN_REG_OFF = 0x5;
  static final int TX_SG_ADDR_LO_REG_OFF = 0x6;
  static final int TX_SG_ADDR_HI_REG_OFF = 0x7;
  static final int TX_LEN_REG_OFF = 0x8;
  static final int TX_OFFLAST_REG_OFF = 0x9;
  static final int INFO_REG_OFF = 0xA;
  static final int IRQ_REG0_OFF = 0xB;
  static final int IRQ_REG1_OFF = 0xC;
  static final int RX_TNFR_LEN_REG_OFF = 0xD;
  static final int TX_TNFR_LEN_REG_OFF = 0xE;

  /** {@code CHNL_REG(c, o)}: the word index of field {@code o} in channel {@code c}'s window. */
  static int CHNL_REG(int c, int o) {
    return (c << 4) + o;
  }

  // ---- INFO decode (riffa_driver.c fpga_probe; riffa.md §1.6) --------------------------------------

  static int infoChannels(int reg) {
    return reg & 0xF;
  }

  static int infoBusMaster(int reg) {
    return (reg >>> 4) & 0x1;
  }

  static int infoLinkWidth(int reg) {
    return (reg >>> 5) & 0x3F;
  }

  static int infoLinkRate(int reg) {
    return (reg >>> 11) & 0x3;
  }

  static int infoMaxReadRequestCode(int reg) {
    return (reg >>> 13) & 0x7;
  }

  static int infoMaxPayloadCode(int reg) {
    return (reg >>> 16) & 0x7;
  }

  /** Data width / 32: 2 for a 64-bit core, 4 for a 128-bit core. */
  static int infoBusWidthParam(int reg) {
    return (reg >>> 19) & 0xF;
  }

  // ---- interrupt vector bits (riffa.md §3.1) ------------------------------------------------------

  static final int TX_TXN_BIT = 0;
  static final int TX_SG_BUF_RECVD_BIT = 1;
  static final int TX_TXN_DONE_BIT = 2;
  static final int RX_SG_BUF_RECVD_BIT = 3;
  static final int RX_TXN_DONE_BIT = 4;
  static final int IRQ_BITS_PER_CHNL = 5;
  static final int IRQ_CHNLS_PER_VECTOR = 6;
  /** A vector with bit 30 or 31 set is malformed and ignored whole. */
  static final int IRQ_BAD_BITS = 0xC000_0000;
}
