package dev.driverlab.kernel.irq;

import static dev.driverlab.kernel.uapi.Errno.*;

import dev.driverlab.devices.pcie.Firmware;
import dev.driverlab.devices.pcie.InterruptSink;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.debug.Leftover;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.sched.SimThread;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The interrupt controller and generic IRQ layer (kernel/irq): descriptors per Linux IRQ number,
 * handlers registered with request_irq, delivery in hard-IRQ context, /proc/interrupts counts,
 * threaded handlers, and the "nobody cared" and storm detectors.
 *
 * <p>Interrupts that arrive while the CPU cannot take them (local IRQs disabled, already in a handler)
 * stay pending and are delivered at the next interrupt point: after a clock event, after an MMIO
 * access, when IRQs are re-enabled, and on return from a system call. A level-triggered INTx line that
 * is still asserted after its handlers ran fires again, as real hardware does.
 */
public final class IrqCore implements InterruptSink {
  public static final int IRQ_NONE = 0, IRQ_HANDLED = 1, IRQ_WAKE_THREAD = 2;
  public static final long IRQF_SHARED = 0x80, IRQF_ONESHOT = 0x2000, IRQF_TRIGGER_NONE = 0;
  /** First Linux IRQ number handed out for MSI/MSI-X vectors. */
  public static final int FIRST_MSI_IRQ = 24;
  /** Consecutive unhandled interrupts before "nobody cared" (Linux uses 99,900 of 100,000). */
  public static final int NOBODY_CARED_THRESHOLD = 1000;
  /** Back-to-back firings of a still-asserted line, without time passing, that count as a storm. */
  public static final int STORM_THRESHOLD = 1000;

  /** One registered handler ({@code struct irqaction}). */
  static final class Action {
    final IrqHandler handler;
    final IrqHandler threadFn;
    final long flags;
    final String name;
    final Object devId;
    final Object owner;
    final PciDev device;
    final String site;
    SimThread thread;
    boolean threadWake;

    Action(IrqHandler handler, IrqHandler threadFn, long flags, String name, Object devId, Object owner,
        PciDev device, String site) {
      this.handler = handler;
      this.threadFn = threadFn;
      this.flags = flags;
      this.name = name;
      this.devId = devId;
      this.owner = owner;
      this.device = device;
      this.site = site;
    }
  }

  /** {@code struct irq_desc}. */
  static final class Desc {
    final int irq;
    final String chip;
    final List<Action> actions = new ArrayList<>();
    long count;
    int unhandled;
    boolean disabled;
    boolean level;
    boolean pending;
    int stormRun;
    long stormTime = -1;

    Desc(int irq, String chip) {
      this.irq = irq;
      this.chip = chip;
    }
  }

  private final Kernel kernel;
  private final TreeMap<Integer, Desc> descs = new TreeMap<>();
  private final Map<Integer, Integer> msiDataToIrq = new HashMap<>();
  private final ArrayDeque<Desc> pending = new ArrayDeque<>();
  private int nextMsiIrq = FIRST_MSI_IRQ;
  private volatile boolean anyPending;
  private boolean delivering;

  public IrqCore(Kernel kernel) {
    this.kernel = kernel;
    for (int i = 0; i < Firmware.PCI_GSI_COUNT; i++) {
      int gsi = Firmware.FIRST_PCI_GSI + i;
      descs.put(gsi, new Desc(gsi, "IO-APIC " + gsi + "-fasteoi"));
    }
  }

  // ---- vectors (drivers/pci/msi) ------------------------------------------------------------------

  /** Allocates {@code n} consecutive MSI IRQ numbers; returns the first. */
  public synchronized int allocMsiIrqs(int n, String chip) {
    int first = nextMsiIrq;
    for (int i = 0; i < n; i++) {
      int irq = nextMsiIrq++;
      descs.put(irq, new Desc(irq, chip));
      msiDataToIrq.put(irq, irq); // the MSI data value we program is the IRQ number itself
    }
    return first;
  }

  /** As allocMsiIrqs, with the first number aligned to {@code n} (multi-message MSI ORs the vector into the data). */
  public synchronized int allocMsiIrqsAligned(int n, String chip) {
    nextMsiIrq = (nextMsiIrq + n - 1) / n * n;
    return allocMsiIrqs(n, chip);
  }

  public synchronized boolean hasHandler(int irq) {
    Desc d = descs.get(irq);
    return d != null && !d.actions.isEmpty();
  }

  public synchronized void freeMsiIrq(int irq) {
    descs.remove(irq);
    msiDataToIrq.remove(irq);
  }

  public synchronized boolean exists(int irq) {
    return descs.containsKey(irq);
  }

  // ---- request / free ---------------------------------------------------------------------------

  public int request(int irq, IrqHandler handler, IrqHandler threadFn, long flags, String name, Object devId,
      PciDev device) {
    if ((flags & IRQF_SHARED) != 0 && devId == null) {
      return -EINVAL;
    }
    if (handler == null && threadFn == null) {
      return -EINVAL;
    }
    kernel.mightSleep("request_irq");
    Desc d;
    synchronized (this) {
      d = descs.get(irq);
      if (d == null) {
        return -EINVAL;
      }
      if (!d.actions.isEmpty()) {
        Action first = d.actions.get(0);
        if ((first.flags & IRQF_SHARED) == 0 || (flags & IRQF_SHARED) == 0) {
          kernel.dmesg().log(3, String.format("genirq: Flags mismatch irq %d. %08x (%s) vs. %08x (%s)", irq, flags, name,
              first.flags, first.name));
          return -EBUSY;
        }
      }
      Action a = new Action(handler, threadFn, flags, name, devId, kernel.currentModule(), device,
          kernel.callSite());
      d.actions.add(a);
      d.disabled = false;
      d.unhandled = 0;
      if (threadFn != null) {
        a.thread = kernel.spawnDaemon("irq/" + irq + "-" + name, () -> irqThread(a));
      }
      if (d.level) {
        queue(d);
      }
    }
    return 0;
  }

  private void irqThread(Action a) {
    while (true) {
      kernel.sched().block(() -> a.threadWake, -1, "interrupt for " + a.name);
      a.threadWake = false;
      kernel.callDriver(a.owner, () -> a.threadFn.handle(-1, a.devId));
    }
  }

  /** free_irq: returns the name given to request_irq, or null with a warning for an unknown dev_id. */
  public String free(int irq, Object devId) {
    SimThread me = kernel.sched().current();
    if (me.inInterrupt()) {
      kernel.bugs().report(Check.IRQ, null, "free_irq called from interrupt context", "irq", irq);
    }
    synchronized (this) {
      Desc d = descs.get(irq);
      if (d != null) {
        for (Action a : d.actions) {
          if (a.devId == devId) {
            d.actions.remove(a);
            if (a.thread != null) {
              a.thread = null;
            }
            return a.name;
          }
        }
      }
    }
    kernel.bugs().report(Check.IRQ, null, "Trying to free already-free IRQ " + irq, "irq", irq,
        "dev_id", String.valueOf(devId));
    return null;
  }

  public synchronized void disable(int irq) {
    Desc d = descs.get(irq);
    if (d != null) {
      d.disabled = true;
    }
  }

  public synchronized void enable(int irq) {
    Desc d = descs.get(irq);
    if (d != null) {
      d.disabled = false;
      d.unhandled = 0;
      if (d.level) {
        queue(d);
      }
    }
    deliverPending();
  }

  // ---- arrival (InterruptSink) ------------------------------------------------------------------

  @Override
  public void msi(PcieId requester, long address, int data) {
    Desc d;
    synchronized (this) {
      Integer irq = msiDataToIrq.get(data);
      d = irq == null ? null : descs.get(irq);
      if (d == null) {
        kernel.dmesg().log(4, String.format("spurious MSI from %s: address %#x data %#x matches no vector", requester,
            address, data));
        return;
      }
      queue(d);
    }
  }

  @Override
  public void intxLevel(int gsi, boolean asserted) {
    synchronized (this) {
      Desc d = descs.get(gsi);
      if (d == null) {
        return;
      }
      d.level = asserted;
      if (asserted) {
        queue(d);
      }
    }
  }

  private void queue(Desc d) {
    if (!d.pending) {
      d.pending = true;
      pending.add(d);
      anyPending = true;
    }
  }

  public boolean hasPending() {
    return anyPending;
  }

  /** Runs handlers of pending interrupts if the current CPU context can take them. */
  public void deliverPending() {
    if (!anyPending || delivering) {
      return;
    }
    SimThread cpu = kernel.sched().currentOrNull();
    if (cpu == null || cpu.irqsDisabled > 0 || cpu.hardirq > 0) {
      return;
    }
    delivering = true;
    try {
      while (true) {
        Desc d;
        synchronized (this) {
          d = pending.poll();
          if (d == null) {
            anyPending = false;
            return;
          }
          d.pending = false;
        }
        handle(d, cpu);
      }
    } finally {
      delivering = false;
    }
  }

  private void handle(Desc d, SimThread cpu) {
    if (d.disabled) {
      return;
    }
    d.count++;
    List<Action> actions;
    synchronized (this) {
      actions = List.copyOf(d.actions);
    }
    int result = IRQ_NONE;
    cpu.hardirq++;
    try {
      for (Action a : actions) {
        int r;
        try {
          r = a.handler == null ? IRQ_WAKE_THREAD : (int) kernel.callDriver(a.owner, () -> a.handler.handle(d.irq, a.devId));
        } catch (KernelOops e) {
          // Already reported where it happened (sleeping in the handler, a bad pointer).
          kernel.dmesg().log(1, "BUG: IRQ handler " + a.name + " for irq " + d.irq + " crashed: " + e.getMessage());
          r = IRQ_HANDLED;
        } catch (RuntimeException e) {
          kernel.dmesg().log(1, "BUG: IRQ handler " + a.name + " for irq " + d.irq + " crashed: " + e);
          kernel.bugs().reportAt(Check.OOPS, a.device == null ? null : a.device.dev, "IRQ handler \"" + a.name
              + "\" for irq " + d.irq + " threw " + e, siteOf(e), "requested at " + a.site, "irq", d.irq);
          r = IRQ_HANDLED;
        }
        if (r == IRQ_WAKE_THREAD && a.thread != null) {
          a.threadWake = true;
        }
        result |= r;
      }
    } finally {
      cpu.hardirq--;
    }
    if (result == IRQ_NONE) {
      if (++d.unhandled >= NOBODY_CARED_THRESHOLD || actions.isEmpty() && d.level) {
        kernel.dmesg().log(0, String.format("irq %d: nobody cared (try booting with the \"irqpoll\" option)", d.irq));
        kernel.dmesg().log(0, "handlers:");
        for (Action a : actions) {
          kernel.dmesg().log(0, "[<" + a.site + ">] " + a.name);
        }
        kernel.dmesg().log(0, "Disabling IRQ #" + d.irq);
        kernel.bugs().report(Check.IRQ, actions.isEmpty() ? null : actions.get(0).device,
            "irq " + d.irq + ": nobody cared: no handler returned IRQ_HANDLED for an asserted line", "irq", d.irq,
            "unhandled", d.unhandled);
        d.disabled = true;
        return;
      }
    } else {
      d.unhandled = 0;
    }
    if (d.level && !d.disabled) {
      long now = kernel.machine().clock().nowNs();
      d.stormRun = d.stormTime == now ? d.stormRun + 1 : 0;
      d.stormTime = now;
      if (d.stormRun >= STORM_THRESHOLD) {
        kernel.dmesg().log(0, String.format("irq %d: interrupt storm: the line stays asserted after its handler "
            + "returned (interrupt never acknowledged?); disabling IRQ #%d", d.irq, d.irq));
        kernel.bugs().report(Check.IRQ, actions.isEmpty() ? null : actions.get(0).device,
            "irq " + d.irq + ": interrupt storm: the handler returns but the device keeps its INTx line asserted "
                + "(interrupt never acknowledged)", "irq", d.irq);
        d.disabled = true;
        return;
      }
      synchronized (this) {
        queue(d);
      }
    }
  }

  /** The driver frame an exception came from ("Class.method(File.java:line)"), or null. */
  private static String siteOf(Throwable e) {
    for (StackTraceElement f : e.getStackTrace()) {
      String c = f.getClassName();
      if (!c.startsWith("dev.driverlab.kernel.") && !c.startsWith("dev.driverlab.devices.") && !c.startsWith("java.")
          && !c.startsWith("jdk.") && !c.startsWith("sun.")) {
        return c.substring(c.lastIndexOf('.') + 1) + "." + f.getMethodName() + "(" + f.getFileName() + ":"
            + f.getLineNumber() + ")";
      }
    }
    return null;
  }

  // ---- reports ----------------------------------------------------------------------------------

  public synchronized long count(int irq) {
    Desc d = descs.get(irq);
    return d == null ? 0 : d.count;
  }

  public synchronized boolean isDisabled(int irq) {
    Desc d = descs.get(irq);
    return d != null && d.disabled;
  }

  /** /proc/interrupts: IRQs that have handlers or have fired. */
  public synchronized String procInterrupts() {
    StringBuilder sb = new StringBuilder("           CPU0\n");
    for (Desc d : descs.values()) {
      if (d.actions.isEmpty() && d.count == 0) {
        continue;
      }
      StringBuilder names = new StringBuilder();
      for (Action a : d.actions) {
        names.append(names.length() == 0 ? "" : ", ").append(a.name);
      }
      sb.append(String.format("%4d: %10d  %-20s %s%n", d.irq, d.count, d.chip, names));
    }
    return sb.toString();
  }

  /** Handlers still registered by {@code module} (if non-null) or for {@code device} (if non-null). */
  public List<String> leftoversOf(Object module, PciDev device) {
    return leftovers(module, device).stream().map(Leftover::description).toList();
  }

  /** As {@link #leftoversOf}, each with the handler's action, for leak reports. */
  public synchronized List<Leftover> leftovers(Object module, PciDev device) {
    List<Leftover> out = new ArrayList<>();
    for (Desc d : descs.values()) {
      for (Action a : d.actions) {
        if ((module != null && a.owner == module) || (device != null && a.device == device)) {
          out.add(new Leftover(a, String.format("IRQ %d handler \"%s\" (requested at %s)", d.irq, a.name, a.site)));
        }
      }
    }
    return out;
  }
}
