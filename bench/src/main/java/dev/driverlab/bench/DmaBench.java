package dev.driverlab.bench;

import dev.driverlab.bench.drv.DmaBufferDriver;
import dev.driverlab.bench.hw.DmaEngineDevice;
import dev.driverlab.bench.hw.EcamConfig;
import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.PcieDevice;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.testing.BareMetal;
import dev.driverlab.kernel.Kernel;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Device DMA throughput through the simulated fabric, next to {@code System.arraycopy} of the same
 * bytes in the same run. A bench-only bus master ({@link DmaEngineDevice}) sits behind the default
 * machine's switch; BareMetal plays firmware; every function is set to MPS 256 and the chosen MRRS
 * through ECAM config writes.
 *
 * <pre>
 *   hostToDevice: engine MRd (≤ MRRS, no 4 KiB crossing) ─► 2 links, 3 bridges up ─► RC: RAM read
 *                 ─► CplD (≤ 256 B, RCB 64) ─► 3 bridges, 2 links down ─► engine copies by tag
 *   deviceToHost: engine MWr (≤ 256 B) ─► 2 links, 3 bridges up ─► RC: RAM write
 *   arraycopy:    System.arraycopy of the same number of bytes, heap to heap
 * </pre>
 *
 * The {@code …Kernel} rows run the same engine on a booted kernel instead: a driver
 * ({@link DmaBufferDriver}) enables it, sets its DMA mask and bus mastering and allocates the host buffer
 * with {@code dma_alloc_coherent}, and the kernel's checks watch the fabric (the DMA-TLP check against
 * the DMA API, and the TLP protocol checker), as for every driver's DMA.
 *
 * <p>Mode is throughput with a {@code bytes} counter, so JMH prints bytes/s next to ops/s; the ratio to
 * arraycopy is bytes/s of a DMA row over bytes/s of the arraycopy row of the same size (printed by
 * {@link ThroughputReport}). Target: ratio ≥ 0.3.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class DmaBench {
  /** Where the host buffer lives: RAM at 256 MiB, well clear of everything. */
  static final long HOST_BUFFER = 0x1000_0000L;
  static final int MPS = 256;

  /** The bytes moved, in heap arrays (the device's side and arraycopy's source and destination). */
  @State(Scope.Thread)
  public static class Payload {
    @Param({"1", "4", "16", "64"})
    public int mib;

    byte[] src;
    byte[] dst;
    int len;

    @Setup(Level.Trial)
    public void fill() {
      len = mib << 20;
      src = new byte[len];
      new SplittableRandom(mib).nextBytes(src);
      dst = new byte[len];
    }
  }

  /** A machine with the DMA engine behind the switch, MPS 256 everywhere, MRRS as the subclass says. */
  public abstract static class Bus {
    Machine machine;
    DmaEngineDevice engine;
    /** Where the engine reads and writes host memory (a bus address). */
    long hostBuffer = HOST_BUFFER;
    /** The kernel, for the rows on a booted kernel; null on bare metal. */
    Kernel kernel;

    void build(Payload p, int mrrs) {
      build(p, mrrs, false);
    }

    void build(Payload p, int mrrs, boolean onKernel) {
      machine = Machine.createDefault();
      engine = new DmaEngineDevice();
      Slot slot = machine.plug(engine);
      if (onKernel) {
        kernel = Kernel.boot(machine);
        DmaBufferDriver driver = new DmaBufferDriver(p.len);
        Checks.zero(kernel.modules().insmod(driver), "insmod " + DmaBufferDriver.NAME);
        Checks.state(driver.busAddress() != 0, "the DMA engine was not probed:\n" + kernel.dmesg().text());
        hostBuffer = driver.busAddress();
      } else {
        BareMetal.boot(machine);
      }
      EcamConfig ecam = new EcamConfig(machine);
      ecam.setPayloadSizesEverywhere(MPS, mrrs);
      Endpoint f = (Endpoint) ((PcieDevice) slot.card()).functions().get(0);
      Checks.equal(MPS, f.maxPayloadBytes(), "endpoint MPS after config writes");
      Checks.equal(mrrs, f.maxReadRequestBytes(), "endpoint MRRS after config writes");
      Checks.equal(MPS, ecam.maxPayloadBytes(machine.rootComplex().rootPorts().get(0).id()), "root port MPS");
      verify(p);
    }

    /** One transfer each way, compared byte for byte, so the benchmark measures a working road. */
    private void verify(Payload p) {
      // Without an IOMMU a bus address is the physical address: RAM is filled and read back there.
      machine.writeRam(hostBuffer, p.src, 0, p.len);
      Checks.state(engine.readFromHost(hostBuffer, p.dst, 0, p.len) == DmaResult.OK, "host-to-device DMA failed");
      Checks.state(Arrays.equals(p.src, p.dst), "host-to-device DMA delivered different bytes");
      byte[] back = new byte[p.len];
      Arrays.fill(p.dst, (byte) 0x5a);
      Checks.state(engine.writeToHost(hostBuffer, p.dst, 0, p.len) == DmaResult.OK, "device-to-host DMA failed");
      machine.readRam(hostBuffer, back, 0, p.len);
      Checks.state(Arrays.equals(p.dst, back), "device-to-host DMA wrote different bytes");
      machine.writeRam(hostBuffer, p.src, 0, p.len);
      if (kernel != null) {
        Checks.noBugs(kernel);
      }
    }

    @TearDown(Level.Trial)
    public void shutdown() {
      if (kernel != null) {
        Checks.noBugs(kernel); // every DMA stayed inside the driver's buffer: nothing reported
        kernel.shutdown();
      }
    }
  }

  /** For reads by the device: Max Read Request Size decides how many MRd TLPs a transfer takes. */
  @State(Scope.Thread)
  public static class ReadPath extends Bus {
    @Param({"512", "4096"})
    public int mrrs;

    @Setup(Level.Trial)
    public void build(Payload p) {
      build(p, mrrs);
    }
  }

  /** For writes by the device: MWr TLPs are cut at MPS only, so MRRS stays at its reset value. */
  @State(Scope.Thread)
  public static class WritePath extends Bus {
    @Setup(Level.Trial)
    public void build(Payload p) {
      build(p, 512);
    }
  }

  /** {@link ReadPath} on a booted kernel, the host buffer a driver's coherent DMA buffer. */
  @State(Scope.Thread)
  public static class KernelReadPath extends Bus {
    @Param({"512", "4096"})
    public int mrrs;

    @Setup(Level.Trial)
    public void build(Payload p) {
      build(p, mrrs, true);
    }
  }

  /** {@link WritePath} on a booted kernel, the host buffer a driver's coherent DMA buffer. */
  @State(Scope.Thread)
  public static class KernelWritePath extends Bus {
    @Setup(Level.Trial)
    public void build(Payload p) {
      build(p, 512, true);
    }
  }

  /** Bytes moved; JMH reports it per second next to the op rate. */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Bytes {
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() {
      bytes = 0;
    }
  }

  /** The device reads host RAM into its buffer. */
  @Benchmark
  public byte[] hostToDevice(ReadPath bus, Payload p, Bytes counter) {
    return read(bus, p, counter);
  }

  /** The device writes its buffer to host RAM. */
  @Benchmark
  public DmaResult deviceToHost(WritePath bus, Payload p, Bytes counter) {
    return write(bus, p, counter);
  }

  private static byte[] read(Bus bus, Payload p, Bytes counter) {
    DmaResult r = bus.engine.readFromHost(bus.hostBuffer, p.dst, 0, p.len);
    if (r != DmaResult.OK) {
      throw new IllegalStateException("host-to-device DMA failed: " + r);
    }
    counter.bytes += p.len;
    return p.dst;
  }

  private static DmaResult write(Bus bus, Payload p, Bytes counter) {
    DmaResult r = bus.engine.writeToHost(bus.hostBuffer, p.src, 0, p.len);
    if (r != DmaResult.OK) {
      throw new IllegalStateException("device-to-host DMA failed: " + r);
    }
    counter.bytes += p.len;
    return r;
  }

  /** {@link #hostToDevice} on a booted kernel, with its checks watching. */
  @Benchmark
  public byte[] hostToDeviceKernel(KernelReadPath bus, Payload p, Bytes counter) {
    return read(bus, p, counter);
  }

  /** {@link #deviceToHost} on a booted kernel, with its checks watching. */
  @Benchmark
  public DmaResult deviceToHostKernel(KernelWritePath bus, Payload p, Bytes counter) {
    return write(bus, p, counter);
  }

  /** The same bytes copied heap to heap by the JVM. */
  @Benchmark
  public byte[] arraycopy(Payload p, Bytes counter) {
    System.arraycopy(p.src, 0, p.dst, 0, p.len);
    counter.bytes += p.len;
    return p.dst;
  }
}
