package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.CircQueue.EVENT_SG_BUF_READ;
import static dev.driverlab.drivers.riffa.CircQueue.EVENT_TXN_DONE;
import static dev.driverlab.drivers.riffa.CircQueue.EVENT_TXN_LEN;
import static dev.driverlab.drivers.riffa.CircQueue.EVENT_TXN_OFFLAST;
import static dev.driverlab.drivers.riffa.RiffaRegs.*;
import static dev.driverlab.drivers.riffa.SgMapping.failed;
import static dev.driverlab.drivers.riffa.SgMapping.fill_sg_buf;
import static dev.driverlab.drivers.riffa.SgMapping.free_sg_buf;
import static dev.driverlab.kernel.dma.Dma.DMA_FROM_DEVICE;
import static dev.driverlab.kernel.dma.Dma.DMA_TO_DEVICE;
import static dev.driverlab.kernel.printk.Printk.KERN_ERR;
import static dev.driverlab.kernel.printk.Printk.KERN_INFO;
import static dev.driverlab.kernel.printk.Printk.printk;
import static dev.driverlab.kernel.sched.Sched.HZ;
import static dev.driverlab.kernel.sched.Sched.MAX_SCHEDULE_TIMEOUT;
import static dev.driverlab.kernel.sched.Sched.current;
import static dev.driverlab.kernel.sched.Sched.signal_pending;
import static dev.driverlab.kernel.sched.Wait.wait_event_interruptible;
import static dev.driverlab.kernel.sched.Wait.wait_event_interruptible_timeout;
import static dev.driverlab.kernel.uapi.Errno.EBUSY;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static dev.driverlab.kernel.uapi.Errno.ERESTARTSYS;

/**
 * The channel data path: {@code chnl_send}, {@code chnl_recv} and their {@code _wrapcheck} guards
 * (riffa.md §4.1, §4.2, §4.5, §4.6). Runs in the ioctl, in process context; sleeps.
 *
 * <p><b>Return values.</b> As in C these functions return {@code unsigned int}: a word count, or a
 * negative code ({@code -EINVAL}, {@code -EBUSY}, {@code -ERESTARTSYS}) squeezed into 32 unsigned bits.
 * The ioctl widens that to a long WITHOUT sign extension, so on a 64-bit kernel {@code -EINVAL} leaves
 * the system call as the positive 0xFFFFFFEA: the syscall does not fail, errno is untouched, and the
 * C library's {@code int} result reads as -22 again. We keep that ABI bit for bit; here the Java
 * {@code int} carries the 32 bits and {@link RiffaDriver} does the zero-extension.
 *
 * <p><b>Waiting.</b> Events come from the interrupt handler through the direction's {@link CircQueue}.
 * The timeout (ms, 0 = forever) becomes {@code ms * HZ / 1000} jiffies (integer division: 1-3 ms are 0
 * jiffies and time out at the first wait) and is an INACTIVITY limit: it is reloaded after every
 * message, so it bounds the gap between FPGA events, not the call. On expiry the call logs, releases
 * its SG mappings and returns the words counted so far; on a signal it releases them and returns
 * -ERESTARTSYS. A wake-up without a message (a reset) goes back to sleep for the time left (inferred
 * in riffa.md §4.7).
 *
 * <p><b>Empty sends.</b> The wrap check computes {@code buf + 4 * len - 1 < buf}, which holds for
 * {@code len == 0} and any non-NULL buffer: an empty send is -EINVAL unless the buffer is NULL, and only
 * then reaches chnl_send's "tell the FPGA, return 0" path (as in C).
 *
 * <p><b>Double buffering.</b> One SG buffer per direction: a new list is written only after the FPGA
 * reported fetching the previous one (EVENT_SG_BUF_READ). The pages of the list just fetched stay
 * pinned in {@code sg_map_0} until the next SG_BUF_READ or DONE, because the FPGA may still be moving
 * their data.
 *
 * <p><b>One deliberate fix: releasing a list one event later.</b> The C driver unmaps list k when the
 * FPGA reports fetching list k+1. But the FPGA fetches list k+1 as soon as its SG FIFO holds fewer
 * than 1024 - 800 = 224 beats (riffa.md §5.1 step 3, §5.3), so up to 223 elements of list k may still
 * wait there, and the FPGA then reads or writes pages the driver has already unmapped and unpinned.
 * Without an IOMMU that goes unnoticed (the pages are still the process's); with one the DMA faults and
 * the transfer ends short (a send of 2^20 words stopped at 590848), and DriverLab's DMA-TLP check reports
 * "device read from DMA memory after the driver unmapped it". Here list k is still COUNTED when list
 * k+1 is fetched, exactly as in C (so every returned count is unchanged), but it is only RELEASED when
 * list k+2 is fetched ({@code sg_map_retired}) or at the end of the call. When list k+2 is admitted,
 * fewer than 224 beats are queued and all of them belong to list k+1, which is full (num_sg elements:
 * only the last list is shorter, unless pin_user_pages pinned fewer pages than asked), so nothing of
 * list k remains. This keeps at most three lists pinned per direction.
 */
final class ChannelTransfer {
  private ChannelTransfer() {}

  private static final int GOT_MSG = 0, TIMED_OUT = 1, SIGNALLED = 2;

  /** {@code chnl_send_wrapcheck}: checks, the busy bit, then {@link #chnl_send}. */
  static int chnl_send_wrapcheck(FpgaState sc, int chnl, long bufp, int len, int offset, int last, long timeout) {
    long length = Integer.toUnsignedLong(len) << 2;
    long udata = bufp;
    if (chnl >= sc.num_chnls || chnl < 0) {
      printk(KERN_INFO + "riffa: fpga:%d chnl:%d, send channel invalid!\n", sc.id, chnl);
      return 0;
    }
    long max_ptr = udata + length - 1;
    if (Long.compareUnsigned(max_ptr, udata) < 0) {
      printk(KERN_ERR + "riffa: fpga:%d chnl:%d, send pointer address overflow\n", sc.id, chnl);
      return -EINVAL;
    }
    if ((udata & 0x3) != 0) {
      printk(KERN_INFO + "riffa: fpga:%d chnl:%d, send user buffer must be 32 bit word aligned!\n", sc.id, chnl);
      return -EINVAL;
    }
    ChnlDir d = sc.send[chnl];
    if (d.test_and_set_bit(ChnlDir.CHNL_FLAG_BUSY)) {
      printk(KERN_ERR + "riffa: fpga:%d chnl:%d, send conflict between threads!\n", sc.id, chnl);
      return -EBUSY;
    }
    try {
      return chnl_send(sc, chnl, bufp, len, offset, last, timeout);
    } finally {
      d.clear_bit(ChnlDir.CHNL_FLAG_BUSY);
    }
  }

  /** {@code chnl_recv_wrapcheck}: as the send guard without the pointer-wrap check (done per transaction). */
  static int chnl_recv_wrapcheck(FpgaState sc, int chnl, long bufp, int len, long timeout) {
    if (chnl >= sc.num_chnls || chnl < 0) {
      printk(KERN_INFO + "riffa: fpga:%d chnl:%d, recv channel invalid!\n", sc.id, chnl);
      return 0;
    }
    if ((bufp & 0x3) != 0) {
      printk(KERN_INFO + "riffa: fpga:%d chnl:%d, recv user buffer must be 32 bit word aligned!\n", sc.id, chnl);
      return -EINVAL;
    }
    ChnlDir d = sc.recv[chnl];
    if (d.test_and_set_bit(ChnlDir.CHNL_FLAG_BUSY)) {
      printk(KERN_ERR + "riffa: fpga:%d chnl:%d, recv conflict between threads!\n", sc.id, chnl);
      return -EBUSY;
    }
    try {
      return chnl_recv(sc, chnl, bufp, len, timeout);
    } finally {
      d.clear_bit(ChnlDir.CHNL_FLAG_BUSY);
    }
  }

  /** Timeout in ms (unsigned) to jiffies: 0 → MAX_SCHEDULE_TIMEOUT, else ms * HZ / 1000 clamped to LONG_MAX. */
  static long toJiffies(long timeoutMs) {
    if (timeoutMs == 0) {
      return MAX_SCHEDULE_TIMEOUT;
    }
    if (Long.compareUnsigned(timeoutMs, Long.MAX_VALUE / HZ) > 0) {
      return Long.MAX_VALUE;
    }
    return timeoutMs * HZ / 1000;
  }

  /**
   * The wait of §4.2: pops the next message into {@code msg}, sleeping (interruptibly) while the queue
   * is empty, for at most {@code tymeout[0]} jiffies in all; {@code tymeout[0]} keeps what is left.
   */
  private static int nextMsg(ChnlDir d, long[] tymeout, int[] msg) {
    if (d.msgs.pop(msg) == 0) {
      return GOT_MSG;
    }
    while (true) {
      boolean expired;
      if (tymeout[0] == MAX_SCHEDULE_TIMEOUT) {
        wait_event_interruptible(d.waitq, () -> !d.msgs.isEmpty());
        expired = false;
      } else {
        long left = wait_event_interruptible_timeout(d.waitq, () -> !d.msgs.isEmpty(), tymeout[0]);
        expired = left == 0;
        tymeout[0] = Math.max(left, 0);
      }
      if (signal_pending(current())) {
        return SIGNALLED;
      }
      if (d.msgs.pop(msg) == 0) {
        return GOT_MSG;
      }
      if (expired) {
        return TIMED_OUT;
      }
    }
  }

  /** The C code's {@code free_sg_buf(sg_map_0); free_sg_buf(sg_map_1)}, plus the retired list. */
  private static void freeMaps(FpgaState sc, ChnlDir d) {
    free_sg_buf(sc, d.sg_map_retired);
    free_sg_buf(sc, d.sg_map_0);
    free_sg_buf(sc, d.sg_map_1);
    d.sg_map_retired = null;
    d.sg_map_0 = null;
    d.sg_map_1 = null;
  }

  /**
   * At EVENT_SG_BUF_READ: counts {@code sg_map_0} as moved (as C does) and retires it; releases the list
   * retired at the previous SG_BUF_READ, which the FPGA can no longer need (see the class comment).
   * Returns the bytes to count.
   */
  private static long retireFetched(FpgaState sc, ChnlDir d) {
    long moved = d.sg_map_0 != null ? d.sg_map_0.length : 0;
    free_sg_buf(sc, d.sg_map_retired);
    d.sg_map_retired = d.sg_map_0;
    d.sg_map_0 = null;
    return moved;
  }

  /**
   * {@code chnl_send}: host → FPGA (the FPGA's RX registers). Returns the words the FPGA reports it
   * received (RX_TNFR_LEN), the words whose lists were fetched when the timeout hit, or -ERESTARTSYS.
   */
  private static int chnl_send(FpgaState sc, int chnl, long bufp, int len, int offset, int last, long timeout) {
    ChnlDir d = sc.send[chnl];
    long tymeouto = toJiffies(timeout);
    long[] tymeout = {tymeouto};
    int[] msg = new int[2];
    long sent = 0;
    long length = Integer.toUnsignedLong(len) << 2;
    long udata = bufp;

    d.msgs.drain(); // stale events of an earlier call are not ours
    d.sg_map_0 = null;
    d.sg_map_1 = null;
    d.sg_map_retired = null;

    if (sc.debug) {
      printk(KERN_INFO + "riffa: fpga:%d chnl:%d, send (len:%d off:%d last:%d)\n", sc.id, chnl, len, offset, last);
    }
    sc.write_reg(CHNL_REG(chnl, RX_OFFLAST_REG_OFF), (offset << 1) | last);
    sc.write_reg(CHNL_REG(chnl, RX_LEN_REG_OFF), len);
    if (len == 0) {
      return 0;
    }

    SgMapping sg_map = fill_sg_buf(sc, chnl, d.buf_addr, udata, length, 0, DMA_TO_DEVICE);
    if (failed(sg_map)) {
      // The FPGA was told the length and now waits for a list; only a reset recovers it. (The C code
      // also leaks a mapping that has no element; we release it.)
      free_sg_buf(sc, sg_map);
      return (int) (sent >>> 2);
    }
    udata += sg_map.length;
    length -= sg_map.length;
    d.sg_map_1 = sg_map;
    sc.writeSgRegs(chnl, RX_SG_ADDR_LO_REG_OFF, RX_SG_ADDR_HI_REG_OFF, RX_SG_LEN_REG_OFF, d.buf_hw_addr,
        sg_map.num_sg);
    if (sc.debug) {
      printk(KERN_INFO + "riffa: fpga:%d chnl:%d, send sg buf populated, %d sent\n", sc.id, chnl, sg_map.num_sg);
    }

    while (true) {
      int got = nextMsg(d, tymeout, msg);
      if (got == SIGNALLED) {
        freeMaps(sc, d);
        return -ERESTARTSYS;
      }
      if (got == TIMED_OUT) {
        printk(KERN_ERR + "riffa: fpga:%d chnl:%d, send timed out\n", sc.id, chnl);
        freeMaps(sc, d);
        return (int) (sent >>> 2);
      }
      tymeout[0] = tymeouto;

      switch (msg[0]) {
        case EVENT_SG_BUF_READ -> {
          sent += retireFetched(sc, d);
          if (length != 0) {
            sg_map = fill_sg_buf(sc, chnl, d.buf_addr, udata, length, 0, DMA_TO_DEVICE);
            if (failed(sg_map)) {
              free_sg_buf(sc, sg_map);
              freeMaps(sc, d);
              return (int) (sent >>> 2);
            }
            udata += sg_map.length;
            length -= sg_map.length;
            d.sg_map_0 = d.sg_map_1;
            d.sg_map_1 = sg_map;
            sc.writeSgRegs(chnl, RX_SG_ADDR_LO_REG_OFF, RX_SG_ADDR_HI_REG_OFF, RX_SG_LEN_REG_OFF, d.buf_hw_addr,
                sg_map.num_sg);
            if (sc.debug) {
              printk(KERN_INFO + "riffa: fpga:%d chnl:%d, send sg buf populated, %d sent\n", sc.id, chnl,
                  sg_map.num_sg);
            }
          }
        }
        case EVENT_TXN_DONE -> {
          sent = Integer.toUnsignedLong(msg[1]) << 2; // the FPGA's count is authoritative
          freeMaps(sc, d);
          if (sc.debug) {
            printk(KERN_INFO + "riffa: fpga:%d chnl:%d, sent %d words\n", sc.id, chnl, (int) (sent >>> 2));
          }
          return (int) (sent >>> 2);
        }
        default -> printk(KERN_ERR + "riffa: fpga:%d chnl:%d, received unknown msg: %08x\n", sc.id, chnl, msg[1]);
      }
    }
  }

  /**
   * {@code chnl_recv}: FPGA → host (the FPGA's TX registers). Receives transactions until one with
   * {@code last} set is done and returns ITS word count as the FPGA reports it (TX_TNFR_LEN), not capped
   * by {@code len}: words beyond the capacity went to the spill buffer and are counted. The queue is not
   * drained on entry: the FPGA may have announced its transaction before the call.
   */
  private static int chnl_recv(FpgaState sc, int chnl, long bufp, int len, long timeout) {
    ChnlDir d = sc.recv[chnl];
    long tymeouto = toJiffies(timeout);
    long[] tymeout = {tymeouto};
    int[] msg = new int[2];
    int last = -1; // no transaction announced yet: stale SG_BUF_READ/DONE events are skipped
    long offset = 0;
    long length = 0;
    long overflow = 0;
    long capacity = Integer.toUnsignedLong(len) << 2;
    long recvd = 0;
    long udata = bufp;

    d.sg_map_0 = null;
    d.sg_map_1 = null;
    d.sg_map_retired = null;

    while (true) {
      int got = nextMsg(d, tymeout, msg);
      if (got == SIGNALLED) {
        freeMaps(sc, d);
        return -ERESTARTSYS;
      }
      if (got == TIMED_OUT) {
        printk(KERN_ERR + "riffa: fpga:%d chnl:%d, recv timed out\n", sc.id, chnl);
        freeMaps(sc, d);
        return (int) (recvd >>> 2);
      }
      tymeout[0] = tymeouto;

      switch (msg[0]) {
        case EVENT_TXN_OFFLAST -> {
          offset = (Integer.toUnsignedLong(msg[1]) >>> 1) << 2;
          last = msg[1] & 0x1;
        }
        case EVENT_TXN_LEN -> {
          length = Integer.toUnsignedLong(msg[1]) << 2;
          recvd = 0;
          overflow = 0;
          long max_ptr = udata + offset + length - 1;
          if (Long.compareUnsigned(max_ptr, udata) < 0) {
            printk(KERN_ERR + "riffa: fpga:%d chnl:%d, recv pointer address overflow\n", sc.id, chnl);
            overflow = length;
            length = 0;
          }
          if (offset + length > capacity) {
            if (offset > capacity) {
              overflow = length;
              length = 0;
            } else {
              overflow = length + offset - capacity;
              length = capacity - offset;
            }
          }
          if (length != 0 || overflow != 0) {
            udata += offset;
            SgMapping sg_map = fill_sg_buf(sc, chnl, d.buf_addr, udata, length, overflow, DMA_FROM_DEVICE);
            if (failed(sg_map)) {
              free_sg_buf(sc, sg_map); // the C code leaks it
              return (int) (recvd >>> 2);
            }
            udata += sg_map.length;
            length -= sg_map.length;
            overflow -= sg_map.overflow;
            d.sg_map_1 = sg_map;
            sc.writeSgRegs(chnl, TX_SG_ADDR_LO_REG_OFF, TX_SG_ADDR_HI_REG_OFF, TX_SG_LEN_REG_OFF, d.buf_hw_addr,
                sg_map.num_sg);
            if (sc.debug) {
              printk(KERN_INFO + "riffa: fpga:%d chnl:%d, recv sg buf populated, %d sent\n", sc.id, chnl,
                  sg_map.num_sg);
            }
          }
        }
        case EVENT_SG_BUF_READ -> {
          if (last == -1) {
            break;
          }
          recvd += retireFetched(sc, d);
          if (length != 0 || overflow != 0) {
            SgMapping sg_map = fill_sg_buf(sc, chnl, d.buf_addr, udata, length, overflow, DMA_FROM_DEVICE);
            if (failed(sg_map)) {
              free_sg_buf(sc, sg_map);
              freeMaps(sc, d);
              return (int) (recvd >>> 2);
            }
            udata += sg_map.length;
            length -= sg_map.length;
            overflow -= sg_map.overflow;
            d.sg_map_0 = d.sg_map_1;
            d.sg_map_1 = sg_map;
            sc.writeSgRegs(chnl, TX_SG_ADDR_LO_REG_OFF, TX_SG_ADDR_HI_REG_OFF, TX_SG_LEN_REG_OFF, d.buf_hw_addr,
                sg_map.num_sg);
            if (sc.debug) {
              printk(KERN_INFO + "riffa: fpga:%d chnl:%d, recv sg buf populated, %d sent\n", sc.id, chnl,
                  sg_map.num_sg);
            }
          }
        }
        case EVENT_TXN_DONE -> {
          if (last == -1) {
            break;
          }
          recvd = Integer.toUnsignedLong(msg[1]) << 2; // the FPGA's count is authoritative
          freeMaps(sc, d);
          if (sc.debug) {
            printk(KERN_INFO + "riffa: fpga:%d chnl:%d, received %d words\n", sc.id, chnl, (int) (recvd >>> 2));
          }
          if (last == 1) {
            return (int) (recvd >>> 2);
          }
        }
        default -> printk(KERN_ERR + "riffa: fpga:%d chnl:%d, received unknown msg: %08x\n", sc.id, chnl, msg[1]);
      }
    }
  }
}
