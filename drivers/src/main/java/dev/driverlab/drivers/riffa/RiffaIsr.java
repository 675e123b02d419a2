package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.CircQueue.EVENT_SG_BUF_READ;
import static dev.driverlab.drivers.riffa.CircQueue.EVENT_TXN_DONE;
import static dev.driverlab.drivers.riffa.CircQueue.EVENT_TXN_LEN;
import static dev.driverlab.drivers.riffa.CircQueue.EVENT_TXN_OFFLAST;
import static dev.driverlab.drivers.riffa.RiffaRegs.*;
import static dev.driverlab.kernel.irq.Irq.IRQ_HANDLED;
import static dev.driverlab.kernel.printk.Printk.KERN_ERR;
import static dev.driverlab.kernel.printk.Printk.KERN_INFO;
import static dev.driverlab.kernel.printk.Printk.printk;
import static dev.driverlab.kernel.sched.Locks.atomic_read;
import static dev.driverlab.kernel.sched.Wait.wake_up;

/**
 * The interrupt handler ({@code intrpt_handler} and {@code process_intr_vector}; riffa.md §3.3). Runs in
 * hard-IRQ context: it reads registers, queues messages and wakes threads, and never sleeps.
 *
 * <p>The FPGA sends one MSI per batch of events and sends the next only after the host has read
 * vector 0 (and vector 1 on cores with more than six channels), so reading the vectors is what re-arms
 * the interrupt (§3.2). Each read clears exactly the bits it returned.
 *
 * <p>Per channel the bits are handled in a fixed order, the 2.1.0 fix for a deadlock:
 *
 * <pre>
 *  +1 TX_SG_BUF_RECVD  → recv queue: (EVENT_SG_BUF_READ, 0)
 *  +2 TX_TXN_DONE      → read TX_TNFR_LEN → recv queue: (EVENT_TXN_DONE, words)
 *  +0 TX_TXN           → read TX_OFFLAST, then TX_LEN (the read acks the transaction)
 *                        → recv queue: (EVENT_TXN_OFFLAST, offlast), (EVENT_TXN_LEN, len)
 *  +3 RX_SG_BUF_RECVD  → send queue: (EVENT_SG_BUF_READ, 0)
 *  +4 RX_TXN_DONE      → read RX_TNFR_LEN → send queue: (EVENT_TXN_DONE, words)
 *  then wake the recv waiter if a TX bit was seen, the send waiter if an RX bit was seen
 * </pre>
 */
final class RiffaIsr {
  private RiffaIsr() {}

  /** {@code intrpt_handler}: always IRQ_HANDLED (the MSI is not shared in practice). */
  static int intrpt_handler(int irq, Object dev_id) {
    FpgaState sc = (FpgaState) dev_id;
    if (sc == null) {
      printk(KERN_ERR + "riffa: invalid fpga_state pointer\n");
      return IRQ_HANDLED;
    }
    if (atomic_read(sc.intr_disabled) == 0) {
      int vect0 = sc.read_reg(IRQ_REG0_OFF);
      int vect1 = sc.num_chnls > IRQ_CHNLS_PER_VECTOR ? sc.read_reg(IRQ_REG1_OFF) : 0;
      process_intr_vector(sc, 0, vect0);
      if (sc.num_chnls > IRQ_CHNLS_PER_VECTOR) {
        process_intr_vector(sc, IRQ_CHNLS_PER_VECTOR, vect1);
      }
    }
    return IRQ_HANDLED;
  }

  private static boolean bit(int vect, int i, int event) {
    return (vect & (1 << (IRQ_BITS_PER_CHNL * i + event))) != 0;
  }

  /** One vector; {@code off} is 0 for vector 0 and 6 for vector 1. */
  static void process_intr_vector(FpgaState sc, int off, int vect) {
    if ((vect & IRQ_BAD_BITS) != 0) {
      printk(KERN_ERR + "riffa: fpga:%d, received bad interrupt vector:%08x\n", sc.id, vect);
      return;
    }
    for (int i = 0; i < IRQ_CHNLS_PER_VECTOR && i + off < sc.num_chnls; i++) {
      int chnl = i + off;
      boolean recv = false;
      boolean send = false;

      if (bit(vect, i, TX_SG_BUF_RECVD_BIT)) {
        recv = true;
        queue(sc, chnl, sc.recv[chnl], EVENT_SG_BUF_READ, 0, "recv sg buf read");
      }
      if (bit(vect, i, TX_TXN_DONE_BIT)) {
        recv = true;
        int len = sc.read_reg(CHNL_REG(chnl, TX_TNFR_LEN_REG_OFF));
        queue(sc, chnl, sc.recv[chnl], EVENT_TXN_DONE, len, "recv txn done");
      }
      if (bit(vect, i, TX_TXN_BIT)) {
        recv = true;
        int offlast = sc.read_reg(CHNL_REG(chnl, TX_OFFLAST_REG_OFF));
        int len = sc.read_reg(CHNL_REG(chnl, TX_LEN_REG_OFF));
        queue(sc, chnl, sc.recv[chnl], EVENT_TXN_OFFLAST, offlast, "recv txn offlast");
        queue(sc, chnl, sc.recv[chnl], EVENT_TXN_LEN, len, "recv txn len");
        if (sc.debug) {
          printk(KERN_INFO + "riffa: fpga:%d chnl:%d, recv txn (len:%d off:%d last:%d)\n", sc.id, chnl, len,
              offlast >>> 1, offlast & 0x1);
        }
      }
      if (bit(vect, i, RX_SG_BUF_RECVD_BIT)) {
        send = true;
        queue(sc, chnl, sc.send[chnl], EVENT_SG_BUF_READ, 0, "send sg buf read");
      }
      if (bit(vect, i, RX_TXN_DONE_BIT)) {
        send = true;
        int len = sc.read_reg(CHNL_REG(chnl, RX_TNFR_LEN_REG_OFF));
        queue(sc, chnl, sc.send[chnl], EVENT_TXN_DONE, len, "send txn done");
      }

      if (recv) {
        wake_up(sc.recv[chnl].waitq);
      }
      if (send) {
        wake_up(sc.send[chnl].waitq);
      }
    }
  }

  private static void queue(FpgaState sc, int chnl, ChnlDir d, int type, int value, String what) {
    if (d.msgs.push(type, value) != 0) {
      printk(KERN_ERR + "riffa: fpga:%d chnl:%d, %s msg queue full\n", sc.id, chnl, what);
    }
    if (sc.debug && type != EVENT_TXN_OFFLAST && type != EVENT_TXN_LEN) {
      printk(KERN_INFO + "riffa: fpga:%d chnl:%d, %s\n", sc.id, chnl, what);
    }
  }
}
