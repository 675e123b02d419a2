package dev.driverlab.bench.hw;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Bridge;
import dev.driverlab.devices.pcie.LinkPartner;
import dev.driverlab.devices.pcie.PciFunction;
import dev.driverlab.devices.pcie.Slot;
import dev.driverlab.devices.pcie.Switch;
import dev.driverlab.devices.pcie.tlp.PcieId;
import java.util.ArrayList;
import java.util.List;

/**
 * Config accesses the way firmware makes them: CPU loads and stores in the ECAM window, which the Root
 * Complex turns into CfgRd/CfgWr TLPs (edu-and-linux-api.md §D.10: address = base + bus &lt;&lt; 20 |
 * devfn &lt;&lt; 12 | register). Used by the bare-metal DMA benchmark to set Max Payload Size and Max
 * Read Request Size on every function of a path, as Linux's pcie_bus_configure_settings does.
 *
 * <pre>
 *   PCI Express capability (ID 0x10)   +8 Device Control: bits 7:5 MPS, bits 14:12 MRRS
 *                                      size = 128 &lt;&lt; code  (PCIe Base Spec §7.5.3.4)
 * </pre>
 */
public final class EcamConfig {
  public static final int CAP_POINTER = 0x34, CAP_ID_EXP = 0x10, EXP_DEVCTL = 8;
  public static final int DEVCTL_PAYLOAD = 0x00e0, DEVCTL_READRQ = 0x7000;

  private final Machine machine;

  public EcamConfig(Machine machine) {
    this.machine = machine;
  }

  private long address(PcieId f, int reg) {
    return machine.ecamBase() + ((long) f.bus() << 20) + ((long) f.device() << 15) + ((long) f.function() << 12) + reg;
  }

  public int read(PcieId f, int reg, int size) {
    return (int) machine.read(address(f, reg), size);
  }

  public void write(PcieId f, int reg, int size, int value) {
    machine.write(address(f, reg), value & 0xffff_ffffL, size);
  }

  /** Offset of capability {@code id} in {@code f}'s list, or 0. */
  public int findCapability(PcieId f, int id) {
    int at = read(f, CAP_POINTER, 1) & 0xfc;
    for (int guard = 0; at != 0 && guard < 48; guard++) {
      if (read(f, at, 1) == id) {
        return at;
      }
      at = read(f, at + 1, 1) & 0xfc;
    }
    return 0;
  }

  /**
   * Programs Device Control's MPS and MRRS fields of {@code f} (both powers of two, 128..4096).
   *
   * @throws IllegalArgumentException if {@code f} has no PCI Express capability or a size is not a
   *     power of two in 128..4096
   */
  public void setPayloadSizes(PcieId f, int mpsBytes, int mrrsBytes) {
    int cap = findCapability(f, CAP_ID_EXP);
    if (cap == 0) {
      throw new IllegalArgumentException(f + " has no PCI Express capability");
    }
    int ctl = read(f, cap + EXP_DEVCTL, 2);
    ctl = (ctl & ~(DEVCTL_PAYLOAD | DEVCTL_READRQ)) | code(mpsBytes, "MPS") << 5 | code(mrrsBytes, "MRRS") << 12;
    write(f, cap + EXP_DEVCTL, 2, ctl);
  }

  /** Max Payload Size of {@code f} in bytes, as its Device Control register says now. */
  public int maxPayloadBytes(PcieId f) {
    int cap = findCapability(f, CAP_ID_EXP);
    return 128 << ((read(f, cap + EXP_DEVCTL, 2) & DEVCTL_PAYLOAD) >>> 5);
  }

  /** Max Read Request Size of {@code f} in bytes. */
  public int maxReadRequestBytes(PcieId f) {
    int cap = findCapability(f, CAP_ID_EXP);
    return 128 << ((read(f, cap + EXP_DEVCTL, 2) & DEVCTL_READRQ) >>> 12);
  }

  /**
   * Sets MPS and MRRS on every PCI Express function below the Root Complex (root ports, switch ports,
   * endpoints), so that all parts of every path agree, as Linux's pcie_bus_configure_settings makes
   * them. Call after the buses are numbered (firmware or BareMetal.boot). Returns the functions set.
   */
  public List<PcieId> setPayloadSizesEverywhere(int mpsBytes, int mrrsBytes) {
    List<PciFunction> all = new ArrayList<>();
    for (Bridge rp : machine.rootComplex().rootPorts()) {
      all.add(rp);
      collectBelow(rp, all);
    }
    List<PcieId> done = new ArrayList<>();
    for (PciFunction f : all) {
      if (findCapability(f.id(), CAP_ID_EXP) != 0) {
        setPayloadSizes(f.id(), mpsBytes, mrrsBytes);
        done.add(f.id());
      }
    }
    return done;
  }

  private static void collectBelow(Bridge port, List<PciFunction> out) {
    LinkPartner below = port.secondaryLink() == null ? null : port.secondaryLink().partner();
    if (below instanceof Slot s) {
      below = s.card();
    }
    if (below instanceof Switch sw) {
      out.add(sw.upstreamPort());
      for (Bridge dp : sw.downstreamPorts()) {
        out.add(dp);
        collectBelow(dp, out);
      }
    } else if (below != null) {
      out.addAll(below.functions());
    }
  }

  private static int code(int bytes, String what) {
    if (bytes < 128 || bytes > 4096 || Integer.bitCount(bytes) != 1) {
      throw new IllegalArgumentException(what + " must be a power of two in 128..4096: " + bytes);
    }
    return Integer.numberOfTrailingZeros(bytes) - 7;
  }
}
