package dev.driverlab.drivers.riffa;

import static dev.driverlab.kernel.io.Io.readl;
import static dev.driverlab.kernel.io.Io.writel;

import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.sched.AtomicT;

/**
 * {@code struct fpga_state}: one probed RIFFA FPGA (riffa.md §1.4). Created by {@link FpgaProbe},
 * reached from the ioctl through the driver's slot table and from the interrupt handler through its
 * {@code dev_id}.
 */
final class FpgaState {
  final PciDev dev;
  int irq;
  /** BAR0 as ioremap returned it (an {@code __iomem} address). */
  long bar0;
  long bar0_addr;
  long bar0_len;
  long bar0_flags;
  /** Set while {@code reset} runs: the interrupt handler then leaves the vectors alone. */
  final AtomicT intr_disabled = new AtomicT(0);
  long spill_buf_addr;
  long spill_buf_hw_addr;
  /** SG elements per list: 200 per unit of the INFO width field. */
  int num_sg;
  /** Bytes of each SG-list buffer: 4 KiB per unit of the INFO width field. */
  int sg_buf_size;
  /**
   * Where {@link SgMapping#fill_sg_buf} builds a list before storing it (not in the C code, which stores
   * each word): shared by the channels, as it is used only between two points with no sleep between them.
   */
  byte[] sg_list_scratch = new byte[0];
  /** Slot 0..4, or -1 until claimed. */
  int id = -1;
  /** PCI name with a literal "0" appended ({@code "%s%d", pci_name(dev), 0}), at most 15 characters. */
  String name;
  int vendor_id;
  int device_id;
  int num_chnls;
  ChnlDir[] recv;
  ChnlDir[] send;
  /** {@code DEBUG_MSG} on: the module's {@code debug} parameter ({@code make debug} in the original). */
  final boolean debug;

  FpgaState(PciDev dev, boolean debug) {
    this.dev = dev;
    this.debug = debug;
  }

  /** {@code read_reg(sc, off)}: the 32-bit register at word index {@code off}. */
  int read_reg(int offset) {
    return readl(bar0 + ((long) offset << 2));
  }

  /** {@code write_reg(sc, off, val)}. */
  void write_reg(int offset, int val) {
    writel(val, bar0 + ((long) offset << 2));
  }

  /** Writes an SG list's bus address (low, high) and then its length, the trigger (riffa.md §4.4). */
  void writeSgRegs(int chnl, int addrLoReg, int addrHiReg, int lenReg, long busAddr, int numSg) {
    write_reg(RiffaRegs.CHNL_REG(chnl, addrLoReg), (int) busAddr);
    write_reg(RiffaRegs.CHNL_REG(chnl, addrHiReg), (int) (busAddr >>> 32));
    write_reg(RiffaRegs.CHNL_REG(chnl, lenReg), 4 * numSg);
  }

  @Override
  public String toString() {
    return "fpga " + id + " (" + name + ")";
  }
}
