package dev.driverlab.devices.pcie.caps;

import static com.google.common.base.Preconditions.checkArgument;

import dev.driverlab.devices.pcie.ConfigSpace;

/**
 * Builders for the capabilities DriverLab's functions carry, with their read-only/writable masks
 * (edu-and-linux-api.md §D.6–D.9).
 *
 * <pre>
 * PM (ID 0x01, 8 bytes)        +2 PMC   +4 PMCSR (bits 1:0 power state RW, bit 15 PME status RW1C)
 * MSI (ID 0x05)                +2 Message Control (enable, MME RW) +4 address [+8 upper] +8/+C data [mask, pending]
 * PCI Express (ID 0x10, 0x3C)  +2 PCIe Cap  +4 DevCap  +8 DevCtl (MPS 7:5, MRRS 14:12 RW)  +A DevSta
 *                              +C LnkCap  +10 LnkCtl  +12 LnkSta  ... +24 DevCap2 +28 DevCtl2 +2C LnkCap2 +30 LnkCtl2
 * MSI-X (ID 0x11, 12 bytes)    +2 Message Control (table size-1, mask 14, enable 15)  +4 table BIR/offset  +8 PBA
 * </pre>
 */
public final class Capabilities {
  public static final int ID_PM = 0x01, ID_MSI = 0x05, ID_EXP = 0x10, ID_MSIX = 0x11;

  // MSI (D.7)
  public static final int MSI_FLAGS = 2, MSI_ADDRESS_LO = 4, MSI_ADDRESS_HI = 8;
  public static final int MSI_FLAGS_ENABLE = 0x0001, MSI_FLAGS_QMASK = 0x000e, MSI_FLAGS_QSIZE = 0x0070;
  public static final int MSI_FLAGS_64BIT = 0x0080, MSI_FLAGS_MASKBIT = 0x0100;
  // MSI-X (D.8)
  public static final int MSIX_FLAGS = 2, MSIX_TABLE = 4, MSIX_PBA = 8;
  public static final int MSIX_FLAGS_QSIZE = 0x07ff, MSIX_FLAGS_MASKALL = 0x4000, MSIX_FLAGS_ENABLE = 0x8000;
  // PCI Express (D.9)
  public static final int EXP_FLAGS = 2, EXP_DEVCAP = 4, EXP_DEVCTL = 8, EXP_DEVSTA = 0xa, EXP_LNKCAP = 0xc;
  public static final int EXP_LNKCTL = 0x10, EXP_LNKSTA = 0x12, EXP_SLTCAP = 0x14, EXP_DEVCAP2 = 0x24;
  public static final int EXP_DEVCTL2 = 0x28, EXP_LNKCAP2 = 0x2c, EXP_LNKCTL2 = 0x30, EXP_LNKSTA2 = 0x32;
  public static final int EXP_DEVCTL_PAYLOAD = 0x00e0, EXP_DEVCTL_READRQ = 0x7000;

  private Capabilities() {}

  /**
   * Gives the capabilities already present in {@code cs} (e.g. loaded from a real dump) the writable
   * bits a driver needs: PM control, MSI enable/address/data, MSI-X enable, PCIe Device Control.
   */
  public static void applyMasks(ConfigSpace cs) {
    int pm = cs.findCapability(ID_PM);
    if (pm != 0) {
      cs.initWritable(pm + 4, 2, 0x0103);
      cs.initW1c(pm + 4, 2, 0x8000);
    }
    int msi = cs.findCapability(ID_MSI);
    if (msi != 0) {
      int flags = cs.read16(msi + MSI_FLAGS);
      cs.initWritable(msi + MSI_FLAGS, 2, MSI_FLAGS_ENABLE | MSI_FLAGS_QSIZE);
      cs.initWritable(msi + MSI_ADDRESS_LO, 4, 0xfffffffcL);
      if ((flags & MSI_FLAGS_64BIT) != 0) {
        cs.initWritable(msi + MSI_ADDRESS_HI, 4, 0xffffffffL);
      }
      cs.initWritable(msi + msiDataOffset(flags), 2, 0xffff);
    }
    int msix = cs.findCapability(ID_MSIX);
    if (msix != 0) {
      cs.initWritable(msix + MSIX_FLAGS, 2, MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
    }
    int exp = cs.findCapability(ID_EXP);
    if (exp != 0) {
      cs.initWritable(exp + EXP_DEVCTL, 2, 0x7fff);
      cs.initW1c(exp + EXP_DEVSTA, 2, 0x000f);
    }
  }

  /** Power Management, D0–D3hot, version 1.2 (PMC 0x0003). */
  public static int addPm(ConfigSpace cs) {
    int at = cs.addCapability(ID_PM, 8);
    cs.init(at + 2, 2, 0x0003);
    cs.initWritable(at + 4, 2, 0x0003 | 0x0100);  // PowerState, PME_En
    cs.initW1c(at + 4, 2, 0x8000);                // PME_Status
    cs.init(at + 4, 2, 0x0008);                   // No_Soft_Reset
    return at;
  }

  /**
   * MSI with {@code vectors} (1, 2, 4, … 32) requested, 64-bit addressing as asked, optional per-vector
   * masking. Returns the capability offset.
   */
  public static int addMsi(ConfigSpace cs, int vectors, boolean addr64, boolean masking) {
    checkArgument(Integer.bitCount(vectors) == 1 && vectors <= 32, "MSI vectors must be a power of two ≤ 32: %s", vectors);
    int len = (addr64 ? 0x0e : 0x0a) + (masking ? 0x0a : 0);
    int at = cs.addCapability(ID_MSI, len);
    int mmc = Integer.numberOfTrailingZeros(vectors);
    int flags = (mmc << 1) | (addr64 ? MSI_FLAGS_64BIT : 0) | (masking ? MSI_FLAGS_MASKBIT : 0);
    cs.init(at + MSI_FLAGS, 2, flags);
    cs.initWritable(at + MSI_FLAGS, 2, MSI_FLAGS_ENABLE | MSI_FLAGS_QSIZE);
    cs.initWritable(at + MSI_ADDRESS_LO, 4, 0xfffffffcL);
    int dataOff = addr64 ? 0x0c : 0x08;
    if (addr64) {
      cs.initWritable(at + MSI_ADDRESS_HI, 4, 0xffffffffL);
    }
    cs.initWritable(at + dataOff, 2, 0xffff);
    if (masking) {
      cs.initWritable(at + dataOff + 4, 4, vectors == 32 ? 0xffffffffL : (1L << vectors) - 1);
    }
    return at;
  }

  /** Offset of the Message Data register inside an MSI capability whose flags are {@code flags}. */
  public static int msiDataOffset(int flags) {
    return (flags & MSI_FLAGS_64BIT) != 0 ? 0x0c : 0x08;
  }

  /** MSI-X with its table and PBA in BAR {@code bir}. */
  public static int addMsix(ConfigSpace cs, int vectors, int bir, int tableOffset, int pbaOffset) {
    checkArgument(vectors >= 1 && vectors <= 2048, "MSI-X vectors out of range: %s", vectors);
    checkArgument((tableOffset & 7) == 0 && (pbaOffset & 7) == 0, "MSI-X offsets must be 8-byte aligned");
    int at = cs.addCapability(ID_MSIX, 12);
    cs.init(at + MSIX_FLAGS, 2, vectors - 1);
    cs.initWritable(at + MSIX_FLAGS, 2, MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
    cs.init(at + MSIX_TABLE, 4, tableOffset | bir);
    cs.init(at + MSIX_PBA, 4, pbaOffset | bir);
    return at;
  }

  /**
   * PCI Express capability v2 for a port or endpoint. {@code mpsSupported} is the DevCap encoding
   * (bytes = 128 &lt;&lt; code); the link registers report {@code gen}/{@code width} as trained.
   */
  public static int addPcie(ConfigSpace cs, int portType, int mpsSupported, int gen, int width, boolean slot) {
    checkArgument(mpsSupported >= 0 && mpsSupported <= 5, "MPS supported code out of range: %s", mpsSupported);
    checkArgument(gen >= 1 && gen <= 5, "link generation out of range: %s", gen);
    int at = cs.addCapability(ID_EXP, 0x3c);
    cs.init(at + EXP_FLAGS, 2, 0x0002 | (portType << 4) | (slot && (portType == 4 || portType == 6) ? 0x100 : 0));
    cs.init(at + EXP_DEVCAP, 4, mpsSupported | 0x20 /* extended tag */ | (1 << 15) /* role-based error reporting */);
    cs.init(at + EXP_DEVCTL, 2, 0x2810 & ~EXP_DEVCTL_PAYLOAD | (2 << 12)); // MPS 128, MRRS 512, RO, no-snoop
    cs.initWritable(at + EXP_DEVCTL, 2, 0x7fff);
    cs.initW1c(at + EXP_DEVSTA, 2, 0x000f);
    int port = portType == 0 ? 0 : (portType == 4 ? 1 : 0);
    cs.init(at + EXP_LNKCAP, 4, gen | (width << 4) | (1 << 10) /* ASPM L0s */ | (port << 24));
    cs.initWritable(at + EXP_LNKCTL, 2, 0x0fc3);
    cs.init(at + EXP_LNKSTA, 2, gen | (width << 4) | (portType == 4 || portType == 6 ? 0x2000 : 0));
    if (slot && (portType == 4 || portType == 6)) {
      cs.init(at + EXP_SLTCAP, 4, 0x00040000 | (port << 19)); // no hot-plug; physical slot 0/1
    }
    cs.init(at + EXP_LNKCAP2, 4, ((1 << gen) - 1) << 1);
    cs.init(at + EXP_LNKCTL2, 2, gen);
    cs.initWritable(at + EXP_LNKCTL2, 2, 0x000f);
    return at;
  }
}
