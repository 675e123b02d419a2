package dev.driverlab.userland.testing;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.PciFunction;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.BugReport;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.Resource;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.kernel.uapi.Errno;
import dev.driverlab.userland.libc.Libc;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A booted DriverLab machine for one test: the machine, its kernel, a TLP recorder running since
 * before boot, and the helpers a driver test needs. {@link DriverLabExtension} makes one per test;
 * outside JUnit, {@link #boot} one and {@link #finish()} then {@link #close()} it.
 *
 * <pre>
 *   boot ──► test: insmod, process/user syscalls, runFor, faults, assertions ──► finish ──► close
 *            (every TLP recorded)                                      │            (kernel shut down)
 *                            processes exit, test's modules rmmod'ed ◄─┘
 *                            any unexpected bug report, or an expected check that never
 *                            reported, fails with the machine's state (dmesg tail, last TLPs)
 * </pre>
 *
 * Like the kernel it wraps, a TestMachine belongs to the thread that booted it: call it from the test
 * method (and its {@code @BeforeEach}/{@code @AfterEach} methods), not from other Java threads.
 */
public final class TestMachine implements AutoCloseable {
  /** The name of the process behind {@link #user()}. */
  public static final String USER_PROCESS = "test";

  private final Machine machine;
  private final Kernel kernel;
  private final TlpRecorder tlps;
  private final AutoCloseable recording;
  private final List<PluggedDevice> devices;
  private final boolean rmmodAtEnd;
  private final Set<Check> expected = EnumSet.noneOf(Check.class);
  private final Set<BugReport> accepted = Collections.newSetFromMap(new IdentityHashMap<>());
  private final List<KernelModule> loadedByTest = new ArrayList<>();
  private final Map<String, Process> processes = new LinkedHashMap<>();
  private final ByteArrayOutputStream userOut = new ByteArrayOutputStream();
  private final ByteArrayOutputStream userErr = new ByteArrayOutputStream();
  private Libc user;
  private FaultInjector faults;
  private boolean finished;
  private boolean closed;

  private TestMachine(Machine machine, Options options) {
    this.machine = machine;
    this.rmmodAtEnd = options.rmmodAtEnd();
    this.tlps = new TlpRecorder(options.tlpHistory());
    this.recording = machine.fabric().addObserver(tlps);
    this.kernel = Kernel.boot(machine, options.hostname());
    this.devices = findDevices(machine);
  }

  /** How {@link #boot(Machine, Options)} sets a machine up ({@link DriverLabTest} carries the same). */
  public record Options(boolean rmmodAtEnd, int tlpHistory, String hostname) {
    public static final Options DEFAULT = new Options(true, 200_000, "driverlab");

    public Options {
      if (tlpHistory < 1) {
        throw new IllegalArgumentException("tlpHistory must be at least 1: " + tlpHistory);
      }
      if (hostname == null || hostname.isBlank()) {
        throw new IllegalArgumentException("hostname must not be blank: \"" + hostname + "\"");
      }
    }

    static Options of(DriverLabTest a) {
      return a == null ? DEFAULT : new Options(a.rmmodAtEnd(), a.tlpHistory(), a.hostname());
    }
  }

  /**
   * Starts recording TLPs on {@code machine} (not yet booted) and boots a kernel on it; the calling
   * thread becomes the kernel's first thread.
   */
  public static TestMachine boot(Machine machine) {
    return boot(machine, Options.DEFAULT);
  }

  public static TestMachine boot(Machine machine, Options options) {
    if (machine == null) {
      throw new NullPointerException("machine");
    }
    return new TestMachine(machine, options);
  }

  private static List<PluggedDevice> findDevices(Machine machine) {
    List<PluggedDevice> out = new ArrayList<>();
    for (Slot s : machine.slots()) {
      for (PciFunction f : s.functions()) {
        if (f instanceof Endpoint e) {
          out.add(PluggedDevice.of(s, e));
        }
      }
    }
    return List.copyOf(out);
  }

  // ---- what the machine is ----------------------------------------------------------------------

  public Machine machine() {
    return machine;
  }

  public Kernel kernel() {
    return kernel;
  }

  /** Card functions in the slots at boot, in slot order. */
  public List<PluggedDevice> devices() {
    return devices;
  }

  /** The first card built from {@code model}. */
  public PluggedDevice device(Class<? extends PciDeviceModel> model) {
    return device(model, 0);
  }

  /**
   * The {@code index}-th card (from 0, in slot order) built from {@code model}.
   *
   * @throws IllegalArgumentException naming the cards there are, if there is no such card
   */
  public PluggedDevice device(Class<? extends PciDeviceModel> model, int index) {
    List<PluggedDevice> of = devices.stream().filter(d -> model.isInstance(d.model())).toList();
    if (index < 0 || index >= of.size()) {
      throw new IllegalArgumentException("no " + model.getSimpleName() + " #" + index + " in this machine: it has "
          + (devices.isEmpty() ? "no cards (declare them with @WithDevice or @MachineSetup)" : devices));
    }
    return of.get(index);
  }

  /**
   * The kernel's {@code struct pci_dev} for {@code device}.
   *
   * @throws IllegalStateException if the kernel does not know the function (not enumerated, removed)
   */
  public PciDev pciDev(PluggedDevice device) {
    for (PciDev d : kernel.pci().devices()) {
      if (d.id().equals(device.bdf())) {
        return d;
      }
    }
    throw new IllegalStateException("the kernel has no pci_dev for " + device + " (removed, or never enumerated)");
  }

  /** The bus address of {@code device}'s BAR {@code bar} as the kernel assigned it (pci_resource_start). */
  public long barAddress(PluggedDevice device, int bar) {
    if (bar < 0 || bar > 5) {
      throw new IllegalArgumentException("BAR index must be 0..5: " + bar);
    }
    Resource r = pciDev(device).resource[bar];
    if (r == null || r.len() == 0) {
      throw new IllegalArgumentException(device + " has no BAR " + bar);
    }
    return r.start;
  }

  // ---- acting on it -----------------------------------------------------------------------------

  /**
   * Loads {@code module} with "name=value" parameters and fails the test unless insmod returns 0. The
   * module is unloaded at the end of the test ({@link DriverLabTest#rmmodAtEnd()}).
   */
  public <M extends KernelModule> M insmod(M module, String... params) {
    int r = kernel.modules().insmod(module, params);
    if (r != 0) {
      throw new AssertionError("insmod " + module.name() + " " + String.join(" ", params) + " returned " + r + " ("
          + Errno.name(r) + ")\n" + String.join("\n", dmesgTail(15)));
    }
    loadedByTest.add(module);
    return module;
  }

  /** Unloads the module named {@code name}; fails the test unless rmmod returns 0. */
  public void rmmod(String name) {
    int r = kernel.modules().rmmod(name);
    if (r != 0) {
      throw new AssertionError("rmmod " + name + " returned " + r + " (" + Errno.name(r) + ")");
    }
  }

  /** The process named {@code name}, created on first use. */
  public Process process(String name) {
    return processes.computeIfAbsent(name, kernel::createProcess);
  }

  /**
   * A libc for the process {@value #USER_PROCESS}: system calls returning -1 and errno, malloc for user
   * buffers. What it prints is in {@link #userStdout()} and {@link #userStderr()}.
   */
  public Libc user() {
    if (user == null) {
      user = new Libc(process(USER_PROCESS), new PrintStream(userOut, true, StandardCharsets.UTF_8),
          new PrintStream(userErr, true, StandardCharsets.UTF_8));
    }
    return user;
  }

  public String userStdout() {
    return userOut.toString(StandardCharsets.UTF_8);
  }

  public String userStderr() {
    return userErr.toString(StandardCharsets.UTF_8);
  }

  /** Lets {@code d} of virtual time pass: devices work, timers fire, other threads run. */
  public void runFor(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("cannot run for a negative time: " + d);
    }
    kernel.runFor(d.toNanos());
  }

  /** The machine's virtual time, ns. */
  public long nowNs() {
    return machine.clock().nowNs();
  }

  /** Every TLP on every link since before boot. */
  public TlpRecorder tlps() {
    return tlps;
  }

  /** The last {@code n} dmesg lines, formatted as {@code dmesg} prints them. */
  public List<String> dmesgTail(int n) {
    return kernel.dmesg().tail(n);
  }

  /** Faults to inject: failing allocations, misbehaving devices, lost interrupts, surprise removal. */
  public FaultInjector faults() {
    if (faults == null) {
      faults = new FaultInjector(this);
    }
    return faults;
  }

  FaultInjector faultsIfUsed() {
    return faults;
  }

  // ---- bug reports ------------------------------------------------------------------------------

  /**
   * The test provokes reports of these checks on purpose: they do not fail it, and each must report at
   * least once before the test ends (as {@link ExpectBugs}).
   */
  public void expectBug(Check... checks) {
    Collections.addAll(expected, checks);
  }

  /** Every report the kernel's checks made so far. */
  public List<BugReport> bugReports() {
    return kernel.bugs().reports();
  }

  Set<Check> expectedChecks() {
    return Collections.unmodifiableSet(expected);
  }

  /** Marks one report as expected (an assertion found it on purpose). */
  void accept(BugReport r) {
    accepted.add(r);
  }

  /** Reports that fail the test: of checks not expected, and not accepted one by one. */
  List<BugReport> unexpectedReports() {
    return bugReports().stream().filter(r -> !expected.contains(r.check()) && !accepted.contains(r)).toList();
  }

  boolean isAllowed(BugReport r) {
    return expected.contains(r.check()) || accepted.contains(r);
  }

  /** Expected checks that have not reported. */
  List<Check> missingExpectedChecks() {
    List<BugReport> all = bugReports();
    return expected.stream().filter(c -> all.stream().noneMatch(r -> r.check() == c)).toList();
  }

  // ---- the end ----------------------------------------------------------------------------------

  /**
   * Ends the test the way a student ends a session: every process exits (closing its files), the
   * modules the test loaded are unloaded newest first (with {@code rmmodAtEnd}), then the bug reports
   * are checked. Runs once; after {@link #close()} only the reports are checked.
   *
   * @throws AssertionError with the machine's state if a module would not unload, a report was not
   *     expected, or an expected check never reported
   */
  public void finish() {
    if (finished) {
      return;
    }
    finished = true;
    List<String> problems = new ArrayList<>();
    Throwable cause = null;
    for (Process p : closed ? List.<Process>of() : kernel.processes()) {
      try {
        p.exit();
      } catch (RuntimeException e) {
        problems.add("process " + p + " crashed while exiting: " + e);
        cause = cause == null ? e : cause;
      }
    }
    if (rmmodAtEnd && !closed) {
      for (int i = loadedByTest.size() - 1; i >= 0; i--) {
        KernelModule m = loadedByTest.get(i);
        if (kernel.modules().find(m.name()) != m) {
          continue; // the test unloaded it itself
        }
        try {
          int r = kernel.modules().rmmod(m.name());
          if (r != 0) {
            problems.add("rmmod " + m.name() + " at the end of the test returned " + r + " (" + Errno.name(r)
                + ") with every process gone");
          }
        } catch (RuntimeException e) {
          problems.add("rmmod " + m.name() + " at the end of the test crashed: " + e);
          cause = cause == null ? e : cause;
        }
      }
    }
    List<BugReport> unexpected = unexpectedReports();
    if (unexpected.size() == 1) {
      problems.add("the kernel reported a driver bug: " + unexpected.get(0));
    } else if (!unexpected.isEmpty()) {
      problems.add("the kernel reported " + unexpected.size() + " driver bugs, the first: " + unexpected.get(0));
    }
    if (!unexpected.isEmpty()) {
      Set<Check> kinds = EnumSet.noneOf(Check.class);
      unexpected.forEach(r -> kinds.add(r.check()));
      problems.add("if the test provokes this on purpose, declare @ExpectBugs(" + String.join(", ",
          kinds.stream().map(c -> "Check." + c.name()).toList()) + ") or call expectBug(...)");
    }
    for (Check c : missingExpectedChecks()) {
      problems.add("expected a " + c.label() + " report (Check." + c.name() + "), but the kernel made none");
    }
    if (!problems.isEmpty()) {
      throw new AssertionError(FailureReport.describe(this, String.join("\n", problems)), cause);
    }
  }

  /** Shuts the kernel down and stops recording. Idempotent; does not check anything ({@link #finish()} does). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      kernel.shutdown();
    } finally {
      try {
        recording.close();
      } catch (Exception e) {
        throw new IllegalStateException("could not stop the TLP recorder", e);
      }
    }
  }

  /** The machine's state as failure messages show it: bug reports, injected faults, dmesg tail, last TLPs. */
  public String describeState() {
    return FailureReport.state(this);
  }

  @Override
  public String toString() {
    return "TestMachine(" + kernel.hostname() + ", " + devices.size() + " cards, t=" + nowNs() + " ns)";
  }
}
