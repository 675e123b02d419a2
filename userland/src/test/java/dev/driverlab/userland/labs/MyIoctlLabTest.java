package dev.driverlab.userland.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Lab 1 graded three ways: skeleton, reference solution, and a solution that forgot {@code .owner}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MyIoctlLabTest {
  LabRun skeleton;
  LabRun solution;
  LabRun noOwner;

  @BeforeAll
  void grade(@TempDir Path tmp) throws Exception {
    skeleton = LabRun.grade(1, LabRun.skeleton(1));
    solution = LabRun.grade(1, LabRun.solution(1));
    noOwner = LabRun.grade(1, LabRun.variant(1, tmp, ".owner(this)", ""));
  }

  @Test
  void skeletonCompilesAndScoresThreeOfTen() {
    assertTrue(skeleton.out().contains("compiling 1 file from") && skeleton.out().contains("... ok"),
        skeleton.transcript());
    assertEquals(3, skeleton.score(), skeleton.transcript());
    assertEquals(10, skeleton.max());
    assertEquals(List.of("get", "set-get", "efault", "unload"), skeleton.failed(), skeleton.transcript());
    assertEquals(1, skeleton.status());
  }

  @Test
  void skeletonLosesUnloadToTheLeakCheckNamingTheMajor() {
    String m = skeleton.message("unload");
    assertTrue(m.contains("leak: module myioctl unloaded but left: char device region 240:0"), m);
    assertTrue(m.contains("MyIoctl.init(MyIoctl.java:"), "the report points at the registration: " + m);
  }

  @Test
  void solutionScoresFullMarks() {
    assertEquals(10, solution.score(), solution.transcript());
    assertEquals(List.of(), solution.failed());
    assertEquals(0, solution.status());
  }

  @Test
  void withoutOwnerOnlyTheOwnerItemIsLost() {
    assertEquals(9, noOwner.score(), noOwner.transcript());
    assertEquals(List.of("owner"), noOwner.failed());
    assertEquals("rmmod while /dev/myioctl is open returned 0, expected -EBUSY: set .owner(this) in the "
        + "FileOperations so an open file pins the module", noOwner.message("owner"));
    assertEquals(1, noOwner.status());
  }
}
