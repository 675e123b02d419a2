package dev.driverlab.drivers.broken;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.check.KernelChecks;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kernel.mm.Mm;
import dev.driverlab.kernel.proc.Process;

/**
 * Whether the kernel calls the checks whose hooks sit in code the checks do not own (kernel memory
 * accessors, system-call exit, ioctl dispatch, user copies, kernel faults). A catalogue entry that
 * needs one is skipped, naming the hook, until the hook is wired; then it runs with no change.
 */
final class Hooks {
  private Hooks() {}

  /** KernelMemory's loads and stores call DmaCore.cpuAccess. */
  static void assumeCpuAccessHook(Kernel k) {
    long before = k.dma().cpuAccessChecks();
    try (Kernel.Scope s = k.enter()) {
      long p = Mm.kmalloc(8, Mm.GFP_KERNEL);
      Mm.get32(p);
      Mm.kfree(p);
    }
    assumeTrue(k.dma().cpuAccessChecks() > before,
        "hook not wired yet: KernelMemory read/write/readBytes/writeBytes/fill → kernel.dma().cpuAccess(pa, len, write)");
  }

  /** Process.ioctl wraps the driver call in UsercopyCheck.ioctl and Uaccess calls UsercopyCheck.onUserCopy. */
  static void assumeUsercopyHooks(Kernel k, Process p, int fd, int cmd, long arg) {
    long[] before = KernelChecks.of(k).usercopy().seen();
    p.ioctl(fd, cmd, arg);
    long[] after = KernelChecks.of(k).usercopy().seen();
    k.bugs().clear();
    assumeTrue(after[0] > before[0] && after[1] > before[1],
        "hooks not wired yet: Process.ioctl → UsercopyCheck.ioctl(kernel, cmd, arg) around unlocked_ioctl, and "
            + "Uaccess copy_*_user/get_user/put_user → UsercopyCheck.onUserCopy(kernel, uaddr, n, toUser)");
  }

  /** KernelMemory.translate asks UsercopyCheck.onKernelFault before oopsing. */
  static void assumeKernelFaultHook(Kernel k) {
    long before = KernelChecks.of(k).usercopy().seen()[2];
    try (Kernel.Scope s = k.enter()) {
      Mm.get32(0xffff_c9ff_0000_0000L);
    } catch (KernelOops expected) {
      // the probe's own oops
    }
    k.bugs().clear();
    assumeTrue(KernelChecks.of(k).usercopy().seen()[2] > before,
        "hook not wired yet: KernelMemory.translate → UsercopyCheck.onKernelFault(kernel, va, len, write)");
  }

  /** Process.syscall calls UserReturnCheck.onSyscallExit after every system call. */
  static void assumeSyscallExitHook(Kernel k, Process p) {
    long before = KernelChecks.of(k).userReturn().exits();
    p.close(-1);
    assumeTrue(KernelChecks.of(k).userReturn().exits() > before,
        "hook not wired yet: Process.syscall → UserReturnCheck.onSyscallExit(kernel, name) on return");
  }
}
