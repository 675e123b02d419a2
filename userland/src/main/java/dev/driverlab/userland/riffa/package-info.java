/**
 * RIFFA's user APIs for programs running in a DriverLab process (riffa.md §6): all data lives in the
 * process's memory, and everything reaches the driver through ioctl on /dev/riffa.
 *
 * <ul>
 *   <li>{@link dev.driverlab.userland.riffa.Riffa}: libriffa's C API with C names, units and return
 *       values ({@code fpga_list}, {@code fpga_open}, {@code fpga_send}, {@code fpga_recv},
 *       {@code fpga_reset}, {@code fpga_close}), with {@link dev.driverlab.userland.riffa.FpgaT} and
 *       {@link dev.driverlab.userland.riffa.FpgaInfoList};</li>
 *   <li>{@link dev.driverlab.userland.riffa.Fpga}: the Java API (AutoCloseable, int[] / ByteBuffer /
 *       {@link dev.driverlab.userland.riffa.UserBuffer} overloads, {@link dev.driverlab.userland.riffa.FpgaInfo},
 *       errors as {@link dev.driverlab.userland.riffa.RiffaException} with the errno).</li>
 * </ul>
 *
 * The {@code riffa-test} program is {@link dev.driverlab.userland.programs.RiffaTest}.
 */
package dev.driverlab.userland.riffa;
