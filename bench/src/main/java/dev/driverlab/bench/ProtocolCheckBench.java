package dev.driverlab.bench;

import dev.driverlab.bench.drv.ScratchDriver;
import dev.driverlab.bench.hw.ScratchDevice;
import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.check.FabricTopology;
import dev.driverlab.devices.pcie.check.TlpProtocolChecker;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.io.Io;
import java.util.ArrayList;
import java.util.List;
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
 * The link protocol checker alone, on the TLPs of one {@link MmioBench#ioread32}: the MRd and its
 * CplD as they cross the root port's link and the switch's downstream link (four TLPs), recorded once
 * from the real fabric and replayed into a checker of the same machine. The difference between
 * MmioBench.ioread32 with and without {@code -Ddriverlab.protocolCheck=false} should be about this.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ProtocolCheckBench {
  private Kernel kernel;
  private TlpProtocolChecker checker;
  private LinkDirection[] dirs;
  private String[] links;
  private Tlp[] tlps;

  @Setup(Level.Trial)
  public void boot() throws Exception {
    Machine machine = Machine.createDefault();
    machine.plug(new ScratchDevice());
    kernel = Kernel.boot(machine);
    ScratchDriver driver = new ScratchDriver();
    Checks.zero(kernel.modules().insmod(driver), "insmod " + ScratchDriver.NAME);
    List<Object[]> seen = new ArrayList<>();
    try (AutoCloseable rec = machine.fabric().addObserver((t, d, l, tlp) -> seen.add(new Object[] {d, l, tlp}));
        Kernel.Scope s = kernel.enter()) {
      Io.ioread32(driver.regs() + ScratchDriver.REG_SCRATCH);
    }
    Checks.state(seen.size() == 4, "expected 4 TLPs for one ioread32, saw " + seen.size());
    dirs = new LinkDirection[4];
    links = new String[4];
    tlps = new Tlp[4];
    for (int i = 0; i < 4; i++) {
      dirs[i] = (LinkDirection) seen.get(i)[0];
      links[i] = (String) seen.get(i)[1];
      tlps[i] = (Tlp) seen.get(i)[2];
    }
    checker = new TlpProtocolChecker(FabricTopology.of(machine));
  }

  @TearDown(Level.Trial)
  public void shutdown() {
    Checks.state(checker.violations().isEmpty(), "violations: " + checker.violations());
    kernel.shutdown();
  }

  /** The four TLPs of one MMIO read, through the checker. */
  @Benchmark
  public void mmioReadTlps() {
    for (int i = 0; i < 4; i++) {
      checker.onTlp(0, dirs[i], links[i], tlps[i]);
    }
  }
}
