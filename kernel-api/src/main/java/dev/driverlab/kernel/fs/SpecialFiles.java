package dev.driverlab.kernel.fs;

import static dev.driverlab.kernel.uapi.Errno.*;

import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.proc.Process;

/**
 * Opening and releasing VFS nodes: char device nodes go to the cdev's file operations (pinning the
 * owning module while open); sysfs/procfs attribute files get built-in read/llseek/mmap operations.
 */
public final class SpecialFiles {
  private SpecialFiles() {}

  /** Installs the kernel's own procfs files. */
  public static void install(Kernel k) {
    k.vfs().add("/proc/devices", Vfs.AttrNode.text(() -> k.chrdev().procDevices()));
    k.vfs().add("/proc/interrupts", Vfs.AttrNode.text(() -> k.irq().procInterrupts()));
    k.vfs().add("/proc/modules", Vfs.AttrNode.text(() -> k.modules().procModules()));
    k.vfs().add("/proc/version", Vfs.AttrNode.text(() -> "Linux version " + Kernel.RELEASE + "\n"));
  }

  public static int open(Kernel k, String path, Vfs.Node node, int flags, File[] out) {
    if (node instanceof Vfs.CharNode c) {
      Cdev cdev = k.chrdev().lookup(c.rdev());
      if (cdev == null) {
        return -ENXIO;
      }
      Object owner = cdev.ops.owner != null ? cdev.ops.owner : cdev.owner;
      if (owner instanceof KernelModule m && !m.tryGet()) {
        return -ENXIO; // chrdev_open: the cdev's module is going away (try_module_get failed)
      }
      File f = new File(flags, new Inode(path, c.rdev(), cdev), cdev.ops, owner);
      if (cdev.ops.open != null) {
        int r = (int) k.callDriver(owner, () -> cdev.ops.open.open(f.f_inode, f));
        if (r < 0) {
          if (owner instanceof KernelModule m) {
            m.put();
          }
          return r;
        }
      }
      out[0] = f;
      return 0;
    }
    Vfs.AttrNode a = (Vfs.AttrNode) node;
    if ((flags & File.O_ACCMODE) != File.O_RDONLY && a.mmapPhys() < 0) {
      return -EACCES;
    }
    out[0] = new File(flags, new Inode(path, 0, null), attrOps(k, a), null);
    return 0;
  }

  public static void release(Kernel k, File f) {
    if (--f.refs > 0) {
      return;
    }
    if (f.f_op.release != null) {
      k.callDriver(f.owner, () -> f.f_op.release.release(f.f_inode, f));
    }
    if (f.owner instanceof KernelModule m) {
      m.put();
    }
  }

  private static FileOperations attrOps(Kernel k, Vfs.AttrNode a) {
    return FileOperations.builder()
        .read((file, buf, count, ppos) -> {
          byte[] data = a.contents().get();
          if (ppos[0] >= data.length) {
            return 0;
          }
          int n = (int) Math.min(count, data.length - ppos[0]);
          Process p = k.currentProcess();
          if (p.mm().write(buf, data, (int) ppos[0], n) != 0) {
            return -EFAULT;
          }
          ppos[0] += n;
          return n;
        })
        .llseek((file, off, whence) -> {
          long size = a.contents().get().length;
          long base = whence == File.SEEK_SET ? 0 : whence == File.SEEK_CUR ? file.f_pos : size;
          long pos = base + off;
          if (pos < 0) {
            return -EINVAL;
          }
          file.f_pos = pos;
          return pos;
        })
        .mmap(a.mmapPhys() < 0 ? null : (file, vma) -> {
          long off = vma.vmPgoff << 12;
          if (off + (vma.vmEnd() - vma.vmStart()) > ((a.mmapLen() + 4095) & ~4095L)) {
            return -EINVAL;
          }
          k.currentProcess().mm().installPfnMap(vma, a.mmapPhys() + off);
          return 0;
        })
        .build();
  }
}
