package dev.driverlab.kernel.fs;

import dev.driverlab.kernel.mm.UserMm;

/**
 * {@code struct file_operations}: the driver's entry points for a char device, each optional. Build
 * one like the C initializer:
 *
 * <pre>{@code
 * static final FileOperations fops = FileOperations.builder()
 *     .owner(THIS_MODULE).open(MyDrv::open).unlocked_ioctl(MyDrv::ioctl).build();
 * }</pre>
 * Missing operations behave as in Linux: read/write → -EINVAL, unlocked_ioctl → -ENOTTY,
 * llseek → -ESPIPE, mmap → -ENODEV, open/release → success.
 */
public final class FileOperations {
  @FunctionalInterface
  public interface Open {
    int open(Inode inode, File file);
  }

  @FunctionalInterface
  public interface Release {
    int release(Inode inode, File file);
  }

  /** {@code ssize_t (*read)(struct file *, char __user *buf, size_t count, loff_t *ppos)}; ppos[0] is *ppos. */
  @FunctionalInterface
  public interface Read {
    long read(File file, long buf, long count, long[] ppos);
  }

  @FunctionalInterface
  public interface Write {
    long write(File file, long buf, long count, long[] ppos);
  }

  @FunctionalInterface
  public interface Llseek {
    long llseek(File file, long offset, int whence);
  }

  @FunctionalInterface
  public interface UnlockedIoctl {
    long unlocked_ioctl(File file, int cmd, long arg);
  }

  @FunctionalInterface
  public interface Mmap {
    int mmap(File file, UserMm.Vma vma);
  }

  public final Object owner;
  public final Open open;
  public final Release release;
  public final Read read;
  public final Write write;
  public final Llseek llseek;
  public final UnlockedIoctl unlocked_ioctl;
  public final Mmap mmap;

  private FileOperations(Builder b) {
    this.owner = b.owner;
    this.open = b.open;
    this.release = b.release;
    this.read = b.read;
    this.write = b.write;
    this.llseek = b.llseek;
    this.unlocked_ioctl = b.unlockedIoctl;
    this.mmap = b.mmap;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder mirroring the C designated initializer. */
  public static final class Builder {
    private Object owner;
    private Open open;
    private Release release;
    private Read read;
    private Write write;
    private Llseek llseek;
    private UnlockedIoctl unlockedIoctl;
    private Mmap mmap;

    /** {@code .owner = THIS_MODULE}: pins the module while a file is open. */
    public Builder owner(Object module) {
      this.owner = module;
      return this;
    }

    public Builder open(Open f) {
      this.open = f;
      return this;
    }

    public Builder release(Release f) {
      this.release = f;
      return this;
    }

    public Builder read(Read f) {
      this.read = f;
      return this;
    }

    public Builder write(Write f) {
      this.write = f;
      return this;
    }

    public Builder llseek(Llseek f) {
      this.llseek = f;
      return this;
    }

    public Builder unlocked_ioctl(UnlockedIoctl f) {
      this.unlockedIoctl = f;
      return this;
    }

    public Builder mmap(Mmap f) {
      this.mmap = f;
      return this;
    }

    public FileOperations build() {
      return new FileOperations(this);
    }
  }
}
