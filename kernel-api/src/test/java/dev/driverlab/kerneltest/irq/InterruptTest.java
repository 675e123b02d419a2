package dev.driverlab.kerneltest.irq;

import static dev.driverlab.kernel.io.Io.*;
import static dev.driverlab.kernel.irq.Irq.*;
import static dev.driverlab.kernel.pci.Pci.*;
import static dev.driverlab.kernel.sched.Locks.*;
import static dev.driverlab.kernel.uapi.Errno.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.irq.IrqCore;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.sched.Sched;
import dev.driverlab.kernel.sched.Spinlock;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** request_irq/free_irq, MSI and INTx delivery in hard-IRQ context, and the IRQ core's detectors. */
class InterruptTest {
  private final ScratchDevice card = new ScratchDevice();
  private final KernelRig rig = KernelRig.bootWith(card);
  private final PciDev dev = rig.pciDev("0000:03:00.0");
  private final List<String> log = new ArrayList<>();
  private long regs;

  @AfterEach
  void shutdown() {
    rig.close();
  }

  /** What a probe does before interrupts: enable, bus mastering, map the registers. */
  private void enable() {
    assertEquals(0, pci_enable_device(dev));
    pci_set_master(dev);
    regs = pci_iomap(dev, 0, 0);
  }

  /** Allocates the MSI vector and returns its Linux IRQ number. */
  private int msiIrq() {
    enable();
    assertEquals(1, pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSI));
    return pci_irq_vector(dev, 0);
  }

  // ---- request_irq / free_irq -----------------------------------------------------------------------

  @Test
  void aSharedRequestWithoutDevIdIsEinval() {
    assertEquals(-EINVAL, request_irq(dev.irq, (i, d) -> IRQ_HANDLED, IRQF_SHARED, "scratch", null));
  }

  @Test
  void anUnknownIrqIsEinval() {
    assertEquals(-EINVAL, request_irq(200, (i, d) -> IRQ_HANDLED, 0, "scratch", this));
  }

  @Test
  void aRequestWithoutAHandlerIsEinval() {
    assertEquals(-EINVAL, request_irq(dev.irq, null, 0, "scratch", this));
  }

  @Test
  void aSecondNonSharedRequestIsEbusyWithTheFlagsMismatchLine() {
    assertEquals(0, request_irq(17, (i, d) -> IRQ_HANDLED, 0, "first", "a"));
    assertEquals(-EBUSY, request_irq(17, (i, d) -> IRQ_HANDLED, 0, "second", "b"));
    assertTrue(rig.kernel.dmesg().contains("genirq: Flags mismatch irq 17. 00000000 (second) vs. 00000000 (first)"));
    assertEquals(-EBUSY, request_irq(17, (i, d) -> IRQ_HANDLED, IRQF_SHARED, "third", "c"),
        "shared cannot join a line held exclusively");
  }

  @Test
  void sharedRequestsCoexistAndFreeIrqReturnsTheName() {
    assertEquals(0, request_irq(17, (i, d) -> IRQ_NONE, IRQF_SHARED, "first", "a"));
    assertEquals(0, request_irq(17, (i, d) -> IRQ_NONE, IRQF_SHARED, "second", "b"));
    assertTrue(rig.readFile("/proc/interrupts").contains("first, second"));
    assertEquals("second", free_irq(17, "b"));
    assertEquals("first", free_irq(17, "a"));
    rig.assertNoReports();
  }

  @Test
  void freeIrqWithAnUnknownDevIdWarnsAndReturnsNull() {
    request_irq(17, (i, d) -> IRQ_NONE, IRQF_SHARED, "first", "a");
    assertNull(free_irq(17, "stranger"));
    BugReport r = rig.onlyReport(Check.IRQ);
    assertEquals("Trying to free already-free IRQ 17", r.message());
    assertEquals(List.of("irq=17", "dev_id=stranger"), r.facts());
  }

  @Test
  void requestIrqMaySleepSoAtomicContextIsReported() {
    Spinlock l = new Spinlock("l");
    spin_lock(l);
    request_irq(17, (i, d) -> IRQ_HANDLED, 0, "scratch", this);
    spin_unlock(l);
    assertEquals("BUG: sleeping function called from invalid context: request_irq",
        rig.onlyReport(Check.ATOMIC_SLEEP).message());
  }

  // ---- vectors -----------------------------------------------------------------------------------------

  @Test
  void msiVectorsStartAtTheFirstMsiIrq() {
    int irq = msiIrq();
    assertEquals(IrqCore.FIRST_MSI_IRQ, irq);
    assertTrue(dev.msi_enabled);
    assertEquals(-EINVAL, pci_irq_vector(dev, 1));
    int[] cmd = {0};
    pci_read_config_word(dev, PCI_COMMAND, cmd);
    assertEquals(PCI_COMMAND_INTX_DISABLE, cmd[0] & PCI_COMMAND_INTX_DISABLE, "MSI turns INTx off");
  }

  @Test
  void allocIrqVectorsRejectsBadArguments() {
    assertEquals(-EINVAL, pci_alloc_irq_vectors(dev, 0, 1, PCI_IRQ_MSI));
    assertEquals(-EINVAL, pci_alloc_irq_vectors(dev, 2, 1, PCI_IRQ_MSI));
    assertEquals(-EINVAL, pci_alloc_irq_vectors(dev, 1, 1, 0));
  }

  @Test
  void askingForMoreMsiVectorsThanTheDeviceHasIsEnospc() {
    assertEquals(-ENOSPC, pci_alloc_irq_vectors(dev, 2, 4, PCI_IRQ_MSI | PCI_IRQ_MSIX));
    assertEquals(1, pci_alloc_irq_vectors(dev, 1, 4, PCI_IRQ_MSI), "max is an upper bound");
  }

  @Test
  void intxOnlyGivesTheLegacyIrq() {
    assertEquals(1, pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_INTX));
    assertEquals(dev.irq, pci_irq_vector(dev, 0));
  }

  @Test
  void allocatingVectorsTwiceIsReported() {
    pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSI);
    assertEquals(-EINVAL, pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSI));
    assertEquals("pci_alloc_irq_vectors called twice without pci_free_irq_vectors", rig.onlyReport(Check.IRQ).message());
  }

  @Test
  void freeingVectorsWhileAHandlerIsRegisteredIsReported() {
    int irq = msiIrq();
    request_irq(irq, (i, d) -> IRQ_HANDLED, 0, "scratch", this);
    pci_free_irq_vectors(dev);
    assertEquals("pci_free_irq_vectors while IRQ 24 still has a handler (call free_irq first)",
        rig.onlyReport(Check.IRQ).message());
  }

  // ---- delivery ------------------------------------------------------------------------------------

  @Test
  void anMsiRunsTheHandlerInHardIrqContext() {
    int irq = msiIrq();
    boolean[] ctx = new boolean[3];
    assertEquals(0, request_irq(irq, (i, d) -> {
      log.add("irq " + i + " dev " + d);
      ctx[0] = in_interrupt();
      ctx[1] = in_atomic();
      ctx[2] = Sched.current().hardirq == 1;
      return IRQ_HANDLED;
    }, 0, "scratch", "card0"));
    iowrite32(ScratchDevice.DOORBELL_MSI, regs + ScratchDevice.REG_DOORBELL);
    assertEquals(List.of("irq 24 dev card0"), log, "delivered right after the MMIO write that caused it");
    assertArrayEquals(new boolean[] {true, true, true}, ctx);
    assertFalse(in_interrupt());
    assertEquals(1, rig.kernel.irq().count(irq));
    rig.assertNoReports();
  }

  @Test
  void anMsiSentByTheDeviceOnItsOwnIsDeliveredAtTheNextInterruptPoint() {
    int irq = msiIrq();
    request_irq(irq, (i, d) -> {
      log.add("at " + rig.nowNs());
      return IRQ_HANDLED;
    }, 0, "scratch", this);
    rig.machine.clock().schedule(7_000, "device finishes", card::sendMsi);
    rig.kernel.runFor(10_000);
    assertEquals(List.of("at 7000"), log);
  }

  @Test
  void sleepingInAHandlerIsReported() {
    int irq = msiIrq();
    request_irq(irq, (i, d) -> {
      Sched.msleep(1);
      return IRQ_HANDLED;
    }, 0, "scratch", this);
    iowrite32(ScratchDevice.DOORBELL_MSI, regs + ScratchDevice.REG_DOORBELL);
    BugReport r = rig.onlyReport(Check.ATOMIC_SLEEP);
    assertEquals("BUG: sleeping function called from invalid context: msleep(1)", r.message());
    assertTrue(r.facts().contains("in_interrupt()=1"), r.facts().toString());
    assertTrue(r.callSite().startsWith("InterruptTest.lambda$sleepingInAHandlerIsReported$"), r.callSite());
    assertTrue(rig.kernel.dmesg().contains("BUG: IRQ handler scratch for irq 24 crashed"));
  }

  @Test
  void anInterruptWhileIrqsAreDisabledWaitsForLocalIrqRestore() {
    int irq = msiIrq();
    request_irq(irq, (i, d) -> {
      log.add("handled");
      return IRQ_HANDLED;
    }, 0, "scratch", this);
    Spinlock l = new Spinlock("l");
    long flags = spin_lock_irqsave(l);
    iowrite32(ScratchDevice.DOORBELL_MSI, regs + ScratchDevice.REG_DOORBELL);
    assertEquals(List.of(), log);
    spin_unlock_irqrestore(l, flags);
    assertEquals(List.of("handled"), log);
  }

  @Test
  void anMsiWithoutBusMasteringIsNeverSent() {
    msiIrq();
    pci_clear_master(dev);
    assertFalse(card.sendMsi());
    assertTrue(rig.kernel.dmesg().contains("03:00.0: MSI not sent: Bus Master Enable is clear (MSI is a memory write)"));
  }

  @Test
  void procInterruptsCountsDeliveries() {
    int irq = msiIrq();
    request_irq(irq, (i, d) -> IRQ_HANDLED, 0, "scratch", this);
    for (int i = 0; i < 3; i++) {
      iowrite32(ScratchDevice.DOORBELL_MSI, regs + ScratchDevice.REG_DOORBELL);
    }
    assertTrue(rig.readFile("/proc/interrupts").contains("  24:          3  PCI-MSI-0000:03:00.0 scratch\n"),
        rig.readFile("/proc/interrupts"));
  }

  @Test
  void aThreadedHandlerRunsInProcessContextAndMaySleep() {
    int irq = msiIrq();
    request_threaded_irq(irq, (i, d) -> {
      log.add("hard");
      return IRQ_WAKE_THREAD;
    }, (i, d) -> {
      log.add("thread atomic=" + in_atomic());
      Sched.msleep(2);
      log.add("thread done at " + rig.nowNs());
      return IRQ_HANDLED;
    }, IRQF_ONESHOT, "scratch", this);
    iowrite32(ScratchDevice.DOORBELL_MSI, regs + ScratchDevice.REG_DOORBELL);
    rig.kernel.runFor(5_000_000L);
    assertEquals(List.of("hard", "thread atomic=false", "thread done at 2000000"), log);
    rig.assertNoReports();
  }

  // ---- INTx -----------------------------------------------------------------------------------------

  /** A shared-line handler: claims the interrupt only if its device drives the line, and acks it. */
  private int sharedHandler(String name, long regs) {
    if (ioread32(regs + ScratchDevice.REG_INTX_STAT) == 0) {
      log.add(name + " none");
      return IRQ_NONE;
    }
    iowrite32(1, regs + ScratchDevice.REG_ACK);
    log.add(name + " handled");
    return IRQ_HANDLED;
  }

  @Test
  void twoDevicesOnOneIntxLineBothSeeTheInterruptAndTheRightOneClaimsIt() {
    Machine m = Machine.createDefault();
    ScratchDevice a = new ScratchDevice();
    ScratchDevice b = new ScratchDevice();
    m.slot("switch0/1").plug(a);                 // INTA swizzled to INTB behind root port 1: GSI 18
    m.slot("00:02.0").plug(b);                   // INTA behind root port 2: GSI 18
    try (KernelRig two = KernelRig.boot(m)) {
      PciDev da = two.pciDev("0000:04:00.0");
      PciDev db = two.pciDev("0000:07:00.0");
      assertEquals(18, da.irq);
      assertEquals(18, db.irq);
      pci_enable_device(da);
      pci_enable_device(db);
      long ra = pci_iomap(da, 0, 0);
      long rb = pci_iomap(db, 0, 0);
      assertEquals(0, request_irq(18, (i, d) -> sharedHandler("a", ra), IRQF_SHARED, "scratch-a", da));
      assertEquals(0, request_irq(18, (i, d) -> sharedHandler("b", rb), IRQF_SHARED, "scratch-b", db));
      b.assertIntx();
      two.kernel.runFor(1);
      assertEquals(List.of("a none", "b handled"), log);
      assertEquals(1, two.kernel.irq().count(18));
      two.assertNoReports();
    }
  }

  @Test
  void aLineThatNobodyClaimsIsDisabledAsNobodyCared() {
    enable();
    assertEquals(1, pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_INTX));   // ties IRQ 17 to the device for reports
    int[] calls = {0};
    request_irq(pci_irq_vector(dev, 0), (i, d) -> {
      calls[0]++;
      return IRQ_NONE;
    }, IRQF_SHARED, "scratch", this);
    card.assertIntx();
    rig.kernel.runFor(1);
    assertEquals(IrqCore.NOBODY_CARED_THRESHOLD, calls[0]);
    assertTrue(rig.kernel.irq().isDisabled(17));
    assertTrue(rig.kernel.dmesg().contains("irq 17: nobody cared (try booting with the \"irqpoll\" option)"));
    assertTrue(rig.kernel.dmesg().contains("Disabling IRQ #17"));
    BugReport r = rig.onlyReport(Check.IRQ);
    assertEquals("irq 17: nobody cared: no handler returned IRQ_HANDLED for an asserted line", r.message());
    assertEquals("0000:03:00.0", r.device());
  }

  @Test
  void aHandlerThatNeverAcknowledgesCausesAStorm() {
    enable();
    int[] calls = {0};
    request_irq(dev.irq, (i, d) -> {
      calls[0]++;
      return IRQ_HANDLED;                        // but never writes ACK: the line stays asserted
    }, 0, "scratch", this);
    card.assertIntx();
    rig.kernel.runFor(1);
    assertEquals(IrqCore.STORM_THRESHOLD + 1, calls[0]);
    assertTrue(rig.kernel.irq().isDisabled(17));
    assertEquals("irq 17: interrupt storm: the handler returns but the device keeps its INTx line asserted "
        + "(interrupt never acknowledged)", rig.onlyReport(Check.IRQ).message());
  }

  @Test
  void anAcknowledgedIntxFiresOncePerAssertion() {
    enable();
    request_irq(dev.irq, (i, d) -> sharedHandler("scratch", regs), 0, "scratch", this);
    iowrite32(ScratchDevice.DOORBELL_INTX, regs + ScratchDevice.REG_DOORBELL);
    iowrite32(ScratchDevice.DOORBELL_INTX, regs + ScratchDevice.REG_DOORBELL);
    assertEquals(List.of("scratch handled", "scratch handled"), log);
    assertEquals(2, rig.kernel.irq().count(17));
    rig.assertNoReports();
  }

  @Test
  void disableIrqHoldsDeliveryBackAndEnableIrqDeliversAStillAssertedLine() {
    enable();
    request_irq(dev.irq, (i, d) -> sharedHandler("scratch", regs), 0, "scratch", this);
    disable_irq(17);
    card.assertIntx();
    rig.kernel.runFor(1);
    assertEquals(List.of(), log);
    enable_irq(17);
    assertEquals(List.of("scratch handled"), log);
  }

  @Test
  void freeIrqFromAHandlerIsReported() {
    enable();
    request_irq(dev.irq, (i, d) -> {
      iowrite32(1, regs + ScratchDevice.REG_ACK);
      free_irq(17, this);
      return IRQ_HANDLED;
    }, 0, "scratch", this);
    card.assertIntx();
    rig.kernel.runFor(1);
    assertEquals("free_irq called from interrupt context", rig.onlyReport(Check.IRQ).message());
  }
}
