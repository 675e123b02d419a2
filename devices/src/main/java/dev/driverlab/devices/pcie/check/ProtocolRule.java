package dev.driverlab.devices.pcie.check;

/**
 * The PCIe transaction-layer rules {@link TlpProtocolChecker} enforces, each with the section of the
 * PCI Express Base Specification (4.0 numbering) it comes from. A rule is broken by one TLP, or by a
 * TLP seen in the light of the ones before it on the same link (tags, completions).
 */
public enum ProtocolRule {
  /** A header the receiver cannot parse: reserved or unmodelled Fmt/Type, wrong header size. */
  MALFORMED("malformed header", "§2.2.1"),
  /** A memory request whose address and length cross a 4 KiB boundary. */
  CROSSES_4K("request crosses a 4 KiB boundary", "§2.2.7"),
  /** First/Last DW Byte Enables: Last BE 0 for 1 DW, both non-zero and contiguous otherwise. */
  BYTE_ENABLES("byte enables", "§2.2.5"),
  /** A read request asking for more than the requester's Max_Read_Request_Size. */
  MAX_READ_REQUEST("Max_Read_Request_Size", "§7.5.3.4"),
  /** A payload (MWr, CplD) larger than Max_Payload_Size of the sender or the link's port. */
  MAX_PAYLOAD("Max_Payload_Size", "§2.2.2"),
  /** A non-posted request reusing a tag that is still waiting for its completion. */
  TAG_IN_USE("tag reused while outstanding", "§2.2.6.2"),
  /** A completion for which no request with that requester and tag is outstanding on the link. */
  UNEXPECTED_COMPLETION("unexpected completion", "§2.3.2"),
  /** A completion's Byte Count is not the number of bytes still owed for the request. */
  COMPLETION_BYTE_COUNT("completion Byte Count", "§2.2.9, §2.3.1.1"),
  /** A completion's Lower Address is not the low 7 bits of the address of its first byte. */
  COMPLETION_LOWER_ADDRESS("completion Lower Address", "§2.2.9"),
  /** A partial completion that does not end on the completer's Read Completion Boundary. */
  COMPLETION_BOUNDARY("Read Completion Boundary", "§2.3.1.1"),
  /** A final completion whose Length does not match the bytes that remained. */
  COMPLETION_LENGTH("completion Length", "§2.3.1.1"),
  /** A non-posted request that never got its completion (deadline passed, or the run ended). */
  COMPLETION_TIMEOUT("completion timeout", "§2.8");

  private final String label;
  private final String section;

  ProtocolRule(String label, String section) {
    this.label = label;
    this.section = section;
  }

  /** A short name for the rule, as reports show it: "Max_Payload_Size". */
  public String label() {
    return label;
  }

  /** Where the PCIe Base Specification states the rule: "§2.2.2". */
  public String section() {
    return section;
  }
}
