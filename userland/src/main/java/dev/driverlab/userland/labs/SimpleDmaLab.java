package dev.driverlab.userland.labs;

import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.ENOSPC;
import static dev.driverlab.userland.labs.EduDmaLab.firstDifference;
import static dev.driverlab.userland.labs.EduDmaLab.pattern;
import static dev.driverlab.userland.labs.KernelRig.errno;

import dev.driverlab.devices.simpledma.SimpleDmaDevice;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.pci.PciDev;
import java.util.Arrays;
import java.util.List;

/**
 * Lab 4, the tutorial's simple DMA engine (shared/reference/seed-examples.md §2; the model's register
 * map is in {@code SimpleDmaDevice}): {@code /dev/sdma0} is the card's 64 KiB of RAM as a file.
 * {@code write} DMAs the user's bytes into card RAM at the file position, {@code read} DMAs them back;
 * at most 4 KiB per call (a short count, as a pipe gives), {@code read} at 64 KiB is end of file and
 * {@code write} there -ENOSPC.
 *
 * <p>The grader looks at card RAM itself through BAR1 (CPU loads over the fabric, the way the tutorial
 * says a test checks what arrived) and at the card's TLPs on its link.
 */
final class SimpleDmaLab implements Lab {
  static final String CLASS = "dev.driverlab.labs.sdma.SimpleDma";
  static final String NODE = "/dev/sdma0";
  static final int RAM = SimpleDmaDevice.RAM_SIZE;

  @Override
  public int number() {
    return 4;
  }

  @Override
  public String folder() {
    return "04-simple-dma";
  }

  @Override
  public String title() {
    return "simple DMA: the tutorial's engine behind read/write";
  }

  @Override
  public String studentClass() {
    return CLASS;
  }

  @Override
  public List<GradedItem> items() {
    return List.of(
        new GradedItem("probe", 1, "the driver binds the simple-DMA card and makes /dev/sdma0", this::probe),
        new GradedItem("write", 3, "write DMAs the bytes into card RAM at the file position (MRd on the link)",
            this::write),
        new GradedItem("read", 2, "read DMAs card RAM at the file position into the user buffer (MWr)",
            this::read),
        new GradedItem("large", 1, "20000 bytes go through the 4 KiB bounce buffer in several calls",
            this::large),
        new GradedItem("eof", 1, "read at 64 KiB is end of file, write there -ENOSPC, a write is cut at the end",
            this::eof),
        new GradedItem("irq", 2, "each transfer ends with the card's interrupt, acknowledged (INT_STATUS 0)",
            this::irq),
        new GradedItem("bad-pointer", 1, "an unmapped user buffer gives -EFAULT", this::badPointer),
        new GradedItem("unload", 1, "rmmod releases everything; insmod works again", this::unload));
  }

  /** A machine with the simple-DMA card, the student's driver, /dev/sdma0 open and a TLP recorder. */
  private static final class Session implements AutoCloseable {
    final KernelRig rig;
    final TlpRecorder wire;
    final PciDev card;
    final int fd;
    final long buf;

    Session(StudentClasses s) throws ItemFailed {
      rig = KernelRig.boot(new SimpleDmaDevice());
      TlpRecorder w = null;
      try {
        rig.load(s, CLASS);
        card = rig.pci(SimpleDmaDevice.VENDOR_ID, SimpleDmaDevice.DEVICE_ID);
        w = TlpRecorder.on(rig.machine, rig.linkOf(0));
        fd = rig.proc.open(NODE, File.O_RDWR);
        rig.expect(fd >= 0, "open(" + NODE + ") returned " + errno(fd) + ": probe must make the node");
        buf = rig.userBuffer(32 * 1024);
        wire = w;
      } catch (ItemFailed | RuntimeException e) {
        if (w != null) {
          w.close();
        }
        rig.close();
        throw e;
      }
    }

    void seek(long pos) throws ItemFailed {
      long r = rig.proc.lseek(fd, pos, File.SEEK_SET);
      rig.expect(r == pos, "lseek(fd, " + pos + ", SEEK_SET) returned " + errno(r));
    }

    long position() {
      return rig.proc.lseek(fd, 0, File.SEEK_CUR);
    }

    /** Card RAM [offset, offset + len) read through BAR1, in aligned 8-byte loads. */
    byte[] cardRam(int offset, int len) {
      byte[] out = new byte[len];
      for (int q = offset & ~7; q < offset + len; q += 8) {
        long v = rig.barRead(card, SimpleDmaDevice.BAR_RAM, q, 8);
        for (int b = 0; b < 8; b++) {
          int i = q + b - offset;
          if (i >= 0 && i < len) {
            out[i] = (byte) (v >>> (8 * b));
          }
        }
      }
      return out;
    }

    /** Stores {@code bytes} into card RAM at {@code offset} (8-aligned) through BAR1, 8 bytes at a time. */
    void fillCardRam(int offset, byte[] bytes) {
      long base = card.resource[SimpleDmaDevice.BAR_RAM].start + offset;
      for (int i = 0; i < bytes.length; i += 8) {
        long v = 0;
        for (int b = 7; b >= 0; b--) {
          v = v << 8 | (i + b < bytes.length ? bytes[i + b] & 0xffL : 0);
        }
        rig.machine.write(base + i, v, 8);
      }
    }

    /** write() until {@code bytes} are all in, as a program loops over short writes; fails on 0 or -errno. */
    void writeAll(byte[] bytes) throws ItemFailed {
      rig.poke(buf, bytes);
      long done = 0;
      while (done < bytes.length) {
        long r = rig.proc.write(fd, buf + done, bytes.length - done);
        rig.expect(r > 0, "write() at offset " + position() + " returned " + errno(r) + " after " + done + " of "
            + bytes.length + " bytes");
        done += r;
      }
    }

    /** read() until {@code len} bytes are in or a call fails or hits end of file. */
    byte[] readAll(int len) throws ItemFailed {
      rig.poke(buf, new byte[len]);
      long done = 0;
      while (done < len) {
        long r = rig.proc.read(fd, buf + done, len - done);
        rig.expect(r > 0, "read() at offset " + position() + " returned " + errno(r) + " after " + done + " of "
            + len + " bytes");
        done += r;
      }
      return rig.peek(buf, len);
    }

    @Override
    public void close() {
      wire.close();
      rig.close();
    }
  }

  private void probe(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = KernelRig.boot(new SimpleDmaDevice())) {
      rig.load(s, CLASS);
      PciDev card = rig.pci(SimpleDmaDevice.VENDOR_ID, SimpleDmaDevice.DEVICE_ID);
      rig.expect(card.driver() != null, "the simple-DMA card (" + card.name() + ") has no driver after insmod");
      int fd = rig.proc.open(NODE, File.O_RDWR);
      rig.expect(fd >= 0, "open(" + NODE + ") returned " + errno(fd));
      rig.proc.close(fd);
    }
  }

  private void write(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      byte[] want = pattern(1000, 0x21);
      x.rig.poke(x.buf, want);
      long r = x.rig.proc.write(x.fd, x.buf, want.length);
      x.rig.expect(r == want.length, "write() of 1000 bytes at offset 0 returned " + errno(r) + ", expected 1000");
      x.rig.expect(x.position() == 1000, "the file position after writing 1000 bytes is " + x.position()
          + ", expected 1000 (advance *ppos)");
      x.rig.expect(!x.wire.deviceReads(x.card.id()).isEmpty(), "write() returned 1000 but the card issued no "
          + "memory read: nothing was DMA'd");
      byte[] onWire = TlpRecorder.contiguousFromLowest(x.wire.bytesRead(x.card.id()), want.length);
      x.rig.expect(Arrays.equals(want, onWire), "the card read other bytes than the user wrote: "
          + firstDifference(want, onWire));
      byte[] ram = x.cardRam(0, want.length);
      x.rig.expect(Arrays.equals(want, ram), "card RAM [0, 1000) (seen through BAR1) differs from what was "
          + "written: " + firstDifference(want, ram));
    }
  }

  private void read(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      byte[] want = pattern(700, 0x5e);
      x.fillCardRam(0x2000, want);
      x.seek(0x2000);
      x.rig.poke(x.buf, new byte[700]);
      long r = x.rig.proc.read(x.fd, x.buf, 700);
      x.rig.expect(r == 700, "read() of 700 bytes at offset 0x2000 returned " + errno(r) + ", expected 700");
      byte[] got = x.rig.peek(x.buf, 700);
      x.rig.expect(Arrays.equals(want, got), "read() at 0x2000 gave other bytes than card RAM holds: "
          + firstDifference(want, got));
      x.rig.expect(x.position() == 0x2000 + 700, "the file position after the read is " + x.position()
          + ", expected " + (0x2000 + 700));
      byte[] onWire = TlpRecorder.contiguousFromLowest(x.wire.bytesWritten(x.card.id()), want.length);
      x.rig.expect(Arrays.equals(want, onWire), "the card did not write card RAM [0x2000, +700) to the host "
          + "(its MWr TLPs): " + firstDifference(want, onWire));
    }
  }

  private void large(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      byte[] want = pattern(20000, 0x42);
      x.seek(100);
      x.writeAll(want);
      byte[] ram = x.cardRam(100, want.length);
      x.rig.expect(Arrays.equals(want, ram), "card RAM after 20000 bytes at offset 100: "
          + firstDifference(want, ram));
      x.seek(100);
      byte[] got = x.readAll(want.length);
      x.rig.expect(Arrays.equals(want, got), "reading the 20000 bytes back: " + firstDifference(want, got));
    }
  }

  private void eof(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      x.seek(RAM);
      long r = x.rig.proc.read(x.fd, x.buf, 16);
      x.rig.expect(r == 0, "read() at offset 65536 (the end of card RAM) returned " + errno(r)
          + ", expected 0 (end of file)");
      r = x.rig.proc.write(x.fd, x.buf, 16);
      x.rig.expect(r == -ENOSPC, "write() at offset 65536 returned " + errno(r) + ", expected -ENOSPC");
      byte[] want = pattern(100, 0x66);
      x.rig.poke(x.buf, want);
      x.seek(RAM - 36);
      r = x.rig.proc.write(x.fd, x.buf, 100);
      x.rig.expect(r == 36, "write() of 100 bytes at offset 65500 returned " + errno(r)
          + ", expected 36 (only 36 bytes fit)");
      byte[] ram = x.cardRam(RAM - 36, 36);
      x.rig.expect(Arrays.equals(Arrays.copyOf(want, 36), ram), "card RAM [65500, 65536): "
          + firstDifference(Arrays.copyOf(want, 36), ram));
    }
  }

  private void irq(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      int irq = KernelRig.irqOf(x.card);
      long before = x.rig.interrupts(irq);
      x.writeAll(pattern(300, 1));
      x.seek(0);
      x.readAll(300);
      long taken = x.rig.interrupts(irq) - before;
      x.rig.expect(taken >= 2, "2 transfers brought " + taken + " interrupt(s) on IRQ " + irq + ": enable "
          + "INT_DONE in INT_ENABLE and wait for the interrupt");
      long status = x.rig.barRead(x.card, SimpleDmaDevice.BAR_REGS, SimpleDmaDevice.REG_INT_STATUS, 4);
      x.rig.expect(status == 0, String.format("INT_STATUS reads %#x after the transfers: the handler must "
          + "write the bits back (write 1 to clear)", status));
      x.rig.expectNoBugs("while interrupts were handled", Check.IRQ, Check.ATOMIC_SLEEP);
    }
  }

  private void badPointer(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      long r = x.rig.proc.write(x.fd, MyIoctlLab.UNMAPPED, 64);
      x.rig.expect(r == -EFAULT, "write() from unmapped address 0x1000 returned " + errno(r)
          + ", expected -EFAULT");
      x.seek(0);
      r = x.rig.proc.read(x.fd, MyIoctlLab.UNMAPPED, 64);
      x.rig.expect(r == -EFAULT, "read() into unmapped address 0x1000 returned " + errno(r)
          + ", expected -EFAULT");
      x.rig.expectNoBugs("during the two calls", Check.USERCOPY, Check.OOPS);
    }
  }

  private void unload(StudentClasses s) throws ItemFailed {
    try (Session x = new Session(s)) {
      x.writeAll(pattern(64, 3));
      x.rig.proc.close(x.fd);
      int rc = x.rig.unload();
      x.rig.expect(rc == 0, "rmmod returned " + errno(rc));
      x.rig.expectNoBugs("when the driver was removed (what it still held)", Check.LEAK, Check.DMA_API,
          Check.PCI, Check.IRQ);
      rc = x.rig.kernel.modules().insmod(s.newModule(CLASS));
      x.rig.expect(rc == 0, "insmod after rmmod returned " + errno(rc));
      x.rig.expect(x.card.driver() != null, "insmod after rmmod did not bind the card again");
    }
  }
}
