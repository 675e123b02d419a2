package dev.driverlab.kernel.proc;

import static dev.driverlab.kernel.uapi.Errno.*;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.fs.FileOperations;
import dev.driverlab.kernel.fs.Vfs;
import dev.driverlab.kernel.mm.KernelOops;
import dev.driverlab.kernel.mm.UserMm;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.sched.SimThread;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * A user process: a paged address space, a file-descriptor table and the system calls, which return
 * what the kernel returns (a count, or a negative errno). The userland library turns that into
 * {@code -1} and {@code errno}.
 */
public final class Process {
  private final Kernel kernel;
  private final int pid;
  private final String name;
  private final UserMm mm;
  private final Map<Integer, File> fds = new TreeMap<>();
  private volatile boolean signalPending;
  private boolean exited;

  public Process(Kernel kernel, int pid, String name, UserMm mm) {
    this.kernel = kernel;
    this.pid = pid;
    this.name = name;
    this.mm = mm;
  }

  public int pid() {
    return pid;
  }

  public String name() {
    return name;
  }

  public Kernel kernel() {
    return kernel;
  }

  /** The address space (user-mode loads and stores go through it). */
  public UserMm mm() {
    return mm;
  }

  /** Delivers a signal: interruptible waits of this process end with -ERESTARTSYS. */
  public void kill() {
    signalPending = true;
  }

  public boolean signalPending() {
    return signalPending;
  }

  public void clearSignal() {
    signalPending = false;
  }

  /** Starts a thread of this process running {@code body} (it runs when the caller next waits). */
  public SimThread startThread(String threadName, Runnable body) {
    return kernel.spawn(name + ":" + threadName, this, () -> {
      try (Kernel.Scope s = kernel.enter()) {
        body.run();
      }
    });
  }

  /** Waits (in simulated time) for a thread to finish. */
  public void join(SimThread t) {
    try (Kernel.Scope s = kernel.enter()) {
      kernel.sched().join(t);
    }
  }

  private long syscall(LongSupplier body) {
    return syscall("syscall", body);
  }

  private long syscall(String name, LongSupplier body) {
    if (exited) {
      return -ESRCH;
    }
    try (Kernel.Scope s = kernel.enterProcess(this)) {
      long r;
      try {
        r = body.getAsLong();
      } finally {
        dev.driverlab.kernel.check.UserReturnCheck.onSyscallExit(kernel, name);
      }
      if (r == -ERESTARTSYS) {
        r = -EINTR;
      } else if (r == -ENOIOCTLCMD) {
        r = -ENOTTY;
      }
      return r;
    } catch (KernelOops oops) {
      return -EFAULT; // the oops is in dmesg; the calling thread's system call fails
    }
  }

  // ---- system calls ---------------------------------------------------------------------------

  public int open(String path, int flags) {
    return (int) syscall("open", () -> {
      Vfs.Node node = kernel.vfs().lookup(path);
      if (node == null) {
        return kernel.vfs().isDirectory(path) ? -EISDIR : -ENOENT;
      }
      File[] out = new File[1];
      int r = kernel.openNode(path, node, flags, out);
      return r < 0 ? r : install(out[0]);
    });
  }

  private int install(File f) {
    int fd = 3;
    while (fds.containsKey(fd)) {
      fd++;
    }
    fds.put(fd, f);
    return fd;
  }

  public int close(int fd) {
    return (int) syscall("close", () -> {
      File f = fds.remove(fd);
      if (f == null) {
        return -EBADF;
      }
      kernel.releaseFile(f);
      return 0;
    });
  }

  public long read(int fd, long buf, long count) {
    return syscall("read", () -> {
      File f = fds.get(fd);
      if (f == null || (f.f_flags & File.O_ACCMODE) == File.O_WRONLY) {
        return -EBADF;
      }
      FileOperations ops = f.f_op;
      if (ops.read == null) {
        return -EINVAL;
      }
      if (count < 0) {
        return -EINVAL;
      }
      long[] pos = {f.f_pos};
      long r = kernel.callDriver(ops.owner, () -> ops.read.read(f, buf, count, pos));
      f.f_pos = pos[0];
      return r;
    });
  }

  public long write(int fd, long buf, long count) {
    return syscall("write", () -> {
      File f = fds.get(fd);
      if (f == null || (f.f_flags & File.O_ACCMODE) == File.O_RDONLY) {
        return -EBADF;
      }
      FileOperations ops = f.f_op;
      if (ops.write == null) {
        return -EINVAL;
      }
      if (count < 0) {
        return -EINVAL;
      }
      long[] pos = {f.f_pos};
      long r = kernel.callDriver(ops.owner, () -> ops.write.write(f, buf, count, pos));
      f.f_pos = pos[0];
      return r;
    });
  }

  public long lseek(int fd, long offset, int whence) {
    return syscall("lseek", () -> {
      File f = fds.get(fd);
      if (f == null) {
        return -EBADF;
      }
      if (whence < File.SEEK_SET || whence > File.SEEK_END) {
        return -EINVAL;
      }
      FileOperations ops = f.f_op;
      if (ops.llseek == null) {
        return -ESPIPE;
      }
      return kernel.callDriver(ops.owner, () -> ops.llseek.llseek(f, offset, whence));
    });
  }

  /** ioctl(fd, cmd, arg): {@code arg} is passed to the driver as is (a user pointer or a number). */
  public long ioctl(int fd, int cmd, long arg) {
    return syscall("ioctl", () -> {
      File f = fds.get(fd);
      if (f == null) {
        return -EBADF;
      }
      FileOperations ops = f.f_op;
      if (ops.unlocked_ioctl == null) {
        return -ENOTTY;
      }
      try (Kernel.Scope c = dev.driverlab.kernel.check.UsercopyCheck.ioctl(kernel, cmd, arg)) {
        return kernel.callDriver(ops.owner, () -> ops.unlocked_ioctl.unlocked_ioctl(f, cmd, arg));
      }
    });
  }

  /** mmap of a file (the address hint is ignored); returns the address or a negative errno. */
  public long mmap(long length, int prot, int fd, long offset) {
    return syscall("mmap", () -> {
      File f = fds.get(fd);
      if (f == null) {
        return -EBADF;
      }
      if (length <= 0 || (offset & 0xfff) != 0) {
        return -EINVAL;
      }
      FileOperations ops = f.f_op;
      if (ops.mmap == null) {
        return -ENODEV;
      }
      UserMm.Vma vma = mm.reserve(length, prot, f.f_inode.path);
      vma.vmPgoff = offset >>> 12;
      int r = (int) kernel.callDriver(ops.owner, () -> ops.mmap.mmap(f, vma));
      return r < 0 ? r : vma.vmStart();
    });
  }

  public int munmap(long addr) {
    return (int) syscall(() -> mm.munmap(addr));
  }

  /** mmap(MAP_ANONYMOUS|MAP_PRIVATE): zeroed memory; address or -ENOMEM. */
  public long mmapAnonymous(long length) {
    return syscall(() -> mm.mmapAnonymous(length, UserMm.PROT_READ | UserMm.PROT_WRITE));
  }

  /** mknod(path, S_IFCHR, dev) as root: creates a char device node. */
  public int mknod(String path, int dev) {
    return (int) syscall(() -> {
      if (!path.startsWith("/dev/") || path.length() <= 5) {
        return -EINVAL;
      }
      if (kernel.vfs().lookup(path) != null) {
        return -EEXIST;
      }
      kernel.vfs().add(path, new Vfs.CharNode(dev, "mknod"));
      return 0;
    });
  }

  /** unlink of a /dev node. */
  public int unlink(String path) {
    return (int) syscall(() -> kernel.vfs().remove(path) ? 0 : -ENOENT);
  }

  /** Closes every file and frees the address space. */
  public void exit() {
    if (exited) {
      return;
    }
    for (Integer fd : fds.keySet().toArray(new Integer[0])) {
      close(fd);
    }
    try (Kernel.Scope s = kernel.enter()) {
      mm.destroy();
    }
    exited = true;
    kernel.processExited(this);
  }

  /** Open file descriptors (for diagnostics). */
  public Map<Integer, File> files() {
    return Map.copyOf(fds);
  }

  /** The module behind an open file's operations (for diagnostics), or null. */
  public static KernelModule ownerOf(File f) {
    return f.f_op.owner instanceof KernelModule m ? m : null;
  }

  @Override
  public String toString() {
    return name + "[" + pid + "]";
  }
}
