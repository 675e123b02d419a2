package dev.driverlab.bench;

import dev.driverlab.bench.drv.ScratchDriver;
import dev.driverlab.bench.hw.ScratchDevice;
import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.RootComplex;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.io.Io;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One 4-byte MMIO load (and store) to a register of a device behind the default machine's switch:
 *
 * <pre>
 *   ioread32 ─► Kernel.current ─► ioremap lookup + checks ─► page-table walk ─► Machine.read
 *     ─► address map (RangeMap) ─► Root Complex: MRd ─► root port 00:01.0 ─► link ─► switch upstream
 *     ─► internal bus ─► downstream port ─► link ─► endpoint BAR decode ─► scratch register ─► CplD back
 * </pre>
 *
 * The variants peel the layers off one at a time, so their differences are the cost of each layer:
 * {@link #ioread32} (the driver's view, kernel already bound), {@link #ioread32EnterPerOp} (plus binding
 * the kernel to the thread), {@link #machineRead} (CPU physical load: no kernel), {@link #rootComplexRead}
 * (no address map decode), and {@link #iowrite32} (posted store: no completion).
 * Target: ioread32 ≤ 150 ns/op on a 2-core machine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class MmioBench {
  private Machine machine;
  private Kernel kernel;
  private Kernel.Scope scope;
  private ScratchDriver driver;
  private long regs;
  private long phys;
  private int value;

  @Setup(Level.Trial)
  public void boot() {
    machine = Machine.createDefault();
    machine.plug(new ScratchDevice());             // first free slot: behind the switch
    kernel = Kernel.boot(machine);
    driver = new ScratchDriver();
    Checks.zero(kernel.modules().insmod(driver), "insmod " + ScratchDriver.NAME);
    Checks.state(driver.regs() != 0, "the scratch device was not probed:\n" + kernel.dmesg().text());
    scope = kernel.enter();
    regs = driver.regs();
    phys = driver.barPhys();
    Io.iowrite32(0x1234_5678, regs + ScratchDriver.REG_SCRATCH);
    Checks.equal(0x1234_5678, Io.ioread32(regs + ScratchDriver.REG_SCRATCH), "scratch read back via ioread32");
    Checks.equal(0x1234_5678L, machine.read(phys + ScratchDriver.REG_SCRATCH, 4), "scratch read back via Machine.read");
  }

  @TearDown(Level.Trial)
  public void shutdown() {
    Checks.noBugs(kernel);
    scope.close();
    Checks.zero(kernel.modules().rmmod(ScratchDriver.NAME), "rmmod " + ScratchDriver.NAME);
    Checks.noBugs(kernel);
    kernel.shutdown();
  }

  /** The driver's load: {@code ioread32(regs + 4)} with the kernel bound to this thread. */
  @Benchmark
  public int ioread32() {
    return Io.ioread32(regs + ScratchDriver.REG_SCRATCH);
  }

  /** As {@link #ioread32}, entering and leaving the kernel around each access. */
  @Benchmark
  public int ioread32EnterPerOp() {
    try (Kernel.Scope s = kernel.enter()) {
      return Io.ioread32(regs + ScratchDriver.REG_SCRATCH);
    }
  }

  /** The driver's posted store {@code iowrite32(v, regs + 4)}: one MWr, no completion. */
  @Benchmark
  public void iowrite32() {
    Io.iowrite32(++value, regs + ScratchDriver.REG_SCRATCH);
  }

  /** A CPU physical load, no kernel: address map decode, then the same TLP road. */
  @Benchmark
  public long machineRead() {
    return machine.read(phys + ScratchDriver.REG_SCRATCH, 4);
  }

  /** The Root Complex's MMIO load alone: the TLP road without the address map. */
  @Benchmark
  public long rootComplexRead() {
    RootComplex rc = machine.rootComplex();
    return rc.mmioRead(phys + ScratchDriver.REG_SCRATCH, 4);
  }
}
