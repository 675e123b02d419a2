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
 * Lab 2 graded as skeleton, solution, a solution that leaks its IRQ at unload, and one whose handler
 * never acknowledges the card.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EduIrqLabTest {
  LabRun skeleton;
  LabRun solution;
  LabRun leaksIrq;
  LabRun noAck;

  @BeforeAll
  void grade(@TempDir Path tmp) throws Exception {
    skeleton = LabRun.grade(2, LabRun.skeleton(2));
    solution = LabRun.grade(2, LabRun.solution(2));
    leaksIrq = LabRun.grade(2, LabRun.variant(2, Files.createDirectory(tmp.resolve("a")),
        "    free_irq(irq, this);\n", ""));
    noAck = LabRun.grade(2, LabRun.variant(2, Files.createDirectory(tmp.resolve("b")),
        "    iowrite32(causes, bar0 + REG_IRQ_ACK);", ""));
  }

  @Test
  void skeletonCompilesAndKeepsOnlyThePlumbingPoints() {
    assertTrue(skeleton.out().contains("... ok"), skeleton.transcript());
    assertEquals(4, skeleton.score(), skeleton.transcript());
    assertEquals(13, skeleton.max());
    assertEquals(List.of("ident", "liveness", "factorial", "irq", "intx", "clean"), skeleton.failed());
    assertEquals("EDU_IOC_IDENT gave 0x00000000, expected 0x010000ed (BAR0 + 0x00)", skeleton.message("ident"));
  }

  @Test
  void solutionScoresFullMarks() {
    assertEquals(13, solution.score(), solution.transcript());
    assertEquals(0, solution.status());
  }

  @Test
  void leakingTheIrqLosesExactlyTheUnloadPointsAndTheMessageNamesTheIrqCheck() {
    assertEquals(11, leaksIrq.score(), leaksIrq.transcript());
    assertEquals(List.of("unload"), leaksIrq.failed());
    assertEquals("the kernel caught 1 driver bug(s) when the driver was removed (what it still held); checks "
        + "fired: irq: edu_irq 0000:03:00.0: pci_free_irq_vectors while IRQ 24 still has a handler (call "
        + "free_irq first) at EduIrq.undoIrq(EduIrq.java:N)",
        leaksIrq.message("unload").replaceAll("java:\\d+\\)", "java:N)"));
  }

  @Test
  void anUnackedCardLosesTheInterruptItemsAndIntxNamesTheStorm() {
    assertEquals(List.of("irq", "intx"), noAck.failed(), noAck.transcript());
    assertEquals(10, noAck.score());
    assertTrue(noAck.message("irq").startsWith("default (MSI): irq status reads 0x1 after the factorials: the "
        + "handler must write the causes it read to irq ack (0x64)"), noAck.message("irq"));
    assertTrue(noAck.message("intx").contains("interrupt storm"), noAck.message("intx"));
  }
}
