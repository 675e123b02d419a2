package dev.driverlab.userland.lspci;

import static dev.driverlab.userland.lspci.Out.flag;

/**
 * MSI (ID 05) and MSI-X (ID 11) capabilities (ls-caps.c {@code cap_msi}, {@code cap_msix}).
 *
 * <pre>
 *   MSI                                         MSI-X
 *   +2 control: enable, multiple msg            +2 control: table size - 1, function mask,
 *      capable/enable, 64-bit, per-vector mask     enable
 *   +4 address low  +8 address high (64-bit)    +4 table offset | BIR
 *   +8/+12 data  +12/+16 mask  +16/+20 pending  +8 PBA offset | BIR
 * </pre>
 */
final class MsiCaps {
  private static final int MSI_ENABLE = 0x001;
  private static final int MSI_64BIT = 0x080;
  private static final int MSI_MASK_BIT = 0x100;
  private static final int MSI_ADDRESS_LO = 4;
  private static final int MSI_ADDRESS_HI = 8;
  private static final int MSI_DATA_32 = 8;
  private static final int MSI_DATA_64 = 12;
  private static final int MSI_MASK_32 = 12;
  private static final int MSI_MASK_64 = 16;

  private static final int MSIX_ENABLE = 0x8000;
  private static final int MSIX_MASK = 0x4000;
  private static final int MSIX_TABLE_SIZE = 0x07ff;
  private static final int MSIX_TABLE = 4;
  private static final int MSIX_PBA = 8;
  private static final int MSIX_BIR = 0x7;

  private MsiCaps() {}

  static void msi(DecodeContext c, int where, int cap) {
    c.f("MSI: Enable%c Count=%d/%d Maskable%c 64bit%c\n",
        flag(cap, MSI_ENABLE), 1 << ((cap & 0x70) >> 4), 1 << ((cap & 0x0e) >> 1),
        flag(cap, MSI_MASK_BIT), flag(cap, MSI_64BIT));
    if (c.verbose < 2) {
      return;
    }
    boolean is64 = (cap & MSI_64BIT) != 0;
    int dataAt = is64 ? MSI_DATA_64 : MSI_DATA_32;
    if (!c.fetch(where + MSI_ADDRESS_LO, dataAt + 2 - MSI_ADDRESS_LO)) {
      return;
    }
    c.p("\t\tAddress: ");
    if (is64) {
      c.f("%08x", c.l(where + MSI_ADDRESS_HI));
    }
    c.f("%08x  Data: %04x\n", c.l(where + MSI_ADDRESS_LO), c.w(where + dataAt));
    if ((cap & MSI_MASK_BIT) != 0) {
      int maskAt = where + (is64 ? MSI_MASK_64 : MSI_MASK_32);
      if (!c.fetch(maskAt, 8)) {
        return;
      }
      c.f("\t\tMasking: %08x  Pending: %08x\n", c.l(maskAt), c.l(maskAt + 4));
    }
  }

  static void msix(DecodeContext c, int where, int cap) {
    c.f("MSI-X: Enable%c Count=%d Masked%c\n",
        flag(cap, MSIX_ENABLE), (cap & MSIX_TABLE_SIZE) + 1, flag(cap, MSIX_MASK));
    if (c.verbose < 2 || !c.fetch(where + MSIX_TABLE, 8)) {
      return;
    }
    int table = c.l(where + MSIX_TABLE);
    c.f("\t\tVector table: BAR=%d offset=%08x\n", table & MSIX_BIR, table & ~MSIX_BIR);
    int pba = c.l(where + MSIX_PBA);
    c.f("\t\tPBA: BAR=%d offset=%08x\n", pba & MSIX_BIR, pba & ~MSIX_BIR);
  }
}
