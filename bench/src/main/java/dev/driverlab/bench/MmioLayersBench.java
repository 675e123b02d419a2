package dev.driverlab.bench;

import dev.driverlab.bench.drv.ScratchDriver;
import dev.driverlab.bench.hw.ScratchDevice;
import dev.driverlab.devices.Machine;
import dev.driverlab.devices.mem.AddressMap;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.mm.KernelMemory;
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
 * The pieces of one {@link MmioBench#ioread32} measured alone, on the same booted machine, to show
 * where its time goes (each returns its result so nothing is optimised away):
 *
 * <pre>
 *   kernelCurrent        Kernel.current(): the ThreadLocal every Linux-named call starts with
 *   kernelIoMapping      KernelMemory.ioMapping(va): the TreeMap floor lookup Io.phys makes for its checks
 *   kernelTranslate      KernelMemory.translate(va, 4): the page-table walk (last-hit cached)
 *   addressMapDecode     AddressMap.decode(pa): Guava TreeRangeMap lookup + a Hit record
 *   tlpReadPair          Tlp.memRead + Tlp.readCompletion: building the request and its completion
 *   kernelCallSite       Kernel.callSite(): the StackWalker walk every recorded mapping, pin, wait and
 *                        lock makes (not on the ioread32 path; measured here because DMA and RIFFA pay it)
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class MmioLayersBench {
  private Kernel kernel;
  private Kernel.Scope scope;
  private KernelMemory mem;
  private AddressMap map;
  private long regs;
  private long phys;
  private final PcieId requester = new PcieId(0, 0, 0);
  private final PcieId completer = new PcieId(3, 0, 0);
  private int tag;

  @Setup(Level.Trial)
  public void boot() {
    Machine machine = Machine.createDefault();
    machine.plug(new ScratchDevice());
    kernel = Kernel.boot(machine);
    ScratchDriver driver = new ScratchDriver();
    Checks.zero(kernel.modules().insmod(driver), "insmod " + ScratchDriver.NAME);
    Checks.state(driver.regs() != 0, "the scratch device was not probed:\n" + kernel.dmesg().text());
    scope = kernel.enter();
    mem = kernel.mem();
    map = machine.addressMap();
    regs = driver.regs() + ScratchDriver.REG_SCRATCH;
    phys = driver.barPhys() + ScratchDriver.REG_SCRATCH;
    Checks.equal(phys, mem.translate(regs, 4), "translate(regs)");
    Checks.state(mem.ioMapping(regs) != null, "regs is not an io mapping");
    Checks.state(map.decode(phys) != null, "BAR address does not decode");
  }

  @TearDown(Level.Trial)
  public void shutdown() {
    scope.close();
    Checks.zero(kernel.modules().rmmod(ScratchDriver.NAME), "rmmod " + ScratchDriver.NAME);
    Checks.noBugs(kernel);
    kernel.shutdown();
  }

  @Benchmark
  public Kernel kernelCurrent() {
    return Kernel.current();
  }

  @Benchmark
  public Object kernelIoMapping() {
    return mem.ioMapping(regs);
  }

  @Benchmark
  public long kernelTranslate() {
    return mem.translate(regs, 4);
  }

  @Benchmark
  public Object addressMapDecode() {
    return map.decode(phys);
  }

  @Benchmark
  public String kernelCallSite() {
    return kernel.callSite();
  }

  @Benchmark
  public long tlpReadPair() {
    Tlp rd = Tlp.memRead(requester, tag = (tag + 1) & 0xff, phys, 4);
    Tlp cpl = Tlp.readCompletion(rd, completer, 0x1234_5678L);
    return cpl.payloadLe(0, 4);
  }
}
