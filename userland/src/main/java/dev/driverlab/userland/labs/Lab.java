package dev.driverlab.userland.labs;

import java.nio.file.Path;
import java.util.List;

/**
 * One graded lab: a handout, a student skeleton, a reference solution and the items the grader awards
 * points for. The files live in {@code labs/<folder>/} of the DriverLab checkout:
 *
 * <pre>
 *   labs/01-myioctl/README.md                     the handout
 *   labs/01-myioctl/skeleton/dev/driverlab/labs/…  what `driverlab lab start 1 DIR` copies
 *   labs/01-myioctl/solution/dev/driverlab/labs/…  the reference solution (same package and classes)
 * </pre>
 *
 * Each item is checked on a machine of its own, booted fresh, against the student's compiled classes;
 * the grader runs them in a child JVM ({@link GradeRunner}).
 */
public interface Lab {
  /** 1, 2, …: what {@code driverlab lab grade N DIR} takes. */
  int number();

  /** The folder under labs/, e.g. "01-myioctl". */
  String folder();

  String title();

  /** The class the student writes, e.g. "dev.driverlab.labs.myioctl.MyIoctl". */
  String studentClass();

  /** The graded items, in the order they run and print. */
  List<GradedItem> items();

  default int maxPoints() {
    return items().stream().mapToInt(GradedItem::points).sum();
  }

  default Path dir(Path labsHome) {
    return labsHome.resolve(folder());
  }

  default Path handout(Path labsHome) {
    return dir(labsHome).resolve("README.md");
  }

  default Path skeleton(Path labsHome) {
    return dir(labsHome).resolve("skeleton");
  }

  default Path solution(Path labsHome) {
    return dir(labsHome).resolve("solution");
  }
}
