package dev.driverlab.devices.pcie;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;

/**
 * One function's 4 KiB configuration space: bytes plus per-byte masks, as QEMU keeps it.
 *
 * <pre>
 *   data[i]      what a read returns
 *   writable[i]  bits a write may change (everything else is read-only)
 *   w1c[i]       bits a write of 1 clears (RW1C status bits)
 * </pre>
 *
 * Every config write goes through {@link #write}, which applies the masks and then tells the
 * listeners once (so a function can react to Command, BAR or MSI changes). Initialisation uses the
 * {@code init*} methods, which bypass the masks. Layouts: edu-and-linux-api.md Part D.
 */
public final class ConfigSpace {
  public static final int SIZE = 4096;

  // Type 0/1 common header (Part D.1).
  public static final int VENDOR_ID = 0x00, DEVICE_ID = 0x02, COMMAND = 0x04, STATUS = 0x06;
  public static final int REVISION_ID = 0x08, CLASS_PROG = 0x09, CLASS_DEVICE = 0x0a, CACHE_LINE_SIZE = 0x0c;
  public static final int LATENCY_TIMER = 0x0d, HEADER_TYPE = 0x0e, BIST = 0x0f, BAR0 = 0x10;
  public static final int SUBSYSTEM_VENDOR_ID = 0x2c, SUBSYSTEM_ID = 0x2e, ROM_ADDRESS = 0x30;
  public static final int CAPABILITY_LIST = 0x34, INTERRUPT_LINE = 0x3c, INTERRUPT_PIN = 0x3d;
  // Type 1 (Part D.2).
  public static final int PRIMARY_BUS = 0x18, SECONDARY_BUS = 0x19, SUBORDINATE_BUS = 0x1a;
  public static final int IO_BASE = 0x1c, IO_LIMIT = 0x1d, SEC_STATUS = 0x1e, MEMORY_BASE = 0x20, MEMORY_LIMIT = 0x22;
  public static final int PREF_MEMORY_BASE = 0x24, PREF_MEMORY_LIMIT = 0x26, PREF_BASE_UPPER32 = 0x28;
  public static final int PREF_LIMIT_UPPER32 = 0x2c, IO_BASE_UPPER16 = 0x30, IO_LIMIT_UPPER16 = 0x32;
  public static final int ROM_ADDRESS1 = 0x38, BRIDGE_CONTROL = 0x3e;
  // Command bits (Part D.3).
  public static final int COMMAND_IO = 0x1, COMMAND_MEMORY = 0x2, COMMAND_MASTER = 0x4, COMMAND_SERR = 0x100;
  public static final int COMMAND_INTX_DISABLE = 0x400;
  // Status bits (Part D.4).
  public static final int STATUS_INTERRUPT = 0x8, STATUS_CAP_LIST = 0x10, STATUS_SIG_TARGET_ABORT = 0x800;
  public static final int STATUS_REC_TARGET_ABORT = 0x1000, STATUS_REC_MASTER_ABORT = 0x2000;
  public static final int STATUS_SIG_SYSTEM_ERROR = 0x4000, STATUS_DETECTED_PARITY = 0x8000;
  static final int STATUS_W1C = 0x0100 | 0x0800 | 0x1000 | 0x2000 | 0x4000 | 0x8000;

  /** Told after every config write, with the range written and the dwords' old contents. */
  public interface WriteListener {
    void configWritten(int offset, int size, long oldValue, long newValue);
  }

  private final byte[] data = new byte[SIZE];
  private final byte[] writable = new byte[SIZE];
  private final byte[] w1c = new byte[SIZE];
  private final List<WriteListener> listeners = new ArrayList<>();
  /**
   * Counts changes of {@link #data} by any door (a masked write, {@code init}, {@code setBits16},
   * {@code load}): a function may keep values decoded from its registers while this stays the same.
   */
  private long generation;
  private int nextCapOffset = 0x40;
  private int lastCap = -1;
  private int nextExtCapOffset = 0x100;
  private int lastExtCap = -1;

  public void addListener(WriteListener l) {
    listeners.add(l);
  }

  private static void checkAccess(int offset, int size) {
    checkArgument(size == 1 || size == 2 || size == 4, "config access size must be 1, 2 or 4: %s", size);
    checkArgument(offset >= 0 && offset + size <= SIZE && offset % size == 0,
        "config access of %s bytes at %#x is misaligned or outside 4 KiB", size, offset);
  }

  /** A config read as the wire sees it (little-endian). */
  public int read(int offset, int size) {
    checkAccess(offset, size);
    return (int) get(offset, size);
  }

  /** A config write: writable bits take the new value, RW1C bits clear where 1 is written. */
  public void write(int offset, int size, int value) {
    checkAccess(offset, size);
    long old = get(offset, size);
    for (int i = 0; i < size; i++) {
      int b = (value >>> (8 * i)) & 0xff;
      int at = offset + i;
      int wm = writable[at] & 0xff;
      int cm = w1c[at] & 0xff;
      int v = data[at] & 0xff;
      v = (v & ~wm) | (b & wm);
      v &= ~(b & cm);
      data[at] = (byte) v;
    }
    generation++;
    long now = get(offset, size);
    for (WriteListener l : listeners) {
      l.configWritten(offset, size, old, now);
    }
  }

  /**
   * A number that changes whenever any byte may have changed (every write, init, setBits16 and load
   * moves it), so values decoded from the registers stay valid while it is the same.
   */
  public long generation() {
    return generation;
  }

  public int read8(int offset) {
    return (int) get(offset, 1);
  }

  public int read16(int offset) {
    return (int) get(offset, 2);
  }

  public int read32(int offset) {
    return (int) get(offset, 4);
  }

  private long get(int offset, int size) {
    long v = 0;
    for (int i = size - 1; i >= 0; i--) {
      v = (v << 8) | (data[offset + i] & 0xff);
    }
    return v;
  }

  // ---- initialisation (bypasses masks) -------------------------------------------------------

  /** Sets bytes directly, as the hardware's reset state or its own status updates do. */
  public ConfigSpace init(int offset, int size, long value) {
    for (int i = 0; i < size; i++) {
      data[offset + i] = (byte) (value >>> (8 * i));
    }
    generation++;
    return this;
  }

  public ConfigSpace initWritable(int offset, int size, long mask) {
    for (int i = 0; i < size; i++) {
      writable[offset + i] = (byte) (mask >>> (8 * i));
    }
    return this;
  }

  public ConfigSpace initW1c(int offset, int size, long mask) {
    for (int i = 0; i < size; i++) {
      w1c[offset + i] = (byte) (mask >>> (8 * i));
    }
    return this;
  }

  /** Hardware-side set/clear of bits (e.g. Status.Interrupt), without masks or listeners. */
  public void setBits16(int offset, int bits, boolean on) {
    int v = read16(offset);
    init(offset, 2, on ? v | bits : v & ~bits);
  }

  /** A copy of all 4096 bytes. */
  public byte[] snapshot() {
    return data.clone();
  }

  /** Loads raw bytes (e.g. from an {@code lspci -xxx} dump) as the reset state. */
  public void load(byte[] bytes) {
    checkArgument(bytes.length <= SIZE, "config image larger than 4 KiB: %s", bytes.length);
    System.arraycopy(bytes, 0, data, 0, bytes.length);
    generation++;
  }

  // ---- capability lists (Part D.6) --------------------------------------------------------------

  /** Appends a capability of {@code length} bytes to the list; returns its offset. */
  public int addCapability(int id, int length) {
    int at = nextCapOffset;
    checkArgument(at + length <= 0x100, "no room for capability %#x (%s bytes) at %#x", id, length, at);
    init(at, 1, id);
    init(at + 1, 1, 0);
    if (lastCap < 0) {
      init(CAPABILITY_LIST, 1, at);
      setBits16(STATUS, STATUS_CAP_LIST, true);
    } else {
      init(lastCap + 1, 1, at);
    }
    lastCap = at;
    nextCapOffset = (at + length + 3) & ~3;
    return at;
  }

  /** Appends an extended capability (offset ≥ 0x100); returns its offset. */
  public int addExtendedCapability(int id, int version, int length) {
    int at = nextExtCapOffset;
    checkArgument(at + length <= SIZE, "no room for extended capability %#x", id);
    init(at, 4, (id & 0xffff) | (version & 0xf) << 16);
    if (lastExtCap >= 0) {
      int hdr = read32(lastExtCap);
      init(lastExtCap, 4, (hdr & 0x000f_ffff) | ((long) at << 20));
    }
    lastExtCap = at;
    nextExtCapOffset = (at + length + 3) & ~3;
    return at;
  }

  /** Walks the list like Linux's {@code pci_find_capability}: offset or 0. */
  public int findCapability(int id) {
    if ((read16(STATUS) & STATUS_CAP_LIST) == 0) {
      return 0;
    }
    int pos = read8(CAPABILITY_LIST) & ~3;
    for (int ttl = 48; ttl > 0 && pos >= 0x40; ttl--) {
      int cid = read8(pos);
      if (cid == 0xff) {
        return 0;
      }
      if (cid == id) {
        return pos;
      }
      pos = read8(pos + 1) & ~3;
    }
    return 0;
  }

  public int findExtendedCapability(int id) {
    int pos = 0x100;
    for (int ttl = (SIZE - 0x100) / 8; ttl > 0 && pos >= 0x100; ttl--) {
      int hdr = read32(pos);
      if (hdr == 0 || hdr == -1) {
        return 0;
      }
      if ((hdr & 0xffff) == id) {
        return pos;
      }
      pos = (hdr >>> 20) & 0xffc;
    }
    return 0;
  }
}
