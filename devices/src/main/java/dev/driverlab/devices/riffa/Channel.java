package dev.driverlab.devices.riffa;

import static dev.driverlab.devices.riffa.RiffaRegisters.*;

/**
 * One RIFFA channel: its register window's per-channel fields, its RX and TX ports, and the user core
 * attached to it, which sees this object as its {@link ChannelPort}.
 */
final class Channel implements ChannelPort {
  private final RiffaEndpoint ep;
  private final int index;
  private final RxPort rx;
  private final TxPort tx;
  private ChannelCore core;

  Channel(RiffaEndpoint ep, int index, ChannelCore core) {
    this.ep = ep;
    this.index = index;
    this.core = core;
    this.rx = new RxPort(ep, this);
    this.tx = new TxPort(ep, this);
  }

  ChannelCore core() {
    return core;
  }

  void setCore(ChannelCore core) {
    this.core = core;
  }

  /** A 32-bit write to per-channel field {@code field} (0x0..0x7 are the writable ones). */
  void write(int field, int v) {
    switch (field) {
      case RX_SG_LEN_REG_OFF -> rx.sg.writeLen(v);
      case RX_SG_ADDR_LO_REG_OFF -> rx.sg.writeAddrLo(v);
      case RX_SG_ADDR_HI_REG_OFF -> rx.sg.writeAddrHi(v);
      case RX_LEN_REG_OFF -> rx.writeLen(v);
      case RX_OFFLAST_REG_OFF -> rx.writeOffLast(v);
      case TX_SG_LEN_REG_OFF -> tx.sg.writeLen(v);
      case TX_SG_ADDR_LO_REG_OFF -> tx.sg.writeAddrLo(v);
      case TX_SG_ADDR_HI_REG_OFF -> tx.sg.writeAddrHi(v);
      default -> ep.complain("channel %d: write of %#x to read-only register %#x ignored", index, v, field);
    }
  }

  /** A 32-bit read of per-channel field {@code field} (0x8, 0x9, 0xD, 0xE); others read 0. */
  int read(int field) {
    return switch (field) {
      case TX_LEN_REG_OFF -> tx.readLen();
      case TX_OFFLAST_REG_OFF -> tx.readOffLast();
      case RX_TNFR_LEN_REG_OFF -> rx.readDoneLen();
      case TX_TNFR_LEN_REG_OFF -> tx.readDoneLen();
      default -> 0; // write-only fields have no read data in registers.v
    };
  }

  /** {@code RST_OUT}: ports, FIFOs and the user core back to their reset state. */
  void reset() {
    rx.reset();
    tx.reset();
    core.reset(this);
  }

  // ---- ChannelPort -------------------------------------------------------------------------------

  @Override
  public int channel() {
    return index;
  }

  @Override
  public int wordsPerBeat() {
    return ep.wordsPerBeat();
  }

  @Override
  public long nowNs() {
    return ep.nowNs();
  }

  @Override
  public void rxAck() {
    rx.ack();
  }

  @Override
  public boolean rxValid() {
    return rx.valid();
  }

  @Override
  public int[] rxRead() {
    return rx.read();
  }

  @Override
  public int rxRead(int[] dst, int off, int maxWords) {
    return rx.read(dst, off, maxWords);
  }

  @Override
  public void txStart(long len, int offset, boolean last) {
    onlyReadsKept("txStart");
    tx.start(len, offset, last);
  }

  @Override
  public boolean txWrite(int[] beat) {
    onlyReadsKept("txWrite");
    return tx.write(beat);
  }

  @Override
  public int txWrite(int[] src, int off, int words) {
    onlyReadsKept("txWrite");
    return tx.write(src, off, words);
  }

  @Override
  public int txStream(int[] src, int from) {
    onlyReadsKept("txStream");
    return tx.stream(src, from);
  }

  @Override
  public void txEnd() {
    onlyReadsKept("txEnd");
    tx.end();
  }

  @Override
  public boolean txOpen() {
    return tx.isOpen();
  }

  @Override
  public void schedule(long delayNs, String what, Runnable action) {
    onlyReadsKept("schedule");
    ep.later(delayNs, "ch" + index + " core: " + what, action);
  }

  /**
   * Set by the RX engine while the core's rxData runs with reads ahead (the core said
   * {@link ChannelCore#rxDataOnlyReads}): any other port call then breaks that promise.
   */
  boolean onlyReads;

  private void onlyReadsKept(String call) {
    if (onlyReads) {
      onlyReads = false;
      throw new IllegalStateException(core + " on channel " + index + " says rxDataOnlyReads() but called " + call
          + " from rxData before the host send's last beat was in; return false from rxDataOnlyReads()");
    }
  }

  @Override
  public String toString() {
    return "RIFFA channel " + index;
  }
}
