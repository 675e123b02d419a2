package dev.driverlab.userland.riffa;

/**
 * One FPGA the driver knows, as {@link Fpga#list} reports it (one entry of {@code fpga_info_list}).
 *
 * @param id the FPGA id to pass to {@link Fpga#open} (the driver's slot, 0..4)
 * @param channels how many channels its RIFFA core has (1..12)
 * @param name the PCI name with "0" appended, e.g. "0000:03:00.00"
 * @param vendorId 0x10EE (Xilinx) or 0x1172 (Altera)
 * @param deviceId the PCI device id
 */
public record FpgaInfo(int id, int channels, String name, int vendorId, int deviceId) {
  /** "id:0 name:0000:03:00.00 num channels:1 vendor id:10EE device id:7028". */
  @Override
  public String toString() {
    return String.format("id:%d name:%s num channels:%d vendor id:%04X device id:%04X", id, name, channels,
        vendorId, deviceId);
  }
}
