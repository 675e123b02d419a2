package dev.driverlab.userland.riffa;

import static dev.driverlab.kernel.uapi.Errno.EBUSY;
import static dev.driverlab.kernel.uapi.Errno.EINTR;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static dev.driverlab.kernel.uapi.Errno.ENODEV;
import static dev.driverlab.kernel.uapi.Errno.ENOENT;
import static dev.driverlab.userland.riffa.RiffaUserRig.chnlTesterReply;
import static dev.driverlab.userland.riffa.RiffaUserRig.counting;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.riffa.EchoCore;
import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.devices.riffa.SinkCore;
import dev.driverlab.kernel.sched.SimThread;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Java API: counts as counts, real errors as RiffaException with the errno. */
class FpgaTest {

  @Test
  void listAndOpenNameTheFpgasAndRefuseAnUnknownId() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint(RiffaConfig.xilinx(4, 128)))) {
      List<FpgaInfo> all = Fpga.list(r.c);
      assertEquals(List.of(new FpgaInfo(0, 4, "0000:03:00.00", 0x10EE, 0x7028)), all);
      assertEquals("id:0 name:0000:03:00.00 num channels:4 vendor id:10EE device id:7028", all.get(0).toString());
      RiffaException e = assertThrows(RiffaException.class, () -> Fpga.open(r.c, 2));
      assertEquals(ENODEV, e.errno());
      assertEquals("fpga_open(2): ENODEV (No such device): no RIFFA FPGA with id 2; the driver has ids [0]",
          e.getMessage());
      try (Fpga fpga = Fpga.open(r.c, 0)) {
        assertEquals(4, fpga.channels());
        RiffaException bad = assertThrows(RiffaException.class, () -> fpga.send(4, new int[] {1}, true, 100));
        assertEquals(EINVAL, bad.errno());
        assertEquals("fpga 0 chnl 4 send: EINVAL (Invalid argument): FPGA 0 has channels 0..3", bad.getMessage());
      }
    }
  }

  @Test
  void withoutTheDriverListSaysWhy() {
    try (RiffaUserRig r = new RiffaUserRig(false, new RiffaEndpoint())) {
      RiffaException e = assertThrows(RiffaException.class, () -> Fpga.list(r.c));
      assertEquals(ENOENT, e.errno());
      assertEquals("fpga_list: ENOENT (No such file or directory): cannot open /dev/riffa (is the riffa module "
          + "loaded?)", e.getMessage());
    }
  }

  @Test
  void intArraysGoThroughStagingBuffers() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint()); Fpga fpga = Fpga.open(r.c, 0)) {
      int n = 3000;
      assertEquals(n, fpga.send(0, counting(n), true, 1000));
      int[] reply = new int[n + 10];
      Arrays.fill(reply, -1);
      assertEquals(n, fpga.recv(0, reply, 5, n, 1000));
      assertArrayEquals(chnlTesterReply(n, 4), Arrays.copyOfRange(reply, 5, 5 + n));
      assertEquals(-1, reply[4]);
      assertEquals(-1, reply[n + 5]);
    }
  }

  @Test
  void heapAndDirectByteBuffersCarryLittleEndianWords() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> new EchoCore()));
        Fpga fpga = Fpga.open(r.c, 0)) {
      for (ByteBuffer out : new ByteBuffer[] {ByteBuffer.allocate(800), ByteBuffer.allocateDirect(800)}) {
        out.order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(counting(200));
        assertEquals(200, fpga.send(0, out, 0, true, 1000));
        assertEquals(0, out.remaining(), "the position moved past what was sent");
        ByteBuffer in = out.isDirect() ? ByteBuffer.allocateDirect(800) : ByteBuffer.allocate(800);
        assertEquals(200, fpga.recv(0, in, 1000));
        assertEquals(800, in.position());
        in.flip();
        int[] got = new int[200];
        in.order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(got);
        assertArrayEquals(counting(200), got, "EchoCore returns the words unchanged");
      }
      assertThrows(IllegalArgumentException.class, () -> fpga.send(0, ByteBuffer.allocate(6), 0, true, 100));
    }
  }

  @Test
  void echoCoreRepliesRightWhenItReusesAMessageBufferForTheNext() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> new EchoCore()));
        Fpga fpga = Fpga.open(r.c, 0)) {
      // 256 words fill the core's first buffer exactly (handed to reply whole, reused once sent); the
      // others are copied out of a larger one. Each echo must be its own message, never an older one.
      int[] sizes = {256, 256, 100, 256, 1024, 1024, 300, 1024};
      for (int k = 0; k < sizes.length; k++) {
        int[] msg = new int[sizes[k]];
        for (int i = 0; i < msg.length; i++) {
          msg[i] = k << 16 | i;
        }
        assertEquals(msg.length, fpga.send(0, msg, true, 1000));
        int[] got = new int[msg.length];
        assertEquals(msg.length, fpga.recv(0, got, 1000));
        assertArrayEquals(msg, got, "echo of message " + k);
      }
    }
  }

  @Test
  void aUserBufferIsHandedToTheDriverWithoutACopy() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint()); Fpga fpga = Fpga.open(r.c, 0);
        UserBuffer src = UserBuffer.allocate(r.c, 4 << 20); UserBuffer dst = UserBuffer.allocate(r.c, 4 << 20)) {
      int n = 1 << 20;
      src.putInts(0, counting(n), 0, n);
      assertEquals(n, fpga.send(0, src, n, 0, true, 1000));
      assertEquals(n, fpga.recv(0, dst, 1000));
      int[] got = new int[n];
      dst.getInts(0, got, 0, n);
      assertArrayEquals(chnlTesterReply(n, 4), got);
    }
  }

  @Test
  void aReplyLongerThanTheArrayIsCountedInFullButOnlyWhatFitsIsWritten() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint()); Fpga fpga = Fpga.open(r.c, 0)) {
      assertEquals(200, fpga.send(0, counting(200), true, 1000));
      int[] small = new int[50];
      assertEquals(200, fpga.recv(0, small, 1000));
      assertArrayEquals(Arrays.copyOf(chnlTesterReply(200, 4), 50), small);
    }
  }

  @Test
  void aBusyChannelAndASignalAreExceptionsATimeoutIsACount() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint(RiffaConfig.xilinx(2, 64), c -> new SinkCore()));
        Fpga fpga = Fpga.open(r.c, 0)) {
      int[] got = new int[1];
      RiffaException[] thrown = new RiffaException[1];
      SimThread t = r.c.pthreadCreate("recv", () -> {
        try {
          got[0] = fpga.recv(1, new int[16], 0);
        } catch (RiffaException e) {
          thrown[0] = e;
        }
      });
      r.k.runFor(1_000_000);
      RiffaException busy = assertThrows(RiffaException.class, () -> fpga.recv(1, new int[16], 10));
      assertEquals(EBUSY, busy.errno());
      assertEquals("fpga 0 chnl 1 recv: EBUSY (Device or resource busy): another thread is receiving on this channel",
          busy.getMessage());
      r.p.kill();
      r.c.join(t);
      r.p.clearSignal();
      assertEquals(EINTR, thrown[0].errno(), "the driver's -ERESTARTSYS");
      assertTrue(thrown[0].getMessage().endsWith("interrupted by a signal"));
      assertEquals(0, fpga.recv(0, new int[16], 8), "the sink never answers: 0 words, no exception");
      assertEquals(16, fpga.send(0, new int[16], true, 8));
    }
  }

  @Test
  void aClosedFpgaRefusesWorkAndResetWorks() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint())) {
      Fpga fpga = Fpga.open(r.c, 0);
      fpga.reset();
      assertEquals(8, fpga.send(0, counting(8), true, 100));
      fpga.close();
      fpga.close();
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> fpga.send(0, counting(8), true, 100));
      assertEquals("FPGA 0 is closed", e.getMessage());
      assertTrue(r.p.files().isEmpty(), "/dev/riffa closed");
      assertThrows(IllegalArgumentException.class, () -> Fpga.open(r.c, 0).send(0, new int[1], true, -5));
    }
  }
}
