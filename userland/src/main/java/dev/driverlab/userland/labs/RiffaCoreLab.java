package dev.driverlab.userland.labs;

import static dev.driverlab.userland.labs.KernelRig.errno;

import dev.driverlab.devices.riffa.BufferingCore;
import dev.driverlab.devices.riffa.ChannelCore;
import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.drivers.riffa.RiffaDriver;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.userland.libc.Libc;
import dev.driverlab.userland.riffa.Fpga;
import dev.driverlab.userland.riffa.RiffaException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Lab 5, a custom RIFFA user core (shared/reference/riffa.md §5.1, §5.2; the Java signal bundle is
 * {@link ChannelCore}): the student's {@code RunningSumCore} answers every message with the running
 * sums of its words. The grader puts one instance on every channel of a {@link RiffaEndpoint} and
 * plays the host on bare metal ({@link RiffaHost}): real SG lists, MRd/MWr TLPs and MSIs, no kernel.
 * The last item runs the core the way a RIFFA user does: DriverLab's RIFFA driver in a booted kernel
 * and a program calling {@code fpga_send}/{@code fpga_recv} through {@link Fpga}.
 */
final class RiffaCoreLab implements Lab {
  static final String CLASS = "dev.driverlab.labs.riffasum.RunningSumCore";
  /** Simulated time one exchange may take; the longest message needs well under a millisecond. */
  static final long MAX_NS = 50_000_000L;

  @Override
  public int number() {
    return 5;
  }

  @Override
  public String folder() {
    return "05-riffa-core";
  }

  @Override
  public String title() {
    return "RIFFA: a user core that answers with running sums";
  }

  @Override
  public String studentClass() {
    return CLASS;
  }

  @Override
  public List<GradedItem> items() {
    return List.of(
        new GradedItem("single", 3, "1..8 comes back as 1 3 6 10 15 21 28 36 (one reply, offset 0, last)",
            this::single),
        new GradedItem("per-message", 2, "the sum starts again at 0 with every message", this::perMessage),
        new GradedItem("partial-beat", 1, "lengths that do not fill the last beat (128- and 64-bit cores)",
            this::partialBeat),
        new GradedItem("long", 2, "3000 words with 32-bit wrap-around: back-pressure on both FIFOs",
            this::longMessage),
        new GradedItem("multi-send", 1, "a message of two sends (last on the second) gets one reply",
            this::multiSend),
        new GradedItem("channels", 1, "two channels at once, each with its own core and sum", this::channels),
        new GradedItem("driver", 2, "behind the RIFFA driver: fpga_send of 1..1000, fpga_recv of the sums",
            this::behindDriver));
  }

  /** An endpoint of {@code config} with a new student core on every channel. */
  private static RiffaEndpoint endpoint(StudentClasses s, RiffaConfig config) throws ItemFailed {
    Class<? extends ChannelCore> c = s.load(CLASS, ChannelCore.class);
    if (BufferingCore.class.isAssignableFrom(c)) {
      throw new ItemFailed(CLASS + " extends BufferingCore: this lab asks for the CHNL_* handshake written "
          + "by hand (implement ChannelCore directly)");
    }
    List<ChannelCore> cores = new ArrayList<>();
    for (int i = 0; i < config.channels(); i++) {
      cores.add(s.instantiate(CLASS, ChannelCore.class));
    }
    return new RiffaEndpoint(config, cores::get);
  }

  /** A bare-metal host with an endpoint of {@code config}, the student's core on every channel. */
  private static RiffaHost host(StudentClasses s, RiffaConfig config) throws ItemFailed {
    return new RiffaHost(endpoint(s, config));
  }

  static int[] runningSums(int[] words) {
    int[] out = new int[words.length];
    int sum = 0;
    for (int i = 0; i < words.length; i++) {
      sum += words[i];
      out[i] = sum;
    }
    return out;
  }

  /** One message (its parts) on channel 0; checks the reply against the running sums of all parts. */
  private static void expectSums(RiffaHost host, String what, int[]... parts) throws ItemFailed {
    RiffaHost.Reply r = host.exchange(List.of(List.of(parts)), MAX_NS)[0];
    int[] all = Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    check(what, r, runningSums(all));
  }

  private static void check(String what, RiffaHost.Reply r, int[] want) throws ItemFailed {
    ItemFailed.expect(r.announced() == want.length, what + ": the reply announced " + r.announced()
        + " words (CHNL_TX_LEN), expected " + want.length);
    ItemFailed.expect(r.offset() == 0 && r.last(), what + ": the reply has offset " + r.offset() + " and last "
        + r.last() + ", expected offset 0 and last set");
    ItemFailed.expect(r.words().length == want.length, what + ": " + r.words().length + " of " + want.length
        + " words arrived");
    for (int i = 0; i < want.length; i++) {
      ItemFailed.expect(r.words()[i] == want[i], String.format("%s: word %d of the reply is %d (%#x), expected %d"
          + " (%#x)%s", what, i, r.words()[i], r.words()[i], want[i], want[i], i < 8
          ? "; reply starts " + Arrays.toString(Arrays.copyOf(r.words(), Math.min(8, r.words().length))) : ""));
    }
  }

  private void single(StudentClasses s) throws ItemFailed {
    expectSums(host(s, RiffaConfig.defaults()), "send 1..8", new int[] {1, 2, 3, 4, 5, 6, 7, 8});
  }

  private void perMessage(StudentClasses s) throws ItemFailed {
    RiffaHost host = host(s, RiffaConfig.defaults());
    expectSums(host, "first message 10 20 30 40", new int[] {10, 20, 30, 40});
    expectSums(host, "second message 1 1 1 1", new int[] {1, 1, 1, 1});
  }

  private void partialBeat(StudentClasses s) throws ItemFailed {
    expectSums(host(s, RiffaConfig.defaults()), "128-bit core, 5 words", new int[] {5, 4, 3, 2, 1});
    expectSums(host(s, RiffaConfig.xilinx(1, 64)), "64-bit core, 3 words", new int[] {7, -7, 100});
  }

  private void longMessage(StudentClasses s) throws ItemFailed {
    int[] words = new int[3000];
    for (int i = 0; i < words.length; i++) {
      words[i] = 0x7fff_0000 + i * 977;
    }
    expectSums(host(s, RiffaConfig.defaults()), "3000 words", words);
  }

  private void multiSend(StudentClasses s) throws ItemFailed {
    expectSums(host(s, RiffaConfig.defaults()), "sends 1 2 3 (last=0) and 4 5 (last=1)", new int[] {1, 2, 3},
        new int[] {4, 5});
  }

  private void channels(StudentClasses s) throws ItemFailed {
    RiffaHost host = host(s, RiffaConfig.xilinx(2, 128));
    int[] a = {1, 2, 3, 4, 5, 6};
    int[] b = {100, 200, 300};
    RiffaHost.Reply[] r = host.exchange(List.of(List.of(a), List.of(b)), MAX_NS);
    check("channel 0 (1..6)", r[0], runningSums(a));
    check("channel 1 (100 200 300)", r[1], runningSums(b));
  }

  /** The core behind riffa.ko: a user program sends 1..1000 and receives the sums, as riffa-test does. */
  private void behindDriver(StudentClasses s) throws ItemFailed {
    try (KernelRig rig = KernelRig.boot(endpoint(s, RiffaConfig.defaults()))) {
      int r = rig.kernel.modules().insmod(new RiffaDriver());
      rig.expect(r == 0, "grader: insmod of the RIFFA driver returned " + errno(r));
      PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
      Libc libc = new Libc(rig.proc, quiet, quiet);
      int[] words = new int[1000];
      for (int i = 0; i < words.length; i++) {
        words[i] = i + 1;
      }
      int[] reply = new int[words.length + 16];
      try (Kernel.Scope scope = rig.kernel.enter(); Fpga fpga = Fpga.open(libc, 0)) {
        int sent = fpga.send(0, words, true, 1000);
        rig.expect(sent == words.length, "fpga_send of 1000 words on channel 0 returned " + sent);
        int got = fpga.recv(0, reply, 1000);
        rig.expect(got == words.length, "fpga_recv returned " + got + " words, expected 1000"
            + (got == 0 ? " (the driver's inactivity timeout: no reply from the core)" : ""));
      } catch (RiffaException e) {
        throw rig.failure(e.getMessage());
      }
      int[] want = runningSums(words);
      for (int i = 0; i < want.length; i++) {
        rig.expect(reply[i] == want[i], "word " + i + " of the reply fpga_recv got is " + reply[i] + ", expected "
            + want[i]);
      }
      rig.expectNoBugs("while the RIFFA driver moved the data");
    }
  }
}
