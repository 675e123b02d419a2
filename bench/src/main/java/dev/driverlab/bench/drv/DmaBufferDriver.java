package dev.driverlab.bench.drv;

import static dev.driverlab.kernel.dma.Dma.DMA_BIT_MASK;
import static dev.driverlab.kernel.dma.Dma.dma_alloc_coherent;
import static dev.driverlab.kernel.dma.Dma.dma_free_coherent;
import static dev.driverlab.kernel.dma.Dma.dma_set_coherent_mask;
import static dev.driverlab.kernel.dma.Dma.dma_set_mask;
import static dev.driverlab.kernel.mm.Mm.GFP_KERNEL;
import static dev.driverlab.kernel.pci.Pci.PCI_DEVICE;
import static dev.driverlab.kernel.pci.Pci.pci_clear_master;
import static dev.driverlab.kernel.pci.Pci.pci_disable_device;
import static dev.driverlab.kernel.pci.Pci.pci_enable_device;
import static dev.driverlab.kernel.pci.Pci.pci_register_driver;
import static dev.driverlab.kernel.pci.Pci.pci_set_master;
import static dev.driverlab.kernel.pci.Pci.pci_unregister_driver;
import static dev.driverlab.kernel.uapi.Errno.ENOMEM;

import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.PciDeviceId;
import dev.driverlab.kernel.pci.PciDriver;
import java.util.List;

/**
 * A driver for the bench's DMA engine (1234:be01) that does what a driver does before its device may
 * DMA, and nothing else: enable the device, a 64-bit DMA mask, bus mastering, and one coherent buffer
 * of the size given, whose bus address the benchmark hands the engine. With it, the engine's DMA runs
 * on a booted kernel: every request is checked against the DMA API (the kernel's DMA-TLP check) and
 * every TLP by the protocol checker, the road a driver's DMA takes.
 */
public final class DmaBufferDriver extends KernelModule {
  public static final int VENDOR_ID = 0x1234, DEVICE_ID = 0xbe01;
  public static final String NAME = "bench_dma_buffer";

  private final PciDriver driver =
      new PciDriver(NAME, List.of(PCI_DEVICE(VENDOR_ID, DEVICE_ID)), this::probe, this::remove);
  private final long size;
  private long cpuAddr;
  private long busAddr;

  /** @param size bytes of the coherent buffer (&gt; 0) */
  public DmaBufferDriver(long size) {
    if (size <= 0) {
      throw new IllegalArgumentException("buffer size must be positive: " + size);
    }
    this.size = size;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  protected int init() {
    return pci_register_driver(driver);
  }

  @Override
  protected void exit() {
    pci_unregister_driver(driver);
  }

  /** The buffer's bus address (the device's view), or 0 before probe. */
  public long busAddress() {
    return busAddr;
  }

  private int probe(PciDev dev, PciDeviceId id) {
    int rc = pci_enable_device(dev);
    if (rc != 0) {
      return rc;
    }
    rc = dma_set_mask(dev.dev, DMA_BIT_MASK(64));
    if (rc == 0) {
      // 63 bits for the coherent allocation, as the simple-dma driver does (see its setUpDma).
      rc = dma_set_coherent_mask(dev.dev, DMA_BIT_MASK(63));
    }
    if (rc != 0) {
      pci_disable_device(dev);
      return rc;
    }
    pci_set_master(dev);
    long[] handle = new long[1];
    long buf = dma_alloc_coherent(dev.dev, size, handle, GFP_KERNEL);
    if (buf == 0) {
      pci_clear_master(dev);
      pci_disable_device(dev);
      return -ENOMEM;
    }
    cpuAddr = buf;
    busAddr = handle[0];
    return 0;
  }

  private void remove(PciDev dev) {
    pci_clear_master(dev);
    dma_free_coherent(dev.dev, size, cpuAddr, busAddr);
    pci_disable_device(dev);
    cpuAddr = busAddr = 0;
  }
}
