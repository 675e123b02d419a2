package dev.driverlab.kernel.irq;

/** {@code irq_handler_t}: {@code irqreturn_t handler(int irq, void *dev_id)}; returns an {@code IRQ_*} value. */
@FunctionalInterface
public interface IrqHandler {
  int handle(int irq, Object devId);
}
