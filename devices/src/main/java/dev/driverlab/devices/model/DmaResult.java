package dev.driverlab.devices.model;

/**
 * What a device's DMA request came to. A real device learns of a failed read from the completion
 * status (or a completion timeout); a failed posted write is reported by the Root Complex (AER), which
 * DriverLab hands back to the model here so models can flag the error in their own status registers.
 */
public enum DmaResult {
  /** All data moved. */
  OK,
  /** The function's own Bus Master Enable is clear: no TLP was sent (PCI spec: a function must not master). */
  BUS_MASTER_DISABLED,
  /** Unsupported Request: no memory there, a bridge with Bus Master Enable clear, or an IOMMU fault. */
  UNSUPPORTED_REQUEST,
  /** Completer Abort. */
  COMPLETER_ABORT,
  /** Completion arrived poisoned (EP bit): the data must not be used. */
  POISONED,
  /** No completion arrived (dead link, dropped completion). */
  COMPLETION_TIMEOUT;

  public boolean ok() {
    return this == OK;
  }
}
