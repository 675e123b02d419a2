package dev.driverlab.devices.riffa;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * How one RIFFA FPGA is built: the HDL parameters and PCIe core settings a bitstream fixes. Immutable
 * and validated at the door; start from {@link #defaults()}, {@link #xilinx} or {@link #altera} and
 * change fields with the {@code with...} methods.
 *
 * @param channels {@code C_NUM_CHNL}, 1..12 (INFO bits 3:0)
 * @param dataWidth {@code C_PCI_DATA_WIDTH} in bits: 64 or 128 (the 32-bit core left RIFFA in 2.2; the
 *     driver rejects 256)
 * @param vendorId 0x10EE (Xilinx) or 0x1172 (Altera): the two the driver's id table matches
 * @param deviceId any 16-bit value; the driver matches any device of the two vendors
 * @param linkGen the PCIe core's maximum link generation, 1..3 (INFO has a 2-bit rate field)
 * @param linkWidth the PCIe core's maximum lane count: 1, 2, 4, 8, 16 or 32 (6-bit INFO field)
 * @param maxReadRequestBytes {@code C_MAX_READ_REQ_BYTES}, the engine's own cap on read requests
 *     (512 in every example wrapper); the device's Max Read Request Size caps it further
 * @param fpgaName {@code C_FPGA_NAME}, up to 4 ASCII characters, returned by the name register
 * @param fpgaId {@code C_FPGA_ID}, 0..255; only feeds INFO bits 31:23 (ignored by the driver)
 */
public record RiffaConfig(int channels, int dataWidth, int vendorId, int deviceId, int linkGen, int linkWidth,
    int maxReadRequestBytes, String fpgaName, int fpgaId) {

  /** Device id of Xilinx's 7-series Gen2 x8 core as RIFFA's VC707/KC705 128-bit projects build it. */
  public static final int XILINX_DEVICE_ID_GEN2X8 = 0x7028;
  /** Device id of Xilinx's Gen1 x8 core (RIFFA's 64-bit Xilinx projects). */
  public static final int XILINX_DEVICE_ID_GEN1X8 = 0x7018;
  /** Device id RIFFA's Altera projects give their hard IP ({@code device_id_hwtcl = 1}). */
  public static final int ALTERA_DEVICE_ID = 0x0001;

  private static final List<Integer> LINK_WIDTHS = List.of(1, 2, 4, 8, 16, 32);

  public RiffaConfig {
    checkArgument(channels >= 1 && channels <= RiffaRegisters.MAX_CHNLS,
        "RIFFA channels must be 1..12 (INFO bits 3:0, driver MAX_CHNLS): %s", channels);
    checkArgument(dataWidth == 64 || dataWidth == 128,
        "RIFFA data width must be 64 or 128 bits (32-bit was removed in 2.2, the driver rejects 256): %s",
        dataWidth);
    checkArgument(vendorId == RiffaRegisters.VENDOR_ID0 || vendorId == RiffaRegisters.VENDOR_ID1,
        "RIFFA vendor id must be 0x10EE (Xilinx) or 0x1172 (Altera), the two the driver matches: 0x%s",
        Integer.toHexString(vendorId));
    checkArgument(deviceId >= 0 && deviceId <= 0xffff, "device id out of range 0..0xffff: %s", deviceId);
    checkArgument(linkGen >= 1 && linkGen <= 3,
        "RIFFA link generation must be 1..3 (INFO has a 2-bit link rate field): %s", linkGen);
    checkArgument(LINK_WIDTHS.contains(linkWidth), "RIFFA link width must be one of %s lanes: %s",
        LINK_WIDTHS, linkWidth);
    checkArgument(Integer.bitCount(maxReadRequestBytes) == 1 && maxReadRequestBytes >= 128
        && maxReadRequestBytes <= 4096,
        "max read request must be a power of two from 128 to 4096 bytes: %s", maxReadRequestBytes);
    checkArgument(fpgaName != null && fpgaName.length() <= 4
        && StandardCharsets.US_ASCII.newEncoder().canEncode(fpgaName),
        "FPGA name must be at most 4 ASCII characters: %s", fpgaName);
    checkArgument(fpgaId >= 0 && fpgaId <= 255, "FPGA id must be 0..255: %s", fpgaId);
  }

  /** One channel, 128-bit, Xilinx Gen2 x8 (the reference VC707 build). */
  public static RiffaConfig defaults() {
    return xilinx(1, 128);
  }

  /**
   * A Xilinx build as RIFFA's example projects make them: 128-bit cores are Gen2 x8 (device 0x7028),
   * 64-bit cores Gen1 x8 (device 0x7018); {@code fpga/xilinx/vc707/*}{@code /ip/*.xci}.
   */
  public static RiffaConfig xilinx(int channels, int dataWidth) {
    boolean wide = dataWidth == 128;
    return new RiffaConfig(channels, dataWidth, RiffaRegisters.VENDOR_ID0,
        wide ? XILINX_DEVICE_ID_GEN2X8 : XILINX_DEVICE_ID_GEN1X8, wide ? 2 : 1, 8, 512,
        RiffaRegisters.DEFAULT_FPGA_NAME, 0);
  }

  /** An Altera build (DE5 projects: vendor 0x1172, device 0x0001; Gen2 x8 for 128-bit, Gen1 x8 for 64). */
  public static RiffaConfig altera(int channels, int dataWidth) {
    return new RiffaConfig(channels, dataWidth, RiffaRegisters.VENDOR_ID1, ALTERA_DEVICE_ID,
        dataWidth == 128 ? 2 : 1, 8, 512, RiffaRegisters.DEFAULT_FPGA_NAME, 0);
  }

  public RiffaConfig withChannels(int n) {
    return new RiffaConfig(n, dataWidth, vendorId, deviceId, linkGen, linkWidth, maxReadRequestBytes, fpgaName, fpgaId);
  }

  public RiffaConfig withDataWidth(int bits) {
    return new RiffaConfig(channels, bits, vendorId, deviceId, linkGen, linkWidth,
        maxReadRequestBytes, fpgaName, fpgaId);
  }

  /** Changes the vendor only; the device id stays (use {@link #withDeviceId} too if it should change). */
  public RiffaConfig withVendorId(int vendor) {
    return new RiffaConfig(channels, dataWidth, vendor, deviceId, linkGen, linkWidth,
        maxReadRequestBytes, fpgaName, fpgaId);
  }

  public RiffaConfig withDeviceId(int device) {
    return new RiffaConfig(channels, dataWidth, vendorId, device, linkGen, linkWidth,
        maxReadRequestBytes, fpgaName, fpgaId);
  }

  public RiffaConfig withLink(int gen, int width) {
    return new RiffaConfig(channels, dataWidth, vendorId, deviceId, gen, width, maxReadRequestBytes, fpgaName, fpgaId);
  }

  public RiffaConfig withMaxReadRequestBytes(int bytes) {
    return new RiffaConfig(channels, dataWidth, vendorId, deviceId, linkGen, linkWidth, bytes, fpgaName, fpgaId);
  }

  public RiffaConfig withFpgaName(String name) {
    return new RiffaConfig(channels, dataWidth, vendorId, deviceId, linkGen, linkWidth,
        maxReadRequestBytes, name, fpgaId);
  }

  public RiffaConfig withFpgaId(int id) {
    return new RiffaConfig(channels, dataWidth, vendorId, deviceId, linkGen, linkWidth,
        maxReadRequestBytes, fpgaName, id);
  }

  /** 32-bit words per data beat: 2 for a 64-bit core, 4 for a 128-bit core. */
  public int wordsPerBeat() {
    return dataWidth / 32;
  }

  public boolean isXilinx() {
    return vendorId == RiffaRegisters.VENDOR_ID0;
  }
}
