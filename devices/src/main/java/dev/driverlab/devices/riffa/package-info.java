/**
 * The RIFFA 2.x FPGA endpoint (KastnerRG/riffa; facts in shared/reference/riffa.md).
 *
 * <p>Front doors: {@link dev.driverlab.devices.riffa.RiffaEndpoint} (the device model, plugged with
 * {@code machine.plug(...)}), {@link dev.driverlab.devices.riffa.RiffaConfig} (how the bitstream was
 * built), {@link dev.driverlab.devices.riffa.RiffaRegisters} (the register map a driver mirrors), and
 * the user-logic pair {@link dev.driverlab.devices.riffa.ChannelCore} /
 * {@link dev.driverlab.devices.riffa.ChannelPort} with the example cores
 * {@link dev.driverlab.devices.riffa.ChnlTester}, {@link dev.driverlab.devices.riffa.EchoCore},
 * {@link dev.driverlab.devices.riffa.AddConstantCore}, {@link dev.driverlab.devices.riffa.SinkCore} and
 * the skeleton {@link dev.driverlab.devices.riffa.BufferingCore}.
 *
 * <pre>
 *  fpga_send:  RX_OFFLAST, RX_LEN ─► CHNL_RX to the core; SG list (RX_SG_ADDR_LO/HI, RX_SG_LEN) ─► MRd
 *              ─► beats to the core; interrupts RX_SG_BUF_RECVD, RX_TXN_DONE (read RX_TNFR_LEN)
 *  fpga_recv:  core txStart ─► TX_TXN (read TX_OFFLAST, TX_LEN = ack); SG list (TX_SG_*) ─► MWr;
 *              interrupts TX_SG_BUF_RECVD, TX_TXN_DONE (read TX_TNFR_LEN)
 *  reset:      read INFO
 * </pre>
 *
 * Inferred choices where the reference is silent are marked "(inferred)" or explained at the code.
 */
package dev.driverlab.devices.riffa;
