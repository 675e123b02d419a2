package dev.driverlab.kernel.module;

import static dev.driverlab.kernel.uapi.Errno.*;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.debug.Leftover;
import dev.driverlab.kernel.pci.PciCore;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * insmod, rmmod and lsmod. Loading sets module parameters and runs init in the module's context;
 * unloading refuses a module in use (-EBUSY), runs exit, then reports every resource the module still
 * owns (memory, mappings, IRQs, DMA buffers, char devices, classes, nodes, drivers, timers) as a leak.
 */
public final class ModuleLoader {
  private final Kernel kernel;
  private final List<KernelModule> loaded = new ArrayList<>();

  public ModuleLoader(Kernel kernel) {
    this.kernel = kernel;
  }

  /**
   * Loads {@code m} with "name=value" parameters. Returns 0, -EEXIST if a module of that name is
   * loaded, -ENOENT for an unknown parameter and -EINVAL for a bad value (each with a dmesg line naming
   * it), or init's error (the module is then unloaded; whatever init left behind is reported). A
   * positive return from init is warned about and the module loads anyway, as Linux does.
   */
  public int insmod(KernelModule m, String... params) {
    try (Kernel.Scope s = kernel.enter()) {
      if (find(m.name()) != null) {
        return -EEXIST;
      }
      if (m.state() != KernelModule.State.UNLOADED) {
        return -EEXIST;
      }
      for (String p : params) {
        int r = setParam(m, p);
        if (r < 0) {
          return r;
        }
      }
      if (!"GPL".equals(m.license()) && !"GPL v2".equals(m.license()) && !"Dual MIT/GPL".equals(m.license())
          && !"Dual BSD/GPL".equals(m.license())) {
        kernel.dmesg().log(4, m.name() + ": module license '" + m.license() + "' taints kernel.");
      }
      m.setState(KernelModule.State.COMING);
      synchronized (this) {
        loaded.add(m);
      }
      int r = (int) kernel.callDriver(m, m::callInit);
      if (r > 0) {
        // do_init_module (kernel/module/main.c) warns and loads the module anyway.
        kernel.dmesg().log(4, String.format("do_init_module: '%s'->init suspiciously returned %d, it should follow "
            + "0/-E convention", m.name(), r));
        kernel.dmesg().log(4, "do_init_module: loading module anyway...");
        kernel.bugs().reportAt(Check.WARN, null, "module " + m.name() + ": init returned " + r
            + " (positive): return 0 or a negative errno", null, null);
        r = 0;
      }
      if (r != 0) {
        synchronized (this) {
          loaded.remove(m);
        }
        m.setState(KernelModule.State.UNLOADED);
        reportLeftovers(m, "init failed and left");
        return r;
      }
      m.setState(KernelModule.State.LIVE);
      return 0;
    }
  }

  private int setParam(KernelModule m, String p) {
    int eq = p.indexOf('=');
    String name = eq < 0 ? p : p.substring(0, eq);
    String value = eq < 0 ? "1" : p.substring(eq + 1);
    for (Class<?> c = m.getClass(); c != null && c != KernelModule.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (f.getName().equals(name) && f.isAnnotationPresent(ModuleParam.class)) {
          try {
            f.setAccessible(true);
            Class<?> t = f.getType();
            if (t == int.class) {
              f.setInt(m, Integer.decode(value));
            } else if (t == long.class) {
              f.setLong(m, Long.decode(value));
            } else if (t == short.class) {
              f.setShort(m, Short.decode(value));
            } else if (t == byte.class) {
              f.setByte(m, Byte.decode(value));
            } else if (t == boolean.class) {
              f.setBoolean(m, parseBool(value));
            } else if (t == String.class) {
              f.set(m, value);
            } else {
              throw new IllegalStateException("unsupported parameter type " + t);
            }
            return 0;
          } catch (NumberFormatException | IllegalAccessException e) {
            kernel.dmesg().log(4, String.format("%s: '%s' invalid for parameter '%s'", m.name(), value, name));
            return -EINVAL;
          } catch (IllegalArgumentException e) {
            kernel.dmesg().log(4, String.format("%s: '%s' invalid for parameter '%s'", m.name(), value, name));
            return -EINVAL;
          }
        }
      }
    }
    kernel.dmesg().log(4, String.format("%s: Unknown parameter `%s'", m.name(), name));
    return -ENOENT;
  }

  private static boolean parseBool(String v) {
    switch (v) {
      case "1", "y", "Y", "true" -> {
        return true;
      }
      case "0", "n", "N", "false" -> {
        return false;
      }
      default -> throw new IllegalArgumentException(v);
    }
  }

  /** Unloads the module named {@code name}: 0, -ENOENT if not loaded, -EBUSY if in use. */
  public int rmmod(String name) {
    try (Kernel.Scope s = kernel.enter()) {
      KernelModule m = find(name);
      if (m == null) {
        return -ENOENT;
      }
      if (m.refcount() > 0) {
        return -EBUSY;
      }
      m.setState(KernelModule.State.GOING);
      kernel.callDriver(m, () -> {
        m.callExit();
        return 0;
      });
      synchronized (this) {
        loaded.remove(m);
      }
      m.setState(KernelModule.State.UNLOADED);
      reportLeftovers(m, "unloaded but left");
      return 0;
    }
  }

  private void reportLeftovers(KernelModule m, String what) {
    for (Leftover l : kernel.pci().leaksNotYetReported(m, leftovers(m))) {
      kernel.bugs().reportAt(Check.LEAK, null, "module " + m.name() + " " + what + ": " + l.description(), null,
          null);
    }
  }

  /** Everything {@code m} still owns, one description per resource. */
  public List<String> leftoversOf(KernelModule m) {
    return leftovers(m).stream().map(Leftover::description).toList();
  }

  /** As {@link #leftoversOf}, each with the kernel's record of the resource (what has none: its text). */
  private List<Leftover> leftovers(KernelModule m) {
    List<Leftover> out = new ArrayList<>();
    kernel.mem().liveAllocations().stream().filter(a -> a.owner() == m).forEach(a -> out.add(new Leftover(a,
        String.format("kmalloc'ed %d bytes at %#x (allocated at %s)", a.size(), a.va(), a.site()))));
    kernel.mem().vmallocMappings().stream().filter(x -> x.owner == m).forEach(x -> out.add(new Leftover(x,
        String.format("vmalloc'ed %d bytes at %#x (allocated at %s)", x.size(), x.va(), x.site))));
    kernel.mem().ioMappings().stream().filter(x -> x.owner == m).forEach(x -> out.add(new Leftover(x,
        x.device != null ? PciCore.describeBarMapping(x)
            : String.format("%s mapping of %#x bytes at %#x (made at %s)", x.kind(), x.size(), x.va(), x.site))));
    kernel.mem().pins().stream().filter(x -> x.owner() == m).forEach(x -> out.add(new Leftover(x, String.format(
        "%s of user %s (taken at %s)", x.pinned() ? "pin" : "get_user_pages reference", x.page(), x.site()))));
    kernel.chrdev().leftoversOf(m).forEach(t -> out.add(new Leftover(t, t)));
    kernel.pci().leftoversOf(m).forEach(t -> out.add(new Leftover(t, t)));
    out.addAll(kernel.irq().leftovers(m, null));
    out.addAll(kernel.dma().leftovers(m, null));
    kernel.timers().leftoversOf(m).forEach(t -> out.add(new Leftover(t, t)));
    return out;
  }

  public synchronized KernelModule find(String name) {
    for (KernelModule m : loaded) {
      if (m.name().equals(name)) {
        return m;
      }
    }
    return null;
  }

  public synchronized List<KernelModule> loaded() {
    return List.copyOf(loaded);
  }

  /** lsmod's table. */
  public synchronized String lsmod() {
    StringBuilder sb = new StringBuilder(String.format("%-19s %7s  %s%n", "Module", "Size", "Used by"));
    for (int i = loaded.size() - 1; i >= 0; i--) {
      KernelModule m = loaded.get(i);
      sb.append(String.format("%-19s %7d  %d%n", m.name(), 16384, m.refcount()));
    }
    return sb.toString();
  }

  /** /proc/modules. */
  public synchronized String procModules() {
    StringBuilder sb = new StringBuilder();
    for (KernelModule m : loaded) {
      sb.append(String.format("%s 16384 %d - %s 0x0000000000000000%n", m.name(), m.refcount(),
          m.state() == KernelModule.State.LIVE ? "Live" : m.state() == KernelModule.State.COMING ? "Loading" : "Unloading"));
    }
    return sb.toString();
  }
}
