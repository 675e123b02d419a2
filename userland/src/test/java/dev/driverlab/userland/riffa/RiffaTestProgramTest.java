package dev.driverlab.userland.riffa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.riffa.AddConstantCore;
import dev.driverlab.devices.riffa.RiffaConfig;
import dev.driverlab.devices.riffa.RiffaEndpoint;
import dev.driverlab.userland.programs.RiffaTest;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** riffa-test's output, line by line (riffa.md §6.2, §6.3), and its exit status. */
class RiffaTestProgramTest {
  /** "send bw: 123.456789 MB/s 1.234567ms (wall clock); 3200.000000 MB/s 1.250000ms (simulated link)". */
  private static final Pattern BW = Pattern.compile(
      "(send|recv) bw: \\d+\\.\\d{6} MB/s \\d+\\.\\d{6}ms \\(wall clock\\); (\\d+\\.\\d{6}) MB/s (\\d+\\.\\d{6})ms "
          + "\\(simulated link\\)");

  private static List<String> lines(String s) {
    return List.of(s.split("\n"));
  }

  @Test
  void option2LoopsAMebiwordBackThroughChnlTesterOnTheDefaultCard() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint())) {
      assertEquals(0, r.run(new RiffaTest(), "2", "0", "0", "1048576"), r.stdout());
      List<String> out = lines(r.stdout());
      assertEquals(24, out.size(), r.stdout());
      assertEquals("words sent: 1048576", out.get(0));
      assertEquals("words recv: 1048576", out.get(1));
      // The last beat received first (riffa.md §5.4: 128-bit core, 4 words per beat), then the count.
      assertEquals("recvBuffer[0]: 1048573", out.get(2));
      assertEquals("recvBuffer[1]: 1048574", out.get(3));
      assertEquals("recvBuffer[2]: 1048575", out.get(4));
      assertEquals("recvBuffer[3]: 1048576", out.get(5));
      for (int i = 4; i < 20; i++) {
        assertEquals("recvBuffer[" + i + "]: " + (i + 1), out.get(2 + i));
      }
      for (String line : out.subList(22, 24)) {
        var m = BW.matcher(line);
        assertTrue(m.matches(), line);
        double simMbps = Double.parseDouble(m.group(2));
        // 4 MiB over the modelled Gen3 x4 link: a few GB/s, nowhere near the wall clock's figure.
        assertTrue(simMbps > 1000 && simMbps < 4000, line);
      }
      assertTrue(out.get(22).startsWith("send bw: "));
      assertTrue(out.get(23).startsWith("recv bw: "));
      assertEquals("", r.stderr());
      r.assertNoBugs();
    }
  }

  @Test
  void option2PrintsTwentyWordsEvenForFewerAndTheFirstMismatch() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint(RiffaConfig.xilinx(1, 64),
        c -> new AddConstantCore(100)))) {
      assertEquals(1, r.run(new RiffaTest(), "2", "0", "0", "8"), "wrong data: exit 1");
      List<String> out = lines(r.stdout());
      assertEquals("words sent: 8", out.get(0));
      assertEquals("words recv: 8", out.get(1));
      assertEquals("recvBuffer[0]: 101", out.get(2));
      assertEquals("recvBuffer[7]: 108", out.get(9));
      assertEquals("recvBuffer[8]: 0", out.get(10), "past the reply: the zeroed buffer");
      assertEquals("recvBuffer[19]: 0", out.get(21));
      assertEquals("recvBuffer[4]: 105, expected 5", out.get(22));
      assertTrue(BW.matcher(out.get(23)).matches());
    }
  }

  @Test
  void option2OnAnFpgaThatDoesNotExistSendsNothingAndFails() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint())) {
      assertEquals(1, r.run(new RiffaTest(), "2", "3", "0", "16"));
      List<String> out = lines(r.stdout());
      assertEquals("words sent: 0", out.get(0));
      assertEquals("recvBuffer[0]: 0", out.get(1), "no receive after nothing was sent");
      assertEquals(23, out.size());
    }
  }

  @Test
  void option0ListsAndOption1Resets() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint(), new RiffaEndpoint(RiffaConfig.altera(12, 64)))) {
      assertEquals(0, r.run(new RiffaTest(), "0"));
      assertEquals(List.of("Number of devices: 2", "0: id:0", "0: num_chnls:1", "0: name:0000:03:00.00",
          "0: vendor id:10EE", "0: device id:7028", "1: id:1", "1: num_chnls:12", "1: name:0000:04:00.00",
          "1: vendor id:1172", "1: device id:0001"), lines(r.stdout()));
      assertEquals(0, r.run(new RiffaTest(), "1", "1"));
      assertEquals("", r.stdout());
    }
  }

  @Test
  void withoutTheDriverListAndResetSayWhatFailed() {
    try (RiffaUserRig r = new RiffaUserRig(false, new RiffaEndpoint())) {
      assertEquals(1, r.run(new RiffaTest(), "0"));
      assertEquals("Error populating fpga_info_list\n", r.stdout());
      assertEquals(1, r.run(new RiffaTest(), "1", "0"));
      assertEquals("Could not get FPGA 0\n", r.stdout());
    }
  }

  @Test
  void option3SweepsSizesAndReportsBothClocks() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint())) {
      assertEquals(0, r.run(new RiffaTest(), "3", "0", "0", "64", "2"), r.stdout());
      List<String> out = lines(r.stdout());
      // sizes 4, 8, 16, 32, 64; per size: run 0 (one line), run 1 (one line + two bandwidth lines)
      assertEquals(5 * 4, out.size(), r.stdout());
      assertEquals("Test 0: words sent/recv: 4", out.get(0));
      assertEquals("Test 1: words sent/recv: 4", out.get(1));
      assertTrue(BW.matcher(out.get(2)).matches(), out.get(2));
      assertTrue(BW.matcher(out.get(3)).matches(), out.get(3));
      assertEquals("Test 1: words sent/recv: 64", out.get(17));
    }
  }

  @Test
  void options4And5SweepSourceAndDestinationOffsetsAcrossAPage() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint(RiffaConfig.xilinx(1, 64)))) {
      assertEquals(0, r.run(new RiffaTest(), "4", "0", "0", "100", "5"), r.stdout());
      List<String> out = lines(r.stdout());
      assertEquals(7, out.size());
      assertEquals("Source offset 0: words sent/recv: 100", out.get(0));
      assertEquals("Source offset 5: words sent/recv: 100", out.get(5));
      assertEquals("Source offsets 0..5: all 100 words right from word 4 on", out.get(6));

      assertEquals(0, r.run(new RiffaTest(), "5", "0", "0", "40"), "default: offsets 0..1023");
      out = lines(r.stdout());
      assertEquals(1025, out.size());
      assertEquals("Destination offset 1023: words sent/recv: 40", out.get(1023));
      r.assertNoBugs();
    }
  }

  @Test
  void helpAndBadArgumentsPrintUsageAndExitTwo() {
    try (RiffaUserRig r = new RiffaUserRig(new RiffaEndpoint())) {
      assertEquals(2, r.run(new RiffaTest(), "--help"));
      assertTrue(r.stdout().startsWith("Usage: riffa-test <option> [arguments]\n"));
      assertTrue(r.stdout().contains("  3 <fpga id> <chnl> <max words> [runs]"));
      assertTrue(r.stdout().contains("simulated clock"));

      String[][] bad = {{}, {"x"}, {"9"}, {"2", "0", "0"}, {"2", "0", "0", "many"}, {"2", "0", "0", "0"},
          {"2", "0", "0", "-4"}, {"0", "extra"}, {"3", "0", "0", "2"}, {"3", "0", "0", "64", "0"},
          {"4", "0", "0", "16", "1024"}};
      String[] why = {null, "riffa-test: option must be a number: 'x'", "riffa-test: unknown option 9",
          "riffa-test: option 2 needs 3 argument(s)", "riffa-test: num words must be a number: 'many'",
          "riffa-test: num words must be at least 1: 0", "riffa-test: num words must be at least 1: -4",
          "riffa-test: option 0 takes at most 0 argument(s)", "riffa-test: num words must be at least 4: 2",
          "riffa-test: runs must be at least 1: 0", "riffa-test: last offset must be 0..1023 words (inside a page): 1024"};
      for (int i = 0; i < bad.length; i++) {
        assertEquals(2, r.run(new RiffaTest(), bad[i]), String.join(" ", bad[i]));
        assertEquals("", r.stdout());
        List<String> err = lines(r.stderr());
        if (why[i] == null) {
          assertEquals("Usage: riffa-test <option> [arguments]", err.get(0));
        } else {
          assertEquals(why[i], err.get(0));
          assertEquals("Usage: riffa-test <option> [arguments]", err.get(1));
        }
      }
    }
  }
}
