package dev.driverlab.userland.lspci;

/** What every decoder needs while printing one function: the sink, the bytes, the options. */
final class DecodeContext {
  final Out out;
  final ConfigView d;
  final int verbose;
  final NameFormatter names;

  DecodeContext(Out out, ConfigView d, int verbose, NameFormatter names) {
    this.out = out;
    this.d = d;
    this.verbose = verbose;
    this.names = names;
  }

  /** lspci's config_fetch on this function. */
  boolean fetch(int pos, int len) {
    return d.fetch(pos, len);
  }

  int b(int pos) {
    return d.cfgByte(pos);
  }

  int w(int pos) {
    return d.cfgWord(pos);
  }

  int l(int pos) {
    return d.cfgLong(pos);
  }

  Out f(String fmt, Object... args) {
    return out.f(fmt, args);
  }

  Out p(String s) {
    return out.p(s);
  }
}
