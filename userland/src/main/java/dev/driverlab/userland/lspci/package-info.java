/**
 * A config-space decoder that prints what pciutils 3.9.0's {@code lspci} prints.
 *
 * <p>Front door: {@link dev.driverlab.userland.lspci.Lspci} formats a list of
 * {@link dev.driverlab.userland.lspci.PciFunctionInfo} (address, config bytes, optional live
 * facts) under {@link dev.driverlab.userland.lspci.LspciOptions}, naming IDs from
 * {@link dev.driverlab.userland.lspci.PciIds}. {@link dev.driverlab.userland.lspci.DumpParser}
 * reads {@code lspci -xxx} text; {@link dev.driverlab.userland.lspci.SlotFilter} is {@code -s}.
 *
 * <p>Inside, one class per part of the output: {@code HeaderPrinter} and {@code RegionPrinter}
 * for the standard header, {@code CapabilityPrinter} and {@code ExtendedCapabilityPrinter} walk
 * the two capability lists and hand each entry to its family's decoder ({@code ExpressCap},
 * {@code MsiCaps}, {@code PowerManagementCap}, {@code ErrorReportingCaps}, ...), {@code
 * TreePrinter} draws {@code -t}, {@code HexDump} prints {@code -x}. The layouts and wording
 * follow pciutils (lspci.c, ls-caps.c, ls-ecaps.c, ls-tree.c, lib/), restated in our words; the
 * reference outputs in shared/testdata/pciutils are the check.
 */
package dev.driverlab.userland.lspci;
