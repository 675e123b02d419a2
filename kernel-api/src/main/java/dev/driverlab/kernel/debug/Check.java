package dev.driverlab.kernel.debug;

/**
 * The catalogue of driver-bug checks, grouped as a debug Linux kernel groups them. Each report names
 * its check; tests fail on any report unless they expect it.
 */
public enum Check {
  /** Resources a module or driver still holds at remove/rmmod (kmemleak, devres, DMA-API debug). */
  LEAK("leak"),
  /** kfree/vfree of something that is not live. */
  KFREE("kfree"),
  /** DMA-API misuse: bad unmap, missing mapping-error check, wrong direction, CPU access without sync. */
  DMA_API("DMA-API"),
  /** The device's TLPs compared with the driver's live DMA mappings. */
  DMA_TLP("DMA-TLP"),
  /** MMIO before pci_enable_device, after iounmap, beyond a BAR. */
  MMIO("MMIO"),
  /** Sleeping in atomic context, lock misuse (might_sleep, lockdep). */
  ATOMIC_SLEEP("might_sleep"),
  LOCKDEP("lockdep"),
  /** IRQ misuse: free of unknown dev_id, unhandled interrupts (nobody cared), storms. */
  IRQ("irq"),
  /** copy_*_user misuse and ioctl size mismatches. */
  USERCOPY("usercopy"),
  /** PCI core misuse: double disable, releasing unclaimed regions. */
  PCI("pci"),
  /** The link itself: a TLP that breaks the PCIe rules DriverLab models (a broken device model). */
  PCIE("PCIe"),
  /** An oops: the kernel touched memory it may not. */
  OOPS("oops"),
  /** Anything else Linux would WARN about. */
  WARN("warn");

  private final String label;

  Check(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
