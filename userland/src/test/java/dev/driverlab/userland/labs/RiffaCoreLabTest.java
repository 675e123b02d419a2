package dev.driverlab.userland.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lab 5 graded as skeleton, solution, a core that ignores TX back-pressure, and one that takes the
 * shortcut the lab forbids (extending BufferingCore).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RiffaCoreLabTest {
  LabRun skeleton;
  LabRun solution;
  LabRun noBackPressure;
  LabRun buffering;

  @BeforeAll
  void grade(@TempDir Path tmp) throws Exception {
    skeleton = LabRun.grade(5, LabRun.skeleton(5));
    solution = LabRun.grade(5, LabRun.solution(5));
    noBackPressure = LabRun.grade(5, LabRun.variant(5, Files.createDirectory(tmp.resolve("a")),
        "        if (!port.txWrite(beat)) {\n          return;                        // FIFO full: txReady calls "
            + "us again\n        }\n", "        port.txWrite(beat);\n"));
    Path b = Files.createDirectories(tmp.resolve("b/dev/driverlab/labs/riffasum"));
    Files.writeString(b.resolve("RunningSumCore.java"), """
        package dev.driverlab.labs.riffasum;

        public final class RunningSumCore extends dev.driverlab.devices.riffa.BufferingCore {
          @Override
          protected int[] reply(int[] words) {
            for (int i = 1; i < words.length; i++) {
              words[i] += words[i - 1];
            }
            return words;
          }
        }
        """);
    buffering = LabRun.grade(5, tmp.resolve("b"));
  }

  @Test
  void skeletonCompilesAndNeverReplies() {
    assertTrue(skeleton.out().contains("... ok"), skeleton.transcript());
    assertEquals(0, skeleton.score(), skeleton.transcript());
    assertEquals(12, skeleton.max());
    assertEquals("channel 0: no reply: the core never called port.txStart after the message's last word "
        + "(the machine went idle)", skeleton.message("single"));
  }

  @Test
  void solutionScoresFullMarks() {
    assertEquals(12, solution.score(), solution.transcript());
    assertEquals(0, solution.status());
  }

  @Test
  void aCoreThatDropsRefusedBeatsFailsOnlyTheLongReplies() {
    assertEquals(List.of("long", "driver"), noBackPressure.failed(), noBackPressure.transcript());
    assertEquals(8, noBackPressure.score());
    assertTrue(noBackPressure.message("long").startsWith("3000 words: "), noBackPressure.message("long"));
    assertTrue(noBackPressure.message("long").contains("of 3000 words arrived"), noBackPressure.message("long"));
  }

  @Test
  void extendingBufferingCoreIsRefusedByEveryItem() {
    assertEquals(0, buffering.score(), buffering.transcript());
    assertEquals(7, buffering.failed().size());
    assertEquals("dev.driverlab.labs.riffasum.RunningSumCore extends BufferingCore: this lab asks for the "
        + "CHNL_* handshake written by hand (implement ChannelCore directly)", buffering.message("single"));
  }
}
