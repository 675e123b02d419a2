package dev.driverlab.devices.pcie.tlp;

/**
 * A PCI Express function's ID: bus, device and function (a "BDF").
 *
 * <p>On the wire it is the 16-bit Requester/Completer ID (PCIe Base Spec §2.2.6.2):
 * <pre>
 *   15            8 7         3 2     0
 *  +---------------+-----------+-------+
 *  |  bus (8 bits) | dev (5)   | fn (3)|
 *  +---------------+-----------+-------+
 * </pre>
 * It prints as {@code bb:dd.f} in hex ({@code 01:00.0}), the lspci form, and {@link #parse} reads that
 * form back. (Model: cocotbext-pcie's {@code PcieId}, alexforencich/cocotbext-pcie:cocotbext/pcie/core/
 * utils.py.)
 */
public record PcieId(int bus, int device, int function) {

  /** Validates the three parts; the message names the part and the bad value. */
  public PcieId {
    if (bus < 0 || bus > 0xff) {
      throw new IllegalArgumentException("bus out of range 0..255: " + bus);
    }
    if (device < 0 || device > 0x1f) {
      throw new IllegalArgumentException("device out of range 0..31: " + device);
    }
    if (function < 0 || function > 7) {
      throw new IllegalArgumentException("function out of range 0..7: " + function);
    }
  }

  /** The ID carried in a TLP's 16-bit Requester/Completer ID field (bits above 15 must be clear). */
  public static PcieId fromRequesterId(int id) {
    if ((id & ~0xffff) != 0) {
      throw new IllegalArgumentException(String.format("requester ID out of range 0..0xffff: 0x%x", id));
    }
    return new PcieId(id >>> 8, (id >>> 3) & 0x1f, id & 7);
  }

  /** The 16-bit Requester/Completer ID: {@code bus << 8 | device << 3 | function}. */
  public int requesterId() {
    return bus << 8 | device << 3 | function;
  }

  /**
   * Parses {@code bb:dd.f} as printed by {@link #toString()} (hex; one or two digits for bus and
   * device, one for the function).
   *
   * @throws IllegalArgumentException naming the text if it is not of that form or out of range
   */
  public static PcieId parse(String text) {
    if (text == null) {
      throw new NullPointerException("text");
    }
    int colon = text.indexOf(':');
    int dot = text.indexOf('.', colon + 1);
    if (colon < 1 || colon > 2 || dot < colon + 2 || dot > colon + 3 || dot != text.length() - 2) {
      throw new IllegalArgumentException("not a PCIe ID of the form bb:dd.f: \"" + text + "\"");
    }
    int bus = hex(text, 0, colon);
    int device = hex(text, colon + 1, dot);
    int function = hex(text, dot + 1, text.length());
    if (bus < 0 || device < 0 || function < 0) {
      throw new IllegalArgumentException("not a PCIe ID of the form bb:dd.f: \"" + text + "\"");
    }
    try {
      return new PcieId(bus, device, function);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad PCIe ID \"" + text + "\": " + e.getMessage(), e);
    }
  }

  private static int hex(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      int d = Character.digit(s.charAt(i), 16);
      if (d < 0) {
        return -1;
      }
      v = v << 4 | d;
    }
    return v;
  }

  /** {@code bb:dd.f} in lower-case hex, e.g. {@code 01:00.0}; {@link #parse} reads it back. */
  @Override
  public String toString() {
    char[] c = new char[7];
    c[0] = HEX[bus >>> 4];
    c[1] = HEX[bus & 0xf];
    c[2] = ':';
    c[3] = HEX[device >>> 4];
    c[4] = HEX[device & 0xf];
    c[5] = '.';
    c[6] = HEX[function];
    return new String(c);
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();
}
