package dev.driverlab.userland.labs;

import java.util.List;
import java.util.Optional;

/** The labs, in order. */
public final class Labs {
  private Labs() {}

  private static final List<Lab> ALL = List.of(new MyIoctlLab(), new EduIrqLab(), new EduDmaLab(),
      new SimpleDmaLab(), new RiffaCoreLab());

  public static List<Lab> all() {
    return ALL;
  }

  /** The lab numbered {@code n}, if there is one. */
  public static Optional<Lab> byNumber(int n) {
    return ALL.stream().filter(l -> l.number() == n).findFirst();
  }
}
