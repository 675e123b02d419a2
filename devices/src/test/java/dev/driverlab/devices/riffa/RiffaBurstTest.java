package dev.driverlab.devices.riffa;

import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.Switch;
import dev.driverlab.devices.pcie.tlp.ExpressDma;
import dev.driverlab.devices.pcie.tlp.ExpressObserver;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The TX engine's bursts ({@code TxPort.writeBurst}): with nothing watching TLPs, the MWrs a host
 * receive would send back to back, with nothing else happening in between, land at once. Each test
 * plays the same receive on two machines: one whose only observer takes the express (bursts run) and
 * one whose plain observer sees every TLP (each MWr goes out at its own time). Everything anybody can
 * see must be the same: the words and the data received, each link's time, the clock at the end, the
 * interrupts, and the state at any instant an event or a busy-waiting CPU looks.
 */
class RiffaBurstTest {
  /** Counts the transfers the express moved and the bursts among them; admits everything. */
  static final class BurstCounter implements ExpressObserver {
    int transfers;
    int bursts;
    int burstRequests;

    @Override
    public boolean admits(ExpressDma dma) {
      return true;
    }

    @Override
    public void onExpress(ExpressDma dma) {
      transfers++;
      if (dma.lastRequestNs() > dma.timeNs()) {
        bursts++;
        burstRequests += dma.requests();
      }
    }

    @Override
    public boolean keepsTlps() {
      return false; // it keeps nothing: the fabric may send payloads as views (the express needs that)
    }

    @Override
    public void onTlp(long timeNs, LinkDirection dir, String linkName, Tlp tlp) {
      // the TLP road: nothing to count
    }
  }

  /** One machine with one echoing RIFFA card, its driver probed, and the words already sent to it. */
  static final class Side {
    final RiffaRig rig;
    final BurstCounter counter = new BurstCounter();

    Side(int width, boolean plainObserver, int[] data) {
      Machine m = Machine.createDefault();
      rig = new RiffaRig(m, plainObserver, new RiffaEndpoint(RiffaConfig.xilinx(1, width), c -> new EchoCore()));
      if (!plainObserver) {
        m.fabric().addObserver(counter);
      }
      rig.d().probe();
      assertEquals(data.length, rig.send(0, data, 25 * RiffaRig.MS), "words sent");
    }

    /** Each link's busy time: the root ports' links and, below them, every switch's, depth first. */
    long[] linkTimes() {
      List<Long> out = new ArrayList<>();
      for (Link l : rig.m.rootComplex().links()) {
        addBelow(l, out);
      }
      return out.stream().mapToLong(Long::longValue).toArray();
    }

    private static void addBelow(Link l, List<Long> out) {
      out.add(l.busyPs());
      if (l.partner() instanceof Switch sw) {
        for (Link down : sw.links()) {
          addBelow(down, out);
        }
      }
    }
  }

  static Stream<Arguments> receives() {
    List<Arguments> a = new ArrayList<>();
    for (int width : new int[] {64, 128}) {
      for (int words : new int[] {1, 64, 65, 1000, 4097, 70000}) {
        for (int pageOffset : new int[] {0, 4, 2052}) {
          a.add(Arguments.of(width, words, pageOffset));
        }
      }
    }
    return a.stream();
  }

  static int[] data(int words) {
    return IntStream.range(0, words).map(i -> i * 0x9e3779b9 + 17).toArray();
  }

  @ParameterizedTest(name = "{0}-bit core, {1} words, buffer {2} bytes into a page")
  @MethodSource("receives")
  void aReceiveLeavesTheSameWhetherItsWritesLandInBurstsOrOneByOne(int width, int words, int pageOffset) {
    int[] data = data(words);
    Side burst = new Side(width, false, data);
    Side oneByOne = new Side(width, true, data);
    long[] got = new long[2];
    int[][] received = new int[2][];
    int i = 0;
    for (Side s : List.of(burst, oneByOne)) {
      MiniDriver d = s.rig.d();
      long buf = d.allocAt(4L * words, pageOffset);
      MiniDriver.RecvOp op = d.startRecv(0, buf, words, 25 * RiffaRig.MS);
      assertTrue(s.rig.run(op));
      got[i] = op.words();
      received[i++] = d.readWords(buf, words);
    }
    assertEquals(words, got[0], "words received with bursts");
    assertEquals(words, got[1], "words received one by one");
    assertArrayEquals(data, received[0], "the echo, with bursts");
    assertArrayEquals(data, received[1], "the echo, one by one");
    assertEquals(oneByOne.rig.m.clock().nowNs(), burst.rig.m.clock().nowNs(), "the clock at the end");
    assertArrayEquals(oneByOne.linkTimes(), burst.linkTimes(), "each link's busy time");
    assertEquals(oneByOne.rig.d().isrRuns, burst.rig.d().isrRuns, "interrupt service routines run");
    assertEquals(oneByOne.rig.errors, burst.rig.errors);
    assertEquals(List.of(), burst.rig.errors);
    // A burst needs two writes of one SG element (a page here) in the FIFO: 256-byte MPS, 64 words.
    int firstPage = (4096 - pageOffset) / 4;
    boolean room = Math.min(words, firstPage) > 64 || words - firstPage > 64;
    assertEquals(room, burst.counter.bursts > 0, () -> "bursts: " + burst.counter.bursts);
  }

  /**
   * Events that look at the machine in the middle of a receive (as a timer or another device's event
   * would) see the same data written and the same link times at every instant: a burst never reaches
   * past the next event that could look.
   */
  @Test
  void eventsInTheMiddleOfAReceiveSeeTheSameProgressAtEveryInstant() {
    int words = 20_000;
    int[] data = data(words);
    List<List<String>> seen = new ArrayList<>();
    List<BurstCounter> counters = new ArrayList<>();
    for (boolean plain : new boolean[] {false, true}) {
      Side s = new Side(128, plain, data);
      MiniDriver d = s.rig.d();
      long buf = d.alloc(4L * words);
      List<String> log = new ArrayList<>();
      long start = s.rig.m.clock().nowNs();
      for (int k = 1; k <= 200; k++) {
        long at = start + 3_000 + k * 157L; // odd steps: they fall inside bursts, not on their edges
        s.rig.m.clock().scheduleAt(at, "look", () -> log.add(at + " ns: " + written(d, buf, data) + " words, links "
            + Arrays.toString(s.linkTimes())));
      }
      MiniDriver.RecvOp op = d.startRecv(0, buf, words, 25 * RiffaRig.MS);
      assertTrue(s.rig.run(op));
      assertEquals(words, op.words());
      seen.add(log);
      counters.add(s.counter);
    }
    assertEquals(200, seen.get(1).size());
    assertTrue(seen.get(1).stream().anyMatch(l -> !l.contains(": 0 words") && !l.contains(": " + words + " words")),
        "some looks fall in the middle of the data");
    assertEquals(seen.get(1), seen.get(0));
    assertTrue(counters.get(0).bursts > 0, "bursts between the looks");
  }

  /**
   * A CPU that busy-waits (advanceTo runs the events due on its way) and looks each time it goes on
   * sees the same progress at every instant: a burst never reaches past the time the CPU goes on.
   */
  @Test
  void aBusyWaitingCpuSeesTheSameProgressEachTimeItGoesOn() {
    int words = 20_000;
    int[] data = data(words);
    List<List<String>> seen = new ArrayList<>();
    List<BurstCounter> counters = new ArrayList<>();
    for (boolean plain : new boolean[] {false, true}) {
      Side s = new Side(128, plain, data);
      MiniDriver d = s.rig.d();
      long buf = d.alloc(4L * words);
      List<String> log = new ArrayList<>();
      MiniDriver.RecvOp op = d.startRecv(0, buf, words, 25 * RiffaRig.MS);
      for (int k = 0; k < 100_000 && !op.done; k++) {
        d.serviceInterrupts();
        op.dispatch();
        s.rig.m.clock().advance(211); // udelay-like: what is due on the way runs, then the CPU goes on
        log.add(s.rig.m.clock().nowNs() + " ns: " + written(d, buf, data) + " words, links "
            + Arrays.toString(s.linkTimes()));
      }
      assertTrue(op.done);
      assertEquals(words, op.words());
      seen.add(log);
      counters.add(s.counter);
    }
    assertTrue(seen.get(1).size() > 20, "the CPU looked many times: " + seen.get(1).size());
    assertEquals(seen.get(1), seen.get(0));
    assertTrue(counters.get(0).bursts > 0, "bursts between the looks");
  }

  /** Words of {@code data} already in place at the start of the buffer (the engine writes in order). */
  private static int written(MiniDriver d, long buf, int[] data) {
    int[] now = d.readWords(buf, data.length);
    int n = 0;
    while (n < data.length && now[n] == data[n]) {
      n++;
    }
    return n;
  }
}
