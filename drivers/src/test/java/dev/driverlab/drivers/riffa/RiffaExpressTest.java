package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.RiffaRig.asInt;
import static dev.driverlab.drivers.riffa.RiffaRig.chnlTesterReply;
import static dev.driverlab.drivers.riffa.RiffaRig.counting;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.drivers.ExpressRoads;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The RIFFA driver end to end, with the kernel's bus checks alone (the DMA express moves the card's
 * SG-list reads, data reads and writes) and with a plain observer beside them (every DMA as TLPs): the
 * same dmesg, the same data, the same virtual time at the end and the same time on every link.
 */
class RiffaExpressTest {
  /** Sends 1..n through chnl_tester and receives its reply; returns the ExpressRoads end of the run. */
  private static ExpressRoads.End loopback(Machine m, int n, int width) {
    int[] got;
    RiffaRig r = new RiffaRig(m, null, new RiffaEndpoint(RiffaConfig.xilinx(1, width)));
    try {
      long src = r.alloc(4L * n);
      long dst = r.alloc(4L * n + 4096);
      r.putWords(src, counting(n));
      int[] fill = new int[n + 1];
      Arrays.fill(fill, 0xDEADBEEF);
      r.putWords(dst, fill);
      assertEquals(n, asInt(r.send(0, 0, src, n, 0, 1, 25000)), "words sent");
      assertEquals(n, asInt(r.recv(0, 0, dst, n, 25000)), "words recv");
      got = r.getWords(dst, n + 1);
      assertArrayEquals(chnlTesterReply(n, width / 32), Arrays.copyOf(got, n));
      assertEquals(0xDEADBEEF, got[n], "nothing written past the reply");
      r.assertNoBugs();
    } finally {
      r.close();
    }
    return ExpressRoads.end(r.k, Arrays.toString(got));
  }

  @ParameterizedTest(name = "{0} words on a {1}-bit core")
  @CsvSource({"17500, 128", "17500, 64", "1, 128", "4097, 64"})
  void aLoopbackEndsAlikeWithAndWithoutTheExpress(int n, int width) {
    Machine a = Machine.createDefault();
    ExpressRoads.Watch express = ExpressRoads.watch(a, false);
    ExpressRoads.End e = loopback(a, n, width);
    Machine b = Machine.createDefault();
    ExpressRoads.Watch road = ExpressRoads.watch(b, true);
    ExpressRoads.End r = loopback(b, n, width);
    ExpressRoads.assertSameEnd(e, express, r, road);
    // The RIFFA engines send one TLP per step; the requests of steps that would go back to back with
    // nothing else happening go by express together, as a burst (RiffaBurstTest in devices), each
    // within MRRS 512 and MPS 256. chnl_tester takes beats only until a send is in, so its sends' reads
    // go ahead a page at a time; it writes its reply beat by beat and is woken each time the FIFO has
    // room, so its replies' writes go mostly one by one.
    for (String s : express.spy.shapes()) {
      int largest = Integer.parseInt(s.substring(s.indexOf("<=") + 2));
      assertTrue(largest <= (s.startsWith("DEVICE_WRITE") ? 256 : 512), s);
    }
    if (n == 1) {
      assertTrue(express.spy.shapes().stream().allMatch(s -> s.contains(" x1 <=")), express.spy.shapes()::toString);
      assertTrue(express.spy.shapes().contains("DEVICE_WRITE x1 <=4"), express.spy.shapes()::toString);
    } else {
      assertTrue(express.spy.shapes().contains("DEVICE_READ x8 <=512"), "a page read in one burst: "
          + express.spy.shapes());
    }
  }
}
