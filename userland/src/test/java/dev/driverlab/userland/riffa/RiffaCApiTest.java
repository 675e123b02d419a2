package dev.driverlab.userland.riffa;

import static dev.driverlab.kernel.uapi.Errno.EBADF;
import static dev.driverlab.kernel.uapi.Errno.EBUSY;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static dev.driverlab.kernel.uapi.Errno.ENOENT;
import static dev.driverlab.userland.riffa.Riffa.fpga_close;
import static dev.driverlab.userland.riffa.Riffa.fpga_list;
import static dev.driverlab.userland.riffa.Riffa.fpga_open;
import static dev.driverlab.userland.riffa.Riffa.fpga_recv;
import static dev.driverlab.userland.riffa.Riffa.fpga_reset;
import static dev.driverlab.userland.riffa.Riffa.fpga_send;
import static dev.driverlab.userland.riffa.RiffaUserRig.chnlTesterReply;
import static dev.driverlab.userland.riffa.RiffaUserRig.counting;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.devices.riffa.SinkCore;
import dev.driverlab.kernel.sched.SimThread;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** libriffa's C API (riffa.md §6.1) against the driver: units, return values, errno. */
class RiffaCApiTest {

  private static void put(RiffaUserRig r, long at, int[] words) {
    ByteBuffer b = ByteBuffer.allocate(4 * words.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(words);
    r.c.poke(at, b.array());
  }

  private static int[] get(RiffaUserRig r, long at, int n) {
    int[] w = new int[n];
    ByteBuffer.wrap(r.c.peek(at, 4 * n)).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(w);
    return w;
  }

  @Test
  void listDescribesEveryFpga() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint(RiffaConfig.xilinx(2, 128)),
        new RiffaEndpoint(RiffaConfig.altera(12, 64)))) {
      FpgaInfoList info = new FpgaInfoList();
      assertEquals(0, fpga_list(r.c, info));
      assertEquals(2, info.num_fpgas);
      assertArrayEquals(new int[] {0, 1, -1, -1, -1}, info.id);
      assertArrayEquals(new int[] {2, 12, 0, 0, 0}, info.num_chnls);
      assertArrayEquals(new String[] {"0000:03:00.00", "0000:04:00.00", "", "", ""}, info.name);
      assertArrayEquals(new int[] {0x10EE, 0x1172, 0, 0, 0}, info.vendor_id);
      assertArrayEquals(new int[] {0x7028, 0x0001, 0, 0, 0}, info.device_id);
      assertTrue(r.p.files().isEmpty(), "fpga_list closed /dev/riffa again");
    }
  }

  @Test
  void withoutTheDriverListReturnsTheFailedOpenAndOpenReturnsNull() {
    try (RiffaUserRig r = new RiffaUserRig(false, new RiffaEndpoint())) {
      assertEquals(-1, fpga_list(r.c, new FpgaInfoList()));
      assertEquals(ENOENT, r.c.errno());
      assertNull(fpga_open(r.c, 0));
      assertEquals(ENOENT, r.c.errno());
    }
  }

  @Test
  void sendAndRecvCountWordsAndTheReplyFollowsChnlTester() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint())) {
      FpgaT fpga = fpga_open(r.c, 0);
      assertNotNull(fpga);
      int n = 5000;
      long send = r.c.malloc(4L * n);
      long recv = r.c.malloc(4L * n);
      put(r, send, counting(n));
      assertEquals(n, fpga_send(fpga, 0, send, n, 0, 1, 25000));
      assertEquals(n, fpga_recv(fpga, 0, recv, n, 25000));
      assertArrayEquals(chnlTesterReply(n, 4), get(r, recv, n));
      fpga_reset(fpga);
      assertEquals(n, fpga_send(fpga, 0, send, n, 0, 1, 25000), "works after a reset");
      assertEquals(n, fpga_recv(fpga, 0, recv, n, 25000));
      fpga_close(fpga);
      assertEquals(-1, fpga_send(fpga, 0, send, n, 0, 1, 25000), "a closed handle");
      assertEquals(EBADF, r.c.errno());
      r.assertNoBugs();
    }
  }

  /**
   * The {@code fpga_chnl_io} struct of each call lives in the process's memory: one is kept for the next
   * call instead of a malloc and free per call, calls in progress at once get their own, and
   * {@code fpga_close} frees what is kept.
   */
  @Test
  void chnlIoStructsAreReusedAndFreedAtClose() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint())) {
      FpgaT fpga = fpga_open(r.c, 0);
      int n = 64;
      long send = r.c.malloc(4L * n);
      long recv = r.c.malloc(4L * n);
      assertEquals(n, fpga_send(fpga, 0, send, n, 0, 1, 25000));
      assertEquals(n, fpga_recv(fpga, 0, recv, n, 25000));
      long io = fpga.takeIo(); // the one both calls used, given back after each
      long other = fpga.takeIo(); // taken while that one is out: a struct of its own
      assertNotEquals(0, io);
      assertNotEquals(io, other);
      assertNotNull(r.p.mm().vmaAt(io));
      fpga.giveIo(other);
      fpga.giveIo(io);
      assertEquals(n, fpga_send(fpga, 0, send, n, 0, 1, 25000), "works with a reused struct");
      fpga_close(fpga);
      assertNull(r.p.mm().vmaAt(io), "freed by fpga_close");
      assertNull(r.p.mm().vmaAt(other), "freed by fpga_close");
      r.assertNoBugs();
    }
  }

  @Test
  void unknownIdsAndChannelsReturnZeroAndBadBuffersTheNegativeCodeWithErrnoUntouched() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint())) {
      long buf = r.c.malloc(4096);
      FpgaT ghost = fpga_open(r.c, 3);
      assertNotNull(ghost, "fpga_open does not check the id");
      assertEquals(0, fpga_send(ghost, 0, buf, 16, 0, 1, 100));
      assertEquals(0, fpga_recv(ghost, 0, buf, 16, 100));
      fpga_close(ghost);

      FpgaT fpga = fpga_open(r.c, 0);
      assertEquals(0, fpga_send(fpga, 1, buf, 16, 0, 1, 100), "channel 1 of a 1-channel FPGA");
      r.c.close(999); // sets errno to EBADF
      assertEquals(EBADF, r.c.errno());
      assertEquals(-EINVAL, fpga_send(fpga, 0, buf + 2, 16, 0, 1, 100), "unaligned");
      assertEquals(-EINVAL, fpga_recv(fpga, 0, buf + 1, 16, 100), "unaligned");
      assertEquals(-EINVAL, fpga_send(fpga, 0, -16L, 8, 0, 1, 100), "wraps around the address space");
      assertEquals(EBADF, r.c.errno(), "the system call succeeded: errno untouched");
      fpga_close(fpga);
    }
  }

  @Test
  void aSecondThreadOnTheSameChannelGetsMinusEbusy() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> new SinkCore()))) {
      FpgaT fpga = fpga_open(r.c, 0);
      long a = r.c.malloc(4096);
      long b = r.c.malloc(4096);
      int[] first = new int[1];
      SimThread t = r.c.pthreadCreate("recv", () -> first[0] = fpga_recv(fpga, 0, a, 16, 20));
      r.k.runFor(1_000_000);
      assertEquals(-EBUSY, fpga_recv(fpga, 0, b, 16, 20));
      r.c.join(t);
      assertEquals(0, first[0], "the sink never answers: timed out with 0 words");
      fpga_close(fpga);
    }
  }
}
