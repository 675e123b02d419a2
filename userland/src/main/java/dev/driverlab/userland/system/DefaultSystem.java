package dev.driverlab.userland.system;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.edu.EduDevice;
import dev.driverlab.devices.pcie.tlp.AnalyzerText;
import dev.driverlab.devices.riffa.AddConstantCore;
import dev.driverlab.devices.riffa.ChnlTester;
import dev.driverlab.devices.riffa.EchoCore;
import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.devices.riffa.SinkCore;
import dev.driverlab.devices.simpledma.SimpleDmaDevice;
import dev.driverlab.drivers.edu.EduDriver;
import dev.driverlab.drivers.myioctl.MyIoctl;
import dev.driverlab.drivers.riffa.RiffaDriver;
import dev.driverlab.drivers.simpledma.SimpleDmaDriver;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.fs.Chrdev;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.userland.libc.Libc;
import dev.driverlab.userland.programs.Program;
import dev.driverlab.userland.programs.Programs;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The default machine the command line runs: a switch with four slots behind root port 00:01.0 and
 * two direct slots, holding the RIFFA FPGA (behind the switch), QEMU's edu device and the simple DMA
 * engine; the kernel booted on it with the bundled drivers loaded and their /dev nodes present.
 */
public final class DefaultSystem {
  /** Bundled modules by name, for insmod in the shell. */
  public static Map<String, Supplier<KernelModule>> bundledModules() {
    Map<String, Supplier<KernelModule>> m = new LinkedHashMap<>();
    m.put("myioctl", MyIoctl::new);
    m.put("edu", EduDriver::new);
    m.put("simple_dma", SimpleDmaDriver::new);
    m.put("riffa", RiffaDriver::new);
    return m;
  }

  private final Machine machine;
  private final Kernel kernel;

  private DefaultSystem(Machine machine, Kernel kernel) {
    this.machine = machine;
    this.kernel = kernel;
  }

  /** Builds the default machine, boots it and loads the bundled drivers. */
  public static DefaultSystem boot() {
    Machine m = Machine.createDefault();
    // The RIFFA FPGA behind the switch (FPGA id 0): channel 0 runs chnl_tester (riffa-test), 1 echoes,
    // 2 adds one to every word, 3 never answers (to see the driver's inactivity timeout).
    m.slot("switch0/0").plug(new RiffaEndpoint(RiffaConfig.xilinx(4, 128), c -> switch (c) {
      case 0 -> new ChnlTester();
      case 1 -> new EchoCore();
      case 2 -> new AddConstantCore(1);
      default -> new SinkCore();
    }));
    m.slot("switch0/1").plug(new EduDevice());
    // A direct root-port slot: the tutorial's one MRd and one CplD cross a single link in --trace.
    m.slot("00:03.0").plug(new SimpleDmaDevice());
    Kernel k = Kernel.boot(m);
    DefaultSystem s = new DefaultSystem(m, k);
    for (Map.Entry<String, Supplier<KernelModule>> e : bundledModules().entrySet()) {
      int r = k.modules().insmod(e.getValue().get());
      if (r != 0) {
        k.dmesg().log(3, "driverlab: insmod " + e.getKey() + " failed: " + r);
      }
    }
    // udev's job for drivers that only register_chrdev: the node for myioctl.
    Process init = k.createProcess("udevd");
    init.mknod("/dev/myioctl", Chrdev.MKDEV(MyIoctl.MAJOR_NUM, 0));
    init.exit();
    return s;
  }

  public Machine machine() {
    return machine;
  }

  public Kernel kernel() {
    return kernel;
  }

  /** Prints every TLP of the run, protocol-analyzer style, to {@code out}. Returns a handle to stop. */
  public AutoCloseable trace(PrintStream out) {
    return machine.fabric().addObserver(AnalyzerText.printingTo(out::println));
  }

  /**
   * Runs an installed program in a new process. Returns its exit status: 127 if there is no such
   * program, 139 if it died of a segmentation fault.
   */
  public int run(String name, String[] args, PrintStream out, PrintStream err) {
    Programs.Entry e = Programs.find(name);
    if (e == null) {
      err.println(name + ": command not found (try 'help')");
      return 127;
    }
    Program prog = e.factory().get();
    Process p = kernel.createProcess(name);
    try (Kernel.Scope scope = kernel.enter()) {
      return prog.main(new Libc(p, out, err), args);
    } catch (IllegalArgumentException ex) {
      if (ex.getMessage() != null && ex.getMessage().startsWith("segmentation fault")) {
        err.println(name + ": " + ex.getMessage());
        return 139;
      }
      throw ex;
    } finally {
      p.exit();
    }
  }
}
