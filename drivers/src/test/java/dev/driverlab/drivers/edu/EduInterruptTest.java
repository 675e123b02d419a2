package dev.driverlab.drivers.edu;

import static dev.driverlab.kernel.uapi.Errno.ETIMEDOUT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.kernel.irq.Irq;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.pci.PciDev;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** MSI and INTx delivery, a shared INTx line, bus mastering left off, and requests that time out. */
class EduInterruptTest {

  @ParameterizedTest(name = "use_msi={0}")
  @ValueSource(strings = {"1", "0"})
  void factorialAndDmaWorkWithMsiAndWithIntx(String useMsi) {
    try (EduRig r = EduRig.loaded(1, "use_msi=" + useMsi)) {
      boolean msi = useMsi.equals("1");
      PciDev pdev = r.eduDevices().get(0);
      EduCard card = r.driver.cardOf(0);
      assertEquals(msi, pdev.msi_enabled);
      assertEquals(msi, card.msi);
      assertEquals(msi ? pdev.irqVectors().get(0) : pdev.irq, card.irq);
      String chip = msi ? "PCI-MSI-" + pdev.name() : "IO-APIC " + pdev.irq + "-fasteoi";
      assertTrue(r.k.irq().procInterrupts().contains(chip), r.k.irq().procInterrupts());
      assertTrue(r.k.dmesg().contains(msi ? "(MSI), /dev/edu0" : "(INTx), /dev/edu0"));

      int fd = r.open(0);
      for (int n = 0; n <= 12; n++) {
        assertEquals(EduRig.factorialMod32(n), r.factorial(fd, n));
      }
      byte[] pattern = EduRig.pattern(4096, msi ? 5 : 6);
      assertEquals(0, r.toDevice(fd, pattern, 0));
      assertEquals(0, r.fromDevice(fd, 0, 4096));
      assertArrayEquals(pattern, r.peek(r.data + 4096, 4096));
      assertEquals(15, r.k.irq().count(card.irq), "13 factorials and 2 DMAs, one interrupt each");
      assertEquals(15, card.irqsHandled);
      assertFalse(r.k.irq().isDisabled(card.irq));
      r.p.close(fd);
      assertEquals(0, r.k.modules().rmmod("edu"));
      r.assertNoBugs();
    }
  }

  @Test
  void withIntxTheHandlerIsRegisteredSharedSoOthersCanJoinTheLine() {
    try (EduRig r = EduRig.loaded(1, "use_msi=0")) {
      int irq = r.driver.cardOf(0).irq;
      int[] calls = new int[1];
      KernelModule neighbour = sharedNeighbour(irq, calls);
      assertEquals(0, r.k.modules().insmod(neighbour));
      int fd = r.open(0);
      assertEquals(5040, r.factorial(fd, 7));
      assertEquals(1, calls[0], "the neighbour's handler ran too, and said IRQ_NONE");
      assertFalse(r.k.irq().isDisabled(irq));
      r.p.close(fd);
      // The neighbour goes first: kernel-api's Irq.deviceFor books a handler requested outside a probe
      // under any device whose vector is that line, so edu's remove would be blamed for it (reported).
      assertEquals(0, r.k.modules().rmmod("neighbour"));
      assertEquals(0, r.k.modules().rmmod("edu"));
      r.assertNoBugs();
    }
  }

  @Test
  void twoCardsOnOneIntxLineEachClaimOnlyTheirOwnInterrupts() {
    // Root port 00:01.0 swizzles switch slot 1 to INTB → GSI 18; root port 00:02.0's INTA → GSI 18 too.
    try (EduRig r = EduRig.inSlots("switch0/1", "00:02.0")) {
      assertEquals(0, r.insmod("use_msi=0"));
      EduCard a = r.driver.cardOf(0);
      EduCard b = r.driver.cardOf(1);
      assertEquals(a.irq, b.irq, "both cards share one INTx line");
      assertTrue(r.k.irq().procInterrupts().contains("edu, edu"), r.k.irq().procInterrupts());
      int fdA = r.open(0);
      int fdB = r.open(1);

      assertEquals(362880, r.factorial(fdA, 9));
      assertEquals(1, a.irqsHandled);
      assertEquals(0, a.irqsNotOurs);
      assertEquals(0, b.irqsHandled);
      assertEquals(1, b.irqsNotOurs, "card B saw irq status 0 and returned IRQ_NONE");

      assertEquals(24, r.factorial(fdB, 4));
      assertEquals(1, b.irqsHandled);
      byte[] pa = EduRig.pattern(256, 1);
      byte[] pb = EduRig.pattern(256, 2);
      assertEquals(0, r.toDevice(fdA, pa, 0));
      assertEquals(0, r.toDevice(fdB, pb, 0));
      assertEquals(0, r.fromDevice(fdA, 0, 256));
      assertArrayEquals(pa, r.peek(r.data + 4096, 256));
      assertEquals(0, r.fromDevice(fdB, 0, 256));
      assertArrayEquals(pb, r.peek(r.data + 4096, 256));
      assertFalse(r.k.irq().isDisabled(a.irq), "no 'nobody cared': every interrupt was claimed");
      r.p.close(fdA);
      r.p.close(fdB);
      assertEquals(0, r.k.modules().rmmod("edu"));
      r.assertNoBugs();
    }
  }

  @Test
  void withoutBusMasteringAndMsiEveryRequestTimesOutAndDmesgSaysWhy() {
    try (EduRig r = EduRig.loaded(1, "skip_set_master=1", "timeout_ms=200")) {
      assertFalse(r.eduDevices().get(0).is_busmaster);
      assertTrue(r.k.dmesg().contains("skip_set_master=1: bus mastering left off"));
      int fd = r.open(0);
      assertEquals(-ETIMEDOUT, r.toDevice(fd, EduRig.pattern(4096, 0), 0));
      String log = r.k.dmesg().text();
      assertTrue(log.contains("DMA read of 4096 bytes at 0x"), log);
      assertTrue(log.contains("not issued: Bus Master Enable is clear"), log);
      assertTrue(log.contains("MSI not sent: Bus Master Enable is clear"), log);
      assertTrue(log.contains("DMA to device timed out after 200 ms: bus mastering is off (PCI_COMMAND 0x0402)"), log);  // MEM | INTx disable

      r.putInt(r.arg, 5);
      assertEquals(-ETIMEDOUT, r.p.ioctl(fd, EduUapi.EDU_IOC_FACTORIAL, r.arg), "the MSI is a memory write too");
      assertTrue(r.k.dmesg().contains("factorial timed out after 200 ms: bus mastering is off"));
      r.p.close(fd);
      assertEquals(0, r.k.modules().rmmod("edu"));
      r.assertOnlyMissingBusMasterReports();
    }
  }

  @Test
  void withoutBusMasteringIntxStillInterruptsButTheDataNeverMoves() {
    try (EduRig r = EduRig.loaded(1, "skip_set_master=1", "use_msi=0")) {
      int fd = r.open(0);
      assertEquals(120, r.factorial(fd, 5), "INTx is a message, not a memory write: it still arrives");
      byte[] pattern = EduRig.pattern(4096, 9);
      assertEquals(0, r.toDevice(fd, pattern, 0));
      assertEquals(0, r.fromDevice(fd, 0, 4096));
      assertArrayEquals(new byte[4096], r.peek(r.data + 4096, 4096), "nothing came back");
      String log = r.k.dmesg().text();
      assertTrue(log.contains("DMA read of 4096 bytes at 0x"), log);
      assertTrue(log.contains("DMA write of 4096 bytes at 0x"), log);
      assertTrue(log.contains("not issued: Bus Master Enable is clear"), log);
      r.p.close(fd);
      assertEquals(0, r.k.modules().rmmod("edu"));
      r.assertOnlyMissingBusMasterReports();
    }
  }

  @Test
  void aDmaThatOutlastsTheTimeoutFailsWithEtimedoutAndTheCardRecovers() {
    try (EduRig r = EduRig.loaded(1, "timeout_ms=40")) {   // the card's DMA takes 100 ms (§A.7)
      int fd = r.open(0);
      long t0 = r.k.machine().clock().nowNs();
      assertEquals(-ETIMEDOUT, r.toDevice(fd, EduRig.pattern(64, 0), 0));
      long waited = r.k.machine().clock().nowNs() - t0;
      assertTrue(waited >= 40_000_000L && waited < 100_000_000L, "waited " + waited + " ns");
      assertTrue(r.k.dmesg().contains("DMA to device timed out after 40 ms (irq status 0, dma cmd 0x5)"),
          r.k.dmesg().text());
      assertEquals(3628800, r.factorial(fd, 10), "the factorial engine is independent of the DMA engine");
      // The next DMA waits for the first to finish, then times out again itself.
      assertEquals(-ETIMEDOUT, r.fromDevice(fd, 0, 64));
      r.p.close(fd);
      assertEquals(0, r.k.modules().rmmod("edu"), "remove waits for the DMA still in flight");
      r.assertNoBugs();
    }
  }

  /** A module with a shared handler on {@code irq} that never claims an interrupt. */
  private static KernelModule sharedNeighbour(int irq, int[] calls) {
    Object cookie = new Object();
    return new KernelModule() {
      @Override
      public String name() {
        return "neighbour";
      }

      @Override
      protected int init() {
        return Irq.request_irq(irq, (i, dev) -> {
          calls[0]++;
          return Irq.IRQ_NONE;
        }, Irq.IRQF_SHARED, "neighbour", cookie);
      }

      @Override
      protected void exit() {
        Irq.free_irq(irq, cookie);
      }
    };
  }
}
