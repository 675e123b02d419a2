package dev.driverlab.devices.pcie;

import dev.driverlab.devices.pcie.tlp.PcieId;

/**
 * The CPU's interrupt controller as the Root Complex sees it: MSI writes that reached the MSI address
 * window, and the level of each INTx line after the IO-APIC's wiring (GSI numbers from
 * {@link Firmware#intxGsi}). The kernel installs one.
 */
public interface InterruptSink {
  void msi(PcieId requester, long address, int data);

  void intxLevel(int gsi, boolean asserted);
}
