package dev.driverlab.userland.riffa;

import dev.driverlab.userland.libc.Libc;

/**
 * {@code fpga_t}, the opaque handle {@link Riffa#fpga_open} returns: the process's libc, the file
 * descriptor of /dev/riffa and the FPGA id (riffa.md §6.1). The id is not checked when the handle is
 * made; calls with an id the driver does not know move nothing and return 0.
 */
public final class FpgaT {
  final Libc libc;
  int fd;
  final int id;

  FpgaT(Libc libc, int fd, int id) {
    this.libc = libc;
    this.fd = fd;
    this.id = id;
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
