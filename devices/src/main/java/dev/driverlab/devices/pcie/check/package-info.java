/**
 * The PCIe protocol checker: {@link dev.driverlab.devices.pcie.check.TlpProtocolChecker} watches every
 * TLP on every link of a machine and reports the transaction-layer rules
 * ({@link dev.driverlab.devices.pcie.check.ProtocolRule}) a device model or the Root Complex breaks, as
 * {@link dev.driverlab.devices.pcie.check.ProtocolViolation}s. It reads the limits it needs (Max Payload
 * Size, Max Read Request Size, Read Completion Boundary) from the functions' config space through a
 * {@link dev.driverlab.devices.pcie.check.FabricTopology}.
 */
package dev.driverlab.devices.pcie.check;
