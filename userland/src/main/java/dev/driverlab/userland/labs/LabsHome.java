package dev.driverlab.userland.labs;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the {@code labs/} folder of the DriverLab checkout: the system property {@code driverlab.labs}
 * if set, else the first directory holding both {@code pom.xml} and {@code labs/} found walking up
 * from where the driverlab classes were loaded (the jar or the classes folder), then from the working
 * directory.
 */
public final class LabsHome {
  /** Overrides the search with an explicit labs folder. */
  public static final String PROPERTY = "driverlab.labs";

  private LabsHome() {}

  /** The labs folder; a {@link LabException} whose message says where it looked if there is none. */
  public static Path locate() throws LabException {
    String explicit = System.getProperty(PROPERTY);
    if (explicit != null && !explicit.isBlank()) {
      Path p = Path.of(explicit).toAbsolutePath().normalize();
      if (!Files.isDirectory(p)) {
        throw new LabException("-D" + PROPERTY + "=" + explicit + " is not a directory");
      }
      return p;
    }
    return locate(codeLocation(), Path.of(System.getProperty("user.dir")));
  }

  /** The search from {@code code} (where DriverLab's classes are; may be null), then {@code workDir}. */
  static Path locate(Path code, Path workDir) throws LabException {
    List<Path> starts = new ArrayList<>();
    if (code != null) {
      starts.add(code.toAbsolutePath());
    }
    starts.add(workDir.toAbsolutePath());
    for (Path start : starts) {
      Path found = search(start);
      if (found != null) {
        return found;
      }
    }
    throw new LabException("cannot find the labs folder: no directory holding both pom.xml and labs/ above "
        + String.join(" or ", starts.stream().map(Path::toString).toList())
        + ": the labs live in the DriverLab checkout; run the driverlab jar from inside it (./driverlab lab ...), "
        + "or pass -D" + PROPERTY + "=PATH");
  }

  /** The labs folder in {@code start} or the nearest ancestor that also holds pom.xml, else null. */
  static Path search(Path start) {
    for (Path d = start.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("pom.xml")) && Files.isDirectory(d.resolve("labs"))) {
        return d.resolve("labs");
      }
    }
    return null;
  }

  private static Path codeLocation() {
    try {
      CodeSource cs = LabsHome.class.getProtectionDomain().getCodeSource();
      return cs == null || cs.getLocation() == null ? null : Path.of(cs.getLocation().toURI());
    } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
      return null;
    }
  }
}
