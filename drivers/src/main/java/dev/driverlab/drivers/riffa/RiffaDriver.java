package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.ChannelTransfer.chnl_recv_wrapcheck;
import static dev.driverlab.drivers.riffa.ChannelTransfer.chnl_send_wrapcheck;
import static dev.driverlab.drivers.riffa.RiffaRegs.INFO_REG_OFF;
import static dev.driverlab.drivers.riffa.RiffaUapi.IOCTL_LIST;
import static dev.driverlab.drivers.riffa.RiffaUapi.IOCTL_RECV;
import static dev.driverlab.drivers.riffa.RiffaUapi.IOCTL_RESET;
import static dev.driverlab.drivers.riffa.RiffaUapi.IOCTL_SEND;
import static dev.driverlab.kernel.base.ErrPtr.IS_ERR;
import static dev.driverlab.kernel.base.ErrPtr.PTR_ERR;
import static dev.driverlab.kernel.fs.Chrdev.MKDEV;
import static dev.driverlab.kernel.fs.Chrdev.class_create;
import static dev.driverlab.kernel.fs.Chrdev.class_destroy;
import static dev.driverlab.kernel.fs.Chrdev.device_create;
import static dev.driverlab.kernel.fs.Chrdev.device_destroy;
import static dev.driverlab.kernel.fs.Chrdev.register_chrdev;
import static dev.driverlab.kernel.fs.Chrdev.unregister_chrdev;
import static dev.driverlab.kernel.mm.Uaccess.copy_to_user;
import static dev.driverlab.kernel.pci.Pci.PCI_ANY_ID;
import static dev.driverlab.kernel.pci.Pci.PCI_DEVICE;
import static dev.driverlab.kernel.pci.Pci.pci_register_driver;
import static dev.driverlab.kernel.pci.Pci.pci_unregister_driver;
import static dev.driverlab.kernel.printk.Printk.KERN_ERR;
import static dev.driverlab.kernel.printk.Printk.printk;
import static dev.driverlab.kernel.sched.Locks.atomic_read;
import static dev.driverlab.kernel.sched.Locks.atomic_set;
import static dev.driverlab.kernel.sched.Wait.wake_up;
import static dev.driverlab.kernel.uapi.Errno.ENOTTY;

import dev.driverlab.kernel.base.Device;
import dev.driverlab.kernel.fs.DeviceClass;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.fs.FileOperations;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.module.ModuleParam;
import dev.driverlab.kernel.pci.PciDriver;
import dev.driverlab.kernel.sched.AtomicT;
import java.util.List;

/**
 * The RIFFA 2.x Linux driver ({@code riffa.ko}: KastnerRG/riffa {@code driver/linux/riffa_driver.c}),
 * ported to DriverLab's kernel API; facts from shared/reference/riffa.md §1-§4. Load it with
 * {@code kernel.modules().insmod(new RiffaDriver())} ({@code debug=1} logs every interrupt and
 * transfer step, as {@code make debug} does).
 *
 * <pre>
 *  module init: pci_register_driver("riffa", any 0x10EE / 0x1172 function)
 *               register_chrdev(100, "riffa")  class_create("riffa")  device_create → /dev/riffa
 *  probe:       FpgaProbe (one FpgaState per FPGA, at most 5, in slots 0..4 = the FPGA ids)
 *  /dev/riffa:  unlocked_ioctl only (any open succeeds; one node serves every FPGA)
 *     IOCTL_SEND  fpga_chnl_io → ChannelTransfer.chnl_send_wrapcheck → words sent
 *     IOCTL_RECV  fpga_chnl_io → ChannelTransfer.chnl_recv_wrapcheck → words received
 *     IOCTL_LIST  → fpga_info_list                                  → 0
 *     IOCTL_RESET id by value → reset(id)                            → 0
 *  interrupts:  RiffaIsr (one MSI per FPGA) → per channel-direction CircQueue → waiting thread
 * </pre>
 *
 * <p>Return values keep the original ABI, quirks included: SEND and RECV with an unknown or unused FPGA
 * id return 0, a failed copy of the argument returns the number of bytes not copied (positive), and
 * the channel functions' negative codes pass through an {@code unsigned int}, so the syscall reports
 * success with 0xFFFFFFEA for -EINVAL and the C library sees -22 with errno untouched (see
 * {@link ChannelTransfer}). Unknown commands are -ENOTTY.
 *
 * <p>Where we differ from the C code, on purpose: module init unwinds what it registered when a later
 * step fails (the original leaves the PCI driver and char device registered), RESET ignores ids
 * outside 0..4 (the original indexes its slot table with them), and the probe and transfer fixes named
 * in {@link FpgaProbe} and {@link ChannelTransfer}.
 */
public final class RiffaDriver extends KernelModule {
  // riffa_driver.h (riffa.md §1.1)
  public static final int MAJOR_NUM = 100;
  public static final String DEVICE_NAME = "riffa";
  /** Xilinx. */
  public static final int VENDOR_ID0 = 0x10EE;
  /** Altera. */
  public static final int VENDOR_ID1 = 0x1172;
  public static final int NUM_FPGAS = 5;
  public static final int MAX_CHNLS = 12;
  public static final int MAX_BUS_WIDTH_PARAM = 4;
  /** SG-list buffer bytes per unit of the INFO width field. */
  public static final int SG_BUF_SIZE = 4 * 1024;
  /** SG elements per unit of the INFO width field. */
  public static final int SG_ELEMS = 200;
  public static final int SPILL_BUF_SIZE = 4 * 1024;

  @ModuleParam(desc = "log every interrupt and transfer step (the original's make debug)")
  boolean debug;

  /** {@code used_fpgas[]}: slot i taken. Per module instance: many kernels share one JVM. */
  final AtomicT[] used_fpgas = new AtomicT[NUM_FPGAS];
  /** {@code fpgas[]}: the FPGA in slot i. */
  final FpgaState[] fpgas = new FpgaState[NUM_FPGAS];

  private final FpgaProbe probe = new FpgaProbe(this);
  private final PciDriver fpga_driver = new PciDriver(DEVICE_NAME,
      List.of(PCI_DEVICE(VENDOR_ID0, PCI_ANY_ID), PCI_DEVICE(VENDOR_ID1, PCI_ANY_ID)),
      probe::fpga_probe, probe::fpga_remove);
  private final FileOperations fpga_fops = FileOperations.builder()
      .owner(this)
      .unlocked_ioctl(this::fpga_ioctl)
      .build();
  private DeviceClass mymodule_class;
  private int devt;

  public RiffaDriver() {
    for (int i = 0; i < NUM_FPGAS; i++) {
      used_fpgas[i] = new AtomicT(0);
    }
  }

  @Override
  public String name() {
    return DEVICE_NAME;
  }

  @Override
  public String license() {
    return "Dual BSD/GPL";
  }

  @Override
  public String description() {
    return "PCIe driver for RIFFA, Linux (2.6.27+)";
  }

  /** {@code fpga_init}. */
  @Override
  protected int init() {
    for (int i = 0; i < NUM_FPGAS; i++) {
      atomic_set(used_fpgas[i], 0);
    }
    int error = pci_register_driver(fpga_driver);
    if (error != 0) {
      printk(KERN_ERR + "riffa: pci_module_register returned %d\n", error);
      return error;
    }
    error = register_chrdev(MAJOR_NUM, DEVICE_NAME, fpga_fops);
    if (error < 0) {
      printk(KERN_ERR + "riffa: register_chrdev returned %d\n", error);
      pci_unregister_driver(fpga_driver);
      return error;
    }
    mymodule_class = class_create(DEVICE_NAME);
    if (IS_ERR(mymodule_class)) {
      error = PTR_ERR(mymodule_class);
      printk(KERN_ERR + "riffa: class_create() returned %d\n", error);
      unregister_chrdev(MAJOR_NUM, DEVICE_NAME);
      pci_unregister_driver(fpga_driver);
      return error;
    }
    devt = MKDEV(MAJOR_NUM, 0);
    Device node = device_create(mymodule_class, null, devt, null, "%s", DEVICE_NAME);
    if (IS_ERR(node)) {
      printk(KERN_ERR + "riffa: device_create() returned %d\n", PTR_ERR(node));
    }
    return 0;
  }

  /** {@code fpga_exit}: the reverse of init; removing the PCI driver calls remove for every FPGA. */
  @Override
  protected void exit() {
    device_destroy(mymodule_class, devt);
    class_destroy(mymodule_class);
    pci_unregister_driver(fpga_driver);
    unregister_chrdev(MAJOR_NUM, DEVICE_NAME);
  }

  /**
   * {@code fpga_ioctl}: see the class comment for the results. Process context; SEND and RECV sleep
   * until the transfer ends, times out or a signal arrives.
   */
  long fpga_ioctl(File filp, int ioctlnum, long ioctlparam) {
    FpgaChnlIo[] io = new FpgaChnlIo[1];
    switch (ioctlnum) {
      case IOCTL_SEND -> {
        long rc = FpgaChnlIo.copyFromUser(io, ioctlparam);
        if (rc != 0) {
          printk(KERN_ERR + "riffa: cannot read ioctl user parameter.\n");
          return rc;
        }
        FpgaState sc = slot(io[0].id());
        if (sc == null) {
          return 0;
        }
        FpgaChnlIo a = io[0];
        return Integer.toUnsignedLong(chnl_send_wrapcheck(sc, a.chnl(), a.data(), a.len(), a.offset(), a.last(),
            a.timeout()));
      }
      case IOCTL_RECV -> {
        long rc = FpgaChnlIo.copyFromUser(io, ioctlparam);
        if (rc != 0) {
          printk(KERN_ERR + "riffa: cannot read ioctl user parameter.\n");
          return rc;
        }
        FpgaState sc = slot(io[0].id());
        if (sc == null) {
          return 0;
        }
        FpgaChnlIo a = io[0];
        return Integer.toUnsignedLong(chnl_recv_wrapcheck(sc, a.chnl(), a.data(), a.len(), a.timeout()));
      }
      case IOCTL_LIST -> {
        FpgaInfoList list = new FpgaInfoList();
        list_fpgas(list);
        long rc = copy_to_user(ioctlparam, list.encode(), FpgaInfoList.SIZE);
        if (rc != 0) {
          printk(KERN_ERR + "riffa: cannot write ioctl user parameter.\n");
        }
        return rc;
      }
      case IOCTL_RESET -> {
        reset((int) ioctlparam);
        return 0;
      }
      default -> {
        return -ENOTTY;
      }
    }
  }

  /** The FPGA in slot {@code id}, or null for an id outside 0..4 or an unused slot. */
  private FpgaState slot(int id) {
    if (id < 0 || id >= NUM_FPGAS || atomic_read(used_fpgas[id]) == 0) {
      return null;
    }
    return fpgas[id];
  }

  /** {@code list_fpgas}: used slots first, in slot order; the rest id -1 and zeros. Always 0. */
  int list_fpgas(FpgaInfoList list) {
    int num_fpgas = 0;
    for (int i = 0; i < NUM_FPGAS; i++) {
      if (atomic_read(used_fpgas[i]) != 0) {
        FpgaState sc = fpgas[i];
        list.id[num_fpgas] = sc.id;
        list.num_chnls[num_fpgas] = sc.num_chnls;
        list.vendor_id[num_fpgas] = sc.vendor_id;
        list.device_id[num_fpgas] = sc.device_id;
        list.name[num_fpgas] = FpgaInfoList.cName(sc.name);
        num_fpgas++;
      }
    }
    for (int i = num_fpgas; i < NUM_FPGAS; i++) {
      list.id[i] = -1;
      list.num_chnls[i] = 0;
      list.vendor_id[i] = 0;
      list.device_id[i] = 0;
      list.name[i] = new byte[FpgaInfoList.NAME_LEN];
    }
    list.num_fpgas = num_fpgas;
    return 0;
  }

  /**
   * {@code reset(id)}: with interrupts ignored, reads INFO (which resets the FPGA core), then for every
   * channel drains both queues, wakes both waiters and clears both busy bits. SG mappings held by
   * transfers in progress stay theirs: a woken waiter finds no message and sleeps on until its own
   * timeout or a signal.
   */
  void reset(int id) {
    FpgaState sc = slot(id);
    if (sc == null) {
      return;
    }
    atomic_set(sc.intr_disabled, 1);
    sc.read_reg(INFO_REG_OFF);
    for (int i = 0; i < sc.num_chnls; i++) {
      sc.send[i].msgs.drain();
      sc.recv[i].msgs.drain();
      wake_up(sc.send[i].waitq);
      wake_up(sc.recv[i].waitq);
      sc.send[i].clear_bit(ChnlDir.CHNL_FLAG_BUSY);
      sc.recv[i].clear_bit(ChnlDir.CHNL_FLAG_BUSY);
    }
    atomic_set(sc.intr_disabled, 0);
  }

  /** How many of the 5 slots are taken (for tests and diagnostics). */
  int boundFpgas() {
    int n = 0;
    for (int i = 0; i < NUM_FPGAS; i++) {
      n += atomic_read(used_fpgas[i]) != 0 ? 1 : 0;
    }
    return n;
  }
}
