package dev.driverlab.devices.model;

/**
 * Answers accesses to one BAR. Offsets are relative to the BAR's base; {@code size} is 1, 2, 4 or 8.
 * Hardware never throws: a model answers an access it does not accept like hardware would (all ones,
 * write ignored) and may log a guest error.
 */
public interface BarHandler {
  long read(long offset, int size);

  void write(long offset, long value, int size);
}
