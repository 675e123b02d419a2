package dev.driverlab.userland.programs;

import static dev.driverlab.kernel.uapi.Ioctl._IOR;
import static dev.driverlab.kernel.uapi.Ioctl._IOW;

import dev.driverlab.userland.libc.Libc;

/**
 * The user side of the myioctl example (shared/reference/seed-examples.md §1): opens /dev/myioctl,
 * GET, SET 456, GET, printing the three lines; "open: &lt;strerror&gt;" and status 1 on failure.
 */
public final class MyIoctlProgram implements Program {
  static final int MY_IOCTL_GET = _IOR('x', 0, 4);
  static final int MY_IOCTL_SET = _IOW('x', 1, 4);

  @Override
  public int main(Libc c, String[] args) {
    if (args.length > 0) {
      c.stderr().println("usage: myioctl (no arguments): GET, SET 456, GET on /dev/myioctl");
      return 2;
    }
    int fd = c.open("/dev/myioctl", Libc.O_RDWR);
    if (fd < 0) {
      c.perror("open");
      return 1;
    }
    long value = c.malloc(4);
    try {
      if (c.ioctl(fd, MY_IOCTL_GET, value) < 0) {
        c.perror("ioctl GET");
        return 1;
      }
      c.stdout().println("Current kernel value: " + c.getInt(value));
      c.putInt(value, 456);
      if (c.ioctl(fd, MY_IOCTL_SET, value) < 0) {
        c.perror("ioctl SET");
        return 1;
      }
      c.stdout().println("Value set to: " + c.getInt(value));
      if (c.ioctl(fd, MY_IOCTL_GET, value) < 0) {
        c.perror("ioctl GET");
        return 1;
      }
      c.stdout().println("New kernel value: " + c.getInt(value));
      return 0;
    } finally {
      c.free(value);
      c.close(fd);
    }
  }
}
