package dev.driverlab.bench;

import dev.driverlab.bench.drv.EduIrqDriver;
import dev.driverlab.devices.Machine;
import dev.driverlab.devices.edu.EduDevice;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.io.Io;
import dev.driverlab.kernel.irq.Irq;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Interrupt delivery: the driver writes edu's raise register, the device signals, the kernel runs the
 * handler, the handler reads the cause and acknowledges it. One op is the whole round trip:
 *
 * <pre>
 *   iowrite32(1, raise) ─► MWr down to edu ─► edu: causes |= 1
 *     MSI:  MWr of the vector's data to 0xFEE00000 up the switch ─► RC ─► IrqCore.msi ─► pending
 *     INTx: Assert_INTA up the switch (swizzled) ─► RC wire-OR ─► IO-APIC line ─► pending
 *   ◄─ back in iowrite32: deliverPending ─► hard-IRQ handler: ioread32(status) ─► iowrite32(1, ack)
 *     (INTx: Deassert_INTA travels up during the ack)
 * </pre>
 *
 * {@link #postedWrite} is the same MMIO store to a register that raises nothing (edu's liveness), so
 * {@code raiseToHandler - postedWrite} is the cost of signalling and dispatching the interrupt plus
 * the handler's two MMIO accesses.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class IrqBench {
  private static final int REG_LIVENESS = 0x04;

  @Param({"MSI", "INTX"})
  public String type;

  private Kernel kernel;
  private Kernel.Scope scope;
  private EduIrqDriver driver;
  private long regs;
  private long raised;
  private long handledBefore;

  @Setup(Level.Trial)
  public void boot() {
    Machine machine = Machine.createDefault();
    machine.plug(new EduDevice());                 // first free slot: behind the switch
    kernel = Kernel.boot(machine);
    driver = new EduIrqDriver("MSI".equals(type) ? Irq.PCI_IRQ_MSI : Irq.PCI_IRQ_INTX);
    Checks.zero(kernel.modules().insmod(driver), "insmod " + EduIrqDriver.NAME);
    Checks.state(driver.bound(), "edu was not probed:\n" + kernel.dmesg().text());
    scope = kernel.enter();
    regs = driver.regs();
    driver.raise(1);
    Checks.equal(1, driver.handled(), "interrupts handled after one raise");
    Checks.equal(1, kernel.irq().count(driver.irq()), "/proc/interrupts count after one raise");
    handledBefore = driver.handled();
  }

  @TearDown(Level.Trial)
  public void shutdown() {
    Checks.equal(raised, driver.handled() - handledBefore, "every raise ran the handler exactly once");
    Checks.equal(0, driver.unhandled(), "handler calls that found no cause");
    Checks.noBugs(kernel);
    scope.close();
    Checks.zero(kernel.modules().rmmod(EduIrqDriver.NAME), "rmmod " + EduIrqDriver.NAME);
    Checks.noBugs(kernel);
    kernel.shutdown();
  }

  /** Raise → signal → handler (status read + ack write) → back; returns the handled count. */
  @Benchmark
  public long raiseToHandler() {
    driver.raise(1);
    raised++;
    return driver.handled();
  }

  /** The same posted MMIO store without an interrupt (edu's liveness register). */
  @Benchmark
  public void postedWrite() {
    Io.iowrite32((int) raised, regs + REG_LIVENESS);
  }
}
