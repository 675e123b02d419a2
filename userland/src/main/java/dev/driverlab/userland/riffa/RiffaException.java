package dev.driverlab.userland.riffa;

import dev.driverlab.kernel.uapi.Errno;

/**
 * A RIFFA call failed for real (as opposed to moving fewer words, which {@link Fpga} reports as a
 * count): the device node could not be opened, the FPGA or channel does not exist, the buffer is
 * unusable, another thread uses the channel, or a signal interrupted the wait. {@link #errno()} is the
 * Linux errno; the message names it, e.g.
 * {@code "fpga 0 chnl 1 send: EBUSY (Device or resource busy): another thread is sending on this channel"}.
 */
public final class RiffaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int errno;

  public RiffaException(int errno, String what) {
    super(what + ": " + Errno.name(errno) + " (" + Errno.strerror(errno) + ")");
    this.errno = errno;
  }

  public RiffaException(int errno, String what, String why) {
    super(what + ": " + Errno.name(errno) + " (" + Errno.strerror(errno) + "): " + why);
    this.errno = errno;
  }

  /** The positive errno value (EINVAL = 22, ...). */
  public int errno() {
    return errno;
  }

  /** The symbolic name, "EBUSY". */
  public String errnoName() {
    return Errno.name(errno);
  }
}
