package dev.driverlab.userland.programs;

import dev.driverlab.userland.libc.Libc;

/**
 * {@code pcimem}: reads or writes one word of a BAR through sysfs {@code resourceN}, as the common
 * pcimem tool does: open the resource file, mmap it, load or store at the offset.
 *
 * <pre>
 *   pcimem /sys/bus/pci/devices/0000:03:00.0/resource0 0x4 w            read a 32-bit word
 *   pcimem /sys/bus/pci/devices/0000:03:00.0/resource0 0x4 w 0x12345678 write it, read it back
 * </pre>
 * Types: b (8 bits), h (16), w (32), d (64).
 */
public final class Pcimem implements Program {
  static final String USAGE = String.join("\n",
      "usage: pcimem { sysfile } { offset } [ type [ data ] ]",
      "  sysfile: /sys/bus/pci/devices/<BDF>/resource<N>",
      "  offset : offset into the BAR (decimal or 0x hex)",
      "  type   : access width: [b]yte, [h]alfword, [w]ord (default), [d]ouble-word",
      "  data   : value to write (otherwise the word is read)");

  @Override
  public int main(Libc c, String[] args) {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      c.stdout().println(USAGE);
      return 0;
    }
    if (args.length < 2 || args.length > 4) {
      c.stderr().println(USAGE);
      return 2;
    }
    long offset;
    long data = 0;
    try {
      offset = Long.decode(args[1]);
      if (args.length == 4) {
        data = Long.decode(args[3]);
      }
    } catch (NumberFormatException e) {
      c.stderr().println("pcimem: not a number: " + e.getMessage());
      return 2;
    }
    char type = args.length >= 3 ? args[2].charAt(0) : 'w';
    int size = switch (type) {
      case 'b' -> 1;
      case 'h' -> 2;
      case 'w' -> 4;
      case 'd' -> 8;
      default -> -1;
    };
    if (size < 0 || args.length >= 3 && args[2].length() != 1) {
      c.stderr().println("pcimem: illegal data type '" + args[2] + "' (use b, h, w or d)");
      return 2;
    }
    if (offset < 0 || offset % size != 0) {
      c.stderr().println("pcimem: offset " + args[1] + " is not aligned to the " + size + "-byte access");
      return 2;
    }
    int fd = c.open(args[0], args.length == 4 ? Libc.O_RDWR : Libc.O_RDONLY);
    if (fd < 0) {
      c.perror("pcimem: " + args[0]);
      return 1;
    }
    try {
      long page = offset & ~4095L;
      long map = c.mmap(4096, Libc.PROT_READ | Libc.PROT_WRITE, fd, page);
      if (map == Libc.MAP_FAILED) {
        c.perror("pcimem: mmap");
        return 1;
      }
      c.stdout().printf("%s opened.%n", args[0]);
      long virt = map + (offset - page);
      c.stdout().printf("Target offset is 0x%x, page size is 4096%n", offset);
      if (args.length == 4) {
        c.store(virt, data, size);
        long back = c.load(virt, size);
        c.stdout().printf("Written 0x%0" + (2 * size) + "X; readback 0x%0" + (2 * size) + "X%n", data, back);
      } else {
        long v = c.load(virt, size);
        c.stdout().printf("Value at offset 0x%X (0x%x): 0x%0" + (2 * size) + "X%n", offset, virt, v);
      }
      c.munmap(map);
      return 0;
    } finally {
      c.close(fd);
    }
  }
}
