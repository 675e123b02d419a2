package dev.driverlab.drivers.riffa;

import dev.driverlab.kernel.sched.WaitQueueHead;

/**
 * {@code struct chnl_dir}: one direction of one channel (riffa.md §1.4). {@code recv[c]} serves
 * {@code fpga_recv} (the FPGA's TX side), {@code send[c]} serves {@code fpga_send} (its RX side).
 *
 * <pre>
 *  flags      bit CHNL_FLAG_BUSY: a thread is transferring in this direction
 *  waitq      where that thread sleeps; the interrupt handler wakes it
 *  msgs       interrupt events for that thread (CircQueue: 5 slots for recv, 4 for send)
 *  buf_addr   coherent buffer holding the SG list the FPGA reads (sg_buf_size bytes)
 *  sg_map_0   the list the FPGA has fetched and may still be moving data for
 *  sg_map_1   the list just handed to the FPGA
 *  sg_map_retired  (not in C) the list before sg_map_0: already counted, but the FPGA may still hold
 *             some of its elements; released one SG_BUF_READ later (see ChannelTransfer)
 * </pre>
 */
final class ChnlDir {
  static final int CHNL_FLAG_BUSY = 0;

  /** {@code volatile unsigned long flags}. */
  long flags;
  final WaitQueueHead waitq;
  final CircQueue msgs;
  /** Kernel address and bus address of the SG-list buffer. */
  long buf_addr;
  long buf_hw_addr;
  SgMapping sg_map_0;
  SgMapping sg_map_1;
  SgMapping sg_map_retired;

  ChnlDir(String name, int queueLen) {
    this.waitq = new WaitQueueHead(name);
    this.msgs = new CircQueue(queueLen);
  }

  /**
   * {@code test_and_set_bit(nr, &flags)}: sets the bit, returns its old value. The simulated CPU runs
   * one thread at a time and switches only when a thread waits, so the read-modify-write is atomic.
   * (kernel-api has no bitops yet.)
   */
  boolean test_and_set_bit(int nr) {
    boolean old = (flags & (1L << nr)) != 0;
    flags |= 1L << nr;
    return old;
  }

  void clear_bit(int nr) {
    flags &= ~(1L << nr);
  }

  boolean busy() {
    return (flags & (1L << CHNL_FLAG_BUSY)) != 0;
  }
}
