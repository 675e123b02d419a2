package dev.driverlab.userland.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Lab 3 graded as skeleton, solution, and a solution that never calls pci_set_master. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EduDmaLabTest {
  LabRun skeleton;
  LabRun solution;
  LabRun noMaster;

  @BeforeAll
  void grade(@TempDir Path tmp) throws Exception {
    skeleton = LabRun.grade(3, LabRun.skeleton(3));
    solution = LabRun.grade(3, LabRun.solution(3));
    noMaster = LabRun.grade(3, LabRun.variant(3, tmp, "    pci_set_master(dev);", ""));
  }

  @Test
  void skeletonCompilesAndScoresNothing() {
    assertTrue(skeleton.out().contains("... ok"), skeleton.transcript());
    assertEquals(0, skeleton.score(), skeleton.transcript());
    assertEquals(12, skeleton.max());
    assertTrue(skeleton.message("setup").startsWith("DMA masks are 0xffffffff (streaming) and 0xffffffff "
        + "(coherent), expected 0xfffffff"), skeleton.message("setup"));
  }

  @Test
  void solutionScoresFullMarks() {
    assertEquals(12, solution.score(), solution.transcript());
    assertEquals(0, solution.status());
  }

  @Test
  void withoutBusMasteringEveryTransferFailsAndTheFabricSaysWhy() {
    assertEquals(List.of("setup", "to-device", "from-device", "offsets", "dma-irq", "dma-api", "unload"),
        noMaster.failed(), noMaster.transcript());
    assertEquals(2, noMaster.score(), "only bad-input, which refuses before any DMA, passes");
    assertEquals("the card is not a bus master after probe (pci_set_master)", noMaster.message("setup"));
    String m = noMaster.message("to-device");
    assertTrue(m.startsWith("EDU_IOC_DMA_TO_DEVICE(offset 0, len 256) returned -ETIMEDOUT"), m);
    assertTrue(m.contains("DMA read of 256 bytes at 0x") && m.contains("not issued: Bus Master Enable is clear"), m);
    assertTrue(m.contains("MSI not sent: Bus Master Enable is clear"), m);
  }
}
