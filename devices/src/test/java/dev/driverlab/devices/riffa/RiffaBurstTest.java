package dev.driverlab.devices.riffa;

import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Link;
import dev.driverlab.devices.pcie.Switch;
import dev.driverlab.devices.testing.ExpressSpy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engines' bursts ({@code TxPort.writeBurst}, {@code RxPort.readBurst}): with nothing watching
 * TLPs, the MWrs a host receive would send back to back, and the MRds a host send would, with nothing
 * else happening in between, go at once. Each test plays the same transfer on two machines: one whose
 * only observer takes the express (bursts run) and one whose plain observer sees every TLP (each
 * request goes out at its own time). Everything anybody can see must be the same: the words and the
 * data, each link's time, the clock at the end, the interrupts, what the core got when, and the state
 * at any instant an event or a busy-waiting CPU looks.
 */
class RiffaBurstTest {
  /** One machine with one echoing RIFFA card, its driver probed, and the words already sent to it. */
  static final class Side {
    final RiffaRig rig;
    final ExpressSpy counter = new ExpressSpy();

    Side(int width, boolean plainObserver, int[] data) {
      this(width, plainObserver, new EchoCore());
      assertEquals(data.length, rig.send(0, data, 25 * RiffaRig.MS), "words sent");
    }

    Side(int width, boolean plainObserver, ChannelCore core) {
      Machine m = Machine.createDefault();
      rig = new RiffaRig(m, plainObserver, new RiffaEndpoint(RiffaConfig.xilinx(1, width), c -> core));
      if (!plainObserver) {
        m.fabric().addObserver(counter);
      }
      rig.d().probe();
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
    assertEquals(room, burst.counter.bursts() > 0, () -> "bursts: " + burst.counter.bursts());
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
    List<ExpressSpy> counters = new ArrayList<>();
    for (boolean plain : new boolean[] {false, true}) {
      Side s = new Side(128, plain, data);
      MiniDriver d = s.rig.d();
      long buf = d.alloc(4L * words);
      List<String> log = looks(s, () -> written(d, buf, data) + " words");
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
    assertTrue(counters.get(0).bursts() > 0, "bursts between the looks");
  }

  /**
   * The same for a send: events in the middle of it see the same link times and what the core has got
   * so far at every instant, so a read burst never reaches past the next event that could look.
   */
  @Test
  void eventsInTheMiddleOfASendSeeTheSameProgressAtEveryInstant() {
    int words = 20_000;
    int[] data = data(words);
    List<List<String>> seen = new ArrayList<>();
    List<ExpressSpy> counters = new ArrayList<>();
    for (boolean plain : new boolean[] {false, true}) {
      NotingEcho core = new NotingEcho();
      Side s = new Side(128, plain, core);
      MiniDriver d = s.rig.d();
      long buf = d.alloc(4L * words);
      d.writeWords(buf, data);
      List<String> log = looks(s, () -> core.notes.size() + " rxData calls");
      MiniDriver.SendOp op = d.startSend(0, buf, words, 0, true, 25 * RiffaRig.MS);
      assertTrue(s.rig.run(op));
      assertEquals(words, op.words());
      seen.add(log);
      counters.add(s.counter);
    }
    assertEquals(200, seen.get(1).size());
    assertTrue(seen.get(1).stream().anyMatch(l -> !l.contains(": 0 rxData calls")), "some looks see data come in");
    assertEquals(seen.get(1), seen.get(0));
    assertTrue(counters.get(0).readBursts() > 0, "read bursts between the looks");
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
    List<ExpressSpy> counters = new ArrayList<>();
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
    assertTrue(counters.get(0).bursts() > 0, "bursts between the looks");
  }

  /** An echo that notes, at each rxData, the time and how many words it holds (its own state only). */
  static final class NotingEcho extends BufferingCore {
    final List<String> notes = new ArrayList<>();
    private int words;

    @Override
    public void rxData(ChannelPort port) {
      int before = port.rxValid() ? 1 : 0;
      super.rxData(port);
      notes.add(port.nowNs() + " ns: valid " + before);
    }

    @Override
    protected int[] reply(int[] message) {
      words += message.length;
      notes.add("message of " + message.length + " words, " + words + " in all");
      return message;
    }
  }

  @ParameterizedTest(name = "{0}-bit core, {1} words, buffer {2} bytes into a page")
  @MethodSource("receives")
  void aSendLeavesTheSameWhetherItsReadsGoInBurstsOrOneByOne(int width, int words, int pageOffset) {
    int[] data = data(words);
    List<Side> sides = new ArrayList<>();
    List<NotingEcho> cores = new ArrayList<>();
    for (boolean plain : new boolean[] {false, true}) {
      NotingEcho core = new NotingEcho();
      Side s = new Side(width, plain, core);
      MiniDriver d = s.rig.d();
      long buf = d.allocAt(4L * words, pageOffset);
      d.writeWords(buf, data);
      MiniDriver.SendOp op = d.startSend(0, buf, words, 0, true, 25 * RiffaRig.MS);
      assertTrue(s.rig.run(op));
      assertEquals(words, op.words(), "words sent");
      int[] n = new int[1];
      assertArrayEquals(data, s.rig.recv(0, words, 25 * RiffaRig.MS, n), "the echo");
      assertEquals(words, n[0]);
      sides.add(s);
      cores.add(core);
    }
    Side burst = sides.get(0);
    Side oneByOne = sides.get(1);
    assertEquals(cores.get(1).notes, cores.get(0).notes, "what the core got, and when");
    assertEquals(oneByOne.rig.m.clock().nowNs(), burst.rig.m.clock().nowNs(), "the clock at the end");
    assertArrayEquals(oneByOne.linkTimes(), burst.linkTimes(), "each link's busy time");
    assertEquals(oneByOne.rig.d().isrRuns, burst.rig.d().isrRuns, "interrupt service routines run");
    assertEquals(List.of(), burst.rig.errors);
    assertEquals(List.of(), oneByOne.rig.errors);
    // A read burst needs two reads of one SG element (a page here): 512-byte MRRS, 128 words.
    int firstPage = (4096 - pageOffset) / 4;
    boolean room = Math.min(words, firstPage) > 128 || words - firstPage > 128;
    assertEquals(room, burst.counter.readBursts() > 0, () -> "read bursts: " + burst.counter.readBursts());
  }

  /** A core that does not say rxDataOnlyReads gets its reads one by one, bursts or not elsewhere. */
  @Test
  void aCoreThatMayActInRxDataGetsNoReadAhead() {
    Side s = new Side(128, false, new SinkCore());
    MiniDriver d = s.rig.d();
    long buf = d.alloc(4L * 20_000);
    d.writeWords(buf, data(20_000));
    MiniDriver.SendOp op = d.startSend(0, buf, 20_000, 0, true, 25 * RiffaRig.MS);
    assertTrue(s.rig.run(op));
    assertEquals(20_000, op.words());
    assertTrue(s.counter.expresses() > 100, "the reads took the express: " + s.counter.expresses());
    assertEquals(0, s.counter.readBursts());
  }

  /**
   * A core that says rxDataOnlyReads and then, mid-send, schedules an event from rxData (while reads
   * are ahead: the 20th call falls in the middle of a page's burst) is told so at once.
   */
  @Test
  void aCoreThatBreaksItsRxDataOnlyReadsPromiseIsStopped() {
    BufferingCore liar = new BufferingCore() {
      int calls;

      @Override
      public void rxData(ChannelPort port) {
        super.rxData(port);
        if (++calls == 20) {
          port.schedule(5, "peek", () -> { });
        }
      }

      @Override
      protected int[] reply(int[] words) {
        return words;
      }
    };
    Side s = new Side(128, false, liar);
    MiniDriver d = s.rig.d();
    long buf = d.alloc(4L * 20_000);
    d.writeWords(buf, data(20_000));
    MiniDriver.SendOp op = d.startSend(0, buf, 20_000, 0, true, 25 * RiffaRig.MS);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.rig.run(op));
    assertTrue(e.getMessage().contains("says rxDataOnlyReads() but called schedule from rxData"), e::getMessage);
    assertTrue(e.getMessage().contains("return false from rxDataOnlyReads()"), e::getMessage);
  }

  /**
   * Schedules 200 events that look at the machine from 3 µs on, at odd steps (they fall inside bursts,
   * not on their edges), each noting the time, {@code what} and each link's time; returns their notes.
   */
  private static List<String> looks(Side s, Supplier<String> what) {
    List<String> log = new ArrayList<>();
    long start = s.rig.m.clock().nowNs();
    for (int k = 1; k <= 200; k++) {
      long at = start + 3_000 + k * 157L;
      s.rig.m.clock().scheduleAt(at, "look", () -> log.add(at + " ns: " + what.get() + ", links "
          + Arrays.toString(s.linkTimes())));
    }
    return log;
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
