package dev.driverlab.kernel.check;

import static dev.driverlab.kernel.sched.Locks.*;
import static dev.driverlab.kernel.uapi.Ioctl._IO;
import static dev.driverlab.kernel.uapi.Ioctl._IOR;
import static dev.driverlab.kernel.uapi.Ioctl._IOW;
import static dev.driverlab.kernel.uapi.Ioctl._IOWR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kernel.sched.Mutex;
import dev.driverlab.kernel.sched.Spinlock;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import dev.driverlab.kerneltest.TestModule;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The checks that run at a boundary the kernel owns (system-call exit, ioctl, user copies, kernel
 * faults, the link): called here the way the kernel's hooks call them.
 */
class BoundaryChecksTest {
  private final KernelRig rig = KernelRig.bootWith(new ScratchDevice());
  private final TestModule mod = new TestModule("mydrv");

  @AfterEach
  void shutdown() {
    rig.close();
  }

  /** Runs {@code body} as module "mydrv"'s ioctl handler for {@code cmd} with argument {@code arg}. */
  private void inIoctl(int cmd, long arg, Runnable body) {
    rig.kernel.callDriver(mod, () -> {
      try (Kernel.Scope s = UsercopyCheck.ioctl(rig.kernel, cmd, arg)) {
        body.run();
      }
      return 0;
    });
  }

  // ---- ioctl argument sizes ----------------------------------------------------------------------

  @Test
  void copyPastTheEncodedSizeIsReported() {
    int cmd = _IOR('x', 0, 4);
    inIoctl(cmd, 0x1000, () -> UsercopyCheck.onUserCopy(rig.kernel, 0x1000, 8, true));
    BugReport r = rig.onlyReport(Check.USERCOPY);
    assertEquals("ioctl _IOR('x', 0, 4) copies 8 bytes to user space at its argument, but the command encodes 4",
        r.message());
    assertEquals("mydrv", r.driver());
    assertEquals(List.of("cmd=0x80047800", "copy=copy_to_user of 8 bytes at offset 0"), r.facts());
  }

  @Test
  void copyOfAFieldThatEndsPastTheStructIsReportedWithItsOffset() {
    int cmd = _IOWR('S', 1, 40);
    inIoctl(cmd, 0x2000, () -> {
      UsercopyCheck.onUserCopy(rig.kernel, 0x2000, 40, false);
      UsercopyCheck.onUserCopy(rig.kernel, 0x2000 + 24, 16, true);
      UsercopyCheck.onUserCopy(rig.kernel, 0x2000 + 32, 16, true);
    });
    assertEquals("ioctl _IOWR('S', 1, 40) copies 16 bytes to user space at its argument + 32, but the command "
        + "encodes 40", rig.onlyReport(Check.USERCOPY).message());
  }

  @Test
  void copiesElsewhereAndUnsizedCommandsAreNotChecked() {
    inIoctl(_IOW('x', 1, 4), 0x1000, () -> UsercopyCheck.onUserCopy(rig.kernel, 0x5000, 4096, true));
    inIoctl(_IO('x', 2), 0x1000, () -> UsercopyCheck.onUserCopy(rig.kernel, 0x1000, 64, false));
    UsercopyCheck.onUserCopy(rig.kernel, 0x1000, 64, false); // not inside an ioctl at all
    rig.assertNoReports();
  }

  @Test
  void copyAgainstTheEncodedDirectionIsReported() {
    inIoctl(_IOR('x', 3, 4), 0x1000, () -> UsercopyCheck.onUserCopy(rig.kernel, 0x1000, 4, false));
    assertEquals("ioctl _IOR('x', 3, 4) copies its argument from user space, but the command is not encoded "
        + "_IOC_WRITE (use _IOW or _IOWR)", rig.onlyReport(Check.USERCOPY).message());
  }

  @Test
  void eachMismatchIsReportedOnceAndToleratedUapiQuirksNotAtAll() {
    int cmd = _IOW('x', 4, 4);
    for (int i = 0; i < 3; i++) {
      inIoctl(cmd, 0x1000, () -> UsercopyCheck.onUserCopy(rig.kernel, 0x1000, 8, false));
    }
    assertEquals(1, rig.reports(Check.USERCOPY).size());
    KernelChecks.of(rig.kernel).usercopy().tolerate("mydrv", _IOW('x', 5, 8), "released ABI");
    inIoctl(_IOW('x', 5, 8), 0x1000, () -> UsercopyCheck.onUserCopy(rig.kernel, 0x1000, 40, false));
    assertEquals(1, rig.reports(Check.USERCOPY).size());
    assertTrue(UsercopyCheck.KNOWN_UAPI_QUIRKS.containsKey("riffa:" + 0x40086401));
  }

  @Test
  void nestedIoctlsCheckTheInnermostCommand() {
    inIoctl(_IOW('x', 6, 64), 0x1000, () -> inIoctl(_IOW('x', 7, 4), 0x1000,
        () -> UsercopyCheck.onUserCopy(rig.kernel, 0x1000, 8, false)));
    assertTrue(rig.onlyReport(Check.USERCOPY).message().startsWith("ioctl _IOW('x', 7, 4) copies 8 bytes"));
  }

  // ---- a user pointer dereferenced by the kernel ---------------------------------------------------

  @Test
  void kernelFaultOnAUserAddressIsAUsercopyOops() {
    RuntimeException e = UsercopyCheck.onKernelFault(rig.kernel, 0x7fff_0000_1000L, 4, false);
    assertTrue(e instanceof KernelOops, String.valueOf(e));
    BugReport r = rig.onlyReport(Check.USERCOPY);
    assertEquals("kernel read through a user pointer directly (SMAP forbids it): use copy_from_user or get_user",
        r.message());
    assertEquals(List.of("address=0x7fff00001000", "size=4"), r.facts());
    assertTrue(rig.kernel.dmesg().contains("BUG: unable to handle page fault for address: 00007fff00001000"));
  }

  @Test
  void kernelFaultOnAKernelAddressIsLeftToTheCaller() {
    assertNull(UsercopyCheck.onKernelFault(rig.kernel, 0xffff_c900_dead_0000L, 4, true));
    rig.assertNoReports();
    assertEquals(1, KernelChecks.of(rig.kernel).usercopy().seen()[2]);
  }

  // ---- return to user space ------------------------------------------------------------------------

  @Test
  void spinlockHeldOnReturnToUserIsReportedOnce() {
    Spinlock lock = new Spinlock("mydrv->lock");
    spin_lock(lock);
    UserReturnCheck.onSyscallExit(rig.kernel, "ioctl");
    UserReturnCheck.onSyscallExit(rig.kernel, "read");
    BugReport r = rig.onlyReport(Check.LOCKDEP);
    assertEquals("lock held when returning to user space: init/1 leaves ioctl with mydrv->lock still held",
        r.message());
    assertTrue(rig.kernel.dmesg().contains("WARNING: lock held when returning to user space!"));
    assertTrue(rig.kernel.dmesg().contains("init/1 is leaving the kernel with locks still held!"));
    spin_unlock(lock);
    assertEquals(2, KernelChecks.of(rig.kernel).userReturn().exits());
  }

  @Test
  void mutexHeldOnReturnIsReportedAndNothingWhenReleased() {
    Mutex m = new Mutex("mydrv->mutex");
    mutex_lock(m);
    mutex_unlock(m);
    UserReturnCheck.onSyscallExit(rig.kernel, "write");
    rig.assertNoReports();
    mutex_lock(m);
    UserReturnCheck.onSyscallExit(rig.kernel, "write");
    assertEquals("lock held when returning to user space: init/1 leaves write with mydrv->mutex still held",
        rig.onlyReport(Check.LOCKDEP).message());
    mutex_unlock(m);
  }

  @Test
  void interruptsLeftDisabledOnReturnAreReported() {
    long flags = local_irq_save();
    UserReturnCheck.onSyscallExit(rig.kernel, "ioctl");
    local_irq_restore(flags);
    assertEquals("returning to user space with interrupts disabled: init/1 leaves ioctl after "
        + "local_irq_save/spin_lock_irqsave without the restore", rig.onlyReport(Check.LOCKDEP).message());
  }

  // ---- the link's protocol, as kernel reports -------------------------------------------------------

  @Test
  void aProtocolViolationBecomesABugReportNamingTheDevice() {
    KernelChecks checks = KernelChecks.install(rig.kernel);
    PcieId card = new PcieId(3, 0, 0);
    Tlp rd = Tlp.memRead(new PcieId(0, 0, 0), 3, 0xc000_0000L, 4);
    checks.protocol().onTlp(5, LinkDirection.UPSTREAM, "switch0/0", Tlp.readCompletion(rd, card, new byte[4], 0));
    BugReport r = rig.onlyReport(ProtocolReports.CHECK);
    assertEquals("PCIe protocol violation (unexpected completion): CplD for 00:00.0 tag 3, which has no request "
        + "outstanding on this link", r.message());
    assertEquals("0000:03:00.0", r.device());
    assertEquals(List.of("link=switch0/0 UP", "rule=PCIe Base Spec §2.3.2"), r.facts());
    assertTrue(r.origin().startsWith("TLP: CplD "), r.origin());
  }

  @Test
  void aRuleBrokenOnEveryTlpIsReportedOncePerDevice() {
    KernelChecks checks = KernelChecks.install(rig.kernel);
    PcieId card = new PcieId(3, 0, 0);
    for (int tag = 0; tag < 5; tag++) {
      Tlp rd = Tlp.memRead(new PcieId(0, 0, 0), tag, 0xc000_0000L, 4);
      checks.protocol().onTlp(tag, LinkDirection.UPSTREAM, "switch0/0", Tlp.readCompletion(rd, card, new byte[4], 0));
    }
    assertEquals(5, checks.protocol().violations().size());
    assertEquals(1, rig.reports(ProtocolReports.CHECK).size());
  }

  @Test
  void requestsNeverCompletedAreReportedAtTheEndOfTheRun() {
    KernelChecks checks = KernelChecks.install(rig.kernel);
    checks.protocol().onTlp(5, LinkDirection.UPSTREAM, "switch0/0",
        Tlp.memRead(new PcieId(3, 0, 0), 9, 0x10_0000, 64));
    assertEquals(1, checks.finish().size());
    assertEquals("PCIe protocol violation (completion timeout): MRd tag 9 from 03:00.0 was never completed (sent at "
        + "5 ns, run ended at " + rig.nowNs() + " ns)", rig.onlyReport(ProtocolReports.CHECK).message());
  }

  @Test
  void theKernelInstallsTheChecksAtBootOnceAndForAll() {
    assertTrue(KernelChecks.installed(rig.kernel), "Kernel.boot installs the checks");
    KernelChecks checks = KernelChecks.of(rig.kernel);
    assertEquals(checks, KernelChecks.install(rig.kernel), "install is idempotent");
    long before = checks.dmaTlp().checked();
    rig.readFile("/sys/bus/pci/devices/0000:03:00.0/config");
    assertEquals(before, checks.dmaTlp().checked(), "config reads are not device DMA");
    assertEquals(List.of(), checks.protocol().violations());
  }

  @Test
  void aCleanBootBreaksNoProtocolRule() {
    KernelChecks checks = KernelChecks.install(rig.kernel);
    rig.readFile("/sys/bus/pci/devices/0000:03:00.0/config");
    assertEquals(List.of(), checks.finish());
    rig.assertNoReports();
  }
}
