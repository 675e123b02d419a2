/**
 * The cross-cutting driver-bug checks: the device's TLPs joined with the DMA API
 * ({@link dev.driverlab.kernel.check.DmaTlpCheck}), the link's protocol as kernel reports
 * ({@code ProtocolReports}), locks on return to user space
 * ({@link dev.driverlab.kernel.check.UserReturnCheck}), ioctl sizes and user-pointer dereferences
 * ({@link dev.driverlab.kernel.check.UsercopyCheck}), and the oops an access through a dead pointer
 * ends in ({@link dev.driverlab.kernel.check.Oopses}). {@link dev.driverlab.kernel.check.KernelChecks}
 * installs them on a kernel and holds their state. docs/checks.md (at the top of the repository) lists every check in
 * the kernel, with an example message and the broken driver that shows it.
 */
package dev.driverlab.kernel.check;
