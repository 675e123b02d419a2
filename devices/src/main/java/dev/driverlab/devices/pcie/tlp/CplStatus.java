package dev.driverlab.devices.pcie.tlp;

/**
 * Completion Status, the 3-bit field in completion header DW1 bits [15:13] (PCIe Base Spec §2.2.9,
 * Table "Completion Status Field Values"). Codes 3 and 5..7 are reserved.
 */
public enum CplStatus {
  /** Successful Completion. */
  SC(0),
  /** Unsupported Request: nobody claims the request, or the function refuses it (e.g. MSE off). */
  UR(1),
  /** Configuration Request Retry Status: the function is not ready yet (config requests only). */
  CRS(2),
  /** Completer Abort: the completer claims the request but cannot do it. */
  CA(4);

  private final int code;

  CplStatus(int code) {
    this.code = code;
  }

  /** The 3-bit wire code. */
  public int code() {
    return code;
  }

  /**
   * The status for a wire code.
   *
   * @throws IllegalArgumentException for reserved codes (3, 5, 6, 7) and values outside 0..7
   */
  public static CplStatus of(int code) {
    switch (code) {
      case 0:
        return SC;
      case 1:
        return UR;
      case 2:
        return CRS;
      case 4:
        return CA;
      default:
        if (code < 0 || code > 7) {
          throw new IllegalArgumentException("completion status out of range 0..7: " + code);
        }
        throw new IllegalArgumentException("reserved completion status: 0b" + bits(code, 3));
    }
  }

  static String bits(int value, int width) {
    StringBuilder sb = new StringBuilder(width);
    for (int i = width - 1; i >= 0; i--) {
      sb.append((value >>> i & 1) == 0 ? '0' : '1');
    }
    return sb.toString();
  }
}
