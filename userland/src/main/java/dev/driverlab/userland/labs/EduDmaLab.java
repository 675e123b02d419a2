package dev.driverlab.userland.labs;

import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static dev.driverlab.kernel.uapi.Errno.ENOTTY;
import static dev.driverlab.kernel.uapi.Ioctl._IO;
import static dev.driverlab.kernel.uapi.Ioctl._IOW;
import static dev.driverlab.userland.labs.KernelRig.errno;

import dev.driverlab.devices.edu.EduDevice;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.pci.PciDev;
import java.util.Arrays;
import java.util.List;

/**
 * Lab 3, edu DMA (shared/reference/edu-and-linux-api.md §A.7, §B.1): the student's driver moves bytes
 * between a user buffer and the card's 4 KiB buffer with the card's DMA engine:
 *
 * <pre>
 *   EDU_IOC_DMA_TO_DEVICE    _IOW('E', 4, struct edu_dma_xfer) = 0x40104504   user → card buffer
 *   EDU_IOC_DMA_FROM_DEVICE  _IOW('E', 5, struct edu_dma_xfer) = 0x40104505   card buffer → user
 *
 *   struct edu_dma_xfer { __u64 user_addr; __u32 offset; __u32 len; }   16 bytes, little-endian
 * </pre>
 *
 * The edu buffer is not visible through BAR0, so the grader checks the data on the wire: it records
 * the card's link and rebuilds what the card read (MRd + CplD) and wrote (MWr) from the TLPs.
 */
final class EduDmaLab implements Lab {
  static final String CLASS = "dev.driverlab.labs.edudma.EduDma";
  static final String NODE = "/dev/edu0";
  static final int XFER_SIZE = 16;
  static final int TO_DEVICE = _IOW('E', 4, XFER_SIZE), FROM_DEVICE = _IOW('E', 5, XFER_SIZE);
  static final int BUFFER = EduDevice.DMA_SIZE;

  @Override
  public int number() {
    return 3;
  }

  @Override
  public String folder() {
    return "03-edu-dma";
  }

  @Override
  public String title() {
    return "edu: DMA through a coherent buffer";
  }

  @Override
  public String studentClass() {
    return CLASS;
  }

  @Override
  public List<GradedItem> items() {
    return List.of(
        new GradedItem("setup", 1, "probe sets the 28-bit DMA mask and allocates a coherent buffer", this::setup),
        new GradedItem("to-device", 2, "TO_DEVICE: the card reads exactly the user's bytes (seen in its TLPs)",
            this::toDevice),
        new GradedItem("from-device", 2, "FROM_DEVICE: the card writes its buffer back; the user gets it",
            this::fromDevice),
        new GradedItem("offsets", 2, "offset and len select the part of the card buffer", this::offsets),
        new GradedItem("dma-irq", 1, "each transfer ends with the card's DMA interrupt (cause 0x100)", this::dmaIrq),
        new GradedItem("bad-input", 2, "-EINVAL past the 4 KiB buffer (no DMA), -EFAULT, -ENOTTY", this::badInput),
        new GradedItem("dma-api", 1, "no DMA-API, MMIO or bus-master complaint during the transfers", this::dmaApi),
        new GradedItem("unload", 1, "rmmod frees the DMA buffer and everything else; insmod works again",
            this::unload));
  }

  /** A machine with one edu card, the student's driver loaded and a TLP recorder on the card's link. */
  private static final class Session implements AutoCloseable {
    final KernelRig rig;
    final TlpRecorder wire;
    final PciDev edu;
    final int fd;
    final long xfer;
    final long data;

    Session(StudentClasses s) throws ItemFailed {
      rig = KernelRig.boot(new EduDevice());
      TlpRecorder w = null;
      try {
        rig.load(s, CLASS);
        edu = rig.pci(EduDevice.VENDOR_ID, EduDevice.DEVICE_ID);
        w = TlpRecorder.on(rig.machine, rig.linkOf(0));
        fd = rig.proc.open(NODE, File.O_RDWR);
        rig.expect(fd >= 0, "open(" + NODE + ") returned " + errno(fd) + ": probe must make the node");
        xfer = rig.userBuffer(XFER_SIZE);
        data = rig.userBuffer(2 * BUFFER);
        wire = w;
      } catch (ItemFailed | RuntimeException e) {
        if (w != null) {
          w.close();
        }
        rig.close();
        throw e;
      }
    }

    PcieId card() {
      return edu.id();
    }

    /** One DMA ioctl with a struct edu_dma_xfer {user_addr, offset, len}; returns the ioctl's result. */
    long dma(int cmd, long userAddr, long offset, long len) throws ItemFailed {
      byte[] x = new byte[XFER_SIZE];
      for (int i = 0; i < 8; i++) {
        x[i] = (byte) (userAddr >>> (8 * i));
      }
      for (int i = 0; i < 4; i++) {
        x[8 + i] = (byte) (offset >>> (8 * i));
        x[12 + i] = (byte) (len >>> (8 * i));
      }
      rig.poke(xfer, x);
      return rig.proc.ioctl(fd, cmd, xfer);
    }

    /** TO_DEVICE of {@code bytes} from the user buffer to card offset {@code offset}; must succeed. */
    void toDevice(byte[] bytes, int offset) throws ItemFailed {
      rig.poke(data, bytes);
      long r = dma(TO_DEVICE, data, offset, bytes.length);
      rig.expect(r == 0, "EDU_IOC_DMA_TO_DEVICE(offset " + offset + ", len " + bytes.length + ") returned "
          + errno(r));
    }

    /** FROM_DEVICE of {@code len} bytes at card offset {@code offset} into a cleared user buffer. */
    byte[] fromDevice(int offset, int len) throws ItemFailed {
      rig.poke(data, new byte[len]);
      long r = dma(FROM_DEVICE, data, offset, len);
      rig.expect(r == 0, "EDU_IOC_DMA_FROM_DEVICE(offset " + offset + ", len " + len + ") returned " + errno(r));
      return rig.peek(data, len);
    }

    @Override
    public void close() {
      wire.close();
      rig.close();
    }
  }

  static byte[] pattern(int len, int seed) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (seed + i * 7 + (i >>> 8));
    }
    return b;
  }

  /** Where two arrays first differ, for messages. */
  static String firstDifference(byte[] want, byte[] got) {
    for (int i = 0; i < want.length; i++) {
      if (got == null || i >= got.length) {
        return "missing from byte " + i;
      }
      if (want[i] != got[i]) {
        return String.format("byte %d is %#04x, expected %#04x", i, got[i] & 0xff, want[i] & 0xff);
      }
    }
    return "equal";
  }

  private void setup(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      long mask = x.edu.dev.dma_mask;
      long coherent = x.edu.dev.coherent_dma_mask;
      x.rig.expect(mask == 0x0fff_ffffL && coherent == 0x0fff_ffffL, String.format("DMA masks are %#x "
          + "(streaming) and %#x (coherent), expected 0xfffffff: dma_set_mask_and_coherent(pdev.dev, "
          + "DMA_BIT_MASK(28)), the card drops address bits 28 and up (§A.7)", mask, coherent));
      long buffers = x.rig.kernel.dma().liveEntries().stream()
          .filter(e -> e.dev == x.edu && e.type.equals("coherent") && e.size >= BUFFER).count();
      x.rig.expect(buffers >= 1, "no coherent DMA buffer of at least 4096 bytes is allocated for the card "
          + "after probe (dma_alloc_coherent)");
      x.rig.expect(x.edu.is_busmaster, "the card is not a bus master after probe (pci_set_master)");
    }
  }

  private void toDevice(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      byte[] want = pattern(256, 0x11);
      x.toDevice(want, 0);
      x.rig.expect(!x.wire.deviceReads(x.card()).isEmpty(), "TO_DEVICE returned 0 but the card issued no "
          + "memory read on its link: the DMA never ran");
      byte[] got = TlpRecorder.contiguousFromLowest(x.wire.bytesRead(x.card()), want.length);
      x.rig.expect(Arrays.equals(want, got), "the card read other bytes than the user's 256: "
          + firstDifference(want, got));
    }
  }

  private void fromDevice(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      byte[] want = pattern(BUFFER, 0x3c);
      x.toDevice(want, 0);
      x.wire.clear();
      byte[] got = x.fromDevice(0, BUFFER);
      x.rig.expect(!x.wire.deviceWrites(x.card()).isEmpty(), "FROM_DEVICE returned 0 but the card issued no "
          + "memory write on its link: the DMA never ran");
      byte[] onWire = TlpRecorder.contiguousFromLowest(x.wire.bytesWritten(x.card()), BUFFER);
      x.rig.expect(Arrays.equals(want, onWire), "the card wrote other bytes than its buffer held: "
          + firstDifference(want, onWire));
      x.rig.expect(Arrays.equals(want, got), "the user buffer after FROM_DEVICE differs from what went in: "
          + firstDifference(want, got));
    }
  }

  private void offsets(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      byte[] whole = pattern(BUFFER, 0x01);
      byte[] part = pattern(100, 0xa0);
      x.toDevice(whole, 0);
      x.toDevice(part, 1000);
      byte[] want = whole.clone();
      System.arraycopy(part, 0, want, 1000, part.length);
      byte[] got = x.fromDevice(0, BUFFER);
      x.rig.expect(Arrays.equals(want, got), "4096 bytes, then 100 bytes at offset 1000, then all 4096 back: "
          + firstDifference(want, got));
      byte[] tail = x.fromDevice(4000, 96);
      x.rig.expect(Arrays.equals(Arrays.copyOfRange(want, 4000, 4096), tail),
          "FROM_DEVICE of the last 96 bytes (offset 4000): " + firstDifference(Arrays.copyOfRange(want, 4000, 4096),
              tail));
    }
  }

  private void dmaIrq(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      int irq = KernelRig.irqOf(x.edu);
      long before = x.rig.interrupts(irq);
      x.toDevice(pattern(64, 5), 0);
      x.fromDevice(0, 64);
      long taken = x.rig.interrupts(irq) - before;
      x.rig.expect(taken >= 2, "2 transfers brought " + taken + " interrupt(s) on IRQ " + irq + ": set bit 2 of "
          + "the DMA command (raise 0x100 when done) and wait for the interrupt");
      long status = x.rig.barRead(x.edu, 0, EduDevice.REG_IRQ_STATUS, 4);
      x.rig.expect(status == 0, String.format("irq status reads %#x after the transfers: ack the causes", status));
    }
  }

  private void badInput(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      long r = x.dma(TO_DEVICE, x.data, 4000, 200);
      x.rig.expect(r == -EINVAL, "TO_DEVICE of 200 bytes at offset 4000 (past the 4 KiB buffer) returned "
          + errno(r) + ", expected -EINVAL");
      r = x.dma(FROM_DEVICE, x.data, 0xffff_ff00L, 0x200);
      x.rig.expect(r == -EINVAL, "FROM_DEVICE at offset 0xffffff00, len 0x200 returned " + errno(r)
          + ", expected -EINVAL (offset + len overflows 32 bits: compute it as a long)");
      x.rig.expect(x.wire.deviceReads(x.card()).isEmpty() && x.wire.deviceWrites(x.card()).isEmpty(),
          "a refused request still made the card move data: check the range before programming the card");
      r = x.dma(TO_DEVICE, MyIoctlLab.UNMAPPED, 0, 16);
      x.rig.expect(r == -EFAULT, "TO_DEVICE from unmapped user_addr 0x1000 returned " + errno(r)
          + ", expected -EFAULT");
      r = x.rig.proc.ioctl(x.fd, TO_DEVICE, MyIoctlLab.UNMAPPED);
      x.rig.expect(r == -EFAULT, "TO_DEVICE with the struct itself at unmapped 0x1000 returned " + errno(r)
          + ", expected -EFAULT");
      r = x.rig.proc.ioctl(x.fd, _IO('E', 9), 0);
      x.rig.expect(r == -ENOTTY, "ioctl(_IO('E', 9)) returned " + errno(r) + ", expected -ENOTTY");
    }
  }

  private void dmaApi(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      byte[] want = pattern(512, 0x77);
      x.toDevice(want, 512);
      byte[] got = x.fromDevice(512, 512);
      x.rig.expect(Arrays.equals(want, got), "round trip of 512 bytes at offset 512: " + firstDifference(want, got));
      x.rig.expectNoBugs("during two transfers", Check.DMA_API, Check.DMA_TLP, Check.MMIO, Check.USERCOPY,
          Check.ATOMIC_SLEEP, Check.OOPS);
      List<String> complaints = x.rig.dmesgErrors().stream().filter(l -> l.contains("Bus Master")
          || l.contains("IOMMU") || l.contains("clamping") || l.contains("EDU:")).toList();
      x.rig.expect(complaints.isEmpty(), "the fabric or the card complained: " + String.join(" | ", complaints));
    }
  }

  private void unload(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      x.toDevice(pattern(32, 9), 0);
      x.rig.proc.close(x.fd);
      int r = x.rig.unload();
      x.rig.expect(r == 0, "rmmod returned " + errno(r));
      x.rig.expectNoBugs("when the driver was removed (what it still held)", Check.LEAK, Check.DMA_API,
          Check.PCI, Check.IRQ);
      long left = x.rig.kernel.dma().liveEntries().stream().filter(e -> e.dev == x.edu).count();
      x.rig.expect(left == 0, left + " DMA mapping(s) or buffer(s) of the card survive rmmod");
      r = x.rig.kernel.modules().insmod(s.newModule(CLASS));
      x.rig.expect(r == 0, "insmod after rmmod returned " + errno(r));
      x.rig.expect(x.edu.driver() != null, "insmod after rmmod did not bind the card again");
    }
  }
}
