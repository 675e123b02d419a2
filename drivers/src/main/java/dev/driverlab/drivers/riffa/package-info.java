/**
 * The RIFFA 2.x Linux driver ({@code riffa.ko}, KastnerRG/riffa {@code driver/linux}), written against
 * DriverLab's kernel API only; facts from shared/reference/riffa.md.
 *
 * <p>Front door: {@link dev.driverlab.drivers.riffa.RiffaDriver} (the module: load it with insmod; it
 * creates /dev/riffa, major 100) and {@link dev.driverlab.drivers.riffa.RiffaUapi} (the ioctl numbers).
 * Inside, one file per part of the original:
 *
 * <pre>
 *  RiffaDriver      module init/exit, fpga_ioctl, list_fpgas, reset        riffa_driver.c
 *  FpgaProbe        fpga_probe, fpga_remove, allocate_chnls                riffa_driver.c
 *  FpgaState        struct fpga_state, read_reg / write_reg
 *  ChnlDir          struct chnl_dir (one channel direction)
 *  ChannelTransfer  chnl_send, chnl_recv and their wrapchecks              riffa.md §4.1-§4.6
 *  SgMapping        struct sg_mapping, fill_sg_buf, free_sg_buf           riffa.md §4.3, §4.4
 *  RiffaIsr         intrpt_handler, process_intr_vector                    riffa.md §3.3
 *  CircQueue        circ_queue.c                                           riffa.md §1.8
 *  RiffaRegs        the BAR0 register map and INFO decode                  riffa.md §1.6, §2.2, §3.1
 *  FpgaChnlIo, FpgaInfoList   the ioctl structures, x86-64 layout          riffa.md §1.3
 * </pre>
 */
package dev.driverlab.drivers.riffa;
