package dev.driverlab.kernel.check;

import static dev.driverlab.kernel.irq.Irq.IRQF_SHARED;
import static dev.driverlab.kernel.irq.Irq.free_irq;
import static dev.driverlab.kernel.irq.Irq.request_irq;
import static dev.driverlab.kernel.pci.Pci.pci_enable_device;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.ScratchDevice;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An interrupt handler that throws is an oops in interrupt context: reported once, and the kernel goes on. */
class IrqHandlerCrashTest {
  private final ScratchDevice card = new ScratchDevice();
  private final KernelRig rig = KernelRig.bootWith(card);
  private final PciDev dev = rig.pciDev("0000:03:00.0");

  @AfterEach
  void shutdown() {
    rig.close();
  }

  @Test
  void aHandlerThatThrowsIsReportedWithTheIrqAndWhereItWasRequested() {
    pci_enable_device(dev);
    Object token = new Object();
    assertEquals(0, request_irq(dev.irq, (irq, id) -> {
      card.deassertIntx();
      throw new IllegalStateException("driver state is null");
    }, IRQF_SHARED, "crashy", token));
    card.assertIntx();
    rig.kernel.runFor(1_000);
    BugReport r = rig.onlyReport(Check.OOPS);
    assertEquals("IRQ handler \"crashy\" for irq " + dev.irq + " threw java.lang.IllegalStateException: driver state "
        + "is null", r.message());
    assertEquals(List.of("irq=" + dev.irq), r.facts());
    assertTrue(r.origin().startsWith("requested at "), r.origin());
    assertTrue(rig.kernel.dmesg().contains("BUG: IRQ handler crashy for irq " + dev.irq + " crashed"));
    assertEquals("crashy", free_irq(dev.irq, token), "the kernel went on");
  }
}
