package dev.driverlab.devices.edu;

import static dev.driverlab.devices.edu.EduDevice.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.pcie.ConfigSpace;
import dev.driverlab.devices.pcie.tlp.LinkDirection;
import dev.driverlab.devices.pcie.tlp.Tlp;
import dev.driverlab.devices.pcie.tlp.TlpType;
import dev.driverlab.devices.testing.BareMetal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The DMA engine: registers, the 100 ms timer, the buffer window, the 28-bit clamp (§A.7). */
class EduDmaTest {
  private static final long RAM_A = 0x0010_0000L;
  private static final long RAM_B = 0x0020_0000L;

  private static byte[] pattern(int len, int seed) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }

  private static byte[] ram(EduRig r, long address, int len) {
    byte[] b = new byte[len];
    r.m.readRam(address, b, 0, len);
    return b;
  }

  private static void program(EduRig r, long src, long dst, long count, long cmd) {
    r.write(REG_DMA_SRC, src, 8);
    r.write(REG_DMA_DST, dst, 8);
    r.write(REG_DMA_COUNT, count, 8);
    r.write(REG_DMA_CMD, cmd, 8);
  }

  /** Programs a transfer and lets its 100 ms pass. */
  private static void transfer(EduRig r, long src, long dst, long count, long cmd) {
    program(r, src, dst, count, cmd);
    r.advance(DMA_DELAY_NS);
    assertEquals(0L, r.read(REG_DMA_CMD, 8) & DMA_CMD_RUN, "RUN cleared at completion");
  }

  /** The device buffer's contents, fetched by a (valid) buffer → RAM transfer into scratch RAM. */
  private static byte[] buffer(EduRig r) {
    long scratch = 0x0300_0000L;
    transfer(r, DMA_START, scratch, DMA_SIZE, DMA_CMD_RUN | DMA_CMD_TO_RAM);
    return ram(r, scratch, DMA_SIZE);
  }

  @Test
  void ramToBufferAndBackRunsTheSpecsExampleAfter100ms() {
    EduRig r = new EduRig();
    byte[] data = pattern(100, 7);
    r.m.writeRam(RAM_A, data, 0, data.length);

    program(r, RAM_A, DMA_START, 100, DMA_CMD_RUN);
    assertEquals((long) DMA_CMD_RUN, r.read32(REG_DMA_CMD), "RUN reads back while the transfer waits");
    r.advance(DMA_DELAY_NS - 1);
    assertEquals((long) DMA_CMD_RUN, r.read32(REG_DMA_CMD), "1 ns before 100 ms: still running");
    r.advance(1);
    assertEquals(0L, r.read32(REG_DMA_CMD));
    assertEquals(DMA_DELAY_NS, r.now());

    program(r, DMA_START, RAM_A + 100, 100, DMA_CMD_RUN | DMA_CMD_TO_RAM);
    r.advance(DMA_DELAY_NS - 1);
    assertArrayEquals(new byte[100], ram(r, RAM_A + 100, 100), "RAM untouched before the timer fires");
    assertEquals((long) (DMA_CMD_RUN | DMA_CMD_TO_RAM), r.read32(REG_DMA_CMD));
    r.advance(1);
    assertArrayEquals(data, ram(r, RAM_A + 100, 100));
    assertEquals((long) DMA_CMD_TO_RAM, r.read32(REG_DMA_CMD), "RUN cleared, the other bits stay");
    assertEquals(0L, r.read32(REG_IRQ_STATUS), "no interrupt unless asked");
    assertTrue(r.highLines().isEmpty());
    assertTrue(r.errors.isEmpty(), r.errors.toString());
  }

  @Test
  void ramIsReadWhenTheTimerFiresNotWhenTheCommandIsWritten() {
    EduRig r = new EduRig();
    r.m.writeRam(RAM_A, pattern(64, 1), 0, 64);
    program(r, RAM_A, DMA_START, 64, DMA_CMD_RUN);
    byte[] later = pattern(64, 99);
    r.m.writeRam(RAM_A, later, 0, 64);
    r.advance(DMA_DELAY_NS);
    assertArrayEquals(later, Arrays.copyOf(buffer(r), 64));
  }

  @Test
  void fullBufferMovesAsRealTlpsSplitAtMrrsAndMps() throws Exception {
    EduRig r = new EduRig();
    byte[] data = pattern(DMA_SIZE, 3);
    r.m.writeRam(RAM_A, data, 0, DMA_SIZE);
    List<Tlp> up = new ArrayList<>();
    try (AutoCloseable c = r.m.fabric().addObserver((t, dir, link, tlp) -> {
      if (dir == LinkDirection.UPSTREAM && link.equals(r.slot.name())) {
        up.add(tlp);
      }
    })) {
      transfer(r, RAM_A, DMA_START, DMA_SIZE, DMA_CMD_RUN);
      transfer(r, DMA_START, RAM_B, DMA_SIZE, DMA_CMD_RUN | DMA_CMD_TO_RAM);
    }
    assertArrayEquals(data, ram(r, RAM_B, DMA_SIZE));
    assertEquals(8, up.stream().filter(t -> t.type() == TlpType.MRD).count(), "4096 bytes at MRRS 512");
    assertEquals(32, up.stream().filter(t -> t.type() == TlpType.MWR).count(), "4096 bytes at MPS 128");
    assertTrue(up.stream().filter(t -> t.type().isMemory()).allMatch(t -> t.requester().equals(r.ep.id())),
        "the edu is the requester: " + up);
    assertTrue(r.errors.isEmpty(), r.errors.toString());
  }

  @Test
  void registersIgnoreWritesWhileATransferRunsButStayReadable() {
    EduRig r = new EduRig();
    program(r, RAM_A, DMA_START + 8, 16, DMA_CMD_RUN | 0xf0);
    r.write(REG_DMA_SRC, RAM_B, 8);
    r.write32(REG_DMA_DST, DMA_START);
    r.write(REG_DMA_COUNT, 1, 8);
    r.write(REG_DMA_CMD, DMA_CMD_RUN | DMA_CMD_TO_RAM, 8);
    assertEquals(RAM_A, r.read(REG_DMA_SRC, 8));
    assertEquals(DMA_START + 8, r.read(REG_DMA_DST, 8));
    assertEquals(16L, r.read(REG_DMA_COUNT, 8));
    assertEquals(0xf1L, r.read(REG_DMA_CMD, 8), "the whole command, reserved bits too");
    assertEquals(1, r.m.clock().pendingCount(), "one timer armed, not two");
    r.advance(DMA_DELAY_NS);
    assertEquals(0xf0L, r.read(REG_DMA_CMD, 8));
    r.write(REG_DMA_SRC, RAM_B, 8);
    assertEquals(RAM_B, r.read(REG_DMA_SRC, 8), "idle again: writes take");
  }

  @Test
  void commandWithoutRunIsIgnored() {
    EduRig r = new EduRig();
    r.write(REG_DMA_CMD, DMA_CMD_TO_RAM | DMA_CMD_IRQ, 8);
    assertEquals(0L, r.read(REG_DMA_CMD, 8), "not even stored");
    assertFalse(r.m.clock().hasPending());
  }

  @Test
  void completionRaisesDmaIrqWhenAskedOverIntx() {
    EduRig r = new EduRig();
    program(r, RAM_A, DMA_START, 16, DMA_CMD_RUN | DMA_CMD_IRQ);
    r.advance(DMA_DELAY_NS - 1);
    assertFalse(r.intx());
    r.advance(1);
    assertEquals((long) DMA_IRQ, r.read32(REG_IRQ_STATUS));
    assertTrue(r.intx());
    r.write32(REG_IRQ_ACK, DMA_IRQ);
    assertFalse(r.intx());
  }

  @Test
  void completionRaisesDmaIrqWhenAskedOverMsi() {
    EduRig r = new EduRig();
    BareMetal.enableMsi(r.ep, 0x55);
    transfer(r, DMA_START, RAM_A, 16, DMA_CMD_RUN | DMA_CMD_TO_RAM | DMA_CMD_IRQ);
    assertEquals(1, r.bm.msis().size());
    assertEquals(0x55, r.bm.msis().get(0).data());
    assertEquals((long) DMA_IRQ, r.read32(REG_IRQ_STATUS));
    assertTrue(r.highLines().isEmpty());
  }

  @Test
  void zeroCountCompletesAndInterruptsWithoutMovingData() throws Exception {
    EduRig r = new EduRig();
    List<Tlp> tlps = new ArrayList<>();
    try (AutoCloseable c = r.m.fabric().addObserver((t, dir, link, tlp) -> {
      if (dir == LinkDirection.UPSTREAM) {
        tlps.add(tlp);
      }
    })) {
      transfer(r, RAM_A, DMA_START, 0, DMA_CMD_RUN | DMA_CMD_IRQ);
    }
    assertEquals((long) DMA_IRQ, r.read32(REG_IRQ_STATUS));
    assertTrue(tlps.stream().noneMatch(t -> t.type() == TlpType.MRD || t.type() == TlpType.MWR), tlps.toString());
    assertTrue(r.errors.isEmpty(), r.errors.toString());
  }

  // ---- the buffer window (edu_check_range) -----------------------------------------------------------

  @Test
  void transfersEndingExactlyAtTheWindowsEndAreValid() {
    EduRig r = new EduRig();
    byte[] data = pattern(0x100, 5);
    r.m.writeRam(RAM_A, data, 0, data.length);
    transfer(r, RAM_A, DMA_START + DMA_SIZE - 0x100, 0x100, DMA_CMD_RUN);
    assertArrayEquals(data, Arrays.copyOfRange(buffer(r), DMA_SIZE - 0x100, DMA_SIZE));
    assertTrue(r.errors.isEmpty(), "the old off-by-one is fixed: " + r.errors);
  }

  @Test
  void outOfWindowTransferIsRefusedWithoutCopyingAndStillCompletes() {
    EduRig r = new EduRig();
    byte[] original = pattern(DMA_SIZE, 11);
    r.m.writeRam(RAM_A, original, 0, DMA_SIZE);
    transfer(r, RAM_A, DMA_START, DMA_SIZE, DMA_CMD_RUN);
    r.m.writeRam(RAM_A, pattern(DMA_SIZE, 77), 0, DMA_SIZE);

    transfer(r, RAM_A, DMA_START + DMA_SIZE - 0x100, 0x101, DMA_CMD_RUN | DMA_CMD_IRQ);
    assertEquals(List.of(r.ep.id() + " EduDevice: EDU: DMA range 0x0000000000040f00-0x0000000000041000 out of "
        + "bounds (0x0000000000040000-0x0000000000040fff)! Transfer skipped: DriverLab does not copy outside "
        + "the 4096-byte buffer"), r.errors);
    assertEquals((long) DMA_IRQ, r.read32(REG_IRQ_STATUS), "completes normally, so the driver is not stuck");

    transfer(r, RAM_A, DMA_START - 1, 16, DMA_CMD_RUN);      // starts below the window
    transfer(r, RAM_A, 0, 16, DMA_CMD_RUN);                  // a RAM address where a device address belongs
    transfer(r, RAM_A, -0x100L, 0x200, DMA_CMD_RUN);         // wraps around 2^64
    assertEquals(4, r.errorsContaining("out of bounds").size(), r.errors.toString());
    assertArrayEquals(original, buffer(r), "the buffer never changed");
  }

  @Test
  void outOfWindowSourceLeavesRamUntouched() {
    EduRig r = new EduRig();
    transfer(r, DMA_START + 0x800, RAM_B, 0x1000, DMA_CMD_RUN | DMA_CMD_TO_RAM);
    assertArrayEquals(new byte[0x1000], ram(r, RAM_B, 0x1000));
    assertEquals(1, r.errorsContaining("DMA range 0x0000000000040800-0x00000000000417ff out of bounds").size(),
        r.errors.toString());
  }

  // ---- the DMA mask (edu_clamp_addr) -----------------------------------------------------------------

  @Test
  void ramAddressesAreClampedTo28BitsAndGoToTheAlias() {
    EduRig r = new EduRig();
    byte[] low = pattern(32, 1);
    byte[] high = pattern(32, 2);
    r.m.writeRam(RAM_A, low, 0, 32);
    r.m.writeRam(RAM_A | 0x1000_0000L, high, 0, 32);       // 256 MiB up: inside the 1 GiB machine
    transfer(r, RAM_A | 0x1000_0000L, DMA_START, 32, DMA_CMD_RUN);
    assertArrayEquals(low, Arrays.copyOf(buffer(r), 32), "read from the aliased lower address");
    assertEquals(r.ep.id() + " EduDevice: EDU: clamping DMA 0x0000000010100000 to 0x0000000000100000!",
        r.errors.get(0));

    transfer(r, DMA_START, 0xF0_0000_0000L | RAM_B, 32, DMA_CMD_RUN | DMA_CMD_TO_RAM);
    assertArrayEquals(low, ram(r, RAM_B, 32), "written to the alias");
    assertEquals(1, r.errorsContaining("clamping DMA 0x000000f000200000 to 0x0000000000200000!").size());
  }

  @Test
  void aWiderMaskLikeQemusDmaMaskPropertyReachesHigherRam() {
    EduRig r = new EduRig(Machine.createDefault(), new EduDevice(0xFFFF_FFFFL));
    assertEquals(0xFFFF_FFFFL, r.edu.dmaMask());
    byte[] high = pattern(32, 2);
    r.m.writeRam(RAM_A | 0x1000_0000L, high, 0, 32);
    transfer(r, RAM_A | 0x1000_0000L, DMA_START, 32, DMA_CMD_RUN);
    assertArrayEquals(high, Arrays.copyOf(buffer(r), 32));
    assertTrue(r.errors.isEmpty(), r.errors.toString());
    assertEquals(DEFAULT_DMA_MASK, new EduDevice().dmaMask());
    assertEquals(0x0FFF_FFFFL, DEFAULT_DMA_MASK);
  }

  // ---- the fabric refuses -------------------------------------------------------------------------

  @Test
  void withoutBusMasteringDmaFailsVisiblyAndMovesNothing() {
    EduRig r = new EduRig();
    r.m.writeRam(RAM_A, pattern(64, 9), 0, 64);
    r.setCommand(ConfigSpace.COMMAND_MEMORY);
    transfer(r, RAM_A, DMA_START, 64, DMA_CMD_RUN | DMA_CMD_IRQ);
    assertEquals(1, r.errorsContaining("DMA read of 64 bytes at 0x100000 not issued: Bus Master Enable is clear")
        .size(), r.errors.toString());
    assertEquals(List.of(r.ep.id() + " EduDevice: EDU: DMA read of 64 bytes from 0x100000 failed: "
        + "BUS_MASTER_DISABLED; device buffer unchanged"), r.errorsContaining("EduDevice"));
    assertEquals((long) DMA_IRQ, r.read32(REG_IRQ_STATUS), "the device still completes");

    r.m.writeRam(RAM_B, pattern(64, 4), 0, 64);
    transfer(r, DMA_START, RAM_B, 64, DMA_CMD_RUN | DMA_CMD_TO_RAM);
    assertArrayEquals(pattern(64, 4), ram(r, RAM_B, 64), "RAM untouched");
    assertEquals(2, r.errorsContaining("failed: BUS_MASTER_DISABLED").size(), r.errors.toString());
    assertEquals(1, r.errorsContaining("EDU: DMA write of 64 bytes to 0x200000 failed: BUS_MASTER_DISABLED").size());

    r.setCommand(ConfigSpace.COMMAND_MEMORY | ConfigSpace.COMMAND_MASTER);
    assertArrayEquals(new byte[64], Arrays.copyOf(buffer(r), 64), "the refused read left the buffer as it was");
  }

  @Test
  void dmaToAddressesWithoutRamIsAnUnsupportedRequest() {
    EduRig r = new EduRig(Machine.builder().ramBytes(64L << 20).build(), new EduDevice());
    long hole = 0x0800_0000L;                               // 128 MiB: inside the mask, beyond 64 MiB of RAM
    transfer(r, hole, DMA_START, 16, DMA_CMD_RUN);
    assertEquals(1, r.errorsContaining("no RAM there").size(), r.errors.toString());
    assertEquals(1, r.errorsContaining("EDU: DMA read of 16 bytes from 0x8000000 failed: UNSUPPORTED_REQUEST")
        .size(), r.errors.toString());
    transfer(r, DMA_START, hole, 16, DMA_CMD_RUN | DMA_CMD_TO_RAM);
    assertEquals(1, r.errorsContaining("EDU: DMA write of 16 bytes to 0x8000000 failed: UNSUPPORTED_REQUEST")
        .size(), r.errors.toString());
  }
}
