package dev.driverlab.kerneltest.sched;

import static dev.driverlab.kernel.io.Io.*;
import static dev.driverlab.kernel.pci.Pci.*;
import static dev.driverlab.kernel.sched.Sched.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.pcie.tlp.AnalyzerText;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.kernel.sched.KernelHang;
import dev.driverlab.kernel.sched.SimThread;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Simulated threads share one CPU cooperatively: the interleaving and timestamps replay exactly. */
class ThreadsTest {
  /** Two threads sleeping 3 ms and 5 ms between log lines; returns "name:step@µs" in execution order. */
  private static List<String> twoSleepers() {
    List<String> log = new ArrayList<>();
    try (KernelRig rig = KernelRig.boot()) {
      Process p = rig.process();
      SimThread a = p.startThread("a", () -> {
        for (int i = 0; i < 3; i++) {
          log.add("a:" + i + "@" + ktime_get() / 1000);
          msleep(3);
        }
      });
      SimThread b = rig.kernel.spawn("b", null, () -> {
        for (int i = 0; i < 3; i++) {
          log.add("b:" + i + "@" + ktime_get() / 1000);
          msleep(5);
        }
      });
      p.join(a);
      rig.kernel.sched().join(b);
      log.add("main@" + rig.nowNs() / 1000);
      assertNull(a.failure());
      assertNull(b.failure());
    }
    return log;
  }

  @Test
  void twoThreadsInterleaveByVirtualTime() {
    assertEquals(List.of("a:0@0", "b:0@0", "a:1@3000", "b:1@5000", "a:2@6000", "b:2@10000", "main@15000"),
        twoSleepers());
  }

  @Test
  void theSameScenarioReplaysIdentically() {
    assertEquals(twoSleepers(), twoSleepers());
  }

  /**
   * Two threads of one process poke a device's register through MMIO, sleeping different times in
   * between; returns every TLP on every link as an analyzer line with its timestamp.
   */
  private static List<String> twoThreadsOnTheBus() {
    List<String> tlps = new ArrayList<>();
    try (KernelRig rig = KernelRig.bootWith(new ScratchDevice())) {
      PciDev dev = rig.pciDev("0000:03:00.0");
      pci_enable_device(dev);
      long regs = pci_iomap(dev, 0, 0);
      rig.machine.fabric().addObserver((t, dir, link, tlp) -> tlps.add(AnalyzerText.line(t, dir, link, tlp)));
      Process p = rig.process();
      SimThread a = p.startThread("a", () -> {
        for (int i = 0; i < 3; i++) {
          iowrite32(0xa0 + i, regs + ScratchDevice.REG_SCRATCH);
          msleep(2);
        }
      });
      SimThread b = p.startThread("b", () -> {
        for (int i = 0; i < 3; i++) {
          ioread32(regs + ScratchDevice.REG_SCRATCH);
          usleep_range(1500, 2000);
        }
      });
      p.join(a);
      p.join(b);
    }
    return tlps;
  }

  @Test
  void deviceTrafficFromTwoThreadsReplaysWithTheSameTlpsAndTimestamps() {
    List<String> first = twoThreadsOnTheBus();
    List<String> requests = first.stream().filter(l -> l.contains("00:01.0   DOWN"))
        .map(l -> l.substring(0, l.indexOf(" req=")).replaceAll(" +", " ").trim()).toList();
    assertEquals(List.of("0.000 us 00:01.0 DOWN MWr", "0.000 us 00:01.0 DOWN MRd", "1500.000 us 00:01.0 DOWN MRd",
        "2000.000 us 00:01.0 DOWN MWr", "3000.000 us 00:01.0 DOWN MRd", "4000.000 us 00:01.0 DOWN MWr"), requests);
    assertEquals(first, twoThreadsOnTheBus());
  }

  @Test
  void aSpawnedThreadRunsOnlyWhenTheCreatorWaits() {
    try (KernelRig rig = KernelRig.boot()) {
      List<String> log = new ArrayList<>();
      SimThread t = rig.kernel.spawn("worker", null, () -> log.add("worker"));
      log.add("creator");
      assertFalse(t.finished());
      rig.kernel.sched().join(t);
      assertEquals(List.of("creator", "worker"), log);
    }
  }

  @Test
  void scheduleLetsAnotherRunnableThreadGoFirst() {
    try (KernelRig rig = KernelRig.boot()) {
      List<String> log = new ArrayList<>();
      SimThread t = rig.kernel.spawn("other", null, () -> log.add("other"));
      schedule();
      log.add("back");
      assertEquals(List.of("other", "back"), log);
      assertTrue(t.finished());
      assertEquals(0, rig.nowNs(), "yielding to a runnable thread takes no time");
    }
  }

  @Test
  void anExceptionInAThreadIsKeptAsItsFailure() {
    try (KernelRig rig = KernelRig.boot()) {
      SimThread t = rig.kernel.spawn("crasher", null, () -> {
        throw new IllegalStateException("boom");
      });
      rig.kernel.sched().join(t);
      assertEquals("boom", t.failure().getMessage());
    }
  }

  @Test
  void joiningAThreadThatWaitsForeverReportsBothWaits() {
    try (KernelRig rig = KernelRig.boot()) {
      var wq = new dev.driverlab.kernel.sched.WaitQueueHead("never_wq");
      SimThread t = rig.kernel.spawn("stuck", null,
          () -> dev.driverlab.kernel.sched.Wait.wait_event(wq, () -> false));
      KernelHang h = assertThrows(KernelHang.class, () -> rig.kernel.sched().join(t));
      assertTrue(h.getMessage().startsWith("hang: init[1] waits for thread stuck[2] to finish"), h.getMessage());
      assertTrue(h.getMessage().contains("also waiting: stuck[2] for wait_event on never_wq"), h.getMessage());
    }
  }
}
