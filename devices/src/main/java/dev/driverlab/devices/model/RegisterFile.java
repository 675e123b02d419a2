package dev.driverlab.devices.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

/**
 * A declarative register bank for a BAR: each register is declared once with its offset, width, reset
 * value and access rules, and the bank answers the BAR's accesses. Hardware never throws: an access no
 * register claims, or of the wrong width, reads all ones and is ignored on write, and is reported
 * through {@code onBadAccess} (a model passes its {@code guestError}).
 *
 * <pre>{@code
 * RegisterFile regs = new RegisterFile(this::guestError);
 * regs.reg("IDENT", 0x00, 4).reset(0x010000ed).readOnly();
 * regs.reg("STATUS", 0x20, 4).writable(0x80).onWrite(v -> maybeRaise());
 * regs.reg("IRQ_STATUS", 0x24, 4).w1c(0xffffffffL);
 * spec.memoryBar(0, 4096, regs);
 * }</pre>
 */
public final class RegisterFile implements BarHandler {
  /** Reports a bad access (offset, size, what). */
  @FunctionalInterface
  public interface BadAccess {
    void report(String fmt, Object... args);
  }

  /** One register. Configure with the fluent methods; read its value with {@link #value()}. */
  public final class Register {
    final String name;
    final int offset;
    final int width;
    long reset;
    long writable = -1L;
    long w1c;
    long value;
    LongSupplier reader;
    LongConsumer onWrite;
    LongUnaryOperator writeFilter;

    Register(String name, int offset, int width) {
      this.name = name;
      this.offset = offset;
      this.width = width;
      this.writable = mask(width);
    }

    public Register reset(long v) {
      this.reset = v & mask(width);
      this.value = this.reset;
      return this;
    }

    /** Bits a write may change (others keep their value). */
    public Register writable(long mask) {
      this.writable = mask & mask(width);
      return this;
    }

    public Register readOnly() {
      this.writable = 0;
      return this;
    }

    /** Bits cleared by writing 1 (and not otherwise writable). */
    public Register w1c(long mask) {
      this.w1c = mask & mask(width);
      this.writable &= ~this.w1c;
      return this;
    }

    /** Computes the value on every read instead of storing it. */
    public Register onRead(LongSupplier r) {
      this.reader = r;
      return this;
    }

    /** Called after a write with the register's new value. */
    public Register onWrite(LongConsumer w) {
      this.onWrite = w;
      return this;
    }

    public long value() {
      return reader != null ? reader.getAsLong() & mask(width) : value;
    }

    /** Sets the value from the hardware side (status bits), ignoring access rules. */
    public void set(long v) {
      value = v & mask(width);
    }

    public void setBits(long bits) {
      set(value | bits);
    }

    public void clearBits(long bits) {
      set(value & ~bits);
    }

    public String name() {
      return name;
    }

    public int offset() {
      return offset;
    }
  }

  private final TreeMap<Integer, Register> regs = new TreeMap<>();
  private final BadAccess bad;

  public RegisterFile(BadAccess bad) {
    this.bad = bad;
  }

  public Register reg(String name, int offset, int width) {
    checkArgument(width == 1 || width == 2 || width == 4 || width == 8, "register %s: width %s", name, width);
    checkArgument(offset % width == 0, "register %s at %#x is not aligned to its width %s", name, offset, width);
    Integer before = regs.floorKey(offset + width - 1);
    checkState(before == null || before + regs.get(before).width <= offset,
        "register %s at %#x overlaps %s", name, offset, before == null ? null : regs.get(before).name);
    Register r = new Register(name, offset, width);
    regs.put(offset, r);
    return r;
  }

  /** Puts every register back to its reset value. */
  public void resetAll() {
    for (Register r : regs.values()) {
      r.value = r.reset;
    }
  }

  public List<Register> registers() {
    return new ArrayList<>(regs.values());
  }

  public Register at(int offset) {
    return regs.get(offset);
  }

  private static long mask(int width) {
    return width == 8 ? -1L : (1L << (8 * width)) - 1;
  }

  private Register find(long offset, int size) {
    Register r = regs.get((int) offset);
    return r != null && r.width == size ? r : null;
  }

  @Override
  public long read(long offset, int size) {
    Register r = find(offset, size);
    if (r == null) {
      bad.report("%d-byte read at %#x: no register of that width there", size, offset);
      return mask(size);
    }
    return r.value();
  }

  @Override
  public void write(long offset, long value, int size) {
    Register r = find(offset, size);
    if (r == null) {
      bad.report("%d-byte write of %#x at %#x: no register of that width there", size, value, offset);
      return;
    }
    if (r.writable == 0 && r.w1c == 0) {
      bad.report("write of %#x to read-only register %s", value, r.name);
      return;
    }
    long v = (r.value & ~r.writable) | (value & r.writable);
    v &= ~(value & r.w1c);
    r.value = v & mask(r.width);
    if (r.onWrite != null) {
      r.onWrite.accept(r.value);
    }
  }
}
