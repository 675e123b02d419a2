package dev.driverlab.devices.edu;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.pcie.Firmware;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.testing.BareMetal;
import java.util.ArrayList;
import java.util.List;

/**
 * One edu on the default machine, booted bare-metal: BAR0 placed, MEM and bus mastering on. Tests
 * reach the device only through CPU physical accesses (MMIO, ECAM) and watch interrupts, RAM and the
 * fabric's error lines.
 */
final class EduRig {
  /**
   * The edu sits in slot switch0/0. Going up, each bridge swizzles the pin by the device number of
   * the child it came from: the endpoint (device 0) under the downstream port, that port (device 0)
   * under the upstream port, and the upstream port (device 0) under root port 00:01.0. So INTA stays
   * INTA, and the root port's _PRT entry gives the line.
   */
  static final int ROOT_PORT_DEVICE = 1;
  static final int GSI = Firmware.intxGsi(ROOT_PORT_DEVICE, (0 /* INTA */ + 0 + 0 + 0) & 3);

  final Machine m;
  final EduDevice edu;
  final Slot slot;
  final BareMetal bm;
  final Endpoint ep;
  final long bar;
  final List<String> errors = new ArrayList<>();

  EduRig() {
    this(Machine.createDefault(), new EduDevice());
  }

  EduRig(Machine machine, EduDevice device) {
    m = machine;
    edu = device;
    slot = m.plug(edu);
    bm = BareMetal.boot(m);
    ep = (Endpoint) slot.functions().get(0);
    bar = BareMetal.barBase(ep, 0);
    m.fabric().addErrorSink(errors::add);
  }

  long read(int offset, int size) {
    return bm.read(bar + offset, size);
  }

  long read32(int offset) {
    return bm.read(bar + offset, 4);
  }

  void write(int offset, long value, int size) {
    bm.write(bar + offset, value, size);
  }

  void write32(int offset, long value) {
    bm.write(bar + offset, value, 4);
  }

  /** A config read through ECAM, as the CPU would do it. */
  long config(int reg, int size) {
    long addr = Machine.ECAM_BASE + ((long) ep.id().bus() << 20) + ((long) ep.id().device() << 15)
        + ((long) ep.id().function() << 12) + reg;
    return m.read(addr, size);
  }

  void configWrite(int reg, int size, long value) {
    long addr = Machine.ECAM_BASE + ((long) ep.id().bus() << 20) + ((long) ep.id().device() << 15)
        + ((long) ep.id().function() << 12) + reg;
    m.write(addr, value, size);
  }

  void setCommand(int bits) {
    configWrite(ConfigSpace.COMMAND, 2, bits);
  }

  /** Lets {@code ns} of virtual time pass, running what falls due. */
  void advance(long ns) {
    m.clock().advance(ns);
  }

  long now() {
    return m.clock().nowNs();
  }

  /** Level of the edu's INTx line at the interrupt controller. */
  boolean intx() {
    return bm.intxLevel(GSI);
  }

  /** Every PCI INTx line that is high. */
  List<Integer> highLines() {
    List<Integer> out = new ArrayList<>();
    for (int g = Firmware.FIRST_PCI_GSI; g < Firmware.FIRST_PCI_GSI + Firmware.PCI_GSI_COUNT; g++) {
      if (bm.intxLevel(g)) {
        out.add(g);
      }
    }
    return out;
  }

  List<String> errorsContaining(String text) {
    return errors.stream().filter(e -> e.contains(text)).toList();
  }
}
