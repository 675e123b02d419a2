package dev.driverlab.devices.pcie;

import static dev.driverlab.devices.pcie.ConfigSpace.*;

import dev.driverlab.devices.model.BarHandler;
import dev.driverlab.devices.model.DmaResult;
import dev.driverlab.devices.model.FunctionSpec;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.devices.pcie.caps.Capabilities;
import dev.driverlab.devices.pcie.tlp.CplStatus;
import dev.driverlab.devices.pcie.tlp.LinkTiming;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;

/**
 * A Type 0 function driven by a {@link PciDeviceModel}. The core owns BAR decoding (only with Memory
 * Space Enable set), the MSI-X table and PBA, interrupt delivery and the device's DMA requester:
 *
 * <pre>
 *   MRd/MWr from above ─► BAR hit? ─► MSI-X table/PBA, else the model's BarHandler ─► CplD
 *   model.dmaRead  ─► MRd (≤ MRRS, no 4 KiB crossing, a tag each) ─► CplDs matched by tag
 *   model.dmaWrite ─► MWr (≤ MPS, no 4 KiB crossing)
 *   model.signalMsi ─► MWr of the programmed data to the programmed address (needs Bus Master Enable)
 *   model.raiseIntx ─► Assert_INTx message (unless INTx Disable, MSI or MSI-X is on)
 * </pre>
 */
public final class Endpoint extends PciFunction {
  private static final long ALL_ONES = -1L;

  private final PciDeviceModel model;
  private final BarHandler[] handlers = new BarHandler[6];
  private final long[] barSize = new long[6];
  private final long[] barBase = new long[6];
  private final boolean[] barIo = new boolean[6];
  private final int msiCap;
  private final int msixCap;
  private final int pcieCap;
  private byte[] msixTable;
  private long[] msixPba;
  private int msixBar = -1;
  private long msixTableOffset, msixPbaOffset;
  private boolean intxLevel;
  private boolean intxSent;
  private boolean memEnabled;
  /*
   * DMA read tracking: one slot per tag, made on the tag's first use and reused by every read with
   * that tag (no allocation per MRd). A tag is in use by one MRd at a time (a nested read takes the
   * next tag), and its slot is done with before its dmaRead moves on.
   *
   * Per MRd and per CplD only primitives are stored into a slot (outstanding, status as a code,
   * counts): slots are long-lived, and with G1 every store of a reference into a long-lived object
   * costs a StoreLoad fence, and there were several per MRd before. The one reference,
   * the destination buffer, is stored only when a read brings a different buffer than the slot last
   * held (once per tag per dmaRead), and dropped when that dmaRead ends: the slots must not keep a
   * caller's buffer alive.
   */
  private final ReadSlot[] slots = new ReadSlot[256];
  /** MRds issued so far; the low 8 bits are the next tag. */
  private int tagCounter;

  private static final class ReadSlot {
    byte[] dst;
    int off;
    int len;
    int received;
    /** The completion status seen, as {@link #statusCode}; 0 until a completion (or the send) says. */
    int status;
    boolean poisoned;
    /** An MRd with this tag is in flight: completions for it are expected. */
    boolean outstanding;

    void start(byte[] dst, int off, int len) {
      if (this.dst != dst) {
        this.dst = dst;
      }
      this.off = off;
      this.len = len;
      received = 0;
      status = 0;
      poisoned = false;
      outstanding = true;
    }
  }

  /** {@code s.ordinal() + 1}, 0 for null: a completion status as a primitive for {@link ReadSlot#status}. */
  private static int statusCode(CplStatus s) {
    return s == null ? 0 : s.ordinal() + 1;
  }

  private static final int SC_CODE = statusCode(CplStatus.SC), CA_CODE = statusCode(CplStatus.CA);

  public Endpoint(Fabric fabric, int device, int function, PciDeviceModel model) {
    super(fabric, device, function);
    this.model = model;
    FunctionSpec spec = new FunctionSpec();
    model.declareInto(spec);
    spec.buildInto(config);
    for (FunctionSpec.Bar b : spec.bars()) {
      handlers[b.index()] = b.handler();
      barSize[b.index()] = b.size();
      barIo[b.index()] = b.kind() == FunctionSpec.BarKind.IO;
    }
    msiCap = config.findCapability(Capabilities.ID_MSI);
    msixCap = config.findCapability(Capabilities.ID_MSIX);
    pcieCap = config.findCapability(Capabilities.ID_EXP);
    if (msixCap != 0) {
      int n = (config.read16(msixCap + Capabilities.MSIX_FLAGS) & Capabilities.MSIX_FLAGS_QSIZE) + 1;
      int table = config.read32(msixCap + Capabilities.MSIX_TABLE);
      int pba = config.read32(msixCap + Capabilities.MSIX_PBA);
      msixBar = table & 7;
      msixTableOffset = table & ~7L & 0xffffffffL;
      msixPbaOffset = pba & ~7L & 0xffffffffL;
      msixTable = new byte[16 * n];
      for (int i = 0; i < n; i++) {
        msixTable[16 * i + 12] = 1; // vectors start masked
      }
      msixPba = new long[(n + 63) / 64];
    }
    model.bind(this);
    model.resetModel();
  }

  private Link link;

  void attachLink(Link link) {
    this.link = link;
  }

  /** The link this function's card sits on (null until plugged). */
  public Link link() {
    return link;
  }

  /**
   * Simulated time for moving {@code bytes} of payload over this function's link at the programmed
   * Max Payload Size: what a model waits before it reports a transfer done.
   */
  public long transferTimeNs(long bytes) {
    if (link == null || bytes <= 0) {
      return 0;
    }
    LinkTiming timing = link.timing();
    int mps = maxPayloadBytes();
    if (timing != bandwidthTiming || mps != bandwidthMps) {
      bandwidth = timing.effectiveBandwidthBytesPerSec(mps);
      bandwidthTiming = timing;
      bandwidthMps = mps;
    }
    return (long) Math.ceil(bytes * 1e9 / bandwidth);
  }

  /*
   * transferTimeNs's effective bandwidth, remembered with what it was computed from: a model asks
   * for every transfer (RIFFA for every TLP), and the answer only changes when the link trains again
   * (a new, immutable LinkTiming) or MPS is programmed. The same double as computed afresh.
   */
  private LinkTiming bandwidthTiming;
  private int bandwidthMps;
  private double bandwidth;

  public PciDeviceModel model() {
    return model;
  }

  /** Size of BAR {@code i} as declared, 0 if absent. */
  public long barSize(int i) {
    return barSize[i];
  }

  @Override
  protected void configWritten(int offset, int size) {
    if (msiCap != 0 && offset < msiCap + 4 && offset + size > msiCap + 2) {
      clampMultipleMessageEnable();
    }
    if (msiEnabled() || msixEnabled()) {
      // Enabling MSI drops the function's INTx level (QEMU: msi_write_config → pci_device_deassert_intx).
      intxLevel = false;
      config.setBits16(STATUS, STATUS_INTERRUPT, false);
    }
    memEnabled = memorySpaceEnabled();
    for (int i = 0; i < 6; i++) {
      if (barSize[i] == 0) {
        continue;
      }
      int off = BAR0 + 4 * i;
      int lo = config.read32(off);
      long base = barIo[i] ? lo & ~3L & 0xffffffffL : lo & ~0xfL & 0xffffffffL;
      if ((lo & 0x7) == 0x4) {
        base |= (config.read32(off + 4) & 0xffffffffL) << 32;
      }
      barBase[i] = base;
    }
    updateIntxWire();
  }

  /** Multiple Message Enable may not exceed Multiple Message Capable (QEMU's msi_write_config clamps it). */
  private void clampMultipleMessageEnable() {
    int flags = config.read16(msiCap + Capabilities.MSI_FLAGS);
    int mmc = (flags & Capabilities.MSI_FLAGS_QMASK) >>> 1;
    int mme = (flags & Capabilities.MSI_FLAGS_QSIZE) >>> 4;
    if (mme > mmc) {
      config.init(msiCap + Capabilities.MSI_FLAGS, 2, (flags & ~Capabilities.MSI_FLAGS_QSIZE) | (mmc << 4));
    }
  }

  /** The BAR index whose enabled memory range holds {@code address}, or -1. */
  private int barFor(long address) {
    if (!memEnabled) {
      return -1;
    }
    for (int i = 0; i < 6; i++) {
      long size = barSize[i];
      if (size != 0 && !barIo[i] && barBase[i] != 0 && address >= barBase[i] && address - barBase[i] < size) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public boolean claims(long address) {
    return barFor(address) >= 0;
  }

  @Override
  public Tlp handleConfig(Tlp tlp) {
    if (pcieCap == 0 && tlp.register() >= 0x100) {
      // A conventional PCI function has 256 bytes of config space; beyond reads all ones, writes drop.
      if (tlp.type() == TlpType.CFGWR0) {
        return Tlp.completion(tlp, id(), CplStatus.SC);
      }
      byte[] ones = {-1, -1, -1, -1};
      return Tlp.completionWithData(tlp, id(), 4, 0, ones, 0, 4);
    }
    return super.handleConfig(tlp);
  }

  @Override
  public Tlp handleRequest(Tlp tlp) {
    TlpType t = tlp.type();
    if (!t.isMemory()) {
      return t.nonPosted() ? Tlp.completion(tlp, id(), CplStatus.UR) : null;
    }
    long addr = tlp.requestFirstByteAddress();
    int bar = barFor(addr);
    if (bar < 0) {
      return t.nonPosted() ? Tlp.completion(tlp, id(), CplStatus.UR) : null;
    }
    long offset = addr - barBase[bar];
    int len = tlp.requestByteLength();
    if (t == TlpType.MWR) {
      if (len == 1 || len == 2 || len == 4 || len == 8) {
        barWrite(bar, offset, tlp.payloadLe((int) (addr & 3), len), len);
      } else {
        writeBar(bar, offset, tlp.payload(), (int) (addr & 3), len);
      }
      return null;
    }
    if (len == 1 || len == 2 || len == 4 || len == 8) {
      // One CPU access, aligned or not, reaches the model whole: the model decides what it accepts.
      return Tlp.readCompletion(tlp, id(), barRead(bar, offset, len));
    }
    byte[] data = new byte[tlp.lengthDw() * 4];
    readBar(bar, offset, data, (int) (addr & 3), len);
    return Tlp.completionWithData(tlp, id(), len, (int) (addr & 0x7f), data, (int) (addr & 3), len);
  }

  /**
   * What {@link #handleRequest}'s answer to a read of {@code size} (1, 2, 4 or 8) bytes at
   * {@code address}, which this function claims, carries: the model's value, the same handler call.
   * For the Root Complex's MMIO-read express; the bytes beyond {@code size} are the caller's to drop.
   */
  long expressBarRead(long address, int size) {
    int bar = barFor(address);
    return barRead(bar, address - barBase[bar], size);
  }

  /**
   * What {@link #handleRequest} does with a write of {@code size} (1, 2, 4 or 8) bytes of
   * {@code value} at {@code address}, which this function claims: the same handler call. For the Root
   * Complex's MMIO-write express.
   */
  void expressBarWrite(long address, long value, int size) {
    int bar = barFor(address);
    barWrite(bar, address - barBase[bar], value, size);
  }

  private void writeBar(int bar, long offset, byte[] p, int at, int len) {
    if ((offset & 3) == 0 && (len & 3) == 0) {
      for (int i = 0; i < len; i += 4) {
        long v = (p[at + i] & 0xffL) | (p[at + i + 1] & 0xffL) << 8 | (p[at + i + 2] & 0xffL) << 16
            | (p[at + i + 3] & 0xffL) << 24;
        barWrite(bar, offset + i, v, 4);
      }
      return;
    }
    for (int i = 0; i < len; i++) {
      barWrite(bar, offset + i, p[at + i] & 0xffL, 1);
    }
  }

  private void readBar(int bar, long offset, byte[] d, int at, int len) {
    if ((offset & 3) == 0 && (len & 3) == 0) {
      for (int i = 0; i < len; i += 4) {
        long v = barRead(bar, offset + i, 4);
        for (int j = 0; j < 4; j++) {
          d[at + i + j] = (byte) (v >>> (8 * j));
        }
      }
      return;
    }
    for (int i = 0; i < len; i++) {
      d[at + i] = (byte) barRead(bar, offset + i, 1);
    }
  }

  private long barRead(int bar, long offset, int size) {
    if (bar == msixBar) {
      if (offset >= msixTableOffset && offset < msixTableOffset + msixTable.length) {
        int o = (int) (offset - msixTableOffset);
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
          v = (v << 8) | (msixTable[o + i] & 0xffL);
        }
        return v;
      }
      if (offset >= msixPbaOffset && offset < msixPbaOffset + 8L * msixPba.length) {
        int o = (int) (offset - msixPbaOffset);
        return (msixPba[o / 8] >>> (8 * (o % 8))) & (size == 8 ? -1L : (1L << (8 * size)) - 1);
      }
    }
    BarHandler h = handlers[bar];
    return h == null ? ALL_ONES : h.read(offset, size);
  }

  private void barWrite(int bar, long offset, long value, int size) {
    if (bar == msixBar) {
      if (offset >= msixTableOffset && offset < msixTableOffset + msixTable.length) {
        int o = (int) (offset - msixTableOffset);
        for (int i = 0; i < size; i++) {
          msixTable[o + i] = (byte) (value >>> (8 * i));
        }
        int vec = o / 16;
        if (!msixMasked(vec) && (msixPba[vec / 64] & (1L << (vec % 64))) != 0) {
          msixPba[vec / 64] &= ~(1L << (vec % 64));
          signalMsi(vec);
        }
        return;
      }
      if (offset >= msixPbaOffset && offset < msixPbaOffset + 8L * msixPba.length) {
        return; // PBA is read-only
      }
    }
    BarHandler h = handlers[bar];
    if (h != null) {
      h.write(offset, value, size);
    }
  }

  // ---- interrupts -------------------------------------------------------------------------------

  public boolean msiEnabled() {
    return msiCap != 0 && (config.read16(msiCap + Capabilities.MSI_FLAGS) & Capabilities.MSI_FLAGS_ENABLE) != 0;
  }

  public boolean msixEnabled() {
    return msixCap != 0 && (config.read16(msixCap + Capabilities.MSIX_FLAGS) & Capabilities.MSIX_FLAGS_ENABLE) != 0;
  }

  private boolean msixMasked(int vec) {
    return (msixTable[16 * vec + 12] & 1) != 0
        || (config.read16(msixCap + Capabilities.MSIX_FLAGS) & Capabilities.MSIX_FLAGS_MASKALL) != 0;
  }

  /** The model's interrupt line level; the core turns it into Assert/Deassert messages. */
  public void setIntx(boolean level) {
    intxLevel = level;
    config.setBits16(STATUS, STATUS_INTERRUPT, level);
    updateIntxWire();
  }

  private void updateIntxWire() {
    int pin = config.read8(INTERRUPT_PIN);
    if (pin == 0) {
      return;
    }
    boolean disabled = (config.read16(COMMAND) & COMMAND_INTX_DISABLE) != 0 || msiEnabled() || msixEnabled();
    boolean want = intxLevel && !disabled;
    if (want != intxSent) {
      intxSent = want;
      int code = (want ? 0x20 : 0x24) | (pin - 1);
      sendUpstream(Tlp.message(id(), 4, code, 0L));
    }
  }

  /** Sends MSI or MSI-X message {@code vector}; false if neither is enabled or it could not be sent. */
  public boolean signalMsi(int vector) {
    long address;
    int data;
    if (msixEnabled()) {
      int n = msixTable.length / 16;
      if (vector < 0 || vector >= n) {
        fabric.error("%s: MSI-X vector %d out of range (%d vectors)", id(), vector, n);
        return false;
      }
      if (msixMasked(vector)) {
        msixPba[vector / 64] |= 1L << (vector % 64);
        return false;
      }
      int o = 16 * vector;
      address = le32(msixTable, o) | (le32(msixTable, o + 4) << 32);
      data = (int) le32(msixTable, o + 8);
    } else if (msiEnabled()) {
      int flags = config.read16(msiCap + Capabilities.MSI_FLAGS);
      address = config.read32(msiCap + Capabilities.MSI_ADDRESS_LO) & 0xffffffffL;
      if ((flags & Capabilities.MSI_FLAGS_64BIT) != 0) {
        address |= (config.read32(msiCap + Capabilities.MSI_ADDRESS_HI) & 0xffffffffL) << 32;
      }
      int nvec = 1 << ((flags & Capabilities.MSI_FLAGS_QSIZE) >>> 4);
      data = config.read16(msiCap + Capabilities.msiDataOffset(flags));
      data = (data & ~(nvec - 1)) | (vector & (nvec - 1));
      if ((flags & Capabilities.MSI_FLAGS_MASKBIT) != 0) {
        int maskOff = msiCap + Capabilities.msiDataOffset(flags) + 4;
        if ((config.read32(maskOff) & (1 << vector)) != 0) {
          config.init(maskOff + 4, 4, config.read32(maskOff + 4) | (1 << vector));
          return false;
        }
      }
    } else {
      return false;
    }
    if (!busMasterEnabled()) {
      fabric.error("%s: MSI not sent: Bus Master Enable is clear (MSI is a memory write)", id());
      return false;
    }
    byte[] d = {(byte) data, (byte) (data >>> 8), (byte) (data >>> 16), (byte) (data >>> 24)};
    return sendUpstream(Tlp.memWrite(id(), address, d, 0, 4)) == CplStatus.SC;
  }

  private static long le32(byte[] b, int o) {
    return (b[o] & 0xffL) | (b[o + 1] & 0xffL) << 8 | (b[o + 2] & 0xffL) << 16 | (b[o + 3] & 0xffL) << 24;
  }

  // ---- DMA --------------------------------------------------------------------------------------

  /** Max Payload Size in bytes as programmed in Device Control (128 if no PCIe capability). */
  public int maxPayloadBytes() {
    int mps = maxPayloadLimit(); // decoded again only after config space changed
    return mps == 0 ? 128 : mps;
  }

  /** Max Read Request Size in bytes as programmed in Device Control (512 if no PCIe capability). */
  public int maxReadRequestBytes() {
    int mrrs = maxReadRequestLimit(); // decoded again only after config space changed
    return mrrs == 0 ? 512 : mrrs;
  }

  /*
   * The error reports of the DMA paths are methods of their own: a report builds its argument array
   * in line, and kept out of dmaRead, dmaWrite and completionArrived it leaves them small enough for
   * the JIT to inline the road of their TLPs into them.
   */

  private DmaResult notMaster(String what, int len, long address) {
    fabric.error("%s: DMA %s of %d bytes at %#x not issued: Bus Master Enable is clear", id(), what, len, address);
    return DmaResult.BUS_MASTER_DISABLED;
  }

  private void unexpectedCompletion(Tlp cpl) {
    fabric.error("%s: unexpected completion with tag %d (no request outstanding)", id(), cpl.tag());
  }

  private DmaResult completionTimeout(int tag, int received, int n) {
    fabric.error("%s: completion timeout: tag %d got %d of %d bytes", id(), tag, received, n);
    return DmaResult.COMPLETION_TIMEOUT;
  }

  /**
   * A burst of reads: {@code len} bytes from {@code address} into {@code dst[off..]} as the MRds
   * {@link #dmaRead} would cut it into, sent back to back, the first now and the last at
   * {@code lastRequestNs}, by a model that has made sure nothing else on the machine happens until
   * then, nor anything that could change what they read ({@code VirtualClock.quietThroughNs}). As
   * {@link #dmaWriteBurst}: true if the express moved it all at once (each MRd its tag, each answered
   * at once), false if nothing was done and the model must send the MRds one by one at their times.
   */
  public boolean dmaReadBurst(long address, byte[] dst, int off, int len, long lastRequestNs) {
    Link up = upstreamLink();
    return up != null && busMasterEnabled()
        && readAtOnce(up, address, dst, off, len, maxReadRequestBytes(), lastRequestNs);
  }

  /**
   * The whole read by the express ({@link RootComplex#expressReadRun}), its MRds' tags used up; false
   * if nothing was done. Its MRds go out at once, or back to back until {@code lastRequestNs}.
   */
  private boolean readAtOnce(Link up, long address, byte[] dst, int off, int len, int mrrs, long lastRequestNs) {
    int requests = RootComplex.expressReadRun(up, id(), tagCounter & 0xff, address, dst, off, len, mrrs, this,
        lastRequestNs);
    tagCounter += requests;
    return requests > 0;
  }

  public DmaResult dmaRead(long address, byte[] dst, int off, int len) {
    if (!busMasterEnabled()) {
      return notMaster("read", len, address);
    }
    int mrrs = maxReadRequestBytes();
    int first = tagCounter;
    Link up = upstreamLink();
    if (up != null && readAtOnce(up, address, dst, off, len, mrrs, 0)) {
      return DmaResult.OK; // the whole read at once
    }
    try {
      while (len > 0) {
        // At most MRRS counted in whole DWs from the DW the address sits in: the MRd's Length covers
        // (address & 3) bytes before the first one asked for.
        int n = (int) Math.min(len, Math.min(mrrs - (address & 3), 4096 - (address & 4095)));
        int tag = tagCounter & 0xff;
        // This request alone by express when it may (a run of one: straight into dst, no slot needed
        // unless the tag's holds a read still waiting); otherwise the MRd, by its slot.
        if (up != null && RootComplex.expressReadRun(up, id(), tag, address, dst, off, n, mrrs, this, 0) == 1) {
          tagCounter++;
          address += n;
          off += n;
          len -= n;
          continue;
        }
        tagCounter++;
        ReadSlot s = slots[tag];
        if (s == null) {
          s = slots[tag] = new ReadSlot();
        }
        s.start(dst, off, n);
        CplStatus sent = sendUpstream(Tlp.memRead(id(), tag, address, n));
        s.outstanding = false;
        int status = s.status != 0 ? s.status : statusCode(sent);
        if (s.poisoned) {
          return DmaResult.POISONED;
        }
        if (status != SC_CODE) {
          return status == CA_CODE ? DmaResult.COMPLETER_ABORT : DmaResult.UNSUPPORTED_REQUEST;
        }
        if (s.received < n) {
          return completionTimeout(tag, s.received, n);
        }
        address += n;
        off += n;
        len -= n;
      }
      return DmaResult.OK;
    } finally {
      releaseBuffers(first);
    }
  }

  /**
   * Drops the caller's buffer from the slots of the tags taken since the counter stood at
   * {@code first} (tags of reads nested inside this one included; those are done too). A slot still
   * outstanding belongs to an enclosing read whose tag came round again; it keeps its buffer.
   */
  private void releaseBuffers(int first) {
    int n = (int) Math.min(256, (tagCounter - first) & 0xffffffffL);
    for (int i = 0; i < n; i++) {
      ReadSlot s = slots[(first + i) & 0xff];
      if (s != null && !s.outstanding) {
        s.dst = null;
      }
    }
  }

  @Override
  public void completionArrived(Tlp cpl) {
    ReadSlot s = slots[cpl.tag() & 0xff];
    if (s == null || !s.outstanding) {
      unexpectedCompletion(cpl);
      return;
    }
    CplStatus st = cpl.status();
    s.status = statusCode(st);
    if (st != CplStatus.SC) {
      return;
    }
    if (cpl.ep()) {
      s.poisoned = true; // poisoned data must not be used: nothing is copied
      return;
    }
    int la = cpl.lowerAddress() & 3;
    int take = Math.min(cpl.payloadLength() - la, s.len - s.received);
    take = Math.min(take, cpl.byteCount());
    cpl.copyPayload(la, s.dst, s.off + s.received, take);
    s.received += take;
  }

  /**
   * Whether the next {@code n} tags a read would take hold no read still waiting (so each MRd of the
   * read would take the express; see dmaRead).
   */
  boolean tagsFree(int n) {
    for (int i = 0, m = Math.min(n, 256); i < m; i++) { // past 256 the tags come round again
      ReadSlot s = slots[(tagCounter + i) & 0xff];
      if (s != null && s.outstanding) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether the whole answer to this function's read with {@code tag}, {@code len} bytes, may arrive
   * as one burst ({@link #readDataArrived}) instead of completion by completion: the read is
   * outstanding, asked for exactly {@code len} bytes, has received nothing yet, and its buffer holds
   * them. Then each successful completion of the answer (split at MPS and the RCB, in address order)
   * would have copied exactly its own data bytes to the next place in the buffer (every completion but
   * the last ends on an RCB boundary, so it carries no padding, and the last ends the count), which
   * is what the burst does at once. Otherwise the completions come one by one.
   */
  boolean canTakeReadData(int tag, int len) {
    ReadSlot s = slots[tag & 0xff];
    return s != null && s.outstanding && s.received == 0 && s.len == len && len > 0 && s.off >= 0
        && s.off <= s.dst.length - len;
  }

  /**
   * The answer to the read with {@code tag} (for which {@link #canTakeReadData} was true, with
   * nothing run since): its {@code len} data bytes from {@code src[srcOff]}, in place, as the
   * successful completions carrying them would have delivered them one by one.
   */
  void readDataArrived(int tag, byte[] src, int srcOff, int len) {
    ReadSlot s = slots[tag & 0xff];
    s.status = SC_CODE;
    System.arraycopy(src, srcOff, s.dst, s.off, len);
    s.received = len;
  }

  /**
   * A burst of posted writes: {@code src[off, off+len)} to {@code address} (DW-aligned, whole DWs) as
   * the MWrs {@link #dmaWrite} would cut it into, sent back to back, the first now and the last at
   * {@code lastRequestNs}, each when the link has carried the one before, by a model that has made sure
   * nothing else on the machine happens until then ({@code VirtualClock.quietThroughNs}). Nobody could see
   * the writes land one by one, so when nothing watches TLPs either (the express: only
   * {@link dev.driverlab.devices.pcie.tlp.ExpressObserver}s that admit the burst), they land at once,
   * with the same link times and the same checks, and this returns true. Otherwise nothing is done and
   * it returns false: the model sends the MWrs one by one at their own times, where they can be seen.
   */
  public boolean dmaWriteBurst(long address, byte[] src, int off, int len, long lastRequestNs) {
    return busMasterEnabled() && writeAtOnce(!fabric.ownsPayloadsOnTheWire(), upstreamLink(), address, src, off,
        len, maxPayloadBytes(), lastRequestNs);
  }

  /**
   * The whole write by the express ({@link RootComplex#expressWriteRun}) when its payload may be sent
   * as views ({@code views}) and it is whole DWs; false if nothing was done. Its MWrs go out at once, or
   * back to back until {@code lastRequestNs}.
   */
  private boolean writeAtOnce(boolean views, Link up, long address, byte[] src, int off, int len, int mps,
      long lastRequestNs) {
    return views && up != null && len > 0 && (address & 3) == 0 && (len & 3) == 0
        && RootComplex.expressWriteRun(up, this, address, src, off, len, mps, lastRequestNs);
  }

  public DmaResult dmaWrite(long address, byte[] src, int off, int len) {
    if (!busMasterEnabled()) {
      return notMaster("write", len, address);
    }
    int mps = maxPayloadBytes();
    boolean views = !fabric.ownsPayloadsOnTheWire();
    Link up = upstreamLink();
    if (writeAtOnce(views, up, address, src, off, len, mps, 0)) {
      return DmaResult.OK; // the whole write at once
    }
    DmaResult result = DmaResult.OK;
    while (len > 0) {
      int n = (int) Math.min(len, Math.min(mps - (address & 3), 4096 - (address & 4095))); // (as dmaRead's)
      // The MWr reads src in place (a view, no copy): the send returns once the Root Complex has
      // written RAM, and the model's buffer does not change during the call. If the wire would copy
      // it anyway (someone keeps TLPs), it is copied here once instead.
      CplStatus st;
      if (writeAtOnce(views, up, address, src, off, n, mps, 0)) {
        st = CplStatus.SC; // this MWr alone by express (a run of one)
      } else {
        st = sendUpstream(views
            ? Tlp.memWriteView(id(), address, src, off, n) : Tlp.memWrite(id(), address, src, off, n));
      }
      if (st != CplStatus.SC && result == DmaResult.OK) {
        result = st == CplStatus.CA ? DmaResult.COMPLETER_ABORT : DmaResult.UNSUPPORTED_REQUEST;
      }
      address += n;
      off += n;
      len -= n;
    }
    return result;
  }
}
