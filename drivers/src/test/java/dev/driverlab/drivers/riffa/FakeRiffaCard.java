package dev.driverlab.drivers.riffa;

import dev.driverlab.devices.model.BarHandler;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;
import java.util.ArrayList;
import java.util.List;

/**
 * A test-only stand-in for a RIFFA card that is wrong on purpose: BAR0 of any size, MSI or not, any
 * INFO value, and interrupt vectors the test sets and fires. Registers other than INFO and the vectors
 * read as {@link #regValue} and record writes. Not a RIFFA model: no engines behind the registers.
 *
 * <pre>
 *  field 0xA INFO        → info (the read is counted: it is the core reset)
 *  field 0xB IRQ_REG0    → vector0, then cleared (clear-on-read)
 *  field 0xC IRQ_REG1    → vector1, then cleared
 *  other fields          → regValue
 * </pre>
 */
final class FakeRiffaCard extends PciDeviceModel implements BarHandler {
  /** A valid INFO: 1 channel, bus master, x4 at 5 GT/s, MRRS 512, MPS 128, 128-bit. */
  static final int GOOD_INFO = 1 | 1 << 4 | 4 << 5 | 2 << 11 | 2 << 13 | 0 << 16 | 4 << 19;

  private final long barSize;
  private final boolean msi;
  volatile int info;
  int vector0;
  int vector1;
  int regValue;
  int infoReads;
  final List<String> writes = new ArrayList<>();

  FakeRiffaCard(long barSize, boolean msi, int info) {
    this.barSize = barSize;
    this.msi = msi;
    this.info = info;
  }

  static FakeRiffaCard withInfo(int info) {
    return new FakeRiffaCard(1024, true, info);
  }

  @Override
  protected void declare(FunctionSpec f) {
    f.ids(RiffaDriver.VENDOR_ID0, 0x7028).classCode(0x058000).interruptPin(msi ? 0 : 1);
    if (msi) {
      f.msi(1, true, false);
    }
    f.pcieEndpoint(1, 2, 8).memoryBar(0, barSize, this);
  }

  @Override
  public long read(long offset, int size) {
    int field = (int) (offset >>> 2) & 0xF;
    int v;
    switch (field) {
      case 0xA -> {
        infoReads++;
        v = info;
      }
      case 0xB -> {
        v = vector0;
        vector0 = 0;
      }
      case 0xC -> {
        v = vector1;
        vector1 = 0;
      }
      default -> v = regValue;
    }
    return v & 0xffffffffL;
  }

  @Override
  public void write(long offset, long value, int size) {
    writes.add(String.format("%#x=%#x", offset, value));
  }

  /** Sets the vectors and sends the MSI (delivered at the kernel's next interrupt point). */
  void fire(int v0, int v1) {
    vector0 = v0;
    vector1 = v1;
    signalMsi(0);
  }
}
