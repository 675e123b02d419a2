package dev.driverlab.devices.pcie;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.time.VirtualClock;
import org.junit.jupiter.api.Test;

/**
 * The transaction limits a function decodes from its config space (Max_Payload_Size, Max_Read_Request_Size,
 * Read Completion Boundary) follow every way config space changes: a config write, the hardware's own
 * init, a loaded image, a write through ECAM; a function without the PCI Express capability has none.
 */
class PciFunctionLimitsTest {
  /** A bare function, with or without the PCI Express capability. */
  static final class Bare extends PciFunction {
    Bare(boolean pcie) {
      super(new Fabric(new VirtualClock()), 0, 0);
      config.init(ConfigSpace.VENDOR_ID, 2, 0x1234).init(ConfigSpace.DEVICE_ID, 2, 0x5678);
      if (pcie) {
        Capabilities.addPcie(config, 0, 1, 1, 1, false);
      }
    }

    int devctl() {
      return pcieCapabilityOffset() + Capabilities.EXP_DEVCTL;
    }

    int lnkctl() {
      return pcieCapabilityOffset() + Capabilities.EXP_LNKCTL;
    }

    @Override
    public Tlp handleRequest(Tlp tlp) {
      return tlp.type().nonPosted() ? Tlp.completion(tlp, id(), CplStatus.UR) : null;
    }

    @Override
    public boolean claims(long address) {
      return false;
    }
  }

  @Test
  void limitsAtResetAreTheCapabilityDefaults() {
    Bare f = new Bare(true);
    assertEquals(128, f.maxPayloadLimit());
    assertEquals(512, f.maxReadRequestLimit());
    assertEquals(64, f.readCompletionBoundary());
  }

  @Test
  void aFunctionWithoutThePcieCapabilityHasNoLimits() {
    Bare f = new Bare(false);
    assertEquals(0, f.maxPayloadLimit());
    assertEquals(0, f.maxReadRequestLimit());
    assertEquals(0, f.readCompletionBoundary());
  }

  @Test
  void aConfigWriteChangesTheLimitsAtOnce() {
    Bare f = new Bare(true);
    assertEquals(128, f.maxPayloadLimit()); // decoded before the write
    int ctl = f.config().read16(f.devctl());
    f.config().write(f.devctl(), 2, (ctl & ~0x70e0) | 1 << 5 | 3 << 12);
    assertEquals(256, f.maxPayloadLimit());
    assertEquals(1024, f.maxReadRequestLimit());
  }

  @Test
  void theHardwaresOwnInitAndALoadedImageChangeTheLimitsToo() {
    Bare f = new Bare(true);
    assertEquals(512, f.maxReadRequestLimit());
    int ctl = f.config().read16(f.devctl());
    f.config().init(f.devctl(), 2, (ctl & ~0x7000) | 0 << 12); // no write listener runs
    assertEquals(128, f.maxReadRequestLimit());
    byte[] image = f.config().snapshot();
    int at = f.devctl();
    image[at] = (byte) ((image[at] & ~0xe0) | 2 << 5); // MPS 512
    f.config().load(image);
    assertEquals(512, f.maxPayloadLimit());
    f.config().setBits16(f.lnkctl(), 0x8, true); // RCB 128 (read-only to software in this model)
    assertEquals(128, f.readCompletionBoundary());
  }

  @Test
  void aConfigWriteThroughEcamChangesARootPortsLimits() {
    Machine m = Machine.createDefault();
    PciFunction port = m.rootComplex().bus0Functions().get(1); // root port 00:01.0
    assertEquals(128, port.maxPayloadLimit());
    int devctl = port.pcieCapabilityOffset() + Capabilities.EXP_DEVCTL;
    long ecam = m.ecamBase() + (1 << 15) + devctl; // bus 0, device 1, function 0
    long ctl = m.read(ecam, 2);
    m.write(ecam, (ctl & ~0xe0) | 1 << 5, 2);
    assertEquals(256, port.maxPayloadLimit());
  }
}
