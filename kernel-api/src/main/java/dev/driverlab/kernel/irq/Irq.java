package dev.driverlab.kernel.irq;

import static dev.driverlab.kernel.uapi.Errno.*;

import dev.driverlab.devices.pcie.Firmware;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.io.Io;
import dev.driverlab.kernel.pci.PciCore;
import dev.driverlab.kernel.pci.PciDev;

/**
 * Interrupt entry points with Linux names (include/linux/interrupt.h, drivers/pci/msi/api.c).
 * Handlers run in hard-IRQ context: they must not sleep.
 */
public final class Irq {
  private Irq() {}

  public static final int IRQ_NONE = IrqCore.IRQ_NONE, IRQ_HANDLED = IrqCore.IRQ_HANDLED;
  public static final int IRQ_WAKE_THREAD = IrqCore.IRQ_WAKE_THREAD;
  public static final long IRQF_SHARED = IrqCore.IRQF_SHARED, IRQF_ONESHOT = IrqCore.IRQF_ONESHOT;
  public static final int PCI_IRQ_INTX = 1, PCI_IRQ_LEGACY = 1, PCI_IRQ_MSI = 2, PCI_IRQ_MSIX = 4;
  public static final int PCI_IRQ_ALL_TYPES = 7;

  /** request_irq: 0, -EINVAL (bad irq, shared without dev_id, no handler), -EBUSY (line taken). May sleep. */
  public static int request_irq(int irq, IrqHandler handler, long flags, String name, Object devId) {
    Kernel k = Kernel.current();
    return k.irq().request(irq, handler, null, flags, name, devId, deviceFor(k, irq));
  }

  public static int request_threaded_irq(int irq, IrqHandler handler, IrqHandler threadFn, long flags, String name,
      Object devId) {
    Kernel k = Kernel.current();
    return k.irq().request(irq, handler, threadFn, flags, name, devId, deviceFor(k, irq));
  }

  private static PciDev deviceFor(Kernel k, int irq) {
    PciDev probing = k.pci().currentDevice();
    if (probing != null) {
      return probing;
    }
    // Outside probe: book the handler under the device whose vectors the requesting module allocated
    // (a shared INTx line also carries other drivers' handlers).
    Object module = k.currentModule();
    for (PciDev d : k.pci().devices()) {
      if (d.irqVectors().contains(irq) && d.vectorsOwner() == module) {
        return d;
      }
    }
    return null;
  }

  /** free_irq: returns the name passed to request_irq, or null (with a warning) if dev_id is unknown. */
  public static String free_irq(int irq, Object devId) {
    return Kernel.current().irq().free(irq, devId);
  }

  public static void disable_irq(int irq) {
    Kernel.current().irq().disable(irq);
  }

  public static void enable_irq(int irq) {
    Kernel.current().irq().enable(irq);
  }

  /**
   * pci_alloc_irq_vectors: tries MSI-X, then MSI, then INTx, as {@code flags} allow. Returns the number
   * of vectors (≥ min), -ENOSPC if fewer than {@code min} are possible, -EINVAL for bad arguments.
   */
  public static int pci_alloc_irq_vectors(PciDev dev, int min, int max, int flags) {
    Kernel k = Kernel.current();
    if (min < 1 || max < min || (flags & PCI_IRQ_ALL_TYPES) == 0) {
      return -EINVAL;
    }
    if (!dev.irqVectors().isEmpty()) {
      k.bugs().report(Check.IRQ, dev, "pci_alloc_irq_vectors called twice without pci_free_irq_vectors");
      return -EINVAL;
    }
    PciCore pci = k.pci();
    if ((flags & PCI_IRQ_MSIX) != 0 && dev.msix_cap != 0) {
      int table = pci.read(dev, dev.msix_cap + 2, 2) & 0x7ff;
      int n = Math.min(max, table + 1);
      if (n >= min) {
        int first = k.irq().allocMsiIrqs(n, "PCI-MSIX-" + dev.name());
        int tbl = pci.read(dev, dev.msix_cap + 4, 4);
        long base = dev.resource[tbl & 7].start + (tbl & ~7L & 0xffffffffL);
        long va = Io.ioremap(base, 16L * n);
        for (int i = 0; i < n; i++) {
          Io.iowrite32((int) Firmware.MSI_BASE, va + 16L * i);
          Io.iowrite32(0, va + 16L * i + 4);
          Io.iowrite32(first + i, va + 16L * i + 8);
          Io.iowrite32(0, va + 16L * i + 12);
        }
        Io.iounmap(va);
        int ctl = pci.read(dev, dev.msix_cap + 2, 2);
        pci.write(dev, dev.msix_cap + 2, 2, (ctl | 0x8000) & ~0x4000);
        dev.msix_enabled = true;
        pci.setVectors(dev, first, n, PCI_IRQ_MSIX);
        return n;
      }
    }
    if ((flags & PCI_IRQ_MSI) != 0 && dev.msi_cap != 0) {
      int ctl = pci.read(dev, dev.msi_cap + 2, 2);
      int capable = 1 << ((ctl >>> 1) & 7);
      int n = Integer.highestOneBit(Math.min(max, capable));
      if (n >= min) {
        int first = k.irq().allocMsiIrqsAligned(n, "PCI-MSI-" + dev.name());
        boolean is64 = (ctl & 0x80) != 0;
        pci.write(dev, dev.msi_cap + 4, 4, (int) Firmware.MSI_BASE);
        if (is64) {
          pci.write(dev, dev.msi_cap + 8, 4, 0);
        }
        pci.write(dev, dev.msi_cap + (is64 ? 0xc : 0x8), 2, first);
        int mme = Integer.numberOfTrailingZeros(n);
        pci.write(dev, dev.msi_cap + 2, 2, (ctl & ~0x70) | mme << 4 | 1);
        int cmd = pci.read(dev, PciCore.COMMAND_OFFSET, 2);
        pci.write(dev, PciCore.COMMAND_OFFSET, 2, cmd | PciCore.COMMAND_INTX_DISABLE);
        dev.msi_enabled = true;
        pci.setVectors(dev, first, n, PCI_IRQ_MSI);
        return n;
      }
    }
    if ((flags & PCI_IRQ_INTX) != 0 && min == 1 && dev.irq != 0) {
      int cmd = pci.read(dev, PciCore.COMMAND_OFFSET, 2);
      if ((cmd & PciCore.COMMAND_INTX_DISABLE) != 0) {
        pci.write(dev, PciCore.COMMAND_OFFSET, 2, cmd & ~PciCore.COMMAND_INTX_DISABLE);
      }
      pci.setVectors(dev, dev.irq, 1, PCI_IRQ_INTX);
      return 1;
    }
    return -ENOSPC;
  }

  /** pci_irq_vector: the Linux IRQ number of vector {@code nr}, or -EINVAL. */
  public static int pci_irq_vector(PciDev dev, int nr) {
    var v = dev.irqVectors();
    if (v.isEmpty()) {
      return nr == 0 && dev.irq != 0 ? dev.irq : -EINVAL;
    }
    return nr >= 0 && nr < v.size() ? v.get(nr) : -EINVAL;
  }

  /** pci_free_irq_vectors: all free_irq calls must come first (reported otherwise). */
  public static void pci_free_irq_vectors(PciDev dev) {
    Kernel k = Kernel.current();
    PciCore pci = k.pci();
    var vectors = dev.irqVectors();
    for (int irq : vectors) {
      if (!k.irq().leftoversOf(null, dev).isEmpty() && k.irq().hasHandler(irq)) {
        k.bugs().report(Check.IRQ, dev, "pci_free_irq_vectors while IRQ " + irq + " still has a handler "
            + "(call free_irq first)");
      }
    }
    if (dev.msix_enabled) {
      int ctl = pci.read(dev, dev.msix_cap + 2, 2);
      pci.write(dev, dev.msix_cap + 2, 2, ctl & ~0x8000);
      dev.msix_enabled = false;
      vectors.forEach(k.irq()::freeMsiIrq);
    } else if (dev.msi_enabled) {
      int ctl = pci.read(dev, dev.msi_cap + 2, 2);
      pci.write(dev, dev.msi_cap + 2, 2, ctl & ~1);
      int cmd = pci.read(dev, PciCore.COMMAND_OFFSET, 2);
      pci.write(dev, PciCore.COMMAND_OFFSET, 2, cmd & ~PciCore.COMMAND_INTX_DISABLE);
      dev.msi_enabled = false;
      vectors.forEach(k.irq()::freeMsiIrq);
    }
    pci.clearVectors(dev);
  }

  /** Legacy pci_enable_msi: one MSI vector, which becomes dev.irq. 0 or -errno. */
  public static int pci_enable_msi(PciDev dev) {
    int r = pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSI);
    if (r < 0) {
      return r;
    }
    Kernel.current().pci().setLegacyIrq(dev, dev.irqVectors().get(0));
    return 0;
  }

  public static void pci_disable_msi(PciDev dev) {
    pci_free_irq_vectors(dev);
    Kernel.current().pci().restoreLegacyIrq(dev);
  }
}
