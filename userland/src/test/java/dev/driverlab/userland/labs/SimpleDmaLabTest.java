package dev.driverlab.userland.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Lab 4 graded as skeleton, solution, and a solution that leaks its IRQ at unload. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimpleDmaLabTest {
  LabRun skeleton;
  LabRun solution;
  LabRun leaksIrq;

  @BeforeAll
  void grade(@TempDir Path tmp) throws Exception {
    skeleton = LabRun.grade(4, LabRun.skeleton(4));
    solution = LabRun.grade(4, LabRun.solution(4));
    leaksIrq = LabRun.grade(4, LabRun.variant(4, tmp, "    free_irq(irq, this);\n", ""));
  }

  @Test
  void skeletonCompilesAndOnlyProbes() {
    assertTrue(skeleton.out().contains("... ok"), skeleton.transcript());
    assertEquals(1, skeleton.score(), skeleton.transcript());
    assertEquals(12, skeleton.max());
    assertEquals("write() of 1000 bytes at offset 0 returned -EIO, expected 1000", skeleton.message("write"));
  }

  @Test
  void solutionScoresFullMarks() {
    assertEquals(12, solution.score(), solution.transcript());
    assertEquals(0, solution.status());
  }

  @Test
  void leakingTheIrqLosesTheUnloadPointAndTheMessageNamesTheIrqCheck() {
    assertEquals(List.of("unload"), leaksIrq.failed(), leaksIrq.transcript());
    assertEquals(11, leaksIrq.score());
    assertEquals("the kernel caught 1 driver bug(s) when the driver was removed (what it still held); checks "
        + "fired: irq: sdma 0000:03:00.0: pci_free_irq_vectors while IRQ 24 still has a handler (call free_irq "
        + "first) at SimpleDma.undoIrq(SimpleDma.java:N)",
        leaksIrq.message("unload").replaceAll("java:\\d+\\)", "java:N)"));
  }
}
