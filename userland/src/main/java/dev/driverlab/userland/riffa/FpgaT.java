package dev.driverlab.userland.riffa;

import dev.driverlab.userland.libc.Libc;
import java.util.Arrays;

/**
 * {@code fpga_t}, the opaque handle {@link Riffa#fpga_open} returns: the process's libc, the file
 * descriptor of /dev/riffa and the FPGA id (riffa.md §6.1). The id is not checked when the handle is
 * made; calls with an id the driver does not know move nothing and return 0.
 */
public final class FpgaT {
  final Libc libc;
  int fd;
  final int id;
  /**
   * {@code fpga_chnl_io} structs in this process's memory that no call is using ({@link #takeIo}): riffa.c
   * keeps the struct on the caller's stack, and a malloc and free per call (each an anonymous mapping,
   * zero-filled) cost as much as a whole small transfer. Each call in progress has one of its own, so
   * threads sending and receiving through one handle at the same time never share one.
   */
  private long[] idleIo = new long[2];
  private int idleIoCount;

  FpgaT(Libc libc, int fd, int id) {
    this.libc = libc;
    this.fd = fd;
    this.id = id;
  }

  /** A {@code fpga_chnl_io}-sized user buffer for one call: an idle one, or a new one (0 if malloc fails). */
  long takeIo() {
    return idleIoCount > 0 ? idleIo[--idleIoCount] : libc.malloc(Riffa.CHNL_IO_SIZE);
  }

  /** Gives back a buffer from {@link #takeIo} once its call has returned; freed if the handle is closed. */
  void giveIo(long io) {
    if (fd < 0) {
      libc.free(io);
      return;
    }
    if (idleIoCount == idleIo.length) {
      idleIo = Arrays.copyOf(idleIo, 2 * idleIo.length);
    }
    idleIo[idleIoCount++] = io;
  }

  /** Frees the idle buffers (fpga_close). */
  void freeIo() {
    while (idleIoCount > 0) {
      libc.free(idleIo[--idleIoCount]);
    }
  }

  public int id() {
    return id;
  }

  /** The /dev/riffa descriptor, or -1 once closed. */
  public int fd() {
    return fd;
  }

  public Libc libc() {
    return libc;
  }

  @Override
  public String toString() {
    return "fpga_t{fd=" + fd + ", id=" + id + "}";
  }
}
