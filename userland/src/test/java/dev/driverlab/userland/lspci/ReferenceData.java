package dev.driverlab.userland.lspci;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds and reads shared/testdata/pciutils: 41 real config-space dumps and what pciutils 3.9.0
 * printed for each (see that folder's README.md).
 *
 * <p>The data lives beside the repository, not in it: a developer has it at
 * {@code /work/shared}, CI clones the repository with {@code shared/} next to the clone. So the
 * search walks up from the working directory and, at each level, tries {@code shared/...} and
 * {@code ../shared/...}.
 */
final class ReferenceData {
  static final String RELATIVE = "shared/testdata/pciutils";

  private static Path root;

  private ReferenceData() {}

  /** The pciutils test data folder; fails naming every path tried when it cannot be found. */
  static synchronized Path root() {
    if (root == null) {
      root = locate(Path.of(System.getProperty("user.dir")).toAbsolutePath());
    }
    return root;
  }

  static Path locate(Path start) {
    Set<Path> tried = new LinkedHashSet<>();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      Path[] candidates = {dir.resolve(RELATIVE), dir.resolve("..").resolve(RELATIVE)};
      for (Path candidate : candidates) {
        Path normal = candidate.normalize();
        if (!tried.add(normal)) {
          continue;
        }
        if (Files.isDirectory(normal.resolve("dumps"))
            && Files.isDirectory(normal.resolve("lspci-3.9.0"))) {
          return normal;
        }
      }
    }
    throw new IllegalStateException("pciutils reference data not found: looked for " + RELATIVE
        + " (with dumps/ and lspci-3.9.0/) walking up from " + start + "; tried " + tried);
  }

  /** The dump names, sorted. */
  static List<String> dumpNames() {
    try (Stream<Path> s = Files.list(root().resolve("dumps"))) {
      List<String> names = new ArrayList<>();
      s.filter(Files::isRegularFile).forEach(p -> names.add(p.getFileName().toString()));
      names.sort(null);
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<PciFunctionInfo> dump(String name) {
    return DumpParser.parse(root().resolve("dumps").resolve(name));
  }

  /** What lspci 3.9.0 printed for {@code name} in {@code mode} (vvvnn, tv or xxxx). */
  static String expected(String name, String mode) {
    try {
      return Files.readString(root().resolve("lspci-3.9.0").resolve(name + "." + mode + ".txt"),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The names database the reference outputs were made with, when this machine has one. */
  static boolean systemIdsPresent() {
    return PciIds.findSystemPath().isPresent();
  }
}
