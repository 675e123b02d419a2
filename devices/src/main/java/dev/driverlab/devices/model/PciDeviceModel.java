package dev.driverlab.devices.model;

import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.time.VirtualClock;

/**
 * Base of every device model: the model declares its function ({@link #declare}) and answers its BARs;
 * everything PCI-generic — config space, BAR decoding, INTx/MSI/MSI-X delivery, DMA as TLPs — is the
 * core's ({@link Endpoint}). A model reaches the host only through the helpers below, which emit TLPs.
 */
public abstract class PciDeviceModel {
  private Endpoint function;

  /** Declares identity, BARs and capabilities. Called once, before the function is on the bus. */
  protected abstract void declare(FunctionSpec spec);

  /** Power-on / reset state of the model's own registers. Called after declare and on function reset. */
  protected void reset() {}

  /** Called by the core when the model is plugged in. Not for models to call. */
  public final void bind(Endpoint function) {
    if (this.function != null) {
      throw new IllegalStateException(getClass().getSimpleName() + " is already plugged in at " + this.function.id());
    }
    this.function = function;
  }

  /** Called by the core at plug-in time and when the function is reset. */
  public final void resetModel() {
    reset();
  }

  /** Called by the core to build the function. */
  public final void declareInto(FunctionSpec spec) {
    declare(spec);
  }

  /** True once the model is part of a machine (plugged into a slot). */
  public final boolean plugged() {
    return function != null;
  }

  protected final Endpoint function() {
    if (function == null) {
      throw new IllegalStateException(getClass().getSimpleName() + " is not plugged into a machine");
    }
    return function;
  }

  protected final VirtualClock clock() {
    return function().fabric().clock();
  }

  /** Schedules model work on the machine's virtual clock; the label reads "&lt;function id&gt; what". */
  protected final VirtualClock.Event schedule(long delayNs, String what, Runnable action) {
    return clock().schedule(delayNs, eventLabel(what), action);
  }

  /**
   * As {@link #schedule(long, String, Runnable)} with a label from {@link #eventLabel(String)}: a model
   * that schedules an event per TLP makes its labels once and reuses them.
   */
  protected final VirtualClock.Event schedule(long delayNs, EventLabel label, Runnable action) {
    return clock().schedule(delayNs, label, action);
  }

  /**
   * A reusable event label "&lt;function id&gt; what", rendered only when a report asks for it: it names
   * the function as it is addressed then (bus numbers are fixed at enumeration, before models run).
   */
  protected final EventLabel eventLabel(String what) {
    return new EventLabel(this, what);
  }

  /** An event label of a model; see {@link #eventLabel(String)}. */
  public static final class EventLabel implements java.util.function.Supplier<String> {
    private final PciDeviceModel model;
    private final String what;

    private EventLabel(PciDeviceModel model, String what) {
      this.model = model;
      this.what = what;
    }

    @Override
    public String get() {
      return model.function().id() + " " + what;
    }

    @Override
    public String toString() {
      return get();
    }
  }

  protected final PcieId requesterId() {
    return function().id();
  }

  protected final void raiseIntx() {
    function().setIntx(true);
  }

  protected final void lowerIntx() {
    function().setIntx(false);
  }

  /** Sends MSI/MSI-X {@code vector} if enabled; returns false if no message could be sent. */
  protected final boolean signalMsi(int vector) {
    return function().signalMsi(vector);
  }

  protected final boolean msiEnabled() {
    return function().msiEnabled();
  }

  protected final boolean msixEnabled() {
    return function().msixEnabled();
  }

  protected final boolean busMasterEnabled() {
    return function().busMasterEnabled();
  }

  /** Reads host memory as a bus master (MRd TLPs split at MRRS and 4 KiB). */
  protected final DmaResult dmaRead(long busAddress, byte[] dst, int off, int len) {
    return function().dmaRead(busAddress, dst, off, len);
  }

  /** Writes host memory as a bus master (posted MWr TLPs split at MPS and 4 KiB). */
  protected final DmaResult dmaWrite(long busAddress, byte[] src, int off, int len) {
    return function().dmaWrite(busAddress, src, off, len);
  }

  /**
   * A burst of reads that go out back to back until {@code lastRequestNs}, moved at once if nobody
   * could tell, else not at all (false): see {@link Endpoint#dmaReadBurst}.
   */
  protected final boolean dmaReadBurst(long busAddress, byte[] dst, int off, int len, long lastRequestNs) {
    return function().dmaReadBurst(busAddress, dst, off, len, lastRequestNs);
  }

  /**
   * A burst of posted writes that go out back to back until {@code lastRequestNs}, moved at once if
   * nobody could tell, else not at all (false): see {@link Endpoint#dmaWriteBurst}.
   */
  protected final boolean dmaWriteBurst(long busAddress, byte[] src, int off, int len, long lastRequestNs) {
    return function().dmaWriteBurst(busAddress, src, off, len, lastRequestNs);
  }

  /** Simulated time the link needs to carry {@code bytes} of DMA payload (schedule completion after it). */
  protected final long transferTimeNs(long bytes) {
    return function().transferTimeNs(bytes);
  }

  /** Logs what QEMU calls a guest error: the driver used the device wrongly. Never throws. */
  protected final void guestError(String fmt, Object... args) {
    function().fabric().error("%s %s: %s", function().id(), getClass().getSimpleName(), String.format(fmt, args));
  }
}
