package dev.driverlab.bench;

import dev.driverlab.devices.Machine;
import dev.driverlab.drivers.myioctl.MyIoctl;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.fs.Chrdev;
import dev.driverlab.kernel.fs.File;
import dev.driverlab.kernel.proc.Process;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a test or a {@code driverlab} command pays before it can do anything: a whole machine from
 * nothing to a user process's first ioctl, and back down.
 *
 * <pre>
 *   Machine.createDefault ─► Kernel.boot (enumerate 1 switch + 5 slots through ECAM) ─► insmod myioctl
 *     ─► createProcess ─► mknod /dev/myioctl c 240 0 ─► mmap a page ─► open ─► ioctl(MY_IOCTL_GET)
 *     ─► copy_to_user ─► read the int back (must be 123) ─► close ─► rmmod ─► shutdown
 * </pre>
 *
 * {@link #machineOnly} and {@link #bootShutdown} split the cost. Target: {@link #bootToIoctl} ≤ 5 ms/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class BootBench {
  /** The default machine alone (RAM map, fabric, switch, slots). */
  @Benchmark
  public Machine machineOnly() {
    return Machine.createDefault();
  }

  /** Boot (enumeration, dmesg, special files) and shutdown, nothing loaded. */
  @Benchmark
  public String bootShutdown() {
    Kernel k = Kernel.boot(Machine.createDefault());
    String release = Kernel.RELEASE;
    k.shutdown();
    return release;
  }

  /** The whole road; returns the value the ioctl copied out (checked: 123). */
  @Benchmark
  public int bootToIoctl() {
    Kernel k = Kernel.boot(Machine.createDefault());
    try {
      Checks.zero(k.modules().insmod(new MyIoctl()), "insmod myioctl");
      Process p = k.createProcess("myioctl");
      Checks.zero(p.mknod("/dev/myioctl", Chrdev.MKDEV(MyIoctl.MAJOR_NUM, 0)), "mknod /dev/myioctl");
      long buf = p.mmapAnonymous(4096);
      Checks.state(buf > 0, "mmap of one page failed: " + buf);
      int fd = p.open("/dev/myioctl", File.O_RDWR);
      Checks.state(fd >= 0, "open /dev/myioctl failed: " + fd);
      Checks.zero(p.ioctl(fd, MyIoctl.MY_IOCTL_GET, buf), "ioctl MY_IOCTL_GET");
      byte[] b = new byte[4];
      Checks.zero(p.mm().read(buf, b, 0, 4), "reading the user buffer");
      int v = (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
      Checks.equal(123, v, "MY_IOCTL_GET value");
      Checks.zero(p.close(fd), "close");
      p.exit();
      Checks.zero(k.modules().rmmod(MyIoctl.DEVICE_NAME), "rmmod myioctl");
      return v;
    } finally {
      k.shutdown();
    }
  }
}
