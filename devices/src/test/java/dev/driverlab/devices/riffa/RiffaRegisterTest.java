package dev.driverlab.devices.riffa;

import static dev.driverlab.devices.riffa.RiffaRegisters.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.caps.Capabilities;
import org.junit.jupiter.api.Test;

/** Identity, INFO, reset-on-read and the register file's access rules, all through MMIO and ECAM. */
class RiffaRegisterTest {
  static void setDevCtl(Endpoint ep, int mpsCode, int mrrsCode) {
    int cap = ep.config().findCapability(Capabilities.ID_EXP);
    int v = ep.config().read16(cap + Capabilities.EXP_DEVCTL);
    v = v & ~(Capabilities.EXP_DEVCTL_PAYLOAD | Capabilities.EXP_DEVCTL_READRQ) | mpsCode << 5 | mrrsCode << 12;
    ep.config().write(cap + Capabilities.EXP_DEVCTL, 2, v);
  }

  @Test
  void xilinxIdentityBar0AndMsiAreWhatTheDriverChecks() {
    RiffaRig r = new RiffaRig(new RiffaEndpoint());
    ConfigSpace cs = r.ep().config();
    assertEquals(0x10ee, cs.read16(ConfigSpace.VENDOR_ID));
    assertEquals(0x7028, cs.read16(ConfigSpace.DEVICE_ID));
    assertEquals(0x058000, cs.read32(ConfigSpace.REVISION_ID) >>> 8);
    assertEquals(0x10ee, cs.read16(ConfigSpace.SUBSYSTEM_VENDOR_ID));
    assertEquals(0, cs.read8(ConfigSpace.INTERRUPT_PIN), "no legacy interrupt: the driver needs MSI");
    assertEquals(1024, r.ep().barSize(0));
    // Size BAR0 the way firmware does: all ones, read back the mask.
    int bar = cs.read32(ConfigSpace.BAR0);
    cs.write(ConfigSpace.BAR0, 4, 0xffffffff);
    assertEquals(0xfffffc00, cs.read32(ConfigSpace.BAR0), "BAR0 is exactly 1024 bytes, 32-bit, non-prefetchable");
    cs.write(ConfigSpace.BAR0, 4, bar);
    int msi = cs.findCapability(Capabilities.ID_MSI);
    assertNotEquals(0, msi);
    int flags = cs.read16(msi + Capabilities.MSI_FLAGS);
    assertEquals(0, flags & Capabilities.MSI_FLAGS_QMASK, "single vector");
    assertNotEquals(0, flags & Capabilities.MSI_FLAGS_64BIT);
    assertNotEquals(0, cs.findCapability(Capabilities.ID_EXP));
  }

  @Test
  void alteraBuildHasAlteraIds() {
    RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.altera(3, 64)));
    assertEquals(0x1172, r.ep().config().read16(ConfigSpace.VENDOR_ID));
    assertEquals(0x0001, r.ep().config().read16(ConfigSpace.DEVICE_ID));
    assertEquals(1, r.ep().config().read8(ConfigSpace.REVISION_ID));
  }

  @Test
  void infoMatchesTheReferenceWorkedExampleOnAGen2X8Link() {
    // riffa.md §1.6: VC707 Gen2 x8, 128-bit, 1 channel, MPS 256, MRRS 512 -> 0x00215111 (+ 0x20000000).
    Machine m = Machine.builder().link(2, 8).build();
    RiffaRig r = new RiffaRig(m, new RiffaEndpoint());
    setDevCtl(r.ep(), 1, 2);
    assertEquals(0x20215111, r.d().reg(0, INFO_REG_OFF));
    r.d().probe();
    assertEquals(1, r.d().numChnls);
    assertEquals(800, r.d().numSg);
    assertEquals(16384, r.d().sgBufSize);
  }

  @Test
  void infoReportsTheTrainedLinkAndTheSizesAsProgrammed() {
    // Default machine: Gen3 x4 links; the core can do Gen2 x8, so the link runs Gen2 x4.
    RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(12, 64)));
    int info = r.d().reg(0, INFO_REG_OFF);
    assertEquals(12, info & INFO_NUM_CHNLS_MASK);
    assertEquals(INFO_BUS_MASTER_ENABLE, info & INFO_BUS_MASTER_ENABLE);
    assertEquals(4, (info >>> INFO_LINK_WIDTH_SHIFT) & INFO_LINK_WIDTH_MASK);
    assertEquals(1, (info >>> INFO_LINK_RATE_SHIFT) & INFO_LINK_RATE_MASK, "a Gen1 core: 2500 MT/s");
    assertEquals(2, (info >>> INFO_MAX_READ_REQUEST_SHIFT) & INFO_MAX_READ_REQUEST_MASK, "reset MRRS 512");
    assertEquals(0, (info >>> INFO_MAX_PAYLOAD_SHIFT) & INFO_MAX_PAYLOAD_MASK, "reset MPS 128");
    assertEquals(2, (info >>> INFO_BUS_WIDTH_SHIFT) & INFO_BUS_WIDTH_MASK, "64-bit core");
    assertEquals(0x40, (info >>> INFO_FPGA_ID_SHIFT) & INFO_FPGA_ID_MASK, "riffa.v's C_FPGA_ID if-chain");
    assertEquals(0x2010489C, info);

    setDevCtl(r.ep(), 3, 5); // MPS 1024, MRRS 4096
    info = r.d().reg(0, INFO_REG_OFF);
    assertEquals(5, (info >>> INFO_MAX_READ_REQUEST_SHIFT) & INFO_MAX_READ_REQUEST_MASK);
    assertEquals(3, (info >>> INFO_MAX_PAYLOAD_SHIFT) & INFO_MAX_PAYLOAD_MASK);

    r.ep().config().write(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY);
    assertEquals(0, r.d().reg(0, INFO_REG_OFF) & INFO_BUS_MASTER_ENABLE, "bus master bit follows Command");
    r.ep().config().write(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER);

    r.d().probe();
    assertEquals(400, r.d().numSg);
    assertEquals(8192, r.d().sgBufSize);
  }

  @Test
  void fpgaIdBit7MovesTheQuirkBit() {
    RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.defaults().withFpgaId(0x80)));
    assertEquals(0x80, (r.d().reg(0, INFO_REG_OFF) >>> INFO_FPGA_ID_SHIFT) & INFO_FPGA_ID_MASK);
  }

  @Test
  void nameRegisterHoldsTheFpgaNameInChannelZerosWindowOnly() {
    RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(2, 128)));
    assertEquals(0x52454754, r.d().reg(0, FPGA_NAME_REG_OFF), "\"REGT\", first character in the top byte");
    assertEquals(0, r.d().reg(1, FPGA_NAME_REG_OFF));
    RiffaRig s = new RiffaRig(new RiffaEndpoint(RiffaConfig.defaults().withFpgaName("AB")));
    assertEquals(0x20204142, s.d().reg(0, FPGA_NAME_REG_OFF), "left-padded with spaces");
  }

  @Test
  void readingInfoResetsPortsVectorsAndUserCores() {
    RecordingCore core = new RecordingCore();
    RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.defaults(), c -> core));
    MiniDriver d = r.d().probe();
    assertEquals(2, core.resets, "once at plug-in, once by probe's INFO read");
    // A host send that will never get its SG list, and a transmit announced by the core.
    d.reg(0, RX_OFFLAST_REG_OFF, 1);
    d.reg(0, RX_LEN_REG_OFF, 100);
    r.bm.runUntilIdle(RiffaRig.MS);
    assertEquals(1, core.starts.size());
    core.port.txStart(8, 3, false);
    r.bm.runUntilIdle(RiffaRig.MS);
    assertEquals(1, r.bm.msis().size());
    assertEquals(6, d.reg(0, TX_OFFLAST_REG_OFF), "(3 << 1) | 0");
    d.reg(0, RX_LEN_REG_OFF, 50);
    assertTrue(r.errors.stream().anyMatch(e -> e.contains("RX_LEN written while a host send is in progress")),
        r.errors.toString());

    int info = d.reg(0, INFO_REG_OFF);
    assertEquals(0x20205091, info, "the read still returns the settings");
    assertEquals(3, core.resets);
    assertFalse(core.port.txOpen(), "the open transmit is gone");
    assertFalse(r.m.clock().hasPending(), "no engine work survives the reset");
    assertEquals(0, d.reg(0, IRQ_REG0_OFF), "vectors cleared");
    assertEquals(0, d.reg(0, TX_LEN_REG_OFF));
    assertEquals(0, d.reg(0, TX_OFFLAST_REG_OFF));

    int before = r.errors.size();
    d.reg(0, RX_LEN_REG_OFF, 50); // the RX port is idle again
    r.bm.runUntilIdle(RiffaRig.MS);
    assertEquals(before, r.errors.size(), r.errors.toString());
    assertEquals(2, core.starts.size());
    assertEquals(50, core.starts.get(1).len());
  }

  @Test
  void globalReadSideEffectsDecodeFromTheFieldBitsAlone() {
    RecordingCore core0 = new RecordingCore();
    RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(2, 128), c -> c == 0 ? core0 : new SinkCore()));
    r.d().probe();
    assertEquals(0, r.d().reg(1, INFO_REG_OFF), "INFO data lives in channel 0's window only");
    assertEquals(3, core0.resets, "but an INFO read in any window resets the core");
  }

  @Test
  void badAccessesAreAnsweredLikeHardwareAndLogged() {
    RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.xilinx(3, 128)));
    MiniDriver d = r.d().probe();
    assertEquals(0xffffL, r.bm.read(d.bar + regByteOffset(0, FPGA_NAME_REG_OFF), 2));
    assertTrue(r.errors.get(0).contains("2-byte read at BAR0+0x3c: RIFFA registers take 32-bit accesses only"),
        r.errors.toString());
    d.reg(0, TX_LEN_REG_OFF, 5);
    assertTrue(r.errors.get(1).contains("channel 0: write of 0x5 to read-only register 0x8 ignored"),
        r.errors.toString());
    d.reg(3, RX_LEN_REG_OFF, 5);
    assertTrue(r.errors.get(2).contains("channel 3 does not exist (3 channel(s))"), r.errors.toString());
    assertTrue(r.errors.get(2).contains("RiffaEndpoint"), "names the model: " + r.errors.get(2));
    assertEquals(0, d.reg(0, RX_SG_LEN_REG_OFF), "write-only registers read 0");
    // registers.v decodes clog2(3) = 2 channel bits: channel window 4 is channel 0 again.
    assertEquals(0x52454754, d.reg(4, FPGA_NAME_REG_OFF));
  }

  @Test
  void theNextDoneWaitsUntilTheLastDoneLengthWasRead() {
    RecordingCore core = new RecordingCore();
    RiffaRig r = new RiffaRig(new RiffaEndpoint(RiffaConfig.defaults(), c -> core));
    MiniDriver d = r.d().probe();
    d.rawSend(0, RiffaRig.counting(4), 0, true);
    r.drain();
    assertEquals(irqBit(0, IRQ_RX_SG_BUF_RECVD) | irqBit(0, IRQ_RX_TXN_DONE), d.reg(0, IRQ_REG0_OFF));
    // Second send without reading RX_TNFR_LEN: the data moves, DONE is held back.
    d.rawSend(0, new int[] {9, 8, 7, 6, 5, 4}, 0, true);
    r.drain();
    assertArrayEquals(new int[] {1, 2, 3, 4, 9, 8, 7, 6, 5, 4, 0, 0}, core.words());
    assertEquals(irqBit(0, IRQ_RX_SG_BUF_RECVD), d.reg(0, IRQ_REG0_OFF));
    assertEquals(4, d.reg(0, RX_TNFR_LEN_REG_OFF), "the first send's length");
    r.drain();
    assertEquals(irqBit(0, IRQ_RX_TXN_DONE), d.reg(0, IRQ_REG0_OFF));
    assertEquals(6, d.reg(0, RX_TNFR_LEN_REG_OFF));
    assertEquals(2, core.ends.size());
  }

  @Test
  void anSgListLongerThanTheSgFifoTakesIsReported() {
    RiffaRig r = RiffaRig.probed(new RiffaEndpoint(RiffaConfig.xilinx(1, 64), c -> new SinkCore()));
    MiniDriver d = r.d();
    d.reg(0, TX_SG_ADDR_LO_REG_OFF, d.recvSgBuf[0]);
    d.reg(0, TX_SG_LEN_REG_OFF, 4 * 401); // num_sg is 400 for a 64-bit core
    assertTrue(r.errors.get(0).endsWith(
        "channel 0: TX SG list of 1604 words is longer than the 1600 the SG FIFO takes (driver num_sg)"),
        r.errors.toString());
    d.reg(0, TX_SG_LEN_REG_OFF, 4);
    assertTrue(r.errors.get(1).endsWith("channel 0: TX_SG_LEN written while the previous list is still being fetched;"
        + " write ignored"), r.errors.toString());
  }
}
