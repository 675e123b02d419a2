package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.RiffaDriver.MAX_BUS_WIDTH_PARAM;
import static dev.driverlab.drivers.riffa.RiffaDriver.MAX_CHNLS;
import static dev.driverlab.drivers.riffa.RiffaDriver.NUM_FPGAS;
import static dev.driverlab.drivers.riffa.RiffaDriver.SG_BUF_SIZE;
import static dev.driverlab.drivers.riffa.RiffaDriver.SG_ELEMS;
import static dev.driverlab.drivers.riffa.RiffaDriver.SPILL_BUF_SIZE;
import static dev.driverlab.drivers.riffa.RiffaRegs.*;
import static dev.driverlab.kernel.dma.Dma.DMA_BIT_MASK;
import static dev.driverlab.kernel.dma.Dma.dma_alloc_coherent;
import static dev.driverlab.kernel.dma.Dma.dma_free_coherent;
import static dev.driverlab.kernel.dma.Dma.dma_set_coherent_mask;
import static dev.driverlab.kernel.dma.Dma.dma_set_mask;
import static dev.driverlab.kernel.io.Io.ioremap;
import static dev.driverlab.kernel.io.Io.iounmap;
import static dev.driverlab.kernel.irq.Irq.IRQF_SHARED;
import static dev.driverlab.kernel.irq.Irq.free_irq;
import static dev.driverlab.kernel.irq.Irq.pci_disable_msi;
import static dev.driverlab.kernel.irq.Irq.pci_enable_msi;
import static dev.driverlab.kernel.irq.Irq.request_irq;
import static dev.driverlab.kernel.mm.Mm.GFP_KERNEL;
import static dev.driverlab.kernel.pci.Pci.PCIBIOS_DEVICE_NOT_FOUND;
import static dev.driverlab.kernel.pci.Pci.pci_disable_device;
import static dev.driverlab.kernel.pci.Pci.pci_enable_device;
import static dev.driverlab.kernel.pci.Pci.pci_get_drvdata;
import static dev.driverlab.kernel.pci.Pci.pci_name;
import static dev.driverlab.kernel.pci.Pci.pci_release_regions;
import static dev.driverlab.kernel.pci.Pci.pci_request_regions;
import static dev.driverlab.kernel.pci.Pci.pci_resource_flags;
import static dev.driverlab.kernel.pci.Pci.pci_resource_len;
import static dev.driverlab.kernel.pci.Pci.pci_resource_start;
import static dev.driverlab.kernel.pci.Pci.pci_set_drvdata;
import static dev.driverlab.kernel.pci.Pci.pci_set_master;
import static dev.driverlab.kernel.pci.Pci.pci_write_config_word;
import static dev.driverlab.kernel.pci.Pci.pcibios_err_to_errno;
import static dev.driverlab.kernel.pci.Pci.pcie_capability_read_word;
import static dev.driverlab.kernel.printk.Printk.KERN_ERR;
import static dev.driverlab.kernel.printk.Printk.KERN_INFO;
import static dev.driverlab.kernel.printk.Printk.printk;
import static dev.driverlab.kernel.sched.Locks.atomic_set;
import static dev.driverlab.kernel.sched.Locks.atomic_xchg;
import static dev.driverlab.kernel.uapi.Errno.ENODEV;
import static dev.driverlab.kernel.uapi.Errno.ENOMEM;

import dev.driverlab.kernel.pci.PciDev;
import dev.driverlab.kernel.pci.PciDeviceId;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * {@code fpga_probe} and {@code fpga_remove} (riffa.md §1.5, §1.7), in the original's order:
 *
 * <pre>
 *  1 pci_enable_device            (failure: -ENODEV)
 *  2 pci_set_master
 *  3 64-bit streaming and coherent DMA masks   "cannot set 64 bit DMA mode"
 *  4 the fpga_state; name = pci_name + "0"; log name and ids
 *  5 pci_request_regions(dev, name)            (failure: -ENODEV)
 *  6 BAR0 must be exactly 1024 bytes           "BAR 0 incorrect length" → -ENODEV; ioremap it
 *  7 pci_enable_msi                            (no INTx fallback: failure is returned)
 *  8 request_irq(dev->irq, IRQF_SHARED)        "MSI setup on irq N"
 *  9 Device Control |= Extended Tag; Device Control 2 |= IDO request/completion; Link Control |= RCB 128
 * 10 read INFO (this also resets the FPGA core) and log what it says
 * 11 bus master, link width/rate, 1..12 channels, width field 1..4, else restore step 9 and -ENODEV
 * 12 per channel a recv and a send direction: message queue (5 / 4 slots) and an SG-list buffer
 * 13 the 4 KiB spill buffer
 * 14 claim the first free of the 5 slots       "could not save FPGA information, 5 is limit." → -ENOMEM
 * </pre>
 *
 * Each failure undoes what was done, in reverse order ({@link Unwind}, the C code's repeated cleanup
 * blocks). Two deliberate differences from the C code: a failed spill-buffer allocation returns
 * -ENOMEM (the original frees everything and then carries on, into freed memory), and a failed
 * chnl_dir allocation frees exactly what was allocated (the original frees through the partially
 * filled arrays).
 */
final class FpgaProbe {
  // PCI Express capability registers and bits (include/uapi/linux/pci_regs.h).
  static final int PCI_EXP_DEVCTL = 0x08, PCI_EXP_DEVCTL_RELAX_EN = 0x0010, PCI_EXP_DEVCTL_EXT_TAG = 0x0100;
  static final int PCI_EXP_LNKCTL = 0x10, PCI_EXP_LNKCTL_RCB = 0x0008;
  static final int PCI_EXP_DEVCTL2 = 0x28, PCI_EXP_DEVCTL2_IDO_REQ_EN = 0x0100, PCI_EXP_DEVCTL2_IDO_CMP_EN = 0x0200;

  private final RiffaDriver drv;

  FpgaProbe(RiffaDriver drv) {
    this.drv = drv;
  }

  /** Undo steps, run newest first on failure. */
  private static final class Unwind {
    private final Deque<Runnable> steps = new ArrayDeque<>();

    void push(Runnable r) {
      steps.push(r);
    }

    int fail(int error) {
      while (!steps.isEmpty()) {
        steps.pop().run();
      }
      return error;
    }
  }

  /** pcie_capability_write_word (kernel-api has the read side only): a PCIBIOS code. */
  private static int pcie_capability_write_word(PciDev dev, int pos, int val) {
    if (dev.pcie_cap == 0) {
      return PCIBIOS_DEVICE_NOT_FOUND;
    }
    return pci_write_config_word(dev, dev.pcie_cap + pos, val);
  }

  /** Reads a PCIe capability register, logs it, writes it back with {@code bits} set. */
  private static int setCapBits(PciDev dev, int pos, String regName, int bits, int[] saved) {
    int error = pcie_capability_read_word(dev, pos, saved);
    if (error != 0) {
      printk(KERN_ERR + "riffa: pcie_capability_read_word returned error: %d\n", error);
      return pcibios_err_to_errno(error);
    }
    printk(KERN_INFO + "riffa: %s register: %x\n", regName, saved[0]);
    error = pcie_capability_write_word(dev, pos, saved[0] | bits);
    if (error != 0) {
      printk(KERN_ERR + "riffa: pcie_capability_write_word returned error: %d\n", error);
      return pcibios_err_to_errno(error);
    }
    return 0;
  }

  /** {@code fpga_probe}: 0, or a negative errno with everything undone. May sleep. */
  int fpga_probe(PciDev dev, PciDeviceId id) {
    Unwind u = new Unwind();

    int error = pci_enable_device(dev);
    if (error < 0) {
      printk(KERN_ERR + "riffa: pci_enable_device returned %d\n", error);
      return -ENODEV;
    }
    u.push(() -> pci_disable_device(dev));
    pci_set_master(dev);

    error = dma_set_mask(dev.dev, DMA_BIT_MASK(64));
    if (error == 0) {
      error = dma_set_coherent_mask(dev.dev, DMA_BIT_MASK(64));
    }
    if (error != 0) {
      printk(KERN_ERR + "riffa: cannot set 64 bit DMA mode\n");
      return u.fail(error);
    }

    FpgaState sc = new FpgaState(dev, drv.debug);
    atomic_set(sc.intr_disabled, 0);
    String name = pci_name(dev) + 0; // snprintf(sc->name, 16, "%s%d", pci_name(dev), 0)
    sc.name = name.length() > 15 ? name.substring(0, 15) : name;
    sc.vendor_id = dev.vendor;
    sc.device_id = dev.device;
    printk(KERN_INFO + "riffa: found FPGA with name: %s\n", sc.name);
    printk(KERN_INFO + "riffa: vendor id: 0x%04X\n", sc.vendor_id);
    printk(KERN_INFO + "riffa: device id: 0x%04X\n", sc.device_id);

    error = pci_request_regions(dev, sc.name);
    if (error < 0) {
      printk(KERN_ERR + "riffa: pci_request_regions returned error: %d\n", error);
      return u.fail(-ENODEV);
    }
    u.push(() -> pci_release_regions(dev));

    sc.bar0_addr = pci_resource_start(dev, 0);
    sc.bar0_len = pci_resource_len(dev, 0);
    sc.bar0_flags = pci_resource_flags(dev, 0);
    printk(KERN_INFO + "riffa: BAR 0 address: %llx\n", sc.bar0_addr);
    printk(KERN_INFO + "riffa: BAR 0 length: %lld bytes\n", sc.bar0_len);
    if (sc.bar0_len != 1024) {
      printk(KERN_ERR + "riffa: BAR 0 incorrect length\n");
      return u.fail(-ENODEV);
    }
    sc.bar0 = ioremap(sc.bar0_addr, sc.bar0_len);
    if (sc.bar0 == 0) {
      printk(KERN_ERR + "riffa: could not ioremap BAR 0\n");
      return u.fail(-ENODEV);
    }
    u.push(() -> iounmap(sc.bar0));

    error = pci_enable_msi(dev);
    if (error != 0) {
      printk(KERN_ERR + "riffa: pci_enable_msi returned error: %d\n", error);
      return u.fail(error);
    }
    u.push(() -> pci_disable_msi(dev));

    error = request_irq(dev.irq, RiffaIsr::intrpt_handler, IRQF_SHARED, sc.name, sc);
    if (error != 0) {
      printk(KERN_ERR + "riffa: request_irq(%d) returned error: %d\n", dev.irq, error);
      return u.fail(error);
    }
    sc.irq = dev.irq;
    u.push(() -> free_irq(sc.irq, sc));
    printk(KERN_INFO + "riffa: MSI setup on irq %d\n", dev.irq);

    int[] devctl = new int[1];
    error = setCapBits(dev, PCI_EXP_DEVCTL, "PCIE_EXP_DEVCTL", PCI_EXP_DEVCTL_EXT_TAG, devctl);
    if (error != 0) {
      return u.fail(error);
    }
    u.push(() -> pcie_capability_write_word(dev, PCI_EXP_DEVCTL, devctl[0]));
    int[] devctl2 = new int[1];
    error = setCapBits(dev, PCI_EXP_DEVCTL2, "PCIE_EXP_DEVCTL2",
        PCI_EXP_DEVCTL2_IDO_REQ_EN | PCI_EXP_DEVCTL2_IDO_CMP_EN, devctl2);
    if (error != 0) {
      return u.fail(error);
    }
    u.push(() -> pcie_capability_write_word(dev, PCI_EXP_DEVCTL2, devctl2[0]));
    int[] lnkctl = new int[1];
    error = setCapBits(dev, PCI_EXP_LNKCTL, "PCIE_EXP_LNKCTL", PCI_EXP_LNKCTL_RCB, lnkctl);
    if (error != 0) {
      return u.fail(error);
    }
    u.push(() -> pcie_capability_write_word(dev, PCI_EXP_LNKCTL, lnkctl[0]));

    // Reading INFO also resets the RIFFA core (riffa.md §2.3).
    int reg = sc.read_reg(INFO_REG_OFF);
    sc.num_chnls = infoChannels(reg);
    sc.num_sg = SG_ELEMS * infoBusWidthParam(reg);
    sc.sg_buf_size = SG_BUF_SIZE * infoBusWidthParam(reg);
    printk(KERN_INFO + "riffa: number of channels: %d\n", infoChannels(reg));
    printk(KERN_INFO + "riffa: bus interface width: %d\n", infoBusWidthParam(reg) << 5);
    printk(KERN_INFO + "riffa: bus master enabled: %d\n", infoBusMaster(reg));
    printk(KERN_INFO + "riffa: negotiated link width: %d\n", infoLinkWidth(reg));
    printk(KERN_INFO + "riffa: negotiated link rate: %d MTs\n", infoLinkRate(reg) * 2500);
    printk(KERN_INFO + "riffa: max downstream payload: %d bytes\n", 128 << infoMaxReadRequestCode(reg));
    printk(KERN_INFO + "riffa: max upstream payload: %d bytes\n", 128 << infoMaxPayloadCode(reg));

    if (infoBusMaster(reg) != 1) {
      printk(KERN_ERR + "riffa: bus master not enabled!\n");
      return u.fail(-ENODEV);
    }
    if (infoLinkWidth(reg) == 0 || infoLinkRate(reg) == 0) {
      printk(KERN_ERR + "riffa: bad link parameters!\n");
      return u.fail(-ENODEV);
    }
    if (infoChannels(reg) == 0 || infoChannels(reg) > MAX_CHNLS) {
      printk(KERN_ERR + "riffa: bad number of channels!\n");
      return u.fail(-ENODEV);
    }
    if (infoBusWidthParam(reg) == 0 || infoBusWidthParam(reg) > MAX_BUS_WIDTH_PARAM) {
      printk(KERN_ERR + "riffa: bad bus width!\n");
      return u.fail(-ENODEV);
    }

    sc.recv = new ChnlDir[sc.num_chnls];
    sc.send = new ChnlDir[sc.num_chnls];
    int j = allocate_chnls(dev, sc);
    u.push(() -> free_chnls(dev, sc));
    if (j < sc.num_chnls) {
      printk(KERN_ERR + "riffa: not enough memory to allocate chnl_dir structs\n");
      return u.fail(-ENOMEM);
    }

    long[] hw_addr = new long[1];
    sc.spill_buf_addr = dma_alloc_coherent(dev.dev, SPILL_BUF_SIZE, hw_addr, GFP_KERNEL);
    sc.spill_buf_hw_addr = hw_addr[0];
    if (sc.spill_buf_addr == 0) {
      printk(KERN_ERR + "riffa: not enough memory to allocate spill buffer\n");
      return u.fail(-ENOMEM);
    }
    u.push(() -> dma_free_coherent(dev.dev, SPILL_BUF_SIZE, sc.spill_buf_addr, sc.spill_buf_hw_addr));

    pci_set_drvdata(dev, sc);
    u.push(() -> pci_set_drvdata(dev, null));
    for (int i = 0; i < NUM_FPGAS; i++) {
      if (atomic_xchg(drv.used_fpgas[i], 1) == 0) {
        sc.id = i;
        drv.fpgas[i] = sc;
        break;
      }
    }
    if (sc.id == -1) {
      printk(KERN_ERR + "riffa: could not save FPGA information, %d is limit.\n", NUM_FPGAS);
      return u.fail(-ENOMEM);
    }
    printk(KERN_INFO + "riffa: saved FPGA with id: %d\n", sc.id);
    return 0;
  }

  /**
   * {@code allocate_chnls}: per channel a recv direction (queue of 5, SG buffer) and a send direction
   * (queue of 4, SG buffer). Returns how many channels got both; {@link #free_chnls} frees whatever
   * exists.
   */
  private int allocate_chnls(PciDev dev, FpgaState sc) {
    for (int i = 0; i < sc.num_chnls; i++) {
      ChnlDir recv = new ChnlDir("riffa fpga " + sc.name + " chnl " + i + " recv", 5);
      if (!allocSgBuf(dev, sc, recv)) {
        return i;
      }
      sc.recv[i] = recv;
      ChnlDir send = new ChnlDir("riffa fpga " + sc.name + " chnl " + i + " send", 4);
      if (!allocSgBuf(dev, sc, send)) {
        return i;
      }
      sc.send[i] = send;
    }
    return sc.num_chnls;
  }

  private static boolean allocSgBuf(PciDev dev, FpgaState sc, ChnlDir d) {
    long[] hw_addr = new long[1];
    d.buf_addr = dma_alloc_coherent(dev.dev, sc.sg_buf_size, hw_addr, GFP_KERNEL);
    d.buf_hw_addr = hw_addr[0];
    return d.buf_addr != 0;
  }

  /** Frees every channel direction's SG buffer and forgets the directions. */
  private static void free_chnls(PciDev dev, FpgaState sc) {
    for (int i = 0; i < sc.recv.length; i++) {
      for (ChnlDir d : new ChnlDir[] {sc.send[i], sc.recv[i]}) {
        if (d != null && d.buf_addr != 0) {
          dma_free_coherent(dev.dev, sc.sg_buf_size, d.buf_addr, d.buf_hw_addr);
          d.buf_addr = 0;
        }
      }
      sc.send[i] = null;
      sc.recv[i] = null;
    }
  }

  /**
   * {@code fpga_remove}: clears what probe set in the PCIe capability, frees the slot and everything the
   * FPGA owns, then releases the PCI resources. Reproduces the original's third step as is: it reads
   * Device Control and writes that value, RCB cleared, into LINK Control.
   */
  void fpga_remove(PciDev dev) {
    int[] result = new int[1];
    pcie_capability_read_word(dev, PCI_EXP_DEVCTL, result);
    pcie_capability_write_word(dev, PCI_EXP_DEVCTL, result[0] & ~(PCI_EXP_DEVCTL_EXT_TAG | PCI_EXP_DEVCTL_RELAX_EN));
    pcie_capability_read_word(dev, PCI_EXP_DEVCTL2, result);
    pcie_capability_write_word(dev, PCI_EXP_DEVCTL2,
        result[0] & ~(PCI_EXP_DEVCTL2_IDO_REQ_EN | PCI_EXP_DEVCTL2_IDO_CMP_EN));
    pcie_capability_read_word(dev, PCI_EXP_DEVCTL, result);
    pcie_capability_write_word(dev, PCI_EXP_LNKCTL, result[0] & ~PCI_EXP_LNKCTL_RCB);

    FpgaState sc = pci_get_drvdata(dev);
    if (sc != null) {
      atomic_set(drv.used_fpgas[sc.id], 0);
      drv.fpgas[sc.id] = null;
      free_chnls(dev, sc);
      dma_free_coherent(dev.dev, SPILL_BUF_SIZE, sc.spill_buf_addr, sc.spill_buf_hw_addr);
      free_irq(dev.irq, sc);
      iounmap(sc.bar0);
    }
    pci_disable_msi(dev);
    pci_release_regions(dev);
    pci_disable_device(dev);
    pci_set_drvdata(dev, null);
  }
}
