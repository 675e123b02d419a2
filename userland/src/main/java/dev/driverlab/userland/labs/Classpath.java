package dev.driverlab.userland.labs;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * DriverLab's own classpath, for compiling student code against it and for the grading JVM: the
 * running JVM's {@code java.class.path}, with the {@code Class-Path} of any jar on it followed (a
 * launcher's manifest-only jar, as Maven's test runner uses, names the real entries there).
 */
final class Classpath {
  private Classpath() {}

  /** The entries, absolute, without duplicates, in order. */
  static List<String> current() {
    Set<String> out = new LinkedHashSet<>();
    for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!e.isBlank()) {
        add(Path.of(e).toAbsolutePath().normalize(), out);
      }
    }
    return new ArrayList<>(out);
  }

  static String join(List<String> entries) {
    return String.join(File.pathSeparator, entries);
  }

  private static void add(Path entry, Set<String> out) {
    if (!out.add(entry.toString())) {
      return;
    }
    if (!entry.toString().endsWith(".jar") || !Files.isRegularFile(entry)) {
      return;
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      Manifest mf = jar.getManifest();
      String cp = mf == null ? null : mf.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
      if (cp == null) {
        return;
      }
      for (String ref : cp.trim().split("\\s+")) {
        if (ref.isEmpty()) {
          continue;
        }
        Path p = ref.startsWith("file:") ? Path.of(URI.create(ref)) : entry.getParent().resolve(ref);
        add(p.toAbsolutePath().normalize(), out);
      }
    } catch (IOException | IllegalArgumentException e) {
      // not a readable jar: keep the entry as it is
    }
  }
}
