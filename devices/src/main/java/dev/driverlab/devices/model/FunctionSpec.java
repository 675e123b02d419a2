package dev.driverlab.devices.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.caps.Capabilities;
import java.util.ArrayList;
import java.util.List;

/**
 * What a device model declares about its PCI function: identity, BARs with their handlers, interrupt
 * pin and capabilities (in the order they appear in the capability list). The core builds the config
 * space, masks and BAR decoding from it; the model only answers its registers.
 *
 * <pre>{@code
 * f.ids(0x1234, 0x11e8).revision(0x10).classCode(0x00ff00).interruptPin(1)
 *  .msi(1, true, false)
 *  .memoryBar(0, 1 << 20, this);           // this implements BarHandler
 * }</pre>
 */
public final class FunctionSpec {
  /** Kinds of BAR (edu-and-linux-api.md §D.5). */
  public enum BarKind { MEM32, MEM64, IO }

  public record Bar(int index, long size, BarKind kind, boolean prefetchable, BarHandler handler) {}

  /** A capability in list order. */
  public sealed interface Cap permits Pm, Msi, Msix, Pcie {}

  public record Pm() implements Cap {}

  public record Msi(int vectors, boolean addr64, boolean masking) implements Cap {}

  public record Msix(int vectors, int bir, int tableOffset, int pbaOffset) implements Cap {}

  public record Pcie(int portType, int mpsSupported, int linkGen, int linkWidth) implements Cap {}

  int vendorId = -1, deviceId = -1, subVendorId, subDeviceId, revision, classCode, interruptPin;
  boolean multiFunction;
  final List<Bar> bars = new ArrayList<>();
  final List<Cap> caps = new ArrayList<>();
  byte[] configImage;

  public FunctionSpec ids(int vendor, int device) {
    checkArgument(vendor >= 0 && vendor <= 0xfffe, "vendor id out of range: %s", vendor);
    checkArgument(device >= 0 && device <= 0xffff, "device id out of range: %s", device);
    this.vendorId = vendor;
    this.deviceId = device;
    return this;
  }

  public FunctionSpec subsystem(int vendor, int device) {
    this.subVendorId = vendor;
    this.subDeviceId = device;
    return this;
  }

  public FunctionSpec revision(int rev) {
    this.revision = rev & 0xff;
    return this;
  }

  /** Class code as 0xCCSSPP (base class, sub-class, programming interface). */
  public FunctionSpec classCode(int code) {
    this.classCode = code & 0xffffff;
    return this;
  }

  /** 0 for none, 1–4 for INTA–INTD. */
  public FunctionSpec interruptPin(int pin) {
    checkArgument(pin >= 0 && pin <= 4, "interrupt pin must be 0..4: %s", pin);
    this.interruptPin = pin;
    return this;
  }

  public FunctionSpec multiFunction(boolean mf) {
    this.multiFunction = mf;
    return this;
  }

  public FunctionSpec memoryBar(int index, long size, BarHandler handler) {
    return bar(index, size, BarKind.MEM32, false, handler);
  }

  public FunctionSpec memoryBar64(int index, long size, boolean prefetchable, BarHandler handler) {
    return bar(index, size, BarKind.MEM64, prefetchable, handler);
  }

  public FunctionSpec bar(int index, long size, BarKind kind, boolean prefetchable, BarHandler handler) {
    checkArgument(index >= 0 && index <= 5, "BAR index must be 0..5: %s", index);
    checkArgument(kind != BarKind.MEM64 || index <= 4, "a 64-bit BAR needs the next BAR: BAR%s", index);
    checkArgument(Long.bitCount(size) == 1, "BAR%s size must be a power of two: %s", index, size);
    checkArgument(kind == BarKind.IO ? size >= 4 : size >= 16, "BAR%s too small: %s", index, size);
    checkArgument(kind == BarKind.MEM64 || size <= (1L << 31), "BAR%s: a 32-bit BAR cannot be %s bytes", index, size);
    for (Bar b : bars) {
      checkArgument(b.index != index && !(b.kind == BarKind.MEM64 && b.index + 1 == index)
          && !(kind == BarKind.MEM64 && index + 1 == b.index), "BAR%s overlaps BAR%s", index, b.index);
    }
    bars.add(new Bar(index, size, kind, prefetchable, handler));
    return this;
  }

  public FunctionSpec pm() {
    caps.add(new Pm());
    return this;
  }

  public FunctionSpec msi(int vectors, boolean addr64, boolean masking) {
    checkState(caps.stream().noneMatch(c -> c instanceof Msi), "MSI declared twice");
    caps.add(new Msi(vectors, addr64, masking));
    return this;
  }

  public FunctionSpec msix(int vectors, int bir, int tableOffset, int pbaOffset) {
    caps.add(new Msix(vectors, bir, tableOffset, pbaOffset));
    return this;
  }

  /** PCI Express endpoint capability; {@code mpsSupported} is the DevCap code (128 &lt;&lt; code bytes). */
  public FunctionSpec pcieEndpoint(int mpsSupported, int linkGen, int linkWidth) {
    caps.add(new Pcie(0, mpsSupported, linkGen, linkWidth));
    return this;
  }

  /**
   * Starts from a real function's config space (e.g. parsed from {@code lspci -xxx} by
   * {@link ConfigDump}): identity and capabilities come from the image; BARs declared here still
   * decide sizes and handlers.
   */
  public FunctionSpec configImage(byte[] image) {
    checkArgument(image.length >= 64, "config image must hold at least the 64-byte header: %s bytes", image.length);
    this.configImage = image.clone();
    this.vendorId = (image[0] & 0xff) | (image[1] & 0xff) << 8;
    this.deviceId = (image[2] & 0xff) | (image[3] & 0xff) << 8;
    return this;
  }

  public List<Bar> bars() {
    return List.copyOf(bars);
  }

  public List<Cap> caps() {
    return List.copyOf(caps);
  }

  public int interruptPinValue() {
    return interruptPin;
  }

  /**
   * Writes the declared header, BAR flags and masks, and capabilities into {@code cs}: the function's
   * reset state. Read-only fields stay read-only; Command, BARs, Interrupt Line and the capabilities'
   * control fields get their writable masks (edu-and-linux-api.md §D.1–D.8).
   */
  public void buildInto(ConfigSpace cs) {
    checkState(vendorId >= 0, "device model declared no ids");
    if (configImage != null) {
      cs.load(configImage);
    } else {
      cs.init(ConfigSpace.VENDOR_ID, 2, vendorId).init(ConfigSpace.DEVICE_ID, 2, deviceId);
      cs.init(ConfigSpace.REVISION_ID, 1, revision).init(ConfigSpace.CLASS_PROG, 3, classCode);
      cs.init(ConfigSpace.SUBSYSTEM_VENDOR_ID, 2, subVendorId).init(ConfigSpace.SUBSYSTEM_ID, 2, subDeviceId);
      cs.init(ConfigSpace.INTERRUPT_PIN, 1, interruptPin);
    }
    cs.init(ConfigSpace.HEADER_TYPE, 1, (cs.read8(ConfigSpace.HEADER_TYPE) & 0x7f) | (multiFunction ? 0x80 : 0));
    cs.initWritable(ConfigSpace.COMMAND, 2, ConfigSpace.COMMAND_IO | ConfigSpace.COMMAND_MEMORY
        | ConfigSpace.COMMAND_MASTER | 0x40 | ConfigSpace.COMMAND_SERR | ConfigSpace.COMMAND_INTX_DISABLE);
    cs.initW1c(ConfigSpace.STATUS, 2, 0x0100 | 0x0800 | 0x1000 | 0x2000 | 0x4000 | 0x8000);
    cs.initWritable(ConfigSpace.CACHE_LINE_SIZE, 1, 0xff);
    cs.initWritable(ConfigSpace.LATENCY_TIMER, 1, 0xff);
    cs.initWritable(ConfigSpace.INTERRUPT_LINE, 1, 0xff);
    for (int i = 0; i < 6; i++) {
      cs.init(ConfigSpace.BAR0 + 4 * i, 4, 0);
    }
    for (Bar b : bars) {
      int off = ConfigSpace.BAR0 + 4 * b.index();
      switch (b.kind()) {
        case IO -> {
          cs.init(off, 4, 0x1);
          cs.initWritable(off, 4, ~(b.size() - 1) & 0xfffffffcL);
        }
        case MEM32 -> {
          cs.init(off, 4, b.prefetchable() ? 0x8 : 0x0);
          cs.initWritable(off, 4, ~(b.size() - 1) & 0xfffffff0L);
        }
        case MEM64 -> {
          cs.init(off, 4, 0x4 | (b.prefetchable() ? 0x8 : 0x0));
          long mask = ~(b.size() - 1);
          cs.initWritable(off, 4, mask & 0xfffffff0L);
          cs.init(off + 4, 4, 0);
          cs.initWritable(off + 4, 4, (mask >>> 32) & 0xffffffffL);
        }
      }
    }
    if (configImage != null) {
      Capabilities.applyMasks(cs);
    } else {
      for (Cap c : caps) {
        if (c instanceof Pm) {
          Capabilities.addPm(cs);
        } else if (c instanceof Msi m) {
          Capabilities.addMsi(cs, m.vectors(), m.addr64(), m.masking());
        } else if (c instanceof Msix x) {
          Capabilities.addMsix(cs, x.vectors(), x.bir(), x.tableOffset(), x.pbaOffset());
        } else if (c instanceof Pcie p) {
          Capabilities.addPcie(cs, p.portType(), p.mpsSupported(), p.linkGen(), p.linkWidth(), false);
        }
      }
    }
  }
}
