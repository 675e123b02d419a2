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
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where received words land (riffa.md §4.6): the FPGA's offset, transactions without {@code last},
 * and replies longer than the buffer, whose rest goes to the spill buffer but still counts.
 */
class RiffaReceiveLayoutTest {
  private static final int SENTINEL = 0x5EE5EE55;

  private static int[] filled(int n) {
    int[] w = new int[n];
    Arrays.fill(w, SENTINEL);
    return w;
  }

  private static RiffaEndpoint scripted(ScriptedCore.Step... steps) {
    return new RiffaEndpoint(RiffaConfig.xilinx(1, 128), c -> new ScriptedCore(List.of(steps)));
  }

  /** Sends one word to start the script, then receives with {@code capacity} words into a sentinel buffer. */
  private static int[] trigger(RiffaRig r, long dst, int capacity, int expectRecvd, int show) {
    long src = r.alloc(4096);
    r.putWords(src, counting(4));
    r.putWords(dst, filled(show));
    assertEquals(4, r.send(0, 0, src, 4, 0, 1, 100));
    assertEquals(expectRecvd, asInt(r.recv(0, 0, dst, capacity, 100)));
    return r.getWords(dst, show);
  }

  @Test
  void aReplyLongerThanTheBufferSpillsButCountsInFull() {
    try (RiffaRig r = new RiffaRig(new RiffaEndpoint())) {
      long src = r.alloc(4096);
      long dst = r.alloc(4096);
      r.putWords(src, counting(200));
      r.putWords(dst, filled(200));
      assertEquals(200, r.send(0, 0, src, 200, 0, 1, 100));
      assertEquals(200, r.recv(0, 0, dst, 50, 100), "the FPGA's count, not the 50 words that fit");
      int[] got = r.getWords(dst, 200);
      assertArrayEquals(Arrays.copyOf(chnlTesterReply(200, 4), 50), Arrays.copyOf(got, 50));
      assertArrayEquals(filled(150), Arrays.copyOfRange(got, 50, 200), "nothing past the capacity");
      r.assertNoBugs();
    }
  }

  @Test
  void anOverflowOfWholePagesTakesOneSpillEntryPerPage() {
    try (RiffaRig r = new RiffaRig(Machine.createDefault(), "debug=1", new RiffaEndpoint())) {
      long src = r.alloc(4 * 4096);
      long dst = r.alloc(4 * 4096);
      r.putWords(src, counting(4096));
      assertEquals(4096, r.send(0, 0, src, 4096, 0, 1, 100));
      assertEquals(4096, r.recv(0, 0, dst, 1024, 100));
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:0, recv sg buf populated, 4 sent"),
          "one page of user buffer and three spill entries of 1024 words");
      assertArrayEquals(Arrays.copyOf(chnlTesterReply(4096, 4), 1024), r.getWords(dst, 1024));
      r.assertNoBugs();
    }
  }

  @Test
  void anOverflowThatIsNotAMultipleOfAPageWrapsAndFillsTheListWithSpillEntries() {
    try (RiffaRig r = new RiffaRig(Machine.createDefault(), "debug=1", new RiffaEndpoint())) {
      long src = r.alloc(4 * 4096);
      long dst = r.alloc(4096);
      r.putWords(src, counting(4096));
      assertEquals(4096, r.send(0, 0, src, 4096, 0, 1, 100));
      assertEquals(4096, r.recv(0, 0, dst, 1000, 100));
      // 12384 bytes of overflow: 12384 - 3 * 4096 wraps below zero, so entries keep coming up to
      // num_sg = 800 (riffa.md §4.3 step 2). Harmless: the FPGA stops at the 4096 words it announced.
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:0, recv sg buf populated, 800 sent"), r.k.dmesg().text());
      assertArrayEquals(Arrays.copyOf(chnlTesterReply(4096, 4), 1000), r.getWords(dst, 1000));
      r.assertNoBugs();
    }
  }

  @Test
  void theFpgaOffsetPlacesTheReplyInsideTheBuffer() {
    try (RiffaRig r = new RiffaRig(scripted(ScriptedCore.Step.full(100, 20, true)))) {
      long dst = r.alloc(4096);
      int[] got = trigger(r, dst, 200, 100, 200);
      assertArrayEquals(filled(20), Arrays.copyOf(got, 20), "words before the offset untouched");
      assertArrayEquals(counting(100), Arrays.copyOfRange(got, 20, 120));
      assertArrayEquals(filled(80), Arrays.copyOfRange(got, 120, 200));
      r.assertNoBugs();
    }
  }

  @Test
  void anOffsetBeyondTheCapacitySendsEverythingToTheSpillBuffer() {
    try (RiffaRig r = new RiffaRig(scripted(ScriptedCore.Step.full(10, 300, true)))) {
      long dst = r.alloc(4096);
      int[] got = trigger(r, dst, 200, 10, 400);
      assertArrayEquals(filled(400), got);
      r.assertNoBugs();
    }
  }

  @Test
  void transactionsWithoutLastFollowEachOtherAndOnlyTheLastCountIsReturned() {
    try (RiffaRig r = new RiffaRig(scripted(ScriptedCore.Step.full(100, 0, false),
        ScriptedCore.Step.full(60, 0, true)))) {
      long dst = r.alloc(4096);
      int[] got = trigger(r, dst, 160, 60, 170);
      assertArrayEquals(counting(160), Arrays.copyOf(got, 160), "the second transaction continues the first");
      assertArrayEquals(filled(10), Arrays.copyOfRange(got, 160, 170));
      r.assertNoBugs();
    }
  }

  @Test
  void aBufferEndingAtTheTopOfTheAddressSpaceTurnsTheReplyIntoOverflow() {
    try (RiffaRig r = new RiffaRig(scripted(ScriptedCore.Step.full(16, 0, true)))) {
      long src = r.alloc(4096);
      r.putWords(src, counting(4));
      assertEquals(4, r.send(0, 0, src, 4, 0, 1, 100));
      assertEquals(16, r.recv(0, 0, 0xFFFF_FFFF_FFFF_FFF0L, 16, 100), "all 16 words went to the spill buffer");
      assertTrue(r.k.dmesg().contains("riffa: fpga:0 chnl:0, recv pointer address overflow"));
      r.assertNoBugs();
    }
  }
}
