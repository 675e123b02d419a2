package dev.driverlab.userland.libc;

import dev.driverlab.kernel.proc.Process;
import dev.driverlab.kernel.uapi.Errno;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A libc for one process: system calls that return {@code -1} and set {@link #errno()} as glibc's do,
 * plus the memory a C program would reach with pointers ({@link #malloc}, {@link #poke}, {@link #peek}).
 * Buffers live in the process's paged memory inside the simulated machine, so what a driver DMAs into
 * is exactly what the program reads back.
 */
public final class Libc {
  public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_NONBLOCK = 04000;
  public static final int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2;
  public static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
  /** mmap's failure value, {@code (void *) -1}. */
  public static final long MAP_FAILED = -1;

  private final Process process;
  private final PrintStream out;
  private final PrintStream err;
  private int errno;

  public Libc(Process process, PrintStream out, PrintStream err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  public Process process() {
    return process;
  }

  public PrintStream stdout() {
    return out;
  }

  public PrintStream stderr() {
    return err;
  }

  /** The errno of the last failed call. */
  public int errno() {
    return errno;
  }

  private long ret(long r) {
    if (r < 0 && r >= -4095) {
      errno = (int) -r;
      return -1;
    }
    return r;
  }

  public int open(String path, int flags) {
    return (int) ret(process.open(path, flags));
  }

  public int close(int fd) {
    return (int) ret(process.close(fd));
  }

  public long read(int fd, long buf, long count) {
    return ret(process.read(fd, buf, count));
  }

  public long write(int fd, long buf, long count) {
    return ret(process.write(fd, buf, count));
  }

  public long lseek(int fd, long offset, int whence) {
    return ret(process.lseek(fd, offset, whence));
  }

  public int ioctl(int fd, int cmd, long arg) {
    return (int) ret(process.ioctl(fd, cmd, arg));
  }

  /** mmap(NULL, length, prot, MAP_SHARED, fd, offset): the address, or MAP_FAILED with errno. */
  public long mmap(long length, int prot, int fd, long offset) {
    long r = process.mmap(length, prot, fd, offset);
    if (r < 0) {
      errno = (int) -r;
      return MAP_FAILED;
    }
    return r;
  }

  public int munmap(long addr) {
    return (int) ret(process.munmap(addr));
  }

  public int mknod(String path, int dev) {
    return (int) ret(process.mknod(path, dev));
  }

  // ---- memory -----------------------------------------------------------------------------------

  /** malloc: page-aligned, zeroed memory of at least {@code size} bytes; 0 (NULL) with ENOMEM on failure. */
  public long malloc(long size) {
    long r = process.mmapAnonymous(Math.max(1, size));
    if (r < 0) {
      errno = (int) -r;
      return 0;
    }
    return r;
  }

  /** free of a malloc'ed pointer. */
  public void free(long ptr) {
    if (ptr != 0) {
      process.munmap(ptr);
    }
  }

  /** Stores bytes at a user address (a C program's memcpy into its own buffer). */
  public void poke(long addr, byte[] src, int off, int len) {
    if (process.mm().write(addr, src, off, len) != 0) {
      throw new IllegalArgumentException(String.format("segmentation fault: write of %d bytes at %#x", len, addr));
    }
  }

  public void poke(long addr, byte[] src) {
    poke(addr, src, 0, src.length);
  }

  /** Loads bytes from a user address. */
  public byte[] peek(long addr, int len) {
    byte[] b = new byte[len];
    if (process.mm().read(addr, b, 0, len) != 0) {
      throw new IllegalArgumentException(String.format("segmentation fault: read of %d bytes at %#x", len, addr));
    }
    return b;
  }

  public int getInt(long addr) {
    return (int) process.mm().load(addr, 4);
  }

  public void putInt(long addr, int v) {
    process.mm().store(addr, v & 0xffffffffL, 4);
  }

  public long getLong(long addr) {
    return process.mm().load(addr, 8);
  }

  public void putLong(long addr, long v) {
    process.mm().store(addr, v, 8);
  }

  /** A user-mode load of {@code size} bytes (MMIO when the address is an mmap'ed BAR). */
  public long load(long addr, int size) {
    return process.mm().load(addr, size);
  }

  public void store(long addr, long value, int size) {
    process.mm().store(addr, value, size);
  }

  /** Reads a whole (small) file such as /proc/interrupts or a sysfs attribute; null with errno on failure. */
  public byte[] readFile(String path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
      return null;
    }
    long buf = malloc(65536);
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try {
      while (true) {
        long n = read(fd, buf, 65536);
        if (n < 0) {
          return null;
        }
        if (n == 0) {
          break;
        }
        bytes.writeBytes(peek(buf, (int) n));
      }
    } finally {
      free(buf);
      close(fd);
    }
    return bytes.toByteArray();
  }

  public String readText(String path) {
    byte[] b = readFile(path);
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  /** Entries of a /dev, /sys or /proc directory. */
  public java.util.List<String> listDirectory(String path) {
    return process.kernel().vfs().list(path);
  }

  /** The kernel log as {@code dmesg} reads it (syslog(2) SYSLOG_ACTION_READ_ALL). */
  public String klogRead() {
    return process.kernel().dmesg().text();
  }

  // ---- C library helpers ------------------------------------------------------------------------

  public static String strerror(int errno) {
    return Errno.strerror(errno);
  }

  /** perror: "s: strerror(errno)" on stderr. */
  public void perror(String s) {
    err.println(s + ": " + strerror(errno));
  }

  /** Starts a thread of this process; join it with {@link #join}. */
  public dev.driverlab.kernel.sched.SimThread pthreadCreate(String name, Runnable body) {
    return process.startThread(name, body);
  }

  public void join(dev.driverlab.kernel.sched.SimThread t) {
    process.join(t);
  }
}
