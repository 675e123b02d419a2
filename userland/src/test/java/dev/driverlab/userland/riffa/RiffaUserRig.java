package dev.driverlab.userland.riffa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.drivers.riffa.RiffaDriver;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.check.KernelChecks;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.userland.libc.Libc;
import dev.driverlab.userland.programs.Program;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The default machine with RIFFA cards plugged in (switch slots first), the kernel booted, riffa.ko
 * loaded (unless told not to) and one process with a libc whose stdout and stderr are captured.
 */
final class RiffaUserRig implements AutoCloseable {
  final Machine m = Machine.createDefault();
  final Kernel k;
  final Process p;
  final Libc c;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final Kernel.Scope scope;

  RiffaUserRig(boolean loadDriver, PciDeviceModel... cards) {
    for (PciDeviceModel card : cards) {
      m.plug(card);
    }
    k = Kernel.boot(m);
    KernelChecks.install(k); // device DMA joined with the driver's live mappings (DMA-TLP), usercopy sizes
    if (loadDriver) {
      assertEquals(0, k.modules().insmod(new RiffaDriver()));
    }
    p = k.createProcess("riffa-app");
    c = new Libc(p, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    scope = k.enter();
  }

  RiffaUserRig(PciDeviceModel... cards) {
    this(true, cards);
  }

  /** Runs a program in this process (as the shell does) and returns its exit status. */
  int run(Program prog, String... args) {
    out.reset();
    err.reset();
    return prog.main(c, args);
  }

  String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  void assertNoBugs() {
    assertTrue(k.bugs().reports().isEmpty(), () -> "bug reports: " + k.bugs().reports());
  }

  @Override
  public void close() {
    scope.close();
    k.shutdown();
  }

  /** 1, 2, ..., n. */
  static int[] counting(int n) {
    int[] w = new int[n];
    for (int i = 0; i < n; i++) {
      w[i] = i + 1;
    }
    return w;
  }

  /** chnl_tester's reply to 1..n with b words per beat (riffa.md §5.4). */
  static int[] chnlTesterReply(int n, int b) {
    int[] w = new int[n];
    int kk = (n - 1) / b;
    for (int j = 0; j < b && j < n; j++) {
      int v = kk * b + 1 + j;
      w[j] = v <= n ? v : 0;
    }
    for (int i = b; i < n; i++) {
      w[i] = i + 1;
    }
    return w;
  }
}
