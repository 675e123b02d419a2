package dev.driverlab.userland.lspci;

/**
 * One function's config space as lspci reads it, with the fields pciutils' generic fill-in
 * ({@code pci_generic_fill_info}, lib/generic.c) derives from it.
 *
 * <p>Two kinds of read, as in lspci: {@link #fetch} asks whether a range is available (lspci's
 * {@code config_fetch}: a dump answers for the bytes it holds, a live system for all 4096), and
 * the {@code cfg*} getters then read bytes known to be there. The {@code read*} getters are
 * libpci's reads, which yield all ones where nothing can be read.
 *
 * <pre>
 *   0x00 vendor | device     0x04 command | status     0x08 rev | prog-if | subclass | class
 *   0x0c cacheline | latency | header type | BIST      0x10-0x27 BARs (type 0)
 *   0x2c subsystem vendor | subsystem (type 0)         0x30 ROM (type 0)   0x34 capabilities
 *   0x3c interrupt line | pin | min_gnt | max_lat (type 0) or bridge control (type 1)
 * </pre>
 */
final class ConfigView {
  static final int VENDOR_ID = 0x00;
  static final int DEVICE_ID = 0x02;
  static final int COMMAND = 0x04;
  static final int STATUS = 0x06;
  static final int REVISION_ID = 0x08;
  static final int CLASS_PROG = 0x09;
  static final int CLASS_DEVICE = 0x0a;
  static final int HEADER_TYPE = 0x0e;
  static final int BASE_ADDRESS_0 = 0x10;
  static final int SUBSYSTEM_VENDOR_ID = 0x2c;
  static final int SUBSYSTEM_ID = 0x2e;
  static final int ROM_ADDRESS = 0x30;
  static final int CAPABILITY_LIST = 0x34;
  static final int ROM_ADDRESS1 = 0x38;
  static final int INTERRUPT_LINE = 0x3c;
  static final int CB_SUBSYSTEM_VENDOR_ID = 0x40;
  static final int CB_SUBSYSTEM_ID = 0x42;

  static final int STATUS_CAP_LIST = 0x10;
  static final int HEADER_NORMAL = 0;
  static final int HEADER_BRIDGE = 1;
  static final int HEADER_CARDBUS = 2;
  static final int CAP_ID_SSVID = 0x0d;

  final PciFunctionInfo info;
  private final byte[] bytes;
  /** Bytes that can be read: the dump's length (a live system would give all it has). */
  private final int available;
  /** True when not even the 64-byte standard header could be read. */
  final boolean noConfigAccess;
  /** How much lspci holds from the start: 64 bytes, 128 for a CardBus bridge. */
  final int configCached;

  final int vendorId;
  final int deviceId;
  final int deviceClass;
  final int progIf;
  final int revId;
  final int subsysVendorId;
  final int subsysId;
  final boolean subsysKnown;
  final int irq;
  /** BAR addresses with their low flag bits, a 64-bit BAR joined into its first slot. */
  final long[] baseAddr = new long[6];
  final long romBaseAddr;
  /** Header type without the multi-function bit, or -1 without config access. */
  final int headerType;

  ConfigView(PciFunctionInfo info) {
    this.info = info;
    this.bytes = info.config();
    this.available = bytes.length;
    this.noConfigAccess = available < 64;
    int cached = noConfigAccess ? 0 : 64;
    if (!noConfigAccess && (cfgByte(HEADER_TYPE) & 0x7f) == HEADER_CARDBUS && fetch(64, 64)) {
      cached += 64;
    }
    this.configCached = cached;
    this.headerType = noConfigAccess ? -1 : cfgByte(HEADER_TYPE) & 0x7f;

    vendorId = readWord(VENDOR_ID);
    deviceId = readWord(DEVICE_ID);
    deviceClass = readWord(CLASS_DEVICE);
    progIf = readByte(CLASS_PROG);
    revId = readByte(REVISION_ID);

    int sv = 0;
    int sd = 0;
    boolean known = true;
    int rawType = readByte(HEADER_TYPE) & 0x7f;
    switch (rawType) {
      case HEADER_NORMAL -> {
        sv = readWord(SUBSYSTEM_VENDOR_ID);
        sd = readWord(SUBSYSTEM_ID);
      }
      case HEADER_BRIDGE -> {
        int ssvid = findCapability(CAP_ID_SSVID);
        if (ssvid >= 0) {
          sv = readWord(ssvid + 4);
          sd = readWord(ssvid + 6);
        }
      }
      case HEADER_CARDBUS -> {
        sv = readWord(CB_SUBSYSTEM_VENDOR_ID);
        sd = readWord(CB_SUBSYSTEM_ID);
      }
      default -> known = false;
    }
    subsysVendorId = sv;
    subsysId = sd;
    subsysKnown = known;

    irq = info.irq() >= 0 ? info.irq() : readByte(INTERRUPT_LINE);

    int barCount = switch (rawType) {
      case HEADER_NORMAL -> 6;
      case HEADER_BRIDGE -> 2;
      case HEADER_CARDBUS -> 1;
      default -> 0;
    };
    long[] osAddresses = info.barAddresses();
    for (int i = 0; i < barCount; i++) {
      long x = Out.u32(readLong(BASE_ADDRESS_0 + 4 * i));
      if (x == 0 || x == 0xffffffffL) {
        continue;
      }
      if ((x & 1) == 1 || (x & 6) != 4) {
        baseAddr[i] = x;
      } else if (i < barCount - 1) {
        long upper = Out.u32(readLong(BASE_ADDRESS_0 + 4 * (i + 1)));
        baseAddr[i] = x | upper << 32;
        i++;
      }
    }
    if (osAddresses != null) {
      // A live system reports where the OS put each region; keep the type bits from the BAR.
      for (int i = 0; i < 6; i++) {
        long hw = i < barCount ? Out.u32(readLong(BASE_ADDRESS_0 + 4 * i)) : 0;
        long typeBits = (hw & 1) != 0 ? hw & 0x3 : hw & 0xf;
        baseAddr[i] = osAddresses[i] == 0 ? 0 : osAddresses[i] | typeBits;
      }
    }
    int romReg = rawType == HEADER_NORMAL ? ROM_ADDRESS
        : rawType == HEADER_BRIDGE ? ROM_ADDRESS1 : 0;
    long rom = 0;
    if (romReg != 0) {
      long u = Out.u32(readLong(romReg));
      rom = u != 0xffffffffL ? u : 0;
    }
    romBaseAddr = rom;
  }

  /** lspci's config_fetch: true when {@code len} bytes at {@code pos} can be read. */
  boolean fetch(int pos, int len) {
    return len <= 0 || (pos >= 0 && pos + len <= available);
  }

  /** Bytes available. */
  int available() {
    return available;
  }

  /**
   * A byte lspci has fetched. Past the available bytes (where lspci itself would stop with an
   * "Internal bug" on malformed capabilities) it reads as 0xff instead of failing.
   */
  int cfgByte(int pos) {
    return pos >= 0 && pos < available ? bytes[pos] & 0xff : 0xff;
  }

  int cfgWord(int pos) {
    return cfgByte(pos) | cfgByte(pos + 1) << 8;
  }

  int cfgLong(int pos) {
    return cfgWord(pos) | cfgWord(pos + 2) << 16;
  }

  int readByte(int pos) {
    return pos + 1 <= available ? cfgByte(pos) : 0xff;
  }

  int readWord(int pos) {
    return pos + 2 <= available ? cfgWord(pos) : 0xffff;
  }

  int readLong(int pos) {
    return pos + 4 <= available ? cfgLong(pos) : 0xffffffff;
  }

  /** Offset of the first traditional capability with this ID, or -1 (pci_find_cap). */
  int findCapability(int id) {
    if ((readWord(STATUS) & STATUS_CAP_LIST) == 0) {
      return -1;
    }
    boolean[] seen = new boolean[256];
    int where = readByte(CAPABILITY_LIST) & ~3;
    while (where != 0) {
      int capId = readByte(where);
      int next = readByte(where + 1) & ~3;
      if (seen[where]) {
        break;
      }
      seen[where] = true;
      if (capId == 0xff) {
        break;
      }
      if (capId == id) {
        return where;
      }
      where = next;
    }
    return -1;
  }

  /** Region size from the live facts, 0 when unknown. */
  long barSize(int i) {
    long[] sizes = info.barSizes();
    return sizes == null ? 0 : sizes[i];
  }

  boolean sizesKnown() {
    return info.barSizes() != null;
  }

  boolean osAddressesKnown() {
    return info.barAddresses() != null;
  }
}
