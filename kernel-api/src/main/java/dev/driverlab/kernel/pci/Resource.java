package dev.driverlab.kernel.pci;

/**
 * {@code struct resource} for a BAR or bridge window: [start, end] inclusive, flags as Linux's
 * IORESOURCE_* bits, and who claimed it with pci_request_region(s).
 */
public final class Resource {
  public static final long IORESOURCE_IO = 0x100, IORESOURCE_MEM = 0x200, IORESOURCE_PREFETCH = 0x2000;
  public static final long IORESOURCE_MEM_64 = 0x100000, IORESOURCE_SIZEALIGN = 0x40000;

  public long start;
  public long end;
  public long flags;
  String claimedBy;
  Object claimOwner;
  String claimSite;

  public long len() {
    return start == 0 && end == 0 ? 0 : end - start + 1;
  }

  public boolean claimed() {
    return claimedBy != null;
  }

  public String claimedBy() {
    return claimedBy;
  }

  /** "[mem 0xc0000000-0xc00fffff 64bit pref]" as Linux prints it. */
  public String describe() {
    String kind = (flags & IORESOURCE_IO) != 0 ? "io" : "mem";
    return String.format("[%s %#010x-%#010x%s%s]", kind, start, end,
        (flags & IORESOURCE_MEM_64) != 0 ? " 64bit" : "", (flags & IORESOURCE_PREFETCH) != 0 ? " pref" : "");
  }
}
