package dev.driverlab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.driverlab.bench.hw.DmaEngineDevice;
import dev.driverlab.bench.hw.EcamConfig;
import dev.driverlab.bench.hw.ScratchDevice;
import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.PcieDevice;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.tlp.PcieId;
import dev.driverlab.devices.testing.BareMetal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench-only device models and the ECAM helper, on bare metal (no kernel). */
class ScratchAndEcamTest {
  private static Endpoint endpointIn(Slot s) {
    return (Endpoint) ((PcieDevice) s.card()).functions().get(0);
  }

  @Test
  void scratchDeviceAnswersIdentScratchAndAllOnesElsewhere() {
    Machine m = Machine.createDefault();
    Endpoint f = endpointIn(m.plug(new ScratchDevice()));
    BareMetal bm = BareMetal.boot(m);
    long bar = BareMetal.barBase(f, 0);
    assertEquals(ScratchDevice.IDENT & 0xffff_ffffL, bm.read(bar + ScratchDevice.REG_IDENT, 4));
    assertEquals(0, bm.read(bar + ScratchDevice.REG_SCRATCH, 4));
    bm.write(bar + ScratchDevice.REG_SCRATCH, 0xcafe_f00dL, 4);
    assertEquals(0xcafe_f00dL, bm.read(bar + ScratchDevice.REG_SCRATCH, 4));
    bm.write(bar + ScratchDevice.REG_IDENT, 0, 4);                       // read-only
    assertEquals(ScratchDevice.IDENT & 0xffff_ffffL, bm.read(bar + ScratchDevice.REG_IDENT, 4));
    assertEquals(0xffff_ffffL, bm.read(bar + 0x100, 4));
    assertEquals(0xffffL, bm.read(bar + ScratchDevice.REG_SCRATCH, 2));   // not a 4-byte access
  }

  @Test
  void payloadSizesReachEveryFunctionOnThePathThroughConfigWrites() {
    Machine m = Machine.createDefault();
    Endpoint f = endpointIn(m.plug(new DmaEngineDevice()));
    BareMetal.boot(m);
    EcamConfig ecam = new EcamConfig(m);
    List<PcieId> set = ecam.setPayloadSizesEverywhere(256, 4096);
    // 3 root ports + switch upstream + 4 downstream ports + the engine
    assertEquals(9, set.size(), set.toString());
    assertEquals(256, f.maxPayloadBytes());
    assertEquals(4096, f.maxReadRequestBytes());
    PcieId rootPort = m.rootComplex().rootPorts().get(0).id();
    assertEquals(256, ecam.maxPayloadBytes(rootPort));
    assertEquals(4096, ecam.maxReadRequestBytes(rootPort));
  }

  @Test
  void payloadSizeThatIsNotAPowerOfTwoIsRefusedWithTheValue() {
    Machine m = Machine.createDefault();
    m.plug(new DmaEngineDevice());
    BareMetal.boot(m);
    EcamConfig ecam = new EcamConfig(m);
    PcieId rootPort = m.rootComplex().rootPorts().get(0).id();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ecam.setPayloadSizes(rootPort, 384, 512));
    assertEquals("MPS must be a power of two in 128..4096: 384", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ecam.setPayloadSizes(rootPort, 256, 8192));
    assertEquals("MRRS must be a power of two in 128..4096: 8192", e.getMessage());
    assertEquals(128, ecam.maxPayloadBytes(rootPort), "a refused call changes nothing");
  }

  @Test
  void functionWithoutPcieCapabilityIsNamedInTheError() {
    Machine m = Machine.createDefault();
    BareMetal.boot(m);
    EcamConfig ecam = new EcamConfig(m);
    PcieId hostBridge = new PcieId(0, 0, 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ecam.setPayloadSizes(hostBridge, 256, 512));
    assertEquals("00:00.0 has no PCI Express capability", e.getMessage());
  }
}
