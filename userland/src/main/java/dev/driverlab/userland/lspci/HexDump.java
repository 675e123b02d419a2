package dev.driverlab.userland.lspci;

/**
 * The {@code -x} hex dump: 16 bytes a line, each line led by its offset (lspci.c
 * {@code show_hex_dump}). {@code -x} shows the standard header (64 bytes, 128 for CardBus),
 * {@code -xxx} 256 bytes and {@code -xxxx} 4096, each only when that much can be read; otherwise
 * the smaller amount.
 */
final class HexDump {
  private HexDump() {}

  static void print(Out out, ConfigView d, int level) {
    if (d.noConfigAccess) {
      out.p("WARNING: Cannot show hex-dump of the config space\n");
      return;
    }
    int count = d.configCached;
    if (level >= 3 && d.fetch(count, 256 - count)) {
      count = 256;
      if (level >= 4 && d.fetch(256, 4096 - 256)) {
        count = 4096;
      }
    }
    for (int i = 0; i < count; i++) {
      if ((i & 15) == 0) {
        out.f("%02x:", i);
      }
      out.f(" %02x", d.cfgByte(i));
      if ((i & 15) == 15) {
        out.nl();
      }
    }
  }
}
