package dev.driverlab.kernel.check;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.KernelOops;

/**
 * An oops the kernel survives: the faulting access is reported once, under the check that explains
 * it (MMIO after iounmap, a user pointer dereferenced), dmesg gets Linux's oops lines, and the caller
 * throws the returned {@link KernelOops}, which ends the calling thread's work (a system call fails
 * with -EFAULT, an interrupt handler or timer is logged as crashed) while the kernel keeps running.
 *
 * <pre>
 * BUG: unable to handle page fault for address: ffffc90000002024
 * #PF: supervisor read access in kernel mode
 * Oops: 0000 [#1] PREEMPT SMP
 * RIP: EduCard.interrupt(EduCard.java:80)
 * </pre>
 */
public final class Oopses {
  private Oopses() {}

  /**
   * Reports {@code message} as {@code check} against {@code device} (facts as for
   * {@code BugReporter.report}), logs the oops and returns the exception to throw.
   *
   * @param address the faulting virtual address
   * @param write whether the access was a store
   */
  public static KernelOops oops(Kernel k, Check check, Object device, long address, boolean write, String message,
      String origin, Object... facts) {
    String site = k.callSite();
    String fault = String.format("BUG: unable to handle page fault for address: %016x", address);
    k.dmesg().log(1, fault);
    k.dmesg().log(1, "#PF: supervisor " + (write ? "write" : "read") + " access in kernel mode");
    k.bugs().reportAt(check, device, message, site, origin, facts);
    k.dmesg().log(4, "Oops: " + (write ? "0002" : "0000") + " [#1] PREEMPT SMP");
    k.dmesg().log(4, "RIP: " + (site == null ? "?" : site));
    return new KernelOops(fault + ": " + message);
  }
}
