package dev.driverlab.userland.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code driverlab lab list|start|grade}: the happy paths and every kind of bad input. */
class LabCommandTest {
  @TempDir
  Path tmp;

  // ---- list and usage ----------------------------------------------------------------------------

  @Test
  void listShowsTheFiveLabsWithTheirPointsAndFolders() {
    LabRun r = LabRun.lab("list");
    assertEquals(0, r.status(), r.transcript());
    assertTrue(r.out().contains(" 1  myioctl: the smallest char device with ioctl"), r.out());
    for (String folder : List.of("labs/01-myioctl", "labs/02-edu-irq", "labs/03-edu-dma", "labs/04-simple-dma",
        "labs/05-riffa-core")) {
      assertTrue(r.out().contains(folder), folder + " in\n" + r.out());
    }
    assertTrue(r.out().matches("(?s).* 5  RIFFA: a user core that answers with running sums +12  labs/05-riffa-core\n.*"),
        r.out());
  }

  @Test
  void everyLabHasItsHandoutSkeletonAndSolution() {
    Path home = LabRun.home();
    for (Lab l : Labs.all()) {
      assertTrue(Files.isRegularFile(l.handout(home)), l.handout(home).toString());
      assertTrue(Files.isDirectory(l.skeleton(home)), l.skeleton(home).toString());
      String file = l.studentClass().replace('.', '/') + ".java";
      assertTrue(Files.isRegularFile(l.skeleton(home).resolve(file)), file);
      assertTrue(Files.isRegularFile(l.solution(home).resolve(file)), file);
    }
  }

  @Test
  void noArgumentsPrintsUsageAndExitsTwo() {
    LabRun r = LabRun.lab();
    assertEquals(2, r.status());
    assertTrue(r.err().startsWith("usage: driverlab lab list"), r.err());
  }

  @Test
  void helpPrintsUsageAndExitsZero() {
    LabRun r = LabRun.lab("help");
    assertEquals(0, r.status());
    assertTrue(r.out().contains("driverlab lab grade N DIR"), r.out());
  }

  @Test
  void unknownCommandIsAUsageError() {
    LabRun r = LabRun.lab("submit", "1");
    assertEquals(2, r.status());
    assertTrue(r.err().startsWith("lab: unknown command 'submit'"), r.err());
  }

  // ---- start -------------------------------------------------------------------------------------

  @Test
  void startCopiesTheHandoutAndSkeletonAndTheCopyGradesLikeTheSkeleton() throws Exception {
    Path dir = tmp.resolve("lab1");
    LabRun r = LabRun.lab("start", "1", dir.toString());
    assertEquals(0, r.status(), r.transcript());
    assertTrue(r.out().contains("grade it with: driverlab lab grade 1 " + dir), r.out());
    assertEquals(Files.readString(LabRun.home().resolve("01-myioctl/README.md")),
        Files.readString(dir.resolve("README.md")));
    Path java = dir.resolve("dev/driverlab/labs/myioctl/MyIoctl.java");
    assertEquals(Files.readString(LabRun.skeleton(1).resolve("dev/driverlab/labs/myioctl/MyIoctl.java")),
        Files.readString(java));
    LabRun g = LabRun.grade(1, dir);
    assertEquals(3, g.score(), g.transcript());
    assertEquals(1, g.status());
  }

  @Test
  void startIntoAnEmptyExistingFolderWorks() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("empty"));
    assertEquals(0, LabRun.lab("start", "5", dir.toString()).status());
    assertTrue(Files.isRegularFile(dir.resolve("dev/driverlab/labs/riffasum/RunningSumCore.java")));
  }

  @Test
  void startRefusesANonEmptyFolderAndTouchesNothing() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("mine"));
    Files.writeString(dir.resolve("notes.txt"), "my notes");
    LabRun r = LabRun.lab("start", "1", dir.toString());
    assertEquals(1, r.status());
    assertEquals("lab: " + dir + " is not empty; start a lab in a new or empty directory, so nothing of yours is "
        + "overwritten\n", r.err());
    assertEquals(List.of(dir.resolve("notes.txt")), Files.list(dir).toList());
  }

  @Test
  void startRefusesAFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("afile"), "x");
    LabRun r = LabRun.lab("start", "2", file.toString());
    assertEquals(1, r.status());
    assertEquals("lab: " + file + " is a file; start a lab in a new or empty directory\n", r.err());
  }

  @Test
  void startWithAnUnknownLabNumberIsAUsageError() {
    LabRun r = LabRun.lab("start", "9", tmp.resolve("x").toString());
    assertEquals(2, r.status());
    assertEquals("lab: there is no lab 9; 'driverlab lab list' shows labs 1-5\n", r.err());
    assertFalse(Files.exists(tmp.resolve("x")));
  }

  @Test
  void startWithANonNumberIsAUsageError() {
    LabRun r = LabRun.lab("start", "edu", tmp.toString());
    assertEquals(2, r.status());
    assertEquals("lab: 'edu' is not a lab number; 'driverlab lab list' shows labs 1-5\n", r.err());
  }

  @Test
  void startWithoutDirIsAUsageError() {
    LabRun r = LabRun.lab("start", "1");
    assertEquals(2, r.status());
    assertEquals("lab: usage: driverlab lab start N DIR (missing DIR)\n", r.err());
  }

  // ---- grade: bad input --------------------------------------------------------------------------

  @Test
  void gradeOfAMissingFolderSaysHowToStart() {
    Path dir = tmp.resolve("nothere");
    LabRun r = LabRun.grade(1, dir);
    assertEquals(1, r.status());
    assertEquals("lab: " + dir + " does not exist or is not a directory; start the lab with 'driverlab lab start 1 "
        + dir + "'\n", r.err());
  }

  @Test
  void gradeOfAFolderWithoutJavaFiles() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("nojava"));
    Files.writeString(dir.resolve("README.md"), "#");
    LabRun r = LabRun.grade(1, dir);
    assertEquals(1, r.status());
    assertEquals("lab: no .java files under " + dir + "\n", r.err());
  }

  @Test
  void gradeWithoutDirAndWithBadOptionsAreUsageErrors() {
    assertEquals("lab: usage: driverlab lab grade N DIR (missing DIR)\n", LabRun.lab("grade", "3").err());
    assertEquals("lab: there is no lab 0; 'driverlab lab list' shows labs 1-5\n",
        LabRun.lab("grade", "0", tmp.toString()).err());
    LabRun r = LabRun.lab("grade", "1", tmp.toString(), "--timeout", "soon");
    assertEquals(2, r.status());
    assertEquals("lab: --timeout takes whole seconds, not 'soon'\n", r.err());
    assertEquals("lab: unknown option --fast (grade takes --timeout and --item-timeout)\n",
        LabRun.lab("grade", "1", tmp.toString(), "--fast").err());
    assertEquals("lab: --item-timeout needs a number of seconds\n",
        LabRun.lab("grade", "1", tmp.toString(), "--item-timeout").err());
  }

  @Test
  void codeThatDoesNotCompileScoresZeroWithTheCompilerErrors() throws Exception {
    Path dir = LabRun.variant(1, tmp, "return -ENOTTY;", "return -ENOTTY");
    LabRun r = LabRun.grade(1, dir);
    assertEquals(1, r.status());
    assertTrue(r.out().contains("compiling 1 file from " + dir + " ... failed"), r.out());
    assertTrue(r.out().contains("  dev/driverlab/labs/myioctl/MyIoctl.java:"), r.out());
    assertTrue(r.out().contains(": error: ';' expected"), r.out());
    assertEquals(0, r.score());
    assertEquals(7, r.failed().size());
    assertEquals("not graded: the code does not compile", r.message("load"));
  }

  @Test
  void classesOutsideTheLabPackageAreRefused() throws Exception {
    Path dir = LabRun.variant(1, tmp, "package dev.driverlab.labs.myioctl;", "package dev.driverlab.userland.labs;");
    LabRun r = LabRun.grade(1, dir);
    assertEquals(0, r.score(), r.transcript());
    assertTrue(r.out().contains("  dev.driverlab.userland.labs.MyIoctl: lab code must be in package "
        + "dev.driverlab.labs or below (keep the skeleton's package)"), r.out());
  }

  // ---- grade: code that misbehaves ---------------------------------------------------------------

  @Test
  void systemExitCostsTheItemItHappensInAndGradingGoesOn() throws Exception {
    Path dir = LabRun.variant(1, tmp, "    if (cmd == MY_IOCTL_GET) {\n",
        "    if (cmd == MY_IOCTL_GET) {\n      if (value == 123) {\n        System.exit(3);\n      }\n");
    LabRun r = LabRun.grade(1, dir);
    assertEquals(List.of("get"), r.failed(), r.transcript());
    assertEquals("the grading JVM exited with status 3 during this item: the code called System.exit or "
        + "Runtime.halt (or the JVM crashed)", r.message("get"));
    assertEquals(8, r.score());
    assertEquals(1, r.status());
  }

  @Test
  void anEndlessLoopTimesOutThatItemOnly() throws Exception {
    Path dir = LabRun.variant(1, tmp, "    return -ENOTTY;\n", "    while (cmd != 0) {\n      Thread.onSpinWait();\n"
        + "    }\n    return -ENOTTY;\n");
    LabRun r = LabRun.grade(1, dir, "--item-timeout", "5");
    assertEquals(List.of("enotty"), r.failed(), r.transcript());
    assertTrue(r.message("enotty").startsWith("timed out after 5 s: the code never returned"), r.message("enotty"));
    assertEquals(9, r.score());
  }

  @Test
  void theLabLimitStopsGradingAndScoresTheRestZero() throws Exception {
    Path dir = LabRun.variant(1, tmp, "    int ret = register_chrdev(MAJOR_NUM, DEVICE_NAME, fops);\n",
        "    while (value == 123) {\n      Thread.onSpinWait();\n    }\n"
            + "    int ret = register_chrdev(MAJOR_NUM, DEVICE_NAME, fops);\n");
    LabRun r = LabRun.grade(1, dir, "--timeout", "3");
    assertEquals(0, r.score(), r.transcript());
    assertTrue(r.message("load").startsWith("timed out after 3 s"), r.message("load"));
    assertEquals("timed out: not run, the lab's 3 s limit was reached", r.message("unload"));
  }

  // ---- where the labs are ------------------------------------------------------------------------

  @Test
  void labsHomeIsFoundAboveTheCheckoutAndNotElsewhere() throws Exception {
    Path home = LabRun.home();
    assertTrue(Files.isRegularFile(home.resolveSibling("pom.xml")), home.toString());
    assertEquals(home, LabsHome.search(home.resolve("01-myioctl/skeleton")));
    assertNull(LabsHome.search(tmp));
  }

  @Test
  void aJarOutsideTheCheckoutFailsSayingWhereItLooked() throws Exception {
    Path jar = Files.writeString(Files.createDirectories(tmp.resolve("opt")).resolve("driverlab.jar"), "");
    LabException e = org.junit.jupiter.api.Assertions.assertThrows(LabException.class,
        () -> LabsHome.locate(jar, tmp));
    assertEquals("cannot find the labs folder: no directory holding both pom.xml and labs/ above " + jar + " or "
        + tmp + ": the labs live in the DriverLab checkout; run the driverlab jar from inside it "
        + "(./driverlab lab ...), or pass -Ddriverlab.labs=PATH", e.getMessage());
    assertEquals(LabRun.home(), LabsHome.locate(jar, LabRun.home().resolve("02-edu-irq")));
  }

  @Test
  void anExplicitLabsFolderThatDoesNotExistIsReported() {
    String old = System.getProperty(LabsHome.PROPERTY);
    System.setProperty(LabsHome.PROPERTY, tmp.resolve("gone").toString());
    try {
      LabRun r = LabRun.lab("start", "1", tmp.resolve("x").toString());
      assertEquals(1, r.status());
      assertEquals("lab: -Ddriverlab.labs=" + tmp.resolve("gone") + " is not a directory\n", r.err());
    } finally {
      if (old == null) {
        System.clearProperty(LabsHome.PROPERTY);
      } else {
        System.setProperty(LabsHome.PROPERTY, old);
      }
    }
  }
}
