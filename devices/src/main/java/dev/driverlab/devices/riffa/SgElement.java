package dev.driverlab.devices.riffa;

/**
 * One scatter-gather element as the FPGA parses it from host memory (riffa.md §4.4): 16 bytes,
 * little-endian words {@code address[31:0], address[63:32], length in words, unused}.
 */
record SgElement(long address, long words) {}
