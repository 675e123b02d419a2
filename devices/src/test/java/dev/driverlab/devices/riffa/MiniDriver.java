package dev.driverlab.devices.riffa;

import static dev.driverlab.devices.riffa.RiffaRegisters.*;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.Endpoint;
import dev.driverlab.devices.testing.BareMetal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only stand-in for the RIFFA Linux driver on bare metal: probe (§1.5 step 10), the interrupt
 * handler (§3.3), {@code fill_sg_buf} (§4.3), {@code chnl_send} (§4.5) and {@code chnl_recv} (§4.6),
 * driving the endpoint only through MMIO, RAM and MSIs. No kernel: physical addresses are bus
 * addresses and a "user buffer" is a range of RAM. Sends and receives are operations that
 * {@link RiffaRig#run} advances together, so several may be in flight.
 */
final class MiniDriver {
  static final int EVENT_TXN_LEN = 1, EVENT_TXN_OFFLAST = 2, EVENT_TXN_DONE = 3, EVENT_SG_BUF_READ = 4;

  record Msg(int type, long value) {}

  /** What {@code fill_sg_buf} mapped. */
  record Mapping(int numSg, long length, long overflow) {}

  final Machine m;
  final BareMetal bm;
  final Endpoint ep;
  final long bar;
  final int msiData;
  private final Ram ram;
  int info;
  int numChnls;
  int numSg;
  int sgBufSize;
  /** Caps SG elements per list below the driver's num_sg, to force chained lists in tests. */
  int sgElemsLimit = Integer.MAX_VALUE;
  long[] sendSgBuf;
  long[] recvSgBuf;
  long spillBuf;
  ArrayDeque<Msg>[] sendQ;
  ArrayDeque<Msg>[] recvQ;
  private int msiSeen;
  /** Vector values the ISR read, in order (vector 0, then vector 1 if more than 6 channels). */
  final List<Integer> vectorsRead = new ArrayList<>();
  int isrRuns;

  MiniDriver(Machine m, BareMetal bm, Endpoint ep, int msiData, Ram ram) {
    this.m = m;
    this.bm = bm;
    this.ep = ep;
    this.bar = BareMetal.barBase(ep, 0);
    this.msiData = msiData;
    this.ram = ram;
  }

  // ---- registers -----------------------------------------------------------------------------------

  int reg(int c, int o) {
    return (int) bm.read(bar + regByteOffset(c, o), 4);
  }

  void reg(int c, int o, long v) {
    bm.write(bar + regByteOffset(c, o), v & 0xffffffffL, 4);
  }

  // ---- probe (§1.5) ------------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  MiniDriver probe() {
    BareMetal.enableMsi(ep, msiData);
    info = reg(0, INFO_REG_OFF); // also resets the core
    numChnls = info & INFO_NUM_CHNLS_MASK;
    int w = (info >>> INFO_BUS_WIDTH_SHIFT) & INFO_BUS_WIDTH_MASK;
    numSg = SG_ELEMS * w;
    sgBufSize = SG_BUF_SIZE * w;
    if ((info & INFO_BUS_MASTER_ENABLE) == 0 || numChnls < 1 || numChnls > 12 || w < 1 || w > 4) {
      throw new AssertionError("probe would fail: INFO = 0x" + Integer.toHexString(info));
    }
    sendSgBuf = new long[numChnls];
    recvSgBuf = new long[numChnls];
    sendQ = new ArrayDeque[numChnls];
    recvQ = new ArrayDeque[numChnls];
    for (int c = 0; c < numChnls; c++) {
      recvSgBuf[c] = ram.alloc(sgBufSize);
      sendSgBuf[c] = ram.alloc(sgBufSize);
      sendQ[c] = new ArrayDeque<>();
      recvQ[c] = new ArrayDeque<>();
    }
    spillBuf = ram.alloc(SPILL_BUF_SIZE);
    msiSeen = bm.msis().size();
    return this;
  }

  /** {@code IOCTL_RESET}: read INFO, drain every queue. */
  void reset() {
    reg(0, INFO_REG_OFF);
    for (int c = 0; c < numChnls; c++) {
      sendQ[c].clear();
      recvQ[c].clear();
    }
  }

  // ---- interrupt handler (§3.3) -------------------------------------------------------------------

  /** Runs the ISR once for every MSI with our data that arrived since the last call. */
  void serviceInterrupts() {
    List<BareMetal.Msi> all = bm.msis();
    while (msiSeen < all.size()) {
      BareMetal.Msi msi = all.get(msiSeen++);
      if (msi.data() == msiData) {
        isr();
      }
    }
  }

  private void isr() {
    isrRuns++;
    int v0 = reg(0, IRQ_REG0_OFF);
    vectorsRead.add(v0);
    int v1 = 0;
    if (numChnls > 6) {
      v1 = reg(0, IRQ_REG1_OFF);
      vectorsRead.add(v1);
    }
    process(v0, 0);
    process(v1, 6);
  }

  private void process(int vect, int base) {
    if ((vect & IRQ_BAD_BITS) != 0) {
      return; // "bad interrupt vector"
    }
    for (int i = 0; i < 6 && base + i < numChnls; i++) {
      int c = base + i;
      int off = 5 * i;
      if ((vect & (1 << (off + IRQ_TX_SG_BUF_RECVD))) != 0) {
        recvQ[c].add(new Msg(EVENT_SG_BUF_READ, 0));
      }
      if ((vect & (1 << (off + IRQ_TX_TXN_DONE))) != 0) {
        recvQ[c].add(new Msg(EVENT_TXN_DONE, reg(c, TX_TNFR_LEN_REG_OFF) & 0xffffffffL));
      }
      if ((vect & (1 << (off + IRQ_TX_TXN))) != 0) {
        recvQ[c].add(new Msg(EVENT_TXN_OFFLAST, reg(c, TX_OFFLAST_REG_OFF) & 0xffffffffL));
        recvQ[c].add(new Msg(EVENT_TXN_LEN, reg(c, TX_LEN_REG_OFF) & 0xffffffffL));
      }
      if ((vect & (1 << (off + IRQ_RX_SG_BUF_RECVD))) != 0) {
        sendQ[c].add(new Msg(EVENT_SG_BUF_READ, 0));
      }
      if ((vect & (1 << (off + IRQ_RX_TXN_DONE))) != 0) {
        sendQ[c].add(new Msg(EVENT_TXN_DONE, reg(c, RX_TNFR_LEN_REG_OFF) & 0xffffffffL));
      }
    }
  }

  // ---- fill_sg_buf (§4.3, §4.4) -------------------------------------------------------------------

  Mapping fillSg(long sgBuf, long udata, long length, long overflow) {
    int limit = Math.min(numSg, sgElemsLimit);
    int n = 0;
    long mapped = 0;
    if (length > 0) {
      long pages = ((udata + length - 1) >>> 12) - (udata >>> 12) + 1;
      pages = Math.min(pages, limit);
      long addr = udata;
      long remaining = length;
      for (int p = 0; p < pages; p++) {
        long chunk = Math.min(remaining, 4096 - (addr & 4095));
        writeElement(sgBuf, n++, addr, chunk >>> 2);
        addr += chunk;
        remaining -= chunk;
        mapped += chunk;
      }
    }
    long spill = 0;
    if (mapped == length) {
      while (spill < overflow && n < limit) {
        writeElement(sgBuf, n++, spillBuf, SPILL_BUF_SIZE / 4);
        spill += SPILL_BUF_SIZE;
      }
    }
    return new Mapping(n, mapped, Math.min(spill, overflow));
  }

  void writeElement(long sgBuf, int i, long addr, long words) {
    long e = sgBuf + (long) SG_ELEM_BYTES * i;
    m.write(e, addr & 0xffffffffL, 4);
    m.write(e + 4, addr >>> 32, 4);
    m.write(e + 8, words, 4);
  }

  // ---- chnl_send (§4.5) ---------------------------------------------------------------------------

  /** An operation the rig advances: it consumes its queue's messages until done. */
  abstract static class Op {
    final MiniDriver d;
    final int chnl;
    final long timeoutNs;
    long lastActivityNs;
    boolean done;
    boolean timedOut;
    long result;

    Op(MiniDriver d, int chnl, long timeoutNs) {
      this.d = d;
      this.chnl = chnl;
      this.timeoutNs = timeoutNs;
      this.lastActivityNs = d.m.clock().nowNs();
    }

    abstract ArrayDeque<Msg> queue();

    abstract void onMsg(Msg msg);

    abstract void onTimeout();

    /** Feeds queued messages; true if any was consumed. */
    boolean dispatch() {
      boolean any = false;
      Msg msg;
      while (!done && (msg = queue().poll()) != null) {
        any = true;
        lastActivityNs = d.m.clock().nowNs(); // the timeout is an inactivity limit
        onMsg(msg);
      }
      return any;
    }

    long deadline() {
      return timeoutNs == 0 ? Long.MAX_VALUE : lastActivityNs + timeoutNs;
    }

    void finish(long words) {
      done = true;
      result = words;
    }

    int words() {
      if (!done) {
        throw new AssertionError(this + " not finished");
      }
      return (int) result;
    }
  }

  final class SendOp extends Op {
    private long udata;
    private long length;
    private long sent;
    private Mapping map0;
    private Mapping map1;
    final List<Msg> seen = new ArrayList<>();

    SendOp(int chnl, long buf, long lenWords, int offset, boolean last, long timeoutNs) {
      super(MiniDriver.this, chnl, timeoutNs);
      sendQ[chnl].clear(); // stale events from earlier calls are discarded
      reg(chnl, RX_OFFLAST_REG_OFF, ((long) offset << 1) | (last ? 1 : 0));
      reg(chnl, RX_LEN_REG_OFF, lenWords);
      if (lenWords == 0) {
        finish(0);
        return;
      }
      udata = buf;
      length = lenWords * 4;
      Mapping mp = fillSg(sendSgBuf[chnl], udata, length, 0);
      if (mp.numSg() == 0) {
        finish(0);
        return;
      }
      udata += mp.length();
      length -= mp.length();
      map1 = mp;
      writeSgRegs(mp);
    }

    private void writeSgRegs(Mapping mp) {
      reg(chnl, RX_SG_ADDR_LO_REG_OFF, sendSgBuf[chnl]);
      reg(chnl, RX_SG_ADDR_HI_REG_OFF, sendSgBuf[chnl] >>> 32);
      reg(chnl, RX_SG_LEN_REG_OFF, 4L * mp.numSg());
    }

    @Override
    ArrayDeque<Msg> queue() {
      return sendQ[chnl];
    }

    @Override
    void onMsg(Msg msg) {
      seen.add(msg);
      switch (msg.type()) {
        case EVENT_SG_BUF_READ -> {
          if (map0 != null) {
            sent += map0.length();
          }
          map0 = null;
          if (length > 0) {
            Mapping mp = fillSg(sendSgBuf[chnl], udata, length, 0);
            if (mp.numSg() == 0) {
              finish(sent / 4);
              return;
            }
            udata += mp.length();
            length -= mp.length();
            map0 = map1;
            map1 = mp;
            writeSgRegs(mp);
          }
        }
        case EVENT_TXN_DONE -> finish(msg.value());
        default -> { } // "received unknown msg"
      }
    }

    @Override
    void onTimeout() {
      timedOut = true;
      finish(sent / 4);
    }

    @Override
    public String toString() {
      return "send on channel " + chnl;
    }
  }

  // ---- chnl_recv (§4.6) ---------------------------------------------------------------------------

  final class RecvOp extends Op {
    private long last = -1;
    private long offset;
    private long length;
    private long overflow;
    private final long capacity;
    private long recvd;
    private long udata;
    private Mapping map0;
    private Mapping map1;
    final List<Msg> seen = new ArrayList<>();

    RecvOp(int chnl, long buf, long capacityWords, long timeoutNs) {
      super(MiniDriver.this, chnl, timeoutNs);
      capacity = capacityWords * 4;
      udata = buf;
    }

    private void writeSgRegs(Mapping mp) {
      reg(chnl, TX_SG_ADDR_LO_REG_OFF, recvSgBuf[chnl]);
      reg(chnl, TX_SG_ADDR_HI_REG_OFF, recvSgBuf[chnl] >>> 32);
      reg(chnl, TX_SG_LEN_REG_OFF, 4L * mp.numSg());
    }

    @Override
    ArrayDeque<Msg> queue() {
      return recvQ[chnl];
    }

    @Override
    void onMsg(Msg msg) {
      seen.add(msg);
      switch (msg.type()) {
        case EVENT_TXN_OFFLAST -> {
          offset = (msg.value() >>> 1) * 4;
          last = msg.value() & 1;
        }
        case EVENT_TXN_LEN -> {
          length = msg.value() * 4;
          recvd = 0;
          overflow = 0;
          if (offset + length > capacity) {
            if (offset > capacity) {
              overflow = length;
              length = 0;
            } else {
              overflow = offset + length - capacity;
              length = capacity - offset;
            }
          }
          if (length + overflow > 0) {
            udata += offset;
            Mapping mp = fillSg(recvSgBuf[chnl], udata, length, overflow);
            if (mp.numSg() == 0) {
              finish(recvd / 4);
              return;
            }
            udata += mp.length();
            length -= mp.length();
            overflow -= mp.overflow();
            map1 = mp;
            writeSgRegs(mp);
          }
        }
        case EVENT_SG_BUF_READ -> {
          if (last == -1) {
            return;
          }
          if (map0 != null) {
            recvd += map0.length();
          }
          map0 = null;
          if (length > 0 || overflow > 0) {
            Mapping mp = fillSg(recvSgBuf[chnl], udata, length, overflow);
            if (mp.numSg() == 0) {
              finish(recvd / 4);
              return;
            }
            udata += mp.length();
            length -= mp.length();
            overflow -= mp.overflow();
            map0 = map1;
            map1 = mp;
            writeSgRegs(mp);
          }
        }
        case EVENT_TXN_DONE -> {
          if (last == -1) {
            return;
          }
          recvd = msg.value() * 4;
          map0 = map1 = null;
          if (last == 1) {
            finish(recvd / 4);
          }
        }
        default -> { }
      }
    }

    @Override
    void onTimeout() {
      timedOut = true;
      finish(recvd / 4);
    }

    @Override
    public String toString() {
      return "recv on channel " + chnl;
    }
  }

  SendOp startSend(int chnl, long buf, long lenWords, int offset, boolean last, long timeoutNs) {
    return new SendOp(chnl, buf, lenWords, offset, last, timeoutNs);
  }

  RecvOp startRecv(int chnl, long buf, long capacityWords, long timeoutNs) {
    return new RecvOp(chnl, buf, capacityWords, timeoutNs);
  }

  // ---- raw register sequences (no ISR, no queues) ---------------------------------------------------

  /** Host send by hand: one SG element covering {@code words} at a fresh buffer; returns the buffer. */
  long rawSend(int chnl, int[] words, int offset, boolean last) {
    long buf = alloc(Math.max(4, 4L * words.length));
    writeWords(buf, words);
    reg(chnl, RX_OFFLAST_REG_OFF, ((long) offset << 1) | (last ? 1 : 0));
    reg(chnl, RX_LEN_REG_OFF, words.length);
    writeElement(sendSgBuf[chnl], 0, buf, words.length);
    reg(chnl, RX_SG_ADDR_LO_REG_OFF, sendSgBuf[chnl]);
    reg(chnl, RX_SG_ADDR_HI_REG_OFF, sendSgBuf[chnl] >>> 32);
    reg(chnl, RX_SG_LEN_REG_OFF, SG_ELEM_WORDS);
    return buf;
  }

  /** Host-receive SG list by hand: one element of {@code words} at a fresh buffer; returns the buffer. */
  long rawRecvList(int chnl, int words) {
    long buf = alloc(Math.max(4, 4L * words));
    writeElement(recvSgBuf[chnl], 0, buf, words);
    reg(chnl, TX_SG_ADDR_LO_REG_OFF, recvSgBuf[chnl]);
    reg(chnl, TX_SG_ADDR_HI_REG_OFF, recvSgBuf[chnl] >>> 32);
    reg(chnl, TX_SG_LEN_REG_OFF, SG_ELEM_WORDS);
    return buf;
  }

  // ---- RAM helpers ---------------------------------------------------------------------------------

  long alloc(long bytes) {
    return ram.alloc(bytes);
  }

  /** Allocates {@code bytes} starting {@code pageOffset} bytes into a fresh page. */
  long allocAt(long bytes, int pageOffset) {
    return ram.alloc(bytes + pageOffset) + pageOffset;
  }

  void writeWords(long addr, int[] words) {
    byte[] b = new byte[4 * words.length];
    for (int i = 0; i < words.length; i++) {
      b[4 * i] = (byte) words[i];
      b[4 * i + 1] = (byte) (words[i] >>> 8);
      b[4 * i + 2] = (byte) (words[i] >>> 16);
      b[4 * i + 3] = (byte) (words[i] >>> 24);
    }
    m.writeRam(addr, b, 0, b.length);
  }

  int[] readWords(long addr, int n) {
    byte[] b = new byte[4 * n];
    m.readRam(addr, b, 0, b.length);
    int[] w = new int[n];
    for (int i = 0; i < n; i++) {
      w[i] = (b[4 * i] & 0xff) | (b[4 * i + 1] & 0xff) << 8 | (b[4 * i + 2] & 0xff) << 16 | (b[4 * i + 3] & 0xff) << 24;
    }
    return w;
  }

  /** A bump allocator over a private range of RAM, page aligned. */
  static final class Ram {
    private long next;
    private final long end;

    Ram(long base, long size) {
      this.next = base;
      this.end = base + size;
    }

    long alloc(long bytes) {
      long a = (next + 4095) & ~4095L;
      if (a + bytes > end) {
        throw new AssertionError("test RAM exhausted");
      }
      next = a + bytes;
      return a;
    }
  }
}
