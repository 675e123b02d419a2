package dev.driverlab.drivers.simpledma;

import static dev.driverlab.drivers.simpledma.SimpleDmaUapi.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.simpledma.SimpleDmaDevice;
import dev.driverlab.drivers.ExpressRoads;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.proc.Process;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The simple-dma driver end to end, both directions and several sizes, with the kernel's bus checks
 * alone (the card's MRds and their answers, and its MWrs, take the DMA express) and with a plain
 * observer beside them (every DMA as TLPs): the same dmesg, the same bytes in user memory, the same
 * outputs of each transfer (its elapsed virtual time included), the same clock at the end and the same
 * time on every link. ({@link SimpleDmaRig} records TLPs, which would keep both machines on the TLP
 * road, so the machines here are booted without it.)
 */
class SimpleDmaExpressTest {
  private static final int[] SIZES = {32, 300, 4093, 65536};

  /** Boots {@code m}, loads the driver, runs every size both ways, shuts down; what the run left. */
  private static ExpressRoads.End transfers(Machine m, int readrq) {
    StringBuilder out = new StringBuilder();
    Kernel k = Kernel.boot(m);
    try {
      assertEquals(0, k.modules().insmod(new SimpleDmaDriver(), "readrq=" + readrq));
      Process p = k.createProcess("sdma-test");
      long arg = p.mmapAnonymous(4096);
      int fd = p.open("/dev/" + deviceName(0), File.O_RDWR);
      assertTrue(fd >= 0, "open: " + fd);
      for (int size : SIZES) {
        byte[] data = SimpleDmaRig.countingPattern(size, size);
        long user = p.mmapAnonymous(size);
        assertEquals(0, p.mm().write(user, data, 0, size));
        int devOffset = size < 4096 ? 0x123 : 0;
        byte[] to = transfer(p, arg, fd, SDMA_TO_DEVICE, devOffset, user, size);
        long back = p.mmapAnonymous(size);
        byte[] from = transfer(p, arg, fd, SDMA_FROM_DEVICE, devOffset, back, size);
        byte[] got = new byte[size];
        assertEquals(0, p.mm().read(back, got, 0, size));
        assertArrayEquals(data, got, size + " bytes there and back");
        out.append(size).append(": ").append(HexFormat.of().formatHex(to)).append(' ')
            .append(HexFormat.of().formatHex(from)).append('\n');
      }
      assertEquals(0, p.close(fd));
      assertTrue(k.bugs().reports().isEmpty(), k.bugs().reports()::toString);
    } finally {
      k.shutdown();
    }
    return ExpressRoads.end(k, out.toString());
  }

  /** SDMA_IOC_TRANSFER; returns the struct as the driver left it (bus address, elapsed time). */
  private static byte[] transfer(Process p, long arg, int fd, int dir, int devOffset, long user, int len) {
    byte[] req = SimpleDmaUapi.transfer(dir, devOffset, user, len);
    assertEquals(0, p.mm().write(arg, req, 0, req.length));
    assertEquals(0, p.ioctl(fd, SDMA_IOC_TRANSFER, arg), "transfer of " + len);
    byte[] b = new byte[SDMA_TRANSFER_SIZE];
    assertEquals(0, p.mm().read(arg, b, 0, b.length));
    return b;
  }

  private static Machine machineWithCardIn(String slot) {
    Machine m = Machine.createDefault();
    m.slot(slot).plug(new SimpleDmaDevice());
    return m;
  }

  /**
   * What the express moved, in order, on a card whose MRRS is {@code mrrs}: each size is read by the
   * card (SDMA_TO_DEVICE), then written back (SDMA_FROM_DEVICE), each as one dmaRead or dmaWrite of
   * a buffer mapped as one region, so the kernel's checks take it whole, as one run of its requests.
   * A write whose length is not whole DWs (4093) cannot go whole: its 15 MWrs of 256 bytes (MPS) go
   * one by one by express, its last one of 253 bytes as a TLP.
   */
  private static List<String> expectedShapes(int mrrs) {
    List<String> out = new ArrayList<>();
    for (int size : SIZES) {
      out.add(size <= mrrs ? "DEVICE_READ x1 <=" + (size + 3) / 4 * 4
          : "DEVICE_READ x" + (size + mrrs - 1) / mrrs + " <=" + mrrs);
      if (size % 4 != 0) {
        out.addAll(Collections.nCopies(size / 256, "DEVICE_WRITE x1 <=256"));
      } else {
        out.add(size <= 256 ? "DEVICE_WRITE x1 <=" + size : "DEVICE_WRITE x" + (size + 255) / 256 + " <=256");
      }
    }
    return out;
  }

  @ParameterizedTest(name = "card in {0}, readrq={1}")
  @CsvSource({"switch0/0, 0, 512", "switch0/0, 128, 128", "00:02.0, 0, 512", "00:02.0, 4096, 4096"})
  void transfersEndAlikeWithAndWithoutTheExpress(String slot, int readrq, int mrrs) {
    Machine a = machineWithCardIn(slot);
    ExpressRoads.Watch express = ExpressRoads.watch(a, false);
    ExpressRoads.End e = transfers(a, readrq);
    Machine b = machineWithCardIn(slot);
    ExpressRoads.Watch road = ExpressRoads.watch(b, true);
    ExpressRoads.End r = transfers(b, readrq);
    ExpressRoads.assertSameEnd(e, express, r, road);
    assertEquals(expectedShapes(mrrs), express.spy.shapes());
  }
}
