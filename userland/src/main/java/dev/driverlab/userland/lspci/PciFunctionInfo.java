package dev.driverlab.userland.lspci;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;
import java.util.Objects;

/**
 * One PCI function as lspci sees it: its address, the config space bytes that could be read, and
 * the facts a running system adds (from sysfs on Linux) that the config space alone cannot give.
 *
 * <p>A dump ({@code lspci -xxx} text) carries only the address and the bytes; {@link #of} builds
 * that form. The live facts are optional:
 * <ul>
 *   <li>{@code barSizes}: six region sizes in bytes (0 = no region), as sysfs {@code resource}
 *       gives them; lspci then prints {@code [size=1M]} after each region.
 *   <li>{@code barAddresses}: six region start addresses as the OS assigned them; when one is
 *       non-zero while the BAR itself reads zero, lspci prints {@code [virtual]}.
 *   <li>{@code romSize}: size of the expansion ROM, 0 when unknown.
 *   <li>{@code driver}: the bound driver's name, printed as {@code Kernel driver in use: edu}.
 *   <li>{@code irq}: the IRQ number the OS assigned; negative means "take the Interrupt Line
 *       register", which is what lspci does for dumps.
 * </ul>
 *
 * <p>{@code config} holds 64, 128, 256 or 4096 bytes (any length from 0 to 4096 is accepted;
 * bytes past its end read as unavailable, exactly as lspci treats a short dump).
 */
public record PciFunctionInfo(
    int domain,
    int bus,
    int device,
    int function,
    byte[] config,
    long[] barSizes,
    long[] barAddresses,
    long romSize,
    String driver,
    int irq) {

  public static final int MAX_CONFIG_BYTES = 4096;

  public PciFunctionInfo {
    checkArgument(domain >= 0, "domain out of range: %s", domain);
    checkArgument(bus >= 0 && bus <= 0xff, "bus out of range: %s", bus);
    checkArgument(device >= 0 && device <= 0x1f, "device out of range: %s", device);
    checkArgument(function >= 0 && function <= 7, "function out of range: %s", function);
    checkArgument(config != null, "config is null");
    checkArgument(config.length <= MAX_CONFIG_BYTES, "config longer than 4096 bytes: %s",
        config.length);
    checkArgument(barSizes == null || barSizes.length == 6, "barSizes needs 6 entries");
    checkArgument(barAddresses == null || barAddresses.length == 6, "barAddresses needs 6 entries");
    config = config.clone();
    barSizes = barSizes == null ? null : barSizes.clone();
    barAddresses = barAddresses == null ? null : barAddresses.clone();
  }

  /** A function known only by its config space, as in a dump. */
  public static PciFunctionInfo of(int domain, int bus, int device, int function, byte[] config) {
    return new PciFunctionInfo(domain, bus, device, function, config, null, null, 0, null, -1);
  }

  /** The same function with the live facts a running system reports. */
  public PciFunctionInfo withLiveFacts(
      long[] barSizes, long romSize, String driver, int irq) {
    return new PciFunctionInfo(
        domain, bus, device, function, config, barSizes, barAddresses, romSize, driver, irq);
  }

  /** The same function with OS-assigned region start addresses (sysfs {@code resource}). */
  public PciFunctionInfo withBarAddresses(long[] addresses) {
    return new PciFunctionInfo(
        domain, bus, device, function, config, barSizes, addresses, romSize, driver, irq);
  }

  @Override
  public byte[] config() {
    return config.clone();
  }

  @Override
  public long[] barSizes() {
    return barSizes == null ? null : barSizes.clone();
  }

  @Override
  public long[] barAddresses() {
    return barAddresses == null ? null : barAddresses.clone();
  }

  /** Bytes of config space available. */
  public int configLength() {
    return config.length;
  }

  /** Reads one config byte without copying the array; -1 past the end. */
  int configByte(int offset) {
    return offset >= 0 && offset < config.length ? config[offset] & 0xff : -1;
  }

  /** {@code [dddd:]bb:dd.f} as lspci prints it. */
  public String slot(boolean withDomain) {
    String s = String.format("%02x:%02x.%d", bus, device, function);
    return withDomain ? String.format("%04x:", domain) + s : s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PciFunctionInfo p
        && domain == p.domain && bus == p.bus && device == p.device && function == p.function
        && Arrays.equals(config, p.config) && Arrays.equals(barSizes, p.barSizes)
        && Arrays.equals(barAddresses, p.barAddresses) && romSize == p.romSize
        && Objects.equals(driver, p.driver) && irq == p.irq;
  }

  @Override
  public int hashCode() {
    return Objects.hash(domain, bus, device, function, Arrays.hashCode(config),
        Arrays.hashCode(barSizes), Arrays.hashCode(barAddresses), romSize, driver, irq);
  }

  @Override
  public String toString() {
    return "PciFunctionInfo[" + slot(true) + ", " + config.length + " config bytes"
        + (driver != null ? ", driver " + driver : "") + "]";
  }
}
