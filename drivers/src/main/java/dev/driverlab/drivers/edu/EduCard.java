package dev.driverlab.drivers.edu;

import static dev.driverlab.drivers.edu.EduRegs.*;
import static dev.driverlab.kernel.io.Io.ioread32;
import static dev.driverlab.kernel.io.Io.iowrite32;
import static dev.driverlab.kernel.io.Io.writeq;
import static dev.driverlab.kernel.irq.Irq.IRQ_HANDLED;
import static dev.driverlab.kernel.irq.Irq.IRQ_NONE;
import static dev.driverlab.kernel.mm.Mm.memset;
import static dev.driverlab.kernel.pci.Pci.PCI_COMMAND;
import static dev.driverlab.kernel.pci.Pci.PCI_COMMAND_MASTER;
import static dev.driverlab.kernel.pci.Pci.pci_read_config_word;
import static dev.driverlab.kernel.printk.Printk.dev_err;
import static dev.driverlab.kernel.sched.Sched.msecs_to_jiffies;
import static dev.driverlab.kernel.sched.Sched.msleep;
import static dev.driverlab.kernel.sched.Wait.complete;
import static dev.driverlab.kernel.sched.Wait.reinit_completion;
import static dev.driverlab.kernel.sched.Wait.wait_for_completion_timeout;
import static dev.driverlab.kernel.uapi.Errno.EBUSY;
import static dev.driverlab.kernel.uapi.Errno.ETIMEDOUT;

import dev.driverlab.kernel.fs.Cdev;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.sched.Completion;
import dev.driverlab.kernel.sched.Mutex;

/**
 * One bound edu card ({@code struct edu_dev} in a C driver): its mapped registers, its coherent bounce
 * buffer, its interrupt and completions, and the device operations. The operations run in process
 * context with {@link #lock} held (the card has one factorial engine, one DMA engine and one bounce
 * buffer); {@link #interrupt} runs in hard-IRQ context.
 *
 * <p>Every operation that waits for the device follows the same pattern: make sure the engine is idle,
 * {@code reinit_completion} (so a late interrupt from an earlier, timed-out request cannot complete this
 * one), program the registers, start, {@code wait_for_completion_timeout}. The completion interrupt is
 * mandatory here: without it the wait times out, and dmesg says why when the driver can tell.
 */
final class EduCard {
  /** How often and how long {@link #waitDmaIdle} polls an engine still busy with a timed-out transfer. */
  private static final int IDLE_POLL_MS = 10, IDLE_POLLS = 50;

  final PciDev pdev;
  final int minor;
  /** How long factorial and DMA requests wait for their completion interrupt. */
  final int timeoutMs;
  final Cdev cdev = new Cdev();
  final Mutex lock;
  final Completion factDone = new Completion();
  final Completion dmaDone = new Completion();

  /** BAR0 as pci_iomap returned it. */
  long bar0;
  /** Kernel address and bus address of the 4 KiB coherent bounce buffer. */
  long buf;
  final long[] bufDma = new long[1];
  /** The Linux IRQ number (an MSI vector, or the INTx line). */
  int irq;
  /** True when the interrupt is an MSI, false for (shared) INTx. */
  boolean msi;
  /** Set by remove: open files of a removed card fail with -ENODEV. */
  boolean gone;

  // Interrupt statistics (read by tests, as a C driver would expose them in debugfs).
  long irqsHandled;
  long irqsNotOurs;

  EduCard(PciDev pdev, int minor, int timeoutMs) {
    this.pdev = pdev;
    this.minor = minor;
    this.timeoutMs = timeoutMs;
    this.lock = new Mutex("edu" + minor + "->lock");
  }

  // ---- interrupt (hard-IRQ context: no sleeping) ---------------------------------------------------

  /**
   * The interrupt handler (§B.1 "ISR pattern"). With INTx the line may be shared, so a card whose irq
   * status is 0 did not interrupt and says {@code IRQ_NONE}. All ones means the card no longer answers
   * (surprise removal), which is not ours either. Otherwise ack exactly the causes read, so a cause
   * raised in between stays pending and fires again, and wake whoever waits for each cause.
   */
  int interrupt(int irqNo, Object devId) {
    int status = ioread32(bar0 + REG_IRQ_STATUS);
    if (status == 0 || status == 0xffff_ffff) {
      irqsNotOurs++;
      return IRQ_NONE;
    }
    iowrite32(status, bar0 + REG_IRQ_ACK);
    irqsHandled++;
    if ((status & IRQ_FACT) != 0) {
      complete(factDone);
    }
    if ((status & IRQ_DMA) != 0) {
      complete(dmaDone);
    }
    return IRQ_HANDLED;
  }

  // ---- device operations (process context, lock held) ----------------------------------------------

  int ident() {
    return ioread32(bar0 + REG_IDENT);
  }

  /** Writes {@code value} to liveness and returns what the card reads back: {@code ~value} (§A.4). */
  int liveness(int value) {
    iowrite32(value, bar0 + REG_LIVENESS);
    return ioread32(bar0 + REG_LIVENESS);
  }

  /**
   * Computes {@code n!} mod 2^32 on the card. IRQFACT is written before the input because the card
   * samples it once, when the result is ready (§A.5). Returns 0 with the result in {@code result[0]},
   * or -ETIMEDOUT.
   */
  int factorial(int n, int[] result) {
    reinit_completion(factDone);
    iowrite32(STATUS_IRQFACT, bar0 + REG_STATUS);
    iowrite32(n, bar0 + REG_FACTORIAL);
    if (wait_for_completion_timeout(factDone, msecs_to_jiffies(timeoutMs)) == 0) {
      explainTimeout("factorial");
      return -ETIMEDOUT;
    }
    result[0] = ioread32(bar0 + REG_FACTORIAL);
    return 0;
  }

  /**
   * Moves {@code len} bytes from the start of the bounce buffer to {@code offset} in the card's DMA
   * buffer (direction 0, RAM → device). 0, -ETIMEDOUT or -EBUSY.
   */
  int dmaToDevice(int offset, int len) {
    return runDma(bufDma[0], DMA_BUFFER_ADDR + offset, len, 0, "DMA to device");
  }

  /**
   * Moves {@code len} bytes from {@code offset} in the card's DMA buffer to the start of the bounce
   * buffer (direction 1, device → RAM). The bounce buffer is cleared first, so a transfer the fabric
   * refused reads back as zeros instead of as the previous transfer's data. 0, -ETIMEDOUT or -EBUSY.
   */
  int dmaFromDevice(int offset, int len) {
    memset(buf, 0, len);
    return runDma(DMA_BUFFER_ADDR + offset, bufDma[0], len, DMA_CMD_TO_RAM, "DMA from device");
  }

  private int runDma(long src, long dst, int len, int direction, String what) {
    int rc = waitDmaIdle();
    if (rc != 0) {
      dev_err(pdev.dev, "%s refused: the DMA engine is still busy with an earlier transfer\n", what);
      return rc;
    }
    reinit_completion(dmaDone);
    writeq(src, bar0 + REG_DMA_SRC);
    writeq(dst, bar0 + REG_DMA_DST);
    writeq(len, bar0 + REG_DMA_COUNT);
    writeq(DMA_CMD_RUN | direction | DMA_CMD_IRQ, bar0 + REG_DMA_CMD);
    if (wait_for_completion_timeout(dmaDone, msecs_to_jiffies(timeoutMs)) == 0) {
      explainTimeout(what);
      return -ETIMEDOUT;
    }
    return 0;
  }

  /**
   * Waits until the DMA engine is idle. It is busy only after a request timed out: the card has no
   * abort (§A.7), and while RUN is set it ignores new commands. 0, or -EBUSY after half a second.
   */
  int waitDmaIdle() {
    for (int polls = 0; (ioread32(bar0 + REG_DMA_CMD) & DMA_CMD_RUN) != 0; polls++) {
      if (polls == IDLE_POLLS) {
        return -EBUSY;
      }
      msleep(IDLE_POLL_MS);
    }
    return 0;
  }

  /**
   * Stops the card raising interrupts before its handler goes away: no factorial interrupt, no DMA in
   * flight (a late DMA would write into a freed bounce buffer), and no cause left pending (which, with
   * INTx, would keep a shared line asserted with nobody to ack it).
   */
  void quiesce() {
    iowrite32(0, bar0 + REG_STATUS);
    if (waitDmaIdle() != 0) {
      dev_err(pdev.dev, "DMA engine still busy at remove; freeing its buffer anyway\n");
    }
    iowrite32(ioread32(bar0 + REG_IRQ_STATUS), bar0 + REG_IRQ_ACK);
  }

  /**
   * Says in dmesg why a completion interrupt did not come. The usual cause is bus mastering: without
   * Bus Master Enable the card can neither DMA nor send an MSI, which is a memory write (§A.6).
   */
  private void explainTimeout(String what) {
    int[] cmd = new int[1];
    pci_read_config_word(pdev, PCI_COMMAND, cmd);
    if ((cmd[0] & PCI_COMMAND_MASTER) == 0) {
      dev_err(pdev.dev, "%s timed out after %d ms: bus mastering is off (PCI_COMMAND %#06x), so the device can "
          + "neither DMA nor send MSIs; was pci_set_master() called?\n", what, timeoutMs, cmd[0]);
    } else {
      dev_err(pdev.dev, "%s timed out after %d ms (irq status %#x, dma cmd %#x)\n", what, timeoutMs,
          ioread32(bar0 + REG_IRQ_STATUS), ioread32(bar0 + REG_DMA_CMD));
    }
  }

  /** The device node's name, e.g. "edu0". */
  String nodeName() {
    return "edu" + minor;
  }
}
