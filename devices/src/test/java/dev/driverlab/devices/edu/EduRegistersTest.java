package dev.driverlab.devices.edu;

import static dev.driverlab.devices.edu.EduDevice.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ident, liveness, access widths and the factorial engine (edu-and-linux-api.md §A.2–§A.5). */
class EduRegistersTest {
  private static final long ONES32 = 0xffff_ffffL;

  @Test
  void identReads010000edAndIgnoresWrites() {
    EduRig r = new EduRig();
    assertEquals(0x010000edL, r.read32(REG_IDENT));
    r.write32(REG_IDENT, 0);
    assertEquals(0x010000edL, r.read32(REG_IDENT));
  }

  @Test
  void livenessReadsZeroBeforeAnyWriteThenTheComplementOfTheLastWrite() {
    EduRig r = new EduRig();
    assertEquals(0L, r.read32(REG_LIVENESS), "0 at power-on, not 0xFFFFFFFF");
    r.write32(REG_LIVENESS, 0xF0F0F0F0L);
    assertEquals(0x0F0F0F0FL, r.read32(REG_LIVENESS));
    assertEquals(0x0F0F0F0FL, r.read32(REG_LIVENESS), "reading does not invert again");
    r.write32(REG_LIVENESS, 0);
    assertEquals(ONES32, r.read32(REG_LIVENESS));
    r.write32(REG_LIVENESS, 0x12345678L);
    assertEquals(0xEDCBA987L, r.read32(REG_LIVENESS));
  }

  // ---- access widths (§A.2) ----------------------------------------------------------------------

  @Test
  void oneAndTwoByteAccessesAreDecodeErrorsEverywhere() {
    EduRig r = new EduRig();
    r.write32(REG_LIVENESS, 0xFFFF0000L);                  // holds 0x0000FFFF
    r.write32(REG_DMA_SRC, 0x11223344L);
    for (int off : new int[] {REG_IDENT, REG_LIVENESS, REG_DMA_SRC, 0x100}) {
      assertEquals(0L, r.read(off, 1), "1-byte read at " + off);
      assertEquals(0L, r.read(off, 2), "2-byte read at " + off);
    }
    r.write(REG_LIVENESS, 0xAB, 1);
    r.write(REG_LIVENESS, 0xABCD, 2);
    r.write(REG_DMA_SRC, 0xAB, 1);
    assertEquals(0x0000FFFFL, r.read32(REG_LIVENESS), "narrow writes dropped");
    assertEquals(0x11223344L, r.read32(REG_DMA_SRC));
    assertEquals(11, r.errorsContaining("accepts only aligned 4- or 8-byte accesses").size(), r.errors.toString());
    assertEquals(r.ep.id() + " EduDevice: EDU: 1-byte read at 0x0 refused: edu accepts only aligned 4- or 8-byte "
        + "accesses (decode error)", r.errors.get(0));
  }

  @Test
  void eightByteAccessBelow0x80ReadsAllOnesAndWritesNothing() {
    EduRig r = new EduRig();
    assertEquals(-1L, r.read(REG_IDENT, 8), "edu's `val = ~0` at full width");
    assertEquals(-1L, r.read(REG_FACTORIAL, 8));
    r.write(REG_LIVENESS - 4, 0x0000_0001_0000_0000L, 8); // an 8-byte write covering liveness
    assertEquals(0L, r.read32(REG_LIVENESS));
    r.write(REG_FACTORIAL, 5, 8);
    assertEquals(0L, r.read32(REG_STATUS), "no factorial started");
    assertEquals(4, r.errorsContaining("below 0x80 take 4-byte accesses only").size(), r.errors.toString());
  }

  @Test
  void dmaRegistersTakeFourAndEightByteAccesses() {
    EduRig r = new EduRig();
    r.write(REG_DMA_SRC, 0x1122_3344_5566_7788L, 8);
    assertEquals(0x1122_3344_5566_7788L, r.read(REG_DMA_SRC, 8));
    assertEquals(0x5566_7788L, r.read(REG_DMA_SRC, 4), "4-byte read: low half");
    r.write32(REG_DMA_SRC, 0xAABB_CCDDL);
    assertEquals(0x0000_0000_AABB_CCDDL, r.read(REG_DMA_SRC, 8), "4-byte write zero-extends");
    r.write(REG_DMA_DST, -1L, 8);
    r.write(REG_DMA_COUNT, 0x1000, 8);
    assertEquals(-1L, r.read(REG_DMA_DST, 8));
    assertEquals(0x1000L, r.read(REG_DMA_COUNT, 8));
    assertEquals(0L, r.read(REG_DMA_CMD, 8));
    assertTrue(r.errors.isEmpty(), r.errors.toString());
  }

  @Test
  void upperHalfOfADmaRegisterCannotBeWrittenSeparately() {
    EduRig r = new EduRig();
    r.write32(REG_DMA_DST, 0x0010_0000L);                 // lo_hi_writeq: low at +0 …
    r.write32(REG_DMA_DST + 4, 0x1L);                     // … high at +4 lands on an unimplemented offset
    assertEquals(0x0010_0000L, r.read(REG_DMA_DST, 8));
    assertEquals(ONES32, r.read32(REG_DMA_DST + 4), "0x8c is not a register");
  }

  @Test
  void misalignedAccessesAreDecodeErrors() {
    EduRig r = new EduRig();
    r.write32(REG_LIVENESS, 0);                           // holds 0xFFFFFFFF
    assertEquals(0L, r.read(REG_LIVENESS + 2, 4), "4-byte read straddling liveness");
    r.write(REG_LIVENESS + 2, 0x12345678L, 4);
    assertEquals(ONES32, r.read32(REG_LIVENESS), "misaligned write dropped");
    assertEquals(0L, r.read(REG_DMA_SRC + 1, 4));
  }

  @ParameterizedTest
  @ValueSource(ints = {0x0c, 0x10, 0x1c, 0x28, 0x5c, 0x60, 0x64, 0x68, 0x7c, 0x84, 0x8c, 0x94, 0x9c, 0xa0, 0x1000,
      0x40000, 0x40ffc, 0xffffc})
  void unimplementedAndWriteOnlyOffsetsReadAllOnes(int offset) {
    EduRig r = new EduRig();
    assertEquals(ONES32, r.read32(offset));
    r.write32(offset, 0);
    assertEquals(ONES32, r.read32(offset), "writes ignored");
    if (offset >= REG_WIDE_START && (offset & 7) == 0) {
      r.write(offset, 0, 8);
      assertEquals(-1L, r.read(offset, 8), "8-byte accesses too");
    }
    assertTrue(r.errors.isEmpty(), "unimplemented offsets are not errors: " + r.errors);
  }

  @Test
  void dmaBufferIsNotVisibleThroughBar0() {
    EduRig r = new EduRig();
    r.write32(0x40000, 0x12345678L);
    r.write(0x40008, 0x12345678L, 8);
    assertEquals(ONES32, r.read32(0x40000));
    assertEquals(-1L, r.read(0x40008, 8));
  }

  @Test
  void statusTakesOnlyTheIrqOnFactorialBit() {
    EduRig r = new EduRig();
    r.write32(REG_STATUS, ONES32);
    assertEquals((long) STATUS_IRQFACT, r.read32(REG_STATUS), "bit 0 and the rest are not writable");
    r.write32(REG_STATUS, 0x7f);
    assertEquals(0L, r.read32(REG_STATUS), "a write without bit 7 clears it");
    r.write32(REG_STATUS, STATUS_COMPUTING);
    assertEquals(0L, r.read32(REG_STATUS), "COMPUTING cannot be set by software");
  }

  @Test
  void irqStatusIsReadOnly() {
    EduRig r = new EduRig();
    r.write32(REG_IRQ_STATUS, 0xff);
    assertEquals(0L, r.read32(REG_IRQ_STATUS));
  }

  // ---- factorial (§A.5) --------------------------------------------------------------------------

  /** n! mod 2^32 by BigInteger, the oracle. */
  private static long oracle(long n) {
    BigInteger f = LongStream.rangeClosed(1, n).mapToObj(BigInteger::valueOf).reduce(BigInteger.ONE, BigInteger::multiply);
    return f.mod(BigInteger.ONE.shiftLeft(32)).longValueExact();
  }

  private static long factorialThroughDevice(EduRig r, long n) {
    r.write32(REG_FACTORIAL, n);
    assertEquals((long) STATUS_COMPUTING, r.read32(REG_STATUS) & STATUS_COMPUTING, "computing after the write");
    r.advance(FACTORIAL_DELAY_NS);
    assertEquals(0L, r.read32(REG_STATUS) & STATUS_COMPUTING, "done after " + FACTORIAL_DELAY_NS + " ns");
    return r.read32(REG_FACTORIAL);
  }

  @Test
  void factorialsUpTo12AreExact() {
    EduRig r = new EduRig();
    long exact = 1;
    for (int n = 0; n <= 12; n++) {
      exact *= Math.max(n, 1);
      assertEquals(exact, factorialThroughDevice(r, n), n + "!");
    }
    assertEquals(0x1C8CFC00L, factorialThroughDevice(r, 12), "12! = 479001600, the largest that fits");
  }

  @Test
  void factorialsFrom13WrapModulo2To32() {
    EduRig r = new EduRig();
    for (int n = 13; n <= 40; n++) {
      assertEquals(oracle(n), factorialThroughDevice(r, n), n + "! mod 2^32");
    }
    assertEquals(0x7328CC00L, factorialThroughDevice(r, 13));
    assertEquals(0x82B40000L, factorialThroughDevice(r, 20));
    assertEquals(0x80000000L, factorialThroughDevice(r, 32));
    assertEquals(0x80000000L, factorialThroughDevice(r, 33));
    assertEquals(0L, factorialThroughDevice(r, 34), "34! holds 2^32");
  }

  @Test
  void hugeInputsAreUnsignedAndYieldZero() {
    EduRig r = new EduRig();
    assertEquals(0L, factorialThroughDevice(r, 0xFFFF_FFFFL), "input is unsigned, not -1");
    assertEquals(0L, factorialThroughDevice(r, 0x8000_0000L));
    assertEquals(0L, factorialThroughDevice(r, 1000));
    IntStream.of(0, 1, 2, 33, 34, 35, -1).forEach(n ->
        assertEquals(n >= 0 && n <= 40 ? oracle(n) : 0L, Integer.toUnsignedLong(EduDevice.factorialMod32(n)),
            "factorialMod32(" + Integer.toUnsignedString(n) + ")"));
  }

  @Test
  void whileComputingTheInputReadsBackAndNewInputsAreDropped() {
    EduRig r = new EduRig();
    r.write32(REG_FACTORIAL, 5);
    assertEquals(5L, r.read32(REG_FACTORIAL), "the input until the result is in");
    assertEquals((long) STATUS_COMPUTING, r.read32(REG_STATUS));
    r.write32(REG_FACTORIAL, 7);
    assertEquals(5L, r.read32(REG_FACTORIAL), "a write while computing is dropped");
    r.advance(FACTORIAL_DELAY_NS - 1);
    assertEquals((long) STATUS_COMPUTING, r.read32(REG_STATUS), "1 ns early: still computing");
    assertEquals(5L, r.read32(REG_FACTORIAL));
    r.advance(1);
    assertEquals(0L, r.read32(REG_STATUS));
    assertEquals(120L, r.read32(REG_FACTORIAL));
    assertEquals(FACTORIAL_DELAY_NS, r.now());
    r.advance(1_000_000);
    assertEquals(120L, r.read32(REG_FACTORIAL), "the result stays until the next write");
    assertEquals(720L, factorialThroughDevice(r, 6), "a new input is taken once idle");
  }

  @Test
  void factorialWithoutIrqBitRaisesNothing() {
    EduRig r = new EduRig();
    factorialThroughDevice(r, 4);
    assertEquals(0L, r.read32(REG_IRQ_STATUS));
    assertTrue(r.highLines().isEmpty());
    assertTrue(r.bm.msis().isEmpty());
  }

  @Test
  void registersSurviveAFunctionResetAsInQemu() {
    EduRig r = new EduRig();
    r.write32(REG_LIVENESS, 0xF);
    r.write32(REG_STATUS, STATUS_IRQFACT);
    r.write32(REG_FACTORIAL, 3);
    r.edu.resetModel();
    assertEquals(0xFFFFFFF0L, r.read32(REG_LIVENESS));
    assertEquals((long) (STATUS_IRQFACT | STATUS_COMPUTING), r.read32(REG_STATUS), "factorial still running");
    r.advance(FACTORIAL_DELAY_NS);
    assertEquals(6L, r.read32(REG_FACTORIAL));
    assertEquals((long) FACT_IRQ, r.read32(REG_IRQ_STATUS));
  }
}
