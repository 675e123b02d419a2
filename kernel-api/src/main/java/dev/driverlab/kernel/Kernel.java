package dev.driverlab.kernel;

import dev.driverlab.devices.Machine;
import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.check.KernelChecks;
import dev.driverlab.kernel.debug.BugReporter;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.debug.FaultInjection;
import dev.driverlab.kernel.dma.DmaCore;
import dev.driverlab.kernel.fs.CharDevices;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.fs.SpecialFiles;
import dev.driverlab.kernel.fs.Vfs;
import dev.driverlab.kernel.irq.IrqCore;
import dev.driverlab.kernel.mm.KernelMemory;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kernel.mm.PageAllocator;
import dev.driverlab.kernel.mm.UserMm;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.module.ModuleLoader;
import dev.driverlab.kernel.pci.PciCore;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.printk.Dmesg;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.kernel.sched.Scheduler;
import dev.driverlab.kernel.sched.SimThread;
import dev.driverlab.kernel.sched.TimerCore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A Linux-like kernel booted on one {@link Machine}. All kernel state lives here (nothing static), so
 * many kernels run side by side in one JVM. Linux-named functions used by drivers ({@code Pci},
 * {@code Dma}, {@code Irq}, …) act on the kernel bound to the calling thread ({@link #current()}), as
 * Linux code acts on {@code current}; the kernel binds itself whenever it calls driver code.
 */
public final class Kernel {
  private static final ThreadLocal<Kernel> CURRENT = new ThreadLocal<>();
  public static final String RELEASE = "6.6.0-driverlab";

  private final Machine machine;
  private final String hostname;
  private final Dmesg dmesg;
  private final Scheduler sched;
  private final PageAllocator pages = new PageAllocator();
  private final KernelMemory kmem;
  private final Vfs vfs = new Vfs();
  private final CharDevices chrdev;
  private final BugReporter bugs;
  private final FaultInjection faults = new FaultInjection();
  private final ModuleLoader modules;
  private final TimerCore timers;
  private final IrqCore irq;
  private final DmaCore dma;
  private final PciCore pci;
  private final List<Process> processes = new ArrayList<>();
  private final java.util.Map<Object, java.util.Set<Object>> lockGraph = new java.util.HashMap<>();
  private int nextPid = 100;
  /** Per-kernel state of optional subsystems (e.g. the checks), keyed by their class. */
  private final java.util.Map<Class<?>, Object> attachments = new java.util.concurrent.ConcurrentHashMap<>();
  /** The kernel that was bound to the booting thread before this one (restored at shutdown). */
  private Kernel bootedOver;

  /** Restores the previous binding on close. */
  public interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  private Kernel(Machine machine, String hostname) {
    this.machine = machine;
    this.hostname = hostname;
    this.sched = new Scheduler(machine.clock(), hostname);
    this.dmesg = new Dmesg(machine.clock()::nowNs, hostname);
    this.kmem = new KernelMemory(this, machine, pages);
    this.chrdev = new CharDevices(this);
    this.bugs = new BugReporter(this);
    this.modules = new ModuleLoader(this);
    this.timers = new TimerCore(this);
    this.irq = new IrqCore(this);
    this.dma = new DmaCore(this);
    this.pci = new PciCore(this);
  }

  /** Boots a kernel on {@code machine}; the calling thread becomes its first thread. */
  public static Kernel boot(Machine machine) {
    return boot(machine, "driverlab");
  }

  public static Kernel boot(Machine machine, String hostname) {
    Kernel k = new Kernel(machine, hostname);
    k.bootedOver = CURRENT.get();
    k.sched.adoptCurrentThread("init", null);
    CURRENT.set(k);
    k.start();
    return k;
  }

  private void start() {
    dmesg.log(5, "Linux version " + RELEASE + " (driverlab@" + hostname + ") #1 SMP PREEMPT");
    dmesg.log(6, "BIOS-provided physical RAM map:");
    for (Machine.RamRange r : machine.ramRanges()) {
      dmesg.log(6, String.format("BIOS-e820: [mem 0x%016x-0x%016x] usable", r.base(), r.base() + r.size() - 1));
      long base = Math.max(r.base(), 16L << 20); // the first 16 MiB hold the kernel image and firmware
      if (r.base() + r.size() > base) {
        pages.addRange(base, r.base() + r.size() - base);
      }
    }
    dmesg.log(6, String.format("Memory: %dK/%dK available", pages.freeBytes() >> 10, machine.ramBytes() >> 10));
    if (machine.iommu().enabled()) {
      dmesg.log(6, "DMAR: IOMMU enabled");
    }
    machine.fabric().addErrorSink(line -> dmesg.log(3, line));
    KernelChecks.install(this);
    sched.setAfterEvent(irq::deliverPending);
    machine.rootComplex().setInterruptSink(irq);
    SpecialFiles.install(this);
    pci.boot();
    machine.addHotplugListener(slot -> {
      try (Scope s = enter()) {
        pci.hotAdd(slot);
      }
    });
    machine.addRemovalListener(slot -> {
      try (Scope s = enter()) {
        pci.hotRemoveSlot(slot);
      }
    });
  }

  /** The kernel bound to the calling thread. */
  public static Kernel current() {
    Kernel k = CURRENT.get();
    if (k == null) {
      throw new IllegalStateException("no kernel is bound to thread " + Thread.currentThread().getName()
          + ": call Linux-named functions from driver code, or inside kernel.enter()");
    }
    return k;
  }

  /** Binds this kernel to the calling thread until the scope closes. */
  public Scope enter() {
    Kernel prev = CURRENT.get();
    CURRENT.set(this);
    return () -> CURRENT.set(prev);
  }

  /** Enters the kernel on behalf of {@code p} (a system call): user pointers resolve in its memory. */
  public Scope enterProcess(Process p) {
    Kernel prev = CURRENT.get();
    CURRENT.set(this);
    SimThread t = sched.current();
    Object prevProc = t.userProcess;
    t.userProcess = p;
    return () -> {
      t.userProcess = prevProc;
      irq.deliverPending();
      CURRENT.set(prev);
    };
  }

  // ---- subsystems -------------------------------------------------------------------------------

  public Machine machine() {
    return machine;
  }

  public String hostname() {
    return hostname;
  }

  public Dmesg dmesg() {
    return dmesg;
  }

  public Scheduler sched() {
    return sched;
  }

  public KernelMemory mem() {
    return kmem;
  }

  public Vfs vfs() {
    return vfs;
  }

  public CharDevices chrdev() {
    return chrdev;
  }

  public BugReporter bugs() {
    return bugs;
  }

  public FaultInjection faults() {
    return faults;
  }

  public ModuleLoader modules() {
    return modules;
  }

  public TimerCore timers() {
    return timers;
  }

  public IrqCore irq() {
    return irq;
  }

  public DmaCore dma() {
    return dma;
  }

  public PciCore pci() {
    return pci;
  }

  /** The kernel's instance of {@code type}, made by {@code make} on first use (state hangs off the kernel). */
  public <T> T attachment(Class<T> type, java.util.function.Function<Kernel, T> make) {
    return type.cast(attachments.computeIfAbsent(type, t -> make.apply(this)));
  }

  public <T> T attachmentOrNull(Class<T> type) {
    return type.cast(attachments.get(type));
  }

  /** Lockdep's lock-order graph: lock → locks taken while it was held. */
  public java.util.Map<Object, java.util.Set<Object>> lockGraph() {
    return lockGraph;
  }

  // ---- processes and threads --------------------------------------------------------------------

  /** Creates a user process with an empty address space. */
  public synchronized Process createProcess(String name) {
    int pid = nextPid++;
    Process p = new Process(this, pid, name, new UserMm(machine, pages, pid));
    processes.add(p);
    return p;
  }

  public synchronized List<Process> processes() {
    return List.copyOf(processes);
  }

  public synchronized void processExited(Process p) {
    processes.remove(p);
  }

  /** Starts a simulated thread (runs when the caller next waits). */
  public SimThread spawn(String name, Object process, Runnable body) {
    return sched.spawn(name, process, false, () -> {
      CURRENT.set(this);
      body.run();
    });
  }

  /** Starts a kernel daemon thread (kworker, irq thread): never reported as hung while idle. */
  public SimThread spawnDaemon(String name, Runnable body) {
    return sched.spawn(name, null, true, () -> {
      CURRENT.set(this);
      body.run();
    });
  }

  /** The process whose system call is running (user pointers resolve in it), or null. */
  public Process currentProcess() {
    SimThread t = sched.currentOrNull();
    if (t == null) {
      return null;
    }
    if (t.userProcess instanceof Process p) {
      return p;
    }
    return t.process() instanceof Process p ? p : null;
  }

  public int currentPid() {
    Process p = currentProcess();
    return p == null ? 1 : p.pid();
  }

  /** Lets {@code ns} of simulated time pass (devices work, timers fire, other threads run). */
  public void runFor(long ns) {
    try (Scope s = enter()) {
      sched.sleepUntil(machine.clock().nowNs() + ns, "runFor");
    }
  }

  // ---- driver context ---------------------------------------------------------------------------

  /** Runs driver code owned by {@code module}: binds the kernel and records whose code runs. */
  public long callDriver(Object module, LongSupplier body) {
    Kernel prev = CURRENT.get();
    CURRENT.set(this);
    SimThread t = sched.current();
    t.moduleStack.addLast(module == null ? NO_MODULE : module);
    try {
      return body.getAsLong();
    } finally {
      t.moduleStack.removeLast();
      CURRENT.set(prev);
    }
  }

  private static final Object NO_MODULE = new Object();
  /**
   * One walker for every call site (immutable); frames are walked lazily and only as deep as needed.
   * The caller's frame is usually two or three below, so a small first batch (8) is enough and costs
   * about half of a 16-frame one; deeper sites just fetch another batch.
   */
  private static final StackWalker WALKER = StackWalker.getInstance(java.util.Set.of(), 8);

  /** The module whose code is running on this thread, or null (core kernel code). */
  public Object currentModule() {
    SimThread t = sched.currentOrNull();
    if (t == null || t.moduleStack.isEmpty()) {
      return null;
    }
    Object m = t.moduleStack.peekLast();
    return m == NO_MODULE ? null : m;
  }

  /**
   * The driver's call site: the innermost stack frame outside the kernel and the JDK, as
   * "Class.method(File.java:line)". That is where a report points a student.
   */
  public String callSite() {
    return WALKER.walk(frames -> frames.limit(64)
        .filter(f -> !isInfrastructure(f.getClassName()))
        .findFirst()
        .map(f -> simpleName(f.getClassName()) + "." + f.getMethodName() + "(" + f.getFileName() + ":"
            + f.getLineNumber() + ")")
        .orElse(null));
  }

  private static boolean isInfrastructure(String cls) {
    return cls.startsWith("dev.driverlab.kernel.") || cls.startsWith("dev.driverlab.devices.")
        || cls.startsWith("java.") || cls.startsWith("jdk.") || cls.startsWith("sun.");
  }

  private static String simpleName(String cls) {
    return cls.substring(cls.lastIndexOf('.') + 1);
  }

  /** might_sleep(): reports sleeping in atomic context. Returns false if the caller must not sleep. */
  public boolean mightSleep(String what) {
    SimThread t = sched.currentOrNull();
    if (t != null && t.atomic()) {
      bugs.report(Check.ATOMIC_SLEEP, null, "BUG: sleeping function called from invalid context: " + what,
          "in_atomic()", t.preemptCount > 0 || t.hardirq > 0 || t.softirq > 0 || t.bhDisabled > 0 ? 1 : 0, "irqs_disabled()", t.irqsDisabled > 0 ? 1 : 0,
          "in_interrupt()", t.inInterrupt() ? 1 : 0, "pid", currentPid(), "name", t.name());
      return false;
    }
    return true;
  }

  public void mightSleepIf(boolean cond, String what) {
    if (cond) {
      mightSleep(what);
    }
  }

  /** Logs an oops (the caller then throws {@link KernelOops}). */
  public void oops(String message) {
    dmesg.log(1, message);
    dmesg.log(4, "Oops: 0000 [#1] PREEMPT SMP");
    String site = callSite();
    dmesg.log(4, "RIP: " + (site == null ? "?" : site));
    bugs.reportAt(Check.OOPS, null, message, site, null);
  }

  /** "edu" for a device bound to edu, the running module's name otherwise. */
  public String describeDriver(Object device) {
    if (device instanceof PciDev p && p.dev.driverName() != null) {
      return p.dev.driverName();
    }
    if (device instanceof Device d && d.driverName() != null) {
      return d.driverName();
    }
    Object m = currentModule();
    return m instanceof KernelModule km ? km.name() : null;
  }

  public String describeDevice(Object device) {
    if (device instanceof PciDev p) {
      return p.name();
    }
    if (device instanceof Device d) {
      return d.name();
    }
    return device == null ? null : device.toString();
  }

  // ---- files ------------------------------------------------------------------------------------

  /** Opens a VFS node; out[0] receives the file. Returns 0 or -errno. */
  public int openNode(String path, Vfs.Node node, int flags, File[] out) {
    return SpecialFiles.open(this, path, node, flags, out);
  }

  /** Drops a reference to an open file; the last one calls release and unpins the module. */
  public void releaseFile(File f) {
    SpecialFiles.release(this, f);
  }

  /** Leaves the machine: the calling (booting) thread stops being a thread of this kernel. */
  public void shutdown() {
    for (Iterator<Process> it = processes().iterator(); it.hasNext(); ) {
      it.next().exit();
    }
    try (Scope s = enter()) {
      KernelChecks.of(this).finish();
    }
    sched.shutdown();
    if (CURRENT.get() == this) {
      CURRENT.set(bootedOver);
      if (bootedOver == null) {
        CURRENT.remove();
      }
    }
  }

  @Override
  public String toString() {
    return "Kernel(" + hostname + ")";
  }
}
