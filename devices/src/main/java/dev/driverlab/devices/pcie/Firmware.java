package dev.driverlab.devices.pcie;

/**
 * The facts firmware hands the OS in its tables (ACPI MCFG, _PRT, the E820 map, the MSI window): the
 * one place where the kernel learns the board's wiring without touching device objects.
 */
public final class Firmware {
  /** x86 MSI address window (Intel SDM vol. 3 §11.11: 0xFEEx_xxxx). */
  public static final long MSI_BASE = 0xfee0_0000L, MSI_SIZE = 0x10_0000L;
  /** First GSI used for PCI INTx lines (the ISA IRQs sit below it). */
  public static final int FIRST_PCI_GSI = 16, PCI_GSI_COUNT = 8;

  private Firmware() {}

  /**
   * The _PRT: the GSI an INTx pin (0 = INTA) reaches after the root port {@code rootPortDevice}. The
   * usual x86 rotation, so neighbouring ports spread over lines and some devices share one.
   */
  public static int intxGsi(int rootPortDevice, int pin) {
    return FIRST_PCI_GSI + ((rootPortDevice + pin) % PCI_GSI_COUNT);
  }
}
