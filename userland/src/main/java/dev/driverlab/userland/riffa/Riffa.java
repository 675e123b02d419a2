package dev.driverlab.userland.riffa;

import dev.driverlab.userland.libc.Libc;

/**
 * RIFFA's C library ({@code libriffa}: {@code driver/linux/riffa.h}, {@code riffa.c}; riffa.md §6.1) over
 * a process's {@link Libc}, with the C names, units and return values, so RIFFA's sample programs port
 * line by line:
 *
 * <pre>{@code
 * FpgaT fpga = fpga_open(c, 0);                 // NULL (null) only if /dev/riffa cannot be opened
 * int sent = fpga_send(fpga, 0, buf, n, 0, 1, 25000);   // words; buf is a user pointer (c.malloc)
 * int recvd = fpga_recv(fpga, 0, buf, n, 25000);        // words the FPGA sent, even beyond n
 * fpga_close(fpga);
 * }</pre>
 *
 * <p>Units: lengths and {@code destoff} in 32-bit words; {@code last} 1 ends the transaction on the
 * FPGA side; {@code timeout} in milliseconds, 0 waits forever, and bounds the gap between FPGA events,
 * not the call. Buffers must be 4-byte aligned. One thread per channel and direction; different
 * channels may run in parallel threads. {@link #fpga_reset} must not run while transfers do.
 *
 * <p>Return values are the driver's, through an {@code int}: a word count, 0 for an unknown FPGA id or
 * channel, and for a bad buffer or a busy channel the negative code itself ({@code -22} EINVAL,
 * {@code -16} EBUSY, {@code -512} ERESTARTSYS) with {@code errno} untouched, because the driver
 * returns it through an unsigned int and the system call does not fail (riffa.md §1.3). Only failures
 * of the system call itself (a closed descriptor) give -1 and set {@code errno}.
 */
public final class Riffa {
  private Riffa() {}

  /** {@code "/dev/" DEVICE_NAME}. */
  public static final String DEVICE_PATH = "/dev/riffa";
  /** {@code _IOW(100, 1, fpga_chnl_io *)}. */
  public static final int IOCTL_SEND = 0x40086401;
  /** {@code _IOR(100, 2, fpga_chnl_io *)}. */
  public static final int IOCTL_RECV = 0x80086402;
  /** {@code _IOR(100, 3, fpga_info_list *)}. */
  public static final int IOCTL_LIST = 0x80086403;
  /** {@code _IOW(100, 4, int)}: the FPGA id is the argument itself. */
  public static final int IOCTL_RESET = 0x40046404;
  /** glibc's {@code O_SYNC} ({@code __O_SYNC | O_DSYNC}), as riffa.c opens the node. */
  public static final int O_SYNC = 04010000;

  /**
   * {@code sizeof(fpga_chnl_io)} on x86-64 and its field offsets:
   * id 0, chnl 4, len 8, offset 12, last 16, (4 bytes padding), timeout 24, data 32.
   */
  static final int CHNL_IO_SIZE = 40;
  static final int IO_ID = 0, IO_CHNL = 4, IO_LEN = 8, IO_OFFSET = 12, IO_LAST = 16, IO_TIMEOUT = 24, IO_DATA = 32;

  /**
   * {@code fpga_list}: fills {@code list} with the FPGAs the driver has. Returns 0, the failed
   * {@code open}'s -1 (errno set) when /dev/riffa cannot be opened, or the ioctl's result.
   */
  public static int fpga_list(Libc c, FpgaInfoList list) {
    int fd = c.open(DEVICE_PATH, Libc.O_RDWR | O_SYNC);
    if (fd < 0) {
      return fd;
    }
    long info = c.malloc(FpgaInfoList.SIZE);
    if (info == 0) {
      c.close(fd);
      return -1;
    }
    try {
      int rc = c.ioctl(fd, IOCTL_LIST, info);
      if (rc == 0) {
        list.decode(c.peek(info, FpgaInfoList.SIZE));
      }
      return rc;
    } finally {
      c.close(fd);
      c.free(info);
    }
  }

  /**
   * {@code fpga_open}: a handle for FPGA {@code id}, or null if /dev/riffa cannot be opened (errno
   * set). The id is not checked.
   */
  public static FpgaT fpga_open(Libc c, int id) {
    int fd = c.open(DEVICE_PATH, Libc.O_RDWR | O_SYNC);
    if (fd < 0) {
      return null;
    }
    return new FpgaT(c, fd, id);
  }

  /** {@code fpga_close}: closes the descriptor; the handle is dead afterwards. */
  public static void fpga_close(FpgaT fpga) {
    if (fpga.fd >= 0) {
      fpga.libc.close(fpga.fd);
      fpga.fd = -1;
    }
    fpga.freeIo();
  }

  /**
   * {@code fpga_send}: sends {@code len} words from user address {@code data} on channel {@code chnl};
   * the FPGA receives them at word offset {@code destoff}; {@code last} 1 ends the transaction.
   * Returns the words the FPGA received (fewer if the timeout hit), or a code as in the class comment.
   */
  public static int fpga_send(FpgaT fpga, int chnl, long data, int len, int destoff, int last, long timeout) {
    return chnlIo(fpga, IOCTL_SEND, chnl, data, len, destoff, last, timeout);
  }

  /**
   * {@code fpga_recv}: receives into {@code data}, which holds {@code len} words, from channel
   * {@code chnl}. Returns the words the FPGA sent in its last transaction: that may exceed {@code len}
   * (the rest was discarded by the driver) or fall short of it (timeout).
   */
  public static int fpga_recv(FpgaT fpga, int chnl, long data, int len, long timeout) {
    return chnlIo(fpga, IOCTL_RECV, chnl, data, len, 0, 0, timeout);
  }

  /** {@code fpga_reset}: resets the FPGA's RIFFA core and the driver's channel state. */
  public static void fpga_reset(FpgaT fpga) {
    fpga.libc.ioctl(fpga.fd, IOCTL_RESET, fpga.id);
  }

  /**
   * Builds {@code fpga_chnl_io} in user memory (riffa.c keeps it on the stack; here the handle keeps
   * idle ones for reuse, see {@link FpgaT#takeIo}) and issues the ioctl. All 40 bytes are written each
   * time, so the driver reads exactly what a freshly allocated struct would hold.
   */
  private static int chnlIo(FpgaT fpga, int cmd, int chnl, long data, int len, int offset, int last, long timeout) {
    Libc c = fpga.libc;
    long io = fpga.takeIo();
    if (io == 0) {
      return -1;
    }
    try {
      byte[] b = new byte[CHNL_IO_SIZE];
      put32(b, IO_ID, fpga.id);
      put32(b, IO_CHNL, chnl);
      put32(b, IO_LEN, len);
      put32(b, IO_OFFSET, offset);
      put32(b, IO_LAST, last);
      put64(b, IO_TIMEOUT, timeout);
      put64(b, IO_DATA, data);
      c.poke(io, b);
      return c.ioctl(fpga.fd, cmd, io);
    } finally {
      fpga.giveIo(io);
    }
  }

  private static void put32(byte[] b, int at, int v) {
    for (int i = 0; i < 4; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }

  private static void put64(byte[] b, int at, long v) {
    for (int i = 0; i < 8; i++) {
      b[at + i] = (byte) (v >>> (8 * i));
    }
  }
}
