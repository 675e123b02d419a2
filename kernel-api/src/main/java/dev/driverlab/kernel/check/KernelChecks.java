package dev.driverlab.kernel.check;

import dev.driverlab.devices.pcie.check.FabricTopology;
import dev.driverlab.devices.pcie.check.ProtocolViolation;
import dev.driverlab.devices.pcie.check.TlpProtocolChecker;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The cross-cutting driver-bug checks of one kernel, and their state. The checks that live inside a
 * subsystem (DMA-API debugging in {@code DmaCore}, MMIO checks in {@code Io}, IRQ checks in
 * {@code IrqCore}, leak lists at remove and rmmod) need nothing from here; these need a view across
 * rooms or a hook at a boundary:
 *
 * <pre>
 *   every TLP on every link ──► {@link DmaTlpCheck}: device DMA joined with the live DMA mappings
 *                           └─► TlpProtocolChecker (devices room) ──► {@link ProtocolReports}
 *   fabric error lines     ──► DmaTlpCheck: DMA/MSI refused for lack of Bus Master Enable
 *   syscall exit           ──► {@link UserReturnCheck}: locks held, IRQs off on return to user space
 *   ioctl, copy_*_user     ──► {@link UsercopyCheck}: sizes against the command's encoding
 *   kernel fault on a user address ──► UsercopyCheck: user pointer dereferenced
 *   iounmap                ──► {@link #unmappedIo}: history for "use after iounmap" oopses
 *   shutdown               ──► {@link #finish}: requests never completed on the links
 * </pre>
 *
 * <p>{@link #install} runs at boot ({@code Kernel.start}) and puts the bus-side checks on the
 * machine; it is idempotent, so a test may call it on a kernel whose boot already did. The boundary
 * hooks and the MMIO checks need only the state, {@link #of}. Until {@code Kernel} holds its
 * instance, instances are found through a weak per-kernel table (no state is shared between kernels).
 */
public final class KernelChecks {

  /**
   * The check the link's protocol violations are reported under: {@code Check.PCIE} once the
   * catalogue of checks has it, {@code Check.WARN} until then.
   */
  public static final Check PROTOCOL_CHECK = ProtocolReports.CHECK;
  /** How many unmapped iomem areas are remembered for "after iounmap" reports. */
  static final int IO_HISTORY = 64;

  /** An iomem mapping that was undone: which device and BAR it showed, and where it was undone. */
  public record UnmappedIo(long va, long size, Object device, int bar, String mappedAt, String unmappedAt) {
    public boolean contains(long addr) {
      return addr >= va && addr < va + size;
    }
  }

  private final Kernel kernel;
  private final DmaTlpCheck dmaTlp;
  private final TlpProtocolChecker protocol;
  private final UserReturnCheck userReturn;
  private final UsercopyCheck usercopy;
  private final ArrayDeque<UnmappedIo> unmappedIo = new ArrayDeque<>();

  private boolean observing;

  private KernelChecks(Kernel kernel) {
    this.kernel = kernel;
    this.dmaTlp = new DmaTlpCheck(kernel);
    this.protocol = new TlpProtocolChecker(FabricTopology.of(kernel.machine()));
    this.userReturn = new UserReturnCheck(kernel);
    this.usercopy = new UsercopyCheck(kernel);
    protocol.addListener(new ProtocolReports(kernel));
  }

  /**
   * Installs the checks on {@code kernel}'s machine: the TLP observers and the fabric error sink
   * (once; later calls return the same instance). Call at boot, after the kernel's own error sink
   * (so the fabric's line precedes the report in dmesg) and before devices are probed.
   */
  public static KernelChecks install(Kernel kernel) {
    KernelChecks c = of(kernel);
    synchronized (c) {
      if (!c.observing) {
        c.observing = true;
        kernel.machine().fabric().addObserver(c.dmaTlp);
        // The link protocol checker looks at every TLP on every link (an MMIO read behind the switch is four
        // checks); -Ddriverlab.protocolCheck=false leaves it out (benchmarks of the sandbox itself). On by
        // default: a broken device model fails loudly.
        if (!"false".equals(System.getProperty("driverlab.protocolCheck"))) {
          kernel.machine().fabric().addObserver(c.protocol);
        }
        kernel.machine().fabric().addErrorSink(c.dmaTlp::onFabricError);
      }
    }
    return c;
  }

  /**
   * The checks' state for {@code kernel}, created on first use. This alone watches nothing on the
   * bus: the hooks and the MMIO checks use it whether or not {@link #install} ran.
   */
  public static KernelChecks of(Kernel kernel) {
    return kernel.attachment(KernelChecks.class, KernelChecks::new);
  }

  /** Whether {@link #install} has run for {@code kernel}. */
  public static boolean installed(Kernel kernel) {
    KernelChecks c = kernel.attachmentOrNull(KernelChecks.class);
    if (c == null) {
      return false;
    }
    synchronized (c) {
      return c.observing;
    }
  }

  public DmaTlpCheck dmaTlp() {
    return dmaTlp;
  }

  /** The link protocol checker (its violations are reported as kernel bugs as they happen). */
  public TlpProtocolChecker protocol() {
    return protocol;
  }

  public UserReturnCheck userReturn() {
    return userReturn;
  }

  public UsercopyCheck usercopy() {
    return usercopy;
  }

  /**
   * The end of the run ({@code Kernel.shutdown}): every non-posted request still outstanding on a
   * link never got its completion, and is reported. Returns all protocol violations of the run.
   */
  public List<ProtocolViolation> finish() {
    return protocol.finish(kernel.machine().clock().nowNs());
  }

  // ---- iomem history ---------------------------------------------------------------------------

  /** Records an iomem mapping being undone (Io.iounmap, before the page table forgets it). */
  public synchronized void unmappedIo(UnmappedIo u) {
    unmappedIo.addLast(u);
    if (unmappedIo.size() > IO_HISTORY) {
      unmappedIo.removeFirst();
    }
  }

  /** The most recently undone iomem mapping that covered {@code addr}, or null. */
  public synchronized UnmappedIo unmappedIoAt(long addr) {
    UnmappedIo hit = null;
    for (UnmappedIo u : unmappedIo) {
      if (u.contains(addr)) {
        hit = u;
      }
    }
    return hit;
  }
}
