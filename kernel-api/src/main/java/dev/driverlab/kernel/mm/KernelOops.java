package dev.driverlab.kernel.mm;

/**
 * A kernel oops: driver code touched memory it may not (an unmapped or freed kernel address, iomem
 * after iounmap). It ends the current system call or handler; the kernel itself keeps running and the
 * oops text is in dmesg.
 */
public final class KernelOops extends RuntimeException {
  public KernelOops(String message) {
    super(message);
  }
}
