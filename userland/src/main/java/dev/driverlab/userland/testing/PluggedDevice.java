package dev.driverlab.userland.testing;

import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.tlp.PcieId;

/**
 * A card function in the test's machine: the model, the slot it sits in, its bus/device/function as
 * enumeration gave it, and the name of the link its TLPs cross first (the slot's link).
 *
 * @param model the device model
 * @param function the card function the model drives (its config space, for inspection)
 * @param slot the slot holding the card
 * @param bdf the function's ID after boot ("02:00.0")
 * @param linkName the slot's link as TLP recordings name it ("switch0/0", "00:02.0")
 */
public record PluggedDevice(PciDeviceModel model, Endpoint function, Slot slot, PcieId bdf, String linkName) {

  static PluggedDevice of(Slot slot, Endpoint function) {
    return new PluggedDevice(function.model(), function, slot, function.id(), slot.link().name());
  }

  /** The model as its own class, e.g. {@code tm.device(EduDevice.class).model(EduDevice.class)}. */
  public <M extends PciDeviceModel> M model(Class<M> type) {
    return type.cast(model);
  }

  /** "EduDevice 02:00.0 in slot switch0/0". */
  @Override
  public String toString() {
    return model.getClass().getSimpleName() + " " + bdf + " in slot " + slot.name();
  }
}
