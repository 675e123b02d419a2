package dev.driverlab.kernel.fs;

import dev.driverlab.kernel.mm.UserMm;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The kernel's file namespace: device nodes under /dev (made by device_create or mknod), and the
 * generated files of sysfs and procfs. Paths are absolute and exact; there are no regular files.
 */
public final class Vfs {
  /** What a path names. */
  public sealed interface Node permits CharNode, AttrNode {}

  /** A character device node: opening it looks up the cdev for {@code rdev}. */
  public record CharNode(int rdev, Object creator) implements Node {}

  /**
   * A generated file (sysfs/procfs): read returns the current contents; {@code mmapPhys} ≥ 0 makes it
   * mmap-able onto that physical range (sysfs resourceN) of {@code mmapLen} bytes.
   */
  public record AttrNode(Supplier<byte[]> contents, long mmapPhys, long mmapLen) implements Node {
    public static AttrNode text(Supplier<String> s) {
      return new AttrNode(() -> s.get().getBytes(StandardCharsets.UTF_8), -1, 0);
    }
  }

  private final TreeMap<String, Node> nodes = new TreeMap<>();

  public synchronized void add(String path, Node node) {
    nodes.put(path, node);
  }

  public synchronized boolean remove(String path) {
    return nodes.remove(path) != null;
  }

  /** Removes every path under {@code dir} (inclusive). */
  public synchronized void removeTree(String dir) {
    nodes.keySet().removeIf(p -> p.equals(dir) || p.startsWith(dir + "/"));
  }

  public synchronized Node lookup(String path) {
    return nodes.get(path);
  }

  /** Entries directly below {@code dir}, as {@code ls} lists them. */
  public synchronized List<String> list(String dir) {
    String prefix = dir.endsWith("/") ? dir : dir + "/";
    return nodes.keySet().stream().filter(p -> p.startsWith(prefix))
        .map(p -> p.substring(prefix.length()).split("/")[0]).distinct().toList();
  }

  /** Directories that exist even when empty (the mount points). */
  private static final java.util.Set<String> FIXED_DIRS = java.util.Set.of("/", "/dev", "/proc", "/sys", "/sys/class",
      "/sys/bus", "/sys/bus/pci", "/sys/bus/pci/devices");

  /** True if {@code path} is a directory: a mount point, or a path with entries below it. */
  public synchronized boolean isDirectory(String path) {
    if (FIXED_DIRS.contains(path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path)) {
      return true;
    }
    String prefix = path.endsWith("/") ? path : path + "/";
    return nodes.ceilingKey(prefix) != null && nodes.ceilingKey(prefix).startsWith(prefix);
  }

  public synchronized Map<String, Node> snapshot() {
    return Map.copyOf(nodes);
  }

  static int protOf(int flags) {
    int acc = flags & File.O_ACCMODE;
    return acc == File.O_RDONLY ? UserMm.PROT_READ : UserMm.PROT_READ | UserMm.PROT_WRITE;
  }
}
