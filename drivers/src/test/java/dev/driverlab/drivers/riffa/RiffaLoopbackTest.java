package dev.driverlab.drivers.riffa;

import static dev.driverlab.drivers.riffa.RiffaRig.asInt;
import static dev.driverlab.drivers.riffa.RiffaRig.chnlTesterReply;
import static dev.driverlab.drivers.riffa.RiffaRig.counting;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Host → FPGA → host through chnl_tester, the data checked against riffa.md §5.4's formula. */
class RiffaLoopbackTest {
  private static final int SENTINEL = 0xDEADBEEF;

  @ParameterizedTest(name = "{0} words on a {1}-bit core")
  @CsvSource({"1,128", "3,128", "4,128", "5,128", "200,128", "4096,128", "1000000,128",
      "1,64", "3,64", "4,64", "5,64", "200,64", "4096,64", "1000000,64"})
  void chnlTesterRepliesWithTheLastBeatThenTheCount(int n, int width) {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(1, width)))) {
      long src = r.alloc(4L * n);
      long dst = r.alloc(4L * n + 4096);
      r.putWords(src, counting(n));
      int[] fill = new int[n + 1];
      java.util.Arrays.fill(fill, SENTINEL);
      r.putWords(dst, fill);

      assertEquals(n, asInt(r.send(0, 0, src, n, 0, 1, 25000)), "words sent");
      assertEquals(n, asInt(r.recv(0, 0, dst, n, 25000)), "words recv");

      int[] got = r.getWords(dst, n + 1);
      assertArrayEquals(chnlTesterReply(n, width / 32), java.util.Arrays.copyOf(got, n));
      assertEquals(SENTINEL, got[n], "nothing written past the reply");
      assertEquals(0, r.k.mem().pins().size(), "every pinned page released");
      r.assertNoBugs();
    }
  }
}
