package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.bits;
import static dev.driverlab.userland.lspci.Out.flag;

/**
 * CXL's Designated Vendor-Specific capabilities (vendor 1e98), selected by DVSEC ID
 * (ls-ecaps.c {@code cap_dvsec_cxl} and the {@code dvsec_cxl_*} helpers).
 *
 * <pre>
 *   ID 0 device: +0x0a cap | +0x0c ctl | +0x0e sta | +0x12 sta2 | +0x16 cap2
 *                +0x18/+0x28 range 1/2 size hi|lo, +0x20/+0x30 base hi|lo
 *   ID 2 non-CXL function map: +0x0c..+0x28 eight registers
 *   ID 3 port extensions: +0x0a sta | +0x0c ctl | +0x0e/+0x0f alt bus | +0x10/+0x12 alt mem
 *   ID 4/5 GPF port/device   ID 7 flex bus port   ID 8 register locator   ID 9 MLD
 * </pre>
 */
final class CxlDvsec {
  private static final int DEV_LEN = 0x38;
  private static final int PORT_EXT_LEN = 0x28;

  private CxlDvsec() {}

  static void print(DecodeContext c, int id, int rev, int where, int len) {
    c.p(": CXL\n");
    if (c.verbose < 2 || !c.fetch(where, len)) {
      return;
    }
    switch (id) {
      case 0 -> device(c, rev, where, len);
      case 2 -> functionMap(c, where);
      case 3 -> port(c, where, len);
      case 4 -> gpfPort(c, where);
      case 5 -> gpfDevice(c, where);
      case 7 -> flexBus(c, where, rev);
      case 8 -> registerLocator(c, where, len);
      case 9 -> multiLogicalDevice(c, where);
      default -> c.f("\t\tUnknown ID %04x\n", id);
    }
  }

  private static void range(DecodeContext c, long base, long size, int n) {
    int[] interleave = {0, 256, 4096, 512, 1024, 2048, 8192, 16384};
    String[] type = {"Volatile", "Non-volatile", "CDAT"};
    String[] cls = {"DRAM", "Storage", "CDAT"};
    int w = (int) (size & 0xffff);
    size &= ~0x0fffffffL;
    c.f("\t\tRange%d: %016x-%016x\n", n, base, base + size - 1);
    c.f("\t\t\tValid%c Active%c Type=%s Class=%s interleave=%d timeout=%ds\n",
        flag(w, 0x1), flag(w, 0x2), type[(w >> 2) & 7], cls[(w >> 5) & 7],
        interleave[(w >> 8) & 0x1f], 1 << (((w >> 13) & 7) * 2));
  }

  private static long quad(DecodeContext c, int hiPos, int loPos) {
    return Out.u32(c.l(hiPos)) << 32 | Out.u32(c.l(loPos));
  }

  private static void device(DecodeContext c, int rev, int where, int len) {
    if (len < DEV_LEN || rev < 1) {
      return; // legacy CXL 1.1 layouts are not decoded
    }
    int w = c.w(where + 0x0a);
    c.f("\t\tCXLCap:\tCache%c IO%c Mem%c Mem HW Init%c HDMCount %d Viral%c\n",
        flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), (w >> 4) & 3, flag(w, 0x4000));
    w = c.w(where + 0x0c);
    c.f("\t\tCXLCtl:\tCache%c IO%c Mem%c Cache SF Cov %d Cache SF Gran %d Cache Clean%c "
            + "Viral%c\n",
        flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), (w >> 3) & 0x1f, (w >> 8) & 0x7,
        flag(w, 0x0800), flag(w, 0x4000));
    w = c.w(where + 0x0e);
    c.f("\t\tCXLSta:\tViral%c\n", flag(w, 0x4000));
    w = c.w(where + 0x12);
    c.f("\t\tCXLSta2:\tResetComplete%c ResetError%c PMComplete%c\n", flag(w, 0x2),
        flag(w, 0x4), flag(w, 0x8000));
    w = c.w(where + 0x16);
    int unit = bits(w, 0, 4);
    int cacheSize = bits(w, 8, 8);
    switch (unit) {
      case 2 -> c.f("\t\tCache Size: %08x\n", cacheSize * (1 << 20));
      case 1 -> c.f("\t\tCache Size: %08x\n", cacheSize * (64 << 10));
      case 0 -> c.p("\t\tCache Size Not Reported\n");
      default -> c.f("\t\tCache Size: %d of unknown unit size (%d)\n", cacheSize, unit);
    }
    range(c, quad(c, where + 0x20, where + 0x24), quad(c, where + 0x18, where + 0x1c), 1);
    range(c, quad(c, where + 0x30, where + 0x34), quad(c, where + 0x28, where + 0x2c), 2);
  }

  private static void port(DecodeContext c, int where, int len) {
    if (len < PORT_EXT_LEN) {
      return;
    }
    int w = c.w(where + 0x0a);
    // lspci tests this status with the register's own offset (0x0a) as the mask
    c.f("\t\tCXLPortSta:\tPMComplete%c\n", flag(w, 0x0a));
    w = c.w(where + 0x0c);
    c.f("\t\tCXLPortCtl:\tUnmaskSBR%c UnmaskLinkDisable%c AltMem%c AltBME%c ViralEnable%c\n",
        flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), flag(w, 0x4000));
    c.f("\t\tAlternateBus:\t%02x-%02x\n", c.b(where + 0x0e), c.b(where + 0x0f));
    c.f("\t\tAlternateBus:\t%04x-%04x\n", c.w(where + 0x10), c.w(where + 0x12));
  }

  private static void registerLocator(DecodeContext c, int where, int len) {
    String[] names = {"empty", "component registers", "BAR virtualization",
        "CXL device registers", "CPMU registers"};
    for (int i = 0; ; i++) {
      int pos = where + 0x0c + 8 * i;
      if (pos + 7 >= where + len) {
        break;
      }
      int lo = c.l(pos);
      int hi = c.l(pos + 4);
      int bir = bits(lo, 0, 3);
      int blockId = bits(lo, 8, 8);
      long base = (long) bits(lo, 16, 16) << 16 | Out.u32(hi) << 32;
      if (blockId == 0) {
        continue;
      }
      String name = blockId < names.length ? names[blockId]
          : blockId == 0xff ? "vendor-specific" : "<?>";
      c.f("\t\tBlock%d: BIR: bar%d, ID: %s, offset: %016x\n", i + 1, bir, name, base);
    }
  }

  /** A GPF time as base times 1, 10 or 100 of the unit the scale names. */
  private static int gpfTime(DecodeContext c, int base, int scale) {
    switch (scale) {
      case 2, 5 -> {
        return base * 100;
      }
      case 1, 4, 7 -> {
        return base * 10;
      }
      case 0, 3, 6 -> {
        return base;
      }
      default -> {
        c.f("\t\tReserved time scale encoding %x\n", scale);
        return base;
      }
    }
  }

  private static String gpfUnit(int scale) {
    return scale < 3 ? "us" : scale < 6 ? "ms" : scale == 6 ? "s" : "<?>";
  }

  private static void gpfDevice(DecodeContext c, int where) {
    int w = c.w(where + 0x0a);
    int base = bits(w, 0, 4);
    int scale = bits(w, 8, 4);
    int duration = gpfTime(c, base, scale);
    c.f("\t\tGPF Phase 2 Duration: %d%s\n", duration, gpfUnit(scale));
    c.f("\t\tGPF Phase 2 Power: %dmW\n", Out.u32(c.l(where + 0x0c)));
  }

  private static void gpfPort(DecodeContext c, int where) {
    int w = c.w(where + 0x0c);
    int base = bits(w, 0, 4);
    int scale = bits(w, 8, 4);
    int timeout = gpfTime(c, base, scale);
    c.f("\t\tGPF Phase 1 Timeout: %d%s\n", timeout, gpfUnit(scale));
    w = c.w(where + 0x0e);
    base = bits(w, 0, 4);
    scale = bits(w, 8, 4);
    timeout = gpfTime(c, base, scale);
    c.f("\t\tGPF Phase 2 Timeout: %d%s\n", timeout, gpfUnit(scale));
  }

  private static void flexBus(DecodeContext c, int where, int rev) {
    if (rev < 1) {
      c.f("\t\tRevision %d not supported\n", rev);
      return;
    }
    int w = c.w(where + 0x0a);
    c.f("\t\tFBCap:\tCache%c IO%c Mem%c 68BFlit%c MltLogDev%c", flag(w, 0x1), flag(w, 0x2),
        flag(w, 0x4), flag(w, 0x20), flag(w, 0x40));
    if (rev > 1) {
      c.f(" 256BFlit%c PBRFlit%c", flag(w, 0x2000), flag(w, 0x4000));
    }
    w = c.w(where + 0x0c);
    c.f("\n\t\tFBCtl:\tCache%c IO%c Mem%c SynHdrByp%c DrftBuf%c 68BFlit%c MltLogDev%c RCD%c "
            + "Retimer1%c Retimer2%c",
        flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), flag(w, 0x10), flag(w, 0x20),
        flag(w, 0x40), flag(w, 0x80), flag(w, 0x100), flag(w, 0x200));
    if (rev > 1) {
      c.f(" 256BFlit%c PBRFlit%c", flag(w, 0x2000), flag(w, 0x4000));
    }
    w = c.w(where + 0x0e);
    c.f("\n\t\tFBSta:\tCache%c IO%c Mem%c SynHdrByp%c DrftBuf%c 68BFlit%c MltLogDev%c",
        flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), flag(w, 0x10), flag(w, 0x20),
        flag(w, 0x40));
    if (rev > 1) {
      c.f(" 256BFlit%c PBRFlit%c", flag(w, 0x2000), flag(w, 0x4000));
    }
    int l = c.l(where + 0x10);
    c.f("\n\t\tFBModTS:\tReceived FB Data: %06x\n", bits(l, 0, 24));
    if (rev > 1) {
      c.f("\t\tFBCap2:\tNOPHint%c\n", flag(c.l(where + 0x14), 0x1));
      c.f("\t\tFBCtl2:\tNOPHint%c\n", flag(c.l(where + 0x18), 0x1));
      c.f("\t\tFBSta2:\tNOPHintInfo: %x\n", bits(c.l(where + 0x1c), 0, 2));
    }
  }

  private static void multiLogicalDevice(DecodeContext c, int where) {
    int w = c.w(where + 0x0a);
    if (w != 0 && w <= 0x10) { // encodings above 16 are reserved
      c.f("\t\tNumLogDevs: %d\n", w);
    }
  }

  private static void functionMap(DecodeContext c, int where) {
    for (int i = 0; i < 8; i++) {
      c.f("\t\tFuncMap %d: %08x\n", i, c.w(where + 0x0c + 4 * i));
    }
  }
}
