package dev.driverlab.drivers.simpledma;

import static dev.driverlab.drivers.simpledma.SimpleDmaRegs.*;
import static dev.driverlab.drivers.simpledma.SimpleDmaUapi.*;
import static dev.driverlab.kernel.io.Io.memcpy_fromio;
import static dev.driverlab.kernel.io.Io.memcpy_toio;
import static dev.driverlab.kernel.io.Io.readl;
import static dev.driverlab.kernel.io.Io.writel;
import static dev.driverlab.kernel.io.Io.writeq;
import static dev.driverlab.kernel.irq.Irq.IRQ_HANDLED;
import static dev.driverlab.kernel.irq.Irq.IRQ_NONE;
import static dev.driverlab.kernel.mm.Uaccess.access_ok;
import static dev.driverlab.kernel.mm.Uaccess.copy_from_user;
import static dev.driverlab.kernel.mm.Uaccess.copy_to_user;
import static dev.driverlab.kernel.pci.Pci.PCI_COMMAND;
import static dev.driverlab.kernel.pci.Pci.PCI_COMMAND_MASTER;
import static dev.driverlab.kernel.pci.Pci.pci_read_config_word;
import static dev.driverlab.kernel.pci.Pci.pcie_get_mps;
import static dev.driverlab.kernel.pci.Pci.pcie_get_readrq;
import static dev.driverlab.kernel.printk.Printk.dev_err;
import static dev.driverlab.kernel.printk.Printk.dev_warn;
import static dev.driverlab.kernel.sched.Locks.mutex_lock;
import static dev.driverlab.kernel.sched.Locks.mutex_lock_interruptible;
import static dev.driverlab.kernel.sched.Locks.mutex_unlock;
import static dev.driverlab.kernel.sched.Locks.spin_lock;
import static dev.driverlab.kernel.sched.Locks.spin_lock_irqsave;
import static dev.driverlab.kernel.sched.Locks.spin_unlock;
import static dev.driverlab.kernel.sched.Locks.spin_unlock_irqrestore;
import static dev.driverlab.kernel.sched.Sched.ktime_get;
import static dev.driverlab.kernel.sched.Sched.msecs_to_jiffies;
import static dev.driverlab.kernel.sched.Wait.complete;
import static dev.driverlab.kernel.sched.Wait.reinit_completion;
import static dev.driverlab.kernel.sched.Wait.wait_for_completion_timeout;
import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static dev.driverlab.kernel.uapi.Errno.EIO;
import static dev.driverlab.kernel.uapi.Errno.ENODEV;
import static dev.driverlab.kernel.uapi.Errno.ENOTTY;
import static dev.driverlab.kernel.uapi.Errno.ETIMEDOUT;

import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.fs.Cdev;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.sched.Completion;
import dev.driverlab.kernel.sched.Mutex;
import dev.driverlab.kernel.sched.Spinlock;

/**
 * One simple-dma card bound to the driver ({@code struct sdma_card} in C): its mappings, its DMA
 * buffer, its interrupt and char device, and the operations its ioctls perform. {@link SimpleDmaDriver}
 * builds it in probe and tears it down in remove.
 *
 * <h2>One transfer (SDMA_IOC_TRANSFER)</h2>
 * <pre>
 *  process context                                   hard-IRQ context
 *  ───────────────                                   ────────────────
 *  check the request          (-EINVAL, -EFAULT: hardware untouched)
 *  mutex: one transfer per card at a time
 *  TO_DEVICE: copy_from_user → coherent buffer
 *  DST_ADDR, SRC_ADDR (one 64-bit store), SIZE, DIRECTION, CONTROL.START
 *  wait_for_completion_timeout ─┐       engine: MRds + CplDs, or MWrs; then MSI / INTA#
 *                               │                 irq handler: INT_STATUS == 0? IRQ_NONE (shared INTx)
 *                               │                              ack INT_STATUS (W1C), ERROR_CAUSE if ERROR
 *                               └──────────────────────────── complete()
 *  ERROR? dev_err naming ERROR_CAUSE, -EIO
 *  FROM_DEVICE: coherent buffer → copy_to_user
 *  bus_addr and elapsed_ns back to the caller
 * </pre>
 * The driver itself makes the device send nothing but what the transfer needs: the register stores
 * and the interrupt acknowledge are the CPU's TLPs, so a 32-byte host → device transfer shows on the
 * link as exactly one MRd from the card, one CplD back to it and one MSI write (seed-examples.md §2).
 *
 * <p>If no interrupt arrives in {@link #TIMEOUT_MS} the driver reads STATUS itself: a finished
 * transfer whose interrupt was lost (MSI is a memory write, so without Bus Master Enable it is never
 * sent) is still reported with its real outcome, and a warning says why the interrupt went missing.
 */
final class SimpleDmaCard {
  /** How long a transfer may take before the driver looks at STATUS itself (64 KiB needs ~30 µs). */
  static final int TIMEOUT_MS = 100;

  final PciDev pdev;
  final int minor;
  final Cdev cdev = new Cdev();
  Device node;
  long regs;
  long ram;
  int ramSize;
  int id;
  long buf;
  long bufBus;
  int bufSize;
  int irq;
  boolean msi;
  boolean busMaster;
  /** Set in remove ({@link #markGone}): ioctls on a file still open fail with -ENODEV. */
  private boolean gone;

  /** Serializes transfers: the engine runs one descriptor at a time. */
  private final Mutex xferLock = new Mutex("simple_dma xfer");
  /** Guards what the interrupt handler hands to the waiting transfer. */
  private final Spinlock irqLock = new Spinlock("simple_dma irq");
  private final Completion done = new Completion();
  private int irqStatus;
  private int irqCause;
  private long irqTimeNs;

  SimpleDmaCard(PciDev pdev, int minor) {
    this.pdev = pdev;
    this.minor = minor;
  }

  /** Remove: waits for a transfer in flight to finish, then fails every later ioctl with -ENODEV. */
  void markGone() {
    mutex_lock(xferLock);
    gone = true;
    mutex_unlock(xferLock);
  }

  // ---- interrupt --------------------------------------------------------------------------------

  /**
   * The interrupt handler (hard-IRQ context: no sleeping). On a shared INTx line it may be called for
   * another device's interrupt: INT_STATUS 0 says it is not ours. All ones means the card is gone.
   */
  int irqHandler(int irqNo, Object devId) {
    int status = readl(regs + REG_INT_STATUS);
    if (status == 0 || status == -1) {
      return IRQ_NONE;
    }
    writel(status, regs + REG_INT_STATUS); // W1C: acknowledges, and lowers INTA#
    int cause = (status & INT_ERROR) != 0 ? readl(regs + REG_ERROR_CAUSE) : ERR_NONE;
    spin_lock(irqLock);
    irqStatus |= status;
    irqCause = cause;
    irqTimeNs = ktime_get();
    spin_unlock(irqLock);
    complete(done);
    return IRQ_HANDLED;
  }

  // ---- ioctl ------------------------------------------------------------------------------------

  long ioctl(int cmd, long arg) {
    if (gone) {
      return -ENODEV;
    }
    if (cmd == SDMA_IOC_INFO) {
      return info(arg);
    }
    if (cmd == SDMA_IOC_TRANSFER) {
      return transfer(arg);
    }
    if (cmd == SDMA_IOC_READ_RAM || cmd == SDMA_IOC_WRITE_RAM) {
      return ramIo(arg, cmd == SDMA_IOC_WRITE_RAM);
    }
    return -ENOTTY;
  }

  private long info(long arg) {
    byte[] b = new byte[SDMA_INFO_SIZE];
    putLe32(b, INFO_ID, id);
    putLe32(b, INFO_RAM_SIZE, ramSize);
    putLe64(b, INFO_BUF_BUS_ADDR, bufBus);
    putLe32(b, INFO_BUF_SIZE, bufSize);
    putLe32(b, INFO_IRQ_MODE, msi ? SDMA_IRQ_MSI : SDMA_IRQ_INTX);
    putLe32(b, INFO_MAX_READ_REQ, pcie_get_readrq(pdev));
    putLe32(b, INFO_MAX_PAYLOAD, pcie_get_mps(pdev));
    return copy_to_user(arg, b, SDMA_INFO_SIZE) != 0 ? -EFAULT : 0;
  }

  /** Whether [offset, offset + length) is a non-empty range of device RAM (unsigned 32-bit fields). */
  private boolean inRam(int offset, int length) {
    long off = offset & 0xffffffffL;
    long len = length & 0xffffffffL;
    return len != 0 && off + len <= ramSize;
  }

  private long transfer(long arg) {
    byte[] req = new byte[SDMA_TRANSFER_SIZE];
    if (copy_from_user(req, arg, SDMA_TRANSFER_SIZE) != 0) {
      return -EFAULT;
    }
    int dir = getLe32(req, XFER_DIRECTION);
    int devOffset = getLe32(req, XFER_DEV_OFFSET);
    long user = getLe64(req, XFER_USER_ADDR);
    int length = getLe32(req, XFER_LENGTH);
    if (getLe32(req, XFER_FLAGS) != 0 || (dir != SDMA_TO_DEVICE && dir != SDMA_FROM_DEVICE)
        || !inRam(devOffset, length) || length > bufSize) {
      return -EINVAL;
    }
    if (!access_ok(user, length)) {
      return -EFAULT;
    }
    int r = mutex_lock_interruptible(xferLock);
    if (r != 0) {
      return r;
    }
    try {
      if (gone) {
        return -ENODEV;
      }
      if (dir == SDMA_TO_DEVICE && copy_from_user(buf, user, length) != 0) {
        return -EFAULT;
      }
      long[] elapsed = new long[1];
      int rc = runEngine(dir, devOffset, length, elapsed);
      if (rc != 0) {
        return rc;
      }
      if (dir == SDMA_FROM_DEVICE && copy_to_user(user, buf, length) != 0) {
        return -EFAULT;
      }
      byte[] out = new byte[16];
      putLe64(out, 0, bufBus);
      putLe64(out, 8, elapsed[0]);
      return copy_to_user(arg + XFER_BUS_ADDR, out, 16) != 0 ? -EFAULT : 0;
    } finally {
      mutex_unlock(xferLock);
    }
  }

  /** Programs one descriptor, rings the doorbell and waits for the outcome. 0, -EIO or -ETIMEDOUT. */
  private int runEngine(int dir, int devOffset, int length, long[] elapsedNs) {
    reinit_completion(done);
    long flags = spin_lock_irqsave(irqLock);
    irqStatus = 0;
    irqCause = ERR_NONE;
    spin_unlock_irqrestore(irqLock, flags);

    long start = ktime_get();
    writel(devOffset, regs + REG_DST_ADDR);
    writeq(bufBus, regs + REG_SRC_ADDR_LO);
    writel(length, regs + REG_SIZE);
    writel(dir, regs + REG_DIRECTION);
    writel(CONTROL_START, regs + REG_CONTROL);

    int status;
    int cause;
    long end;
    if (wait_for_completion_timeout(done, msecs_to_jiffies(TIMEOUT_MS)) != 0) {
      flags = spin_lock_irqsave(irqLock);
      status = irqStatus;
      cause = irqCause;
      end = irqTimeNs;
      spin_unlock_irqrestore(irqLock, flags);
    } else {
      int engine = readl(regs + REG_STATUS);
      if ((engine & STATUS_BUSY) != 0 || (engine & STATUS_DONE) == 0) {
        dev_err(pdev.dev, "DMA %s of %d bytes: no completion after %d ms (STATUS %#x)\n", dirName(dir), length,
            TIMEOUT_MS, engine);
        return -ETIMEDOUT;
      }
      status = readl(regs + REG_INT_STATUS);
      writel(status, regs + REG_INT_STATUS);
      cause = (engine & STATUS_ERROR) != 0 ? readl(regs + REG_ERROR_CAUSE) : ERR_NONE;
      status |= (engine & STATUS_ERROR) != 0 ? INT_ERROR : 0;
      end = ktime_get();
      dev_warn(pdev.dev, "DMA %s: the transfer finished but its interrupt never came%s\n", dirName(dir),
          masterEnabled() ? "" : " (MSI is a memory write: it needs Bus Master Enable too)");
    }
    elapsedNs[0] = end - start;
    if ((status & INT_ERROR) != 0) {
      dev_err(pdev.dev, "DMA %s of %d bytes at device RAM %#x failed: ERROR_CAUSE %d (%s): %s\n", dirName(dir),
          length, devOffset, cause, causeName(cause), causeMeaning(cause));
      return -EIO;
    }
    return 0;
  }

  private boolean masterEnabled() {
    int[] cmd = new int[1];
    pci_read_config_word(pdev, PCI_COMMAND, cmd);
    return (cmd[0] & PCI_COMMAND_MASTER) != 0;
  }

  private static String dirName(int dir) {
    return dir == SDMA_TO_DEVICE ? "to device" : "from device";
  }

  /** READ_RAM / WRITE_RAM: device RAM through BAR1 with CPU loads and stores, no DMA. */
  private long ramIo(long arg, boolean write) {
    byte[] req = new byte[SDMA_RAM_IO_SIZE];
    if (copy_from_user(req, arg, SDMA_RAM_IO_SIZE) != 0) {
      return -EFAULT;
    }
    int devOffset = getLe32(req, RAMIO_DEV_OFFSET);
    int length = getLe32(req, RAMIO_LENGTH);
    long user = getLe64(req, RAMIO_USER_ADDR);
    if (!inRam(devOffset, length)) {
      return -EINVAL;
    }
    if (!access_ok(user, length)) {
      return -EFAULT;
    }
    byte[] data = new byte[length];
    if (write) {
      if (copy_from_user(data, user, length) != 0) {
        return -EFAULT;
      }
      memcpy_toio(ram + devOffset, data, length);
      return 0;
    }
    memcpy_fromio(data, ram + devOffset, length);
    return copy_to_user(user, data, length) != 0 ? -EFAULT : 0;
  }
}
