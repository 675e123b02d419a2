package dev.driverlab.drivers.edu;

import static dev.driverlab.drivers.edu.EduUapi.*;
import static dev.driverlab.kernel.fs.Chrdev.fixed_size_llseek;
import static dev.driverlab.kernel.fs.Chrdev.iminor;
import static dev.driverlab.kernel.mm.Uaccess.copy_from_user;
import static dev.driverlab.kernel.mm.Uaccess.copy_to_user;
import static dev.driverlab.kernel.mm.Uaccess.get_user;
import static dev.driverlab.kernel.mm.Uaccess.put_user;
import static dev.driverlab.kernel.sched.Locks.mutex_lock_interruptible;
import static dev.driverlab.kernel.sched.Locks.mutex_unlock;
import static dev.driverlab.kernel.uapi.Errno.EFAULT;
import static dev.driverlab.kernel.uapi.Errno.EINVAL;
import static dev.driverlab.kernel.uapi.Errno.ENODEV;
import static dev.driverlab.kernel.uapi.Errno.ENOSPC;
import static dev.driverlab.kernel.uapi.Errno.ENOTTY;
import static dev.driverlab.kernel.uapi.Errno.ERESTARTSYS;

import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.fs.FileOperations;
import dev.driverlab.kernel.fs.Inode;
import java.util.function.IntFunction;

/**
 * The file operations of {@code /dev/eduN}: the ioctls of {@link EduUapi}, and read/write through the
 * card's 4 KiB DMA buffer.
 *
 * <p>read/write treat the node as a 4096-byte file whose bytes are the card's DMA buffer:
 * <pre>
 *   file position:   0 ............................................ 4096 (EOF)
 *   device address:  0x40000 ...................................... 0x41000
 *   read(fd, buf, n)   at pos: DMA buffer[pos, pos+m) → bounce buffer → buf, m = min(n, 4096 - pos)
 *   write(fd, buf, n)  at pos: buf → bounce buffer → DMA buffer[pos, pos+m)
 * </pre>
 * A read at or past 4096 returns 0 (end of file). A write that crosses 4096 is short (it stores what
 * fits and returns that count); one that starts at or past 4096 fails with -ENOSPC, as on a full
 * fixed-size device. lseek is {@code fixed_size_llseek}: positions 0 to 4096, -EINVAL outside.
 * Each call is one DMA (100 ms of simulated time on this card) and may fail with -ETIMEDOUT or -EBUSY
 * as the DMA ioctls do.
 */
final class EduFileOps {
  private final IntFunction<EduCard> cards;
  final FileOperations fops;

  /** {@code owner} is THIS_MODULE; {@code cards} finds the card of a minor (null if there is none). */
  EduFileOps(Object owner, IntFunction<EduCard> cards) {
    this.cards = cards;
    this.fops = FileOperations.builder()
        .owner(owner)
        .open(this::open)
        .release(this::release)
        .read(this::read)
        .write(this::write)
        .llseek(this::llseek)
        .unlocked_ioctl(this::ioctl)
        .build();
  }

  private int open(Inode inode, File file) {
    EduCard card = cards.apply(iminor(inode));
    if (card == null || card.gone) {
      return -ENODEV;
    }
    file.private_data = card;
    return 0;
  }

  private int release(Inode inode, File file) {
    file.private_data = null;
    return 0;
  }

  private long llseek(File file, long offset, int whence) {
    return fixed_size_llseek(file, offset, whence, EDU_BUFFER_SIZE);
  }

  private long read(File file, long ubuf, long count, long[] ppos) {
    EduCard card = (EduCard) file.private_data;
    long pos = ppos[0];
    if (count == 0 || pos >= EDU_BUFFER_SIZE) {
      return 0;
    }
    int n = (int) Math.min(count, EDU_BUFFER_SIZE - pos);
    if (mutex_lock_interruptible(card.lock) != 0) {
      return -ERESTARTSYS;
    }
    try {
      if (card.gone) {
        return -ENODEV;
      }
      int rc = card.dmaFromDevice((int) pos, n);
      if (rc != 0) {
        return rc;
      }
      if (copy_to_user(ubuf, card.buf, n) != 0) {
        return -EFAULT;
      }
    } finally {
      mutex_unlock(card.lock);
    }
    ppos[0] = pos + n;
    return n;
  }

  private long write(File file, long ubuf, long count, long[] ppos) {
    EduCard card = (EduCard) file.private_data;
    long pos = ppos[0];
    if (count == 0) {
      return 0;
    }
    if (pos >= EDU_BUFFER_SIZE) {
      return -ENOSPC;
    }
    int n = (int) Math.min(count, EDU_BUFFER_SIZE - pos);
    if (mutex_lock_interruptible(card.lock) != 0) {
      return -ERESTARTSYS;
    }
    try {
      if (card.gone) {
        return -ENODEV;
      }
      if (copy_from_user(card.buf, ubuf, n) != 0) {
        return -EFAULT;
      }
      int rc = card.dmaToDevice((int) pos, n);
      if (rc != 0) {
        return rc;
      }
    } finally {
      mutex_unlock(card.lock);
    }
    ppos[0] = pos + n;
    return n;
  }

  // ---- ioctl ------------------------------------------------------------------------------------

  private long ioctl(File file, int cmd, long arg) {
    EduCard card = (EduCard) file.private_data;
    if (cmd == EDU_IOC_IDENT) {
      return locked(card, () -> put_user(card.ident(), arg));
    }
    if (cmd == EDU_IOC_LIVENESS || cmd == EDU_IOC_FACTORIAL) {
      int[] in = new int[1];
      if (get_user(in, arg) != 0) {
        return -EFAULT;
      }
      int[] out = new int[1];
      long rc = locked(card, () -> {
        if (cmd == EDU_IOC_LIVENESS) {
          out[0] = card.liveness(in[0]);
          return 0;
        }
        return card.factorial(in[0], out);
      });
      if (rc != 0) {
        return rc;
      }
      return put_user(out[0], arg);
    }
    if (cmd == EDU_IOC_DMA_TO_DEVICE || cmd == EDU_IOC_DMA_FROM_DEVICE) {
      return dmaIoctl(card, cmd == EDU_IOC_DMA_TO_DEVICE, arg);
    }
    return -ENOTTY;
  }

  /** The two DMA ioctls: copy in and check {@code struct edu_dma_xfer}, then move the data. */
  private long dmaIoctl(EduCard card, boolean toDevice, long arg) {
    byte[] x = new byte[EDU_DMA_XFER_SIZE];
    if (copy_from_user(x, arg, EDU_DMA_XFER_SIZE) != 0) {
      return -EFAULT;
    }
    long userAddr = le64(x, XFER_USER_ADDR);
    long offset = le32(x, XFER_OFFSET);
    long len = le32(x, XFER_LEN);
    if (offset > EDU_BUFFER_SIZE || len > EDU_BUFFER_SIZE - offset) {
      return -EINVAL;
    }
    if (len == 0) {
      return 0;
    }
    return locked(card, () -> {
      if (toDevice) {
        if (copy_from_user(card.buf, userAddr, len) != 0) {
          return -EFAULT;
        }
        return card.dmaToDevice((int) offset, (int) len);
      }
      int rc = card.dmaFromDevice((int) offset, (int) len);
      if (rc != 0) {
        return rc;
      }
      return copy_to_user(userAddr, card.buf, len) != 0 ? -EFAULT : 0;
    });
  }

  /** An operation on the card under its mutex; -ERESTARTSYS if a signal came first, -ENODEV once removed. */
  private static long locked(EduCard card, java.util.function.LongSupplier op) {
    if (mutex_lock_interruptible(card.lock) != 0) {
      return -ERESTARTSYS;
    }
    try {
      return card.gone ? -ENODEV : op.getAsLong();
    } finally {
      mutex_unlock(card.lock);
    }
  }

  private static long le32(byte[] b, int at) {
    return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
  }

  private static long le64(byte[] b, int at) {
    return le32(b, at) | le32(b, at + 4) << 32;
  }
}
