package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.RiffaRig.asInt;
import static dev.driverlab.drivers.riffa.RiffaRig.counting;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static dev.driverlab.kernel.uapi.Errno.ENODEV;
import static dev.driverlab.kernel.uapi.Errno.ENOTTY;
import static dev.driverlab.kernel.uapi.Ioctl.SIZEOF_INT;
import static dev.driverlab.kernel.uapi.Ioctl.SIZEOF_POINTER;
import static dev.driverlab.kernel.uapi.Ioctl._IOR;
import static dev.driverlab.kernel.uapi.Ioctl._IOW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.kernel.fs.File;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** /dev/riffa as user space sees it: the ioctl numbers, the two structures and every bad input. */
class RiffaIoctlAbiTest {

  @Test
  void ioctlNumbersEncodeAPointerSizeAsOnX8664() {
    assertEquals(_IOW(100, 1, SIZEOF_POINTER), RiffaUapi.IOCTL_SEND);
    assertEquals(_IOR(100, 2, SIZEOF_POINTER), RiffaUapi.IOCTL_RECV);
    assertEquals(_IOR(100, 3, SIZEOF_POINTER), RiffaUapi.IOCTL_LIST);
    assertEquals(_IOW(100, 4, SIZEOF_INT), RiffaUapi.IOCTL_RESET);
    assertEquals(0x40086401, RiffaUapi.IOCTL_SEND);
    assertEquals(0x80086402, RiffaUapi.IOCTL_RECV);
    assertEquals(0x80086403, RiffaUapi.IOCTL_LIST);
    assertEquals(0x40046404, RiffaUapi.IOCTL_RESET);
  }

  @Test
  void fpgaChnlIoDecodesTheX8664LayoutWithItsPadding() {
    byte[] b = new byte[FpgaChnlIo.SIZE];
    RiffaRig.put32(b, 0, 3);
    RiffaRig.put32(b, 4, 11);
    RiffaRig.put32(b, 8, 0xFFFFFFF0);
    RiffaRig.put32(b, 12, 7);
    RiffaRig.put32(b, 16, 1);
    RiffaRig.put32(b, 20, 0x5A5A5A5A); // padding: never read
    RiffaRig.put64(b, 24, 25000);
    RiffaRig.put64(b, 32, 0x7f00_0000_1004L);
    assertEquals(new FpgaChnlIo(3, 11, 0xFFFFFFF0, 7, 1, 25000, 0x7f00_0000_1004L), FpgaChnlIo.decode(b));
    assertEquals(40, FpgaChnlIo.SIZE);
  }

  @Test
  void listReportsEachFpgaInSlotOrderAndPadsTheRestWithMinusOne() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(3, 128)),
        new RiffaEndpoint(RiffaConfig.altera(12, 64)))) {
      byte[] b = r.listRaw();
      assertEquals(164, b.length);
      assertEquals(2, FpgaChnlIo.le32(b, 0));
      int[] ids = new int[5];
      int[] chnls = new int[5];
      int[] vendors = new int[5];
      int[] devices = new int[5];
      String[] names = new String[5];
      for (int i = 0; i < 5; i++) {
        ids[i] = FpgaChnlIo.le32(b, 4 + 4 * i);
        chnls[i] = FpgaChnlIo.le32(b, 24 + 4 * i);
        names[i] = cString(b, 44 + 16 * i);
        vendors[i] = FpgaChnlIo.le32(b, 124 + 4 * i);
        devices[i] = FpgaChnlIo.le32(b, 144 + 4 * i);
      }
      assertArrayEquals(new int[] {0, 1, -1, -1, -1}, ids);
      assertArrayEquals(new int[] {3, 12, 0, 0, 0}, chnls);
      assertArrayEquals(new String[] {"0000:03:00.00", "0000:04:00.00", "", "", ""}, names);
      assertArrayEquals(new int[] {0x10EE, 0x1172, 0, 0, 0}, vendors);
      assertArrayEquals(new int[] {0x7028, 0x0001, 0, 0, 0}, devices);
      for (int i = 13; i < 16; i++) {
        assertEquals(0, b[44 + i], "name is NUL-padded");
      }
      assertTrue(r.k.dmesg().contains("riffa: saved FPGA with id: 1"));
    }
  }

  private static String cString(byte[] b, int at) {
    int end = at;
    while (b[end] != 0) {
      end++;
    }
    return new String(b, at, end - at, StandardCharsets.US_ASCII);
  }

  @Test
  void unknownCommandIsEnottyAndOnlyIoctlIsImplemented() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint())) {
      assertEquals(-ENOTTY, r.p.ioctl(r.fd, _IOW(100, 9, SIZEOF_POINTER), 0));
      assertEquals(-ENOTTY, r.p.ioctl(r.fd, 0x40086501, 0), "magic 0x65 is not RIFFA's");
      long buf = r.alloc(4096);
      assertEquals(-EINVAL, r.p.read(r.fd, buf, 16), "no read file operation");
      assertEquals(-EINVAL, r.p.write(r.fd, buf, 16), "no write file operation");
      assertEquals(-ENODEV, r.p.mmap(4096, 3, r.fd, 0), "no mmap file operation");
      int fd2 = r.p.open(RiffaUapi.DEVICE_PATH, File.O_RDONLY);
      assertTrue(fd2 >= 0, "any open succeeds");
      r.assertNoBugs();
    }
  }

  @Test
  void anArgumentPointerThatIsNotMappedReturnsTheBytesNotCopied() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint())) {
      assertEquals(40, r.p.ioctl(r.fd, RiffaUapi.IOCTL_SEND, 0x1000));
      assertEquals(40, r.p.ioctl(r.fd, RiffaUapi.IOCTL_RECV, 0x1000));
      assertTrue(r.k.dmesg().contains("riffa: cannot read ioctl user parameter."));
      assertEquals(164, r.p.ioctl(r.fd, RiffaUapi.IOCTL_LIST, 0x2000));
      assertTrue(r.k.dmesg().contains("riffa: cannot write ioctl user parameter."));
      r.assertNoBugs();
    }
  }

  @Test
  void unknownFpgaIdsAndChannelsMoveNothingAndReturnZero() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(2, 128)))) {
      long buf = r.alloc(4096);
      r.putWords(buf, counting(16));
      long t0 = r.m.clock().nowNs();
      for (int id : new int[] {-1, 1, 4, 5, 1 << 20}) {
        assertEquals(0, r.send(id, 0, buf, 16, 0, 1, 100), "send to FPGA id " + id);
        assertEquals(0, r.recv(id, 0, buf, 16, 100), "recv from FPGA id " + id);
      }
      for (int chnl : new int[] {-1, 2, 12}) {
        assertEquals(0, r.send(0, chnl, buf, 16, 0, 1, 100), "send on channel " + chnl);
        assertEquals(0, r.recv(0, chnl, buf, 16, 100), "recv on channel " + chnl);
      }
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:2, send channel invalid!"));
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:-1, recv channel invalid!"));
      assertEquals(t0, r.m.clock().nowNs(), "nothing waited");
      r.assertNoBugs();
    }
  }

  @Test
  void unalignedAndWrappingBuffersAreEinvalThroughTheUnsignedReturn() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint())) {
      long buf = r.alloc(4096);
      long einval = Integer.toUnsignedLong(-EINVAL);
      assertEquals(0xFFFFFFEAL, einval);

      assertEquals(einval, r.send(0, 0, buf + 2, 16, 0, 1, 100), "unaligned send");
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:0, send user buffer must be 32 bit word aligned!"));
      assertEquals(einval, r.recv(0, 0, buf + 1, 16, 100), "unaligned recv");
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:0, recv user buffer must be 32 bit word aligned!"));
      assertEquals(einval, r.send(0, 0, 0xFFFF_FFFF_FFFF_FFF0L, 8, 0, 1, 100), "send wrapping the address space");
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:0, send pointer address overflow"));
      assertEquals(-EINVAL, asInt(r.send(0, 0, buf + 3, 1, 0, 1, 100)), "the C library's int reads -22");

      // A bad channel wins over a bad buffer: the channel is checked first.
      assertEquals(0, r.send(0, 5, buf + 2, 16, 0, 1, 100));
      // None of it left the channel busy.
      r.putWords(buf, counting(16));
      assertEquals(16, r.send(0, 0, buf, 16, 0, 1, 100));
      assertEquals(16, r.recv(0, 0, buf, 16, 100));
      r.assertNoBugs();
    }
  }

  @Test
  void aZeroLengthSendReturnsAtOnceAndTheNextSendDrainsItsStaleEvent() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(1, 128),
        c -> new ScriptedCore(java.util.List.of())))) {
      long buf = r.alloc(4096);
      // The wrap check computes buf + 0 - 1 < buf: with a real buffer an empty send is -EINVAL, as in C.
      assertEquals(Integer.toUnsignedLong(-EINVAL), r.send(0, 0, buf, 0, 0, 1, 100));
      // Only a NULL buffer gets through, to "tell the FPGA and return 0" (riffa.md §4.5 step 3).
      assertEquals(0, r.send(0, 0, 0, 0, 0, 1, 100));
      r.k.runFor(RiffaRig.MS); // the FPGA's RX_TXN_DONE for the empty send lands in the queue
      r.putWords(buf, counting(64));
      assertEquals(64, r.send(0, 0, buf, 64, 0, 1, 100), "the stale DONE (0 words) is not this send's");
      r.assertNoBugs();
    }
  }

  @Test
  void debugParameterLogsEveryStepAsMakeDebugDoes() {
    try (RiffaRig r = new RiffaRig(dev.driverlab.devices.Machine.createDefault(), "debug=1", new RiffaEndpoint())) {
      long buf = r.alloc(4096);
      r.putWords(buf, counting(16));
      assertEquals(16, r.send(0, 0, buf, 16, 0, 1, 100));
      assertEquals(16, r.recv(0, 0, buf, 16, 100));
      String log = r.k.dmesg().text();
      for (String line : new String[] {"riffa: fpga:0 chnl:0, send (len:16 off:0 last:1)",
          "riffa: fpga:0 chnl:0, send sg buf populated, 1 sent", "riffa: fpga:0 chnl:0, send sg buf read",
          "riffa: fpga:0 chnl:0, send txn done", "riffa: fpga:0 chnl:0, sent 16 words",
          "riffa: fpga:0 chnl:0, recv txn (len:16 off:0 last:1)", "riffa: fpga:0 chnl:0, recv sg buf populated, 1 sent",
          "riffa: fpga:0 chnl:0, received 16 words"}) {
        assertTrue(log.contains(line), line + " in\n" + log);
      }
    }
  }
}
