package dev.driverlab.devices.pcie.tlp;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Renders TLPs as protocol-analyzer lines. The format is stable (tests and the trace viewer rely on
 * it); change it only with its tests.
 *
 * <pre>
 *  line:     TTTTTT.ttt us  DIR   TYPE   fields [flags] [data]
 *  e.g.        1234.567 us  DOWN  MRd    req=00:00.0 tag=05 addr=00000000fe000000 len=1 be=f/0
 *              1235.002 us  UP    CplD   cpl=01:00.0 req=00:00.0 tag=05 st=SC bc=4 la=00 len=1 data=78 56 34 12
 * </pre>
 * <ul>
 *   <li>time: virtual nanoseconds as microseconds with three decimals, right-aligned in 10 columns;
 *   <li>DIR: {@code UP} or {@code DOWN}, left-aligned in 4 columns; with a link name the name comes
 *       first, left-aligned in 8 columns ({@code rp0       DOWN  MRd ...});
 *   <li>TYPE: the mnemonic ({@link TlpType#mnemonic()}) left-aligned in 6 columns, then a space;
 *   <li>fields, all hex except {@code len} (DW) and {@code bc} (bytes):
 *     <ul>
 *       <li>MRd/MRdLk/MWr: {@code req tag addr(16 digits) len be=first/last};
 *       <li>IORd/IOWr: {@code req tag addr(8 digits) len be};
 *       <li>CfgRd/CfgWr: {@code req tag dev reg(3 digits) be};
 *       <li>Cpl*: {@code cpl req tag st bc la}, plus {@code len} when it carries data;
 *       <li>Msg/MsgD: {@code req tag code(name) route}, then {@code addr} (routing 1), {@code to}
 *           (routing 2) or {@code bytes} (any other routing, when bytes 8..15 are not zero), plus
 *           {@code len} for MsgD;
 *     </ul>
 *   <li>flags, each only when set: {@code tc=N}, {@code attr=IDO+RO+NS} (the set bits),
 *       {@code th ph=N}, {@code td}, {@code EP}, {@code at=N}, {@code bcm};
 *   <li>data: the payload as the wire carries it (whole DWs), bytes in address order, hex, space
 *       separated, at most 16 then {@code ...}.
 * </ul>
 */
public final class AnalyzerText {
  private AnalyzerText() {}

  /** Payload bytes shown before {@code ...}. */
  public static final int DATA_BYTES_SHOWN = 16;

  /** One analyzer line without a link name. */
  public static String line(long timeNs, LinkDirection dir, Tlp tlp) {
    StringBuilder sb = new StringBuilder(96);
    appendTime(sb, timeNs);
    appendDir(sb, dir);
    appendTlp(sb, tlp);
    return sb.toString();
  }

  /** One analyzer line with the link's name before the direction. */
  public static String line(long timeNs, LinkDirection dir, String linkName, Tlp tlp) {
    Objects.requireNonNull(linkName, "linkName");
    StringBuilder sb = new StringBuilder(104);
    appendTime(sb, timeNs);
    pad(sb.append(linkName), linkName.length(), 8).append("  ");
    appendDir(sb, dir);
    appendTlp(sb, tlp);
    return sb.toString();
  }

  /** The TLP alone: mnemonic, fields, flags, data ({@link Tlp#toString()}). */
  public static String describe(Tlp tlp) {
    StringBuilder sb = new StringBuilder(80);
    appendTlp(sb, tlp);
    return sb.toString();
  }

  /** An observer that hands each TLP's {@link #line(long, LinkDirection, String, Tlp)} to {@code sink}. */
  public static TlpObserver printingTo(Consumer<String> sink) {
    Objects.requireNonNull(sink, "sink");
    return new TlpObserver() {
      @Override
      public void onTlp(long timeNs, LinkDirection dir, String linkName, Tlp tlp) {
        sink.accept(line(timeNs, dir, linkName, tlp));
      }

      @Override
      public boolean keepsTlps() {
        return false; // the line is rendered during the call
      }
    };
  }

  private static void appendTime(StringBuilder sb, long timeNs) {
    if (timeNs < 0) {
      throw new IllegalArgumentException("negative time: " + timeNs + " ns");
    }
    String us = Long.toString(timeNs / 1000);
    for (int i = us.length(); i < 6; i++) {
      sb.append(' ');
    }
    long frac = timeNs % 1000;
    sb.append(us).append('.');
    sb.append((char) ('0' + frac / 100)).append((char) ('0' + frac / 10 % 10))
        .append((char) ('0' + frac % 10));
    sb.append(" us  ");
  }

  private static void appendDir(StringBuilder sb, LinkDirection dir) {
    Objects.requireNonNull(dir, "dir");
    sb.append(dir == LinkDirection.UPSTREAM ? "UP    " : "DOWN  ");
  }

  private static StringBuilder pad(StringBuilder sb, int written, int width) {
    for (int i = written; i < width; i++) {
      sb.append(' ');
    }
    return sb;
  }

  private static void appendTlp(StringBuilder sb, Tlp t) {
    TlpType type = t.type();
    String m = type.mnemonic();
    pad(sb.append(m), m.length(), 6).append(' ');
    switch (type.layout) {
      case MEMORY:
      case IO:
        sb.append("req=").append(t.requester());
        hex(sb.append(" tag="), t.tag(), 2);
        hex(sb.append(" addr="), t.address(), type.isMemory() ? 16 : 8);
        sb.append(" len=").append(t.lengthDw());
        hex(sb.append(" be="), t.firstBe(), 1);
        hex(sb.append('/'), t.lastBe(), 1);
        break;
      case CONFIG:
        sb.append("req=").append(t.requester());
        hex(sb.append(" tag="), t.tag(), 2);
        sb.append(" dev=").append(t.target());
        hex(sb.append(" reg="), t.register(), 3);
        hex(sb.append(" be="), t.firstBe(), 1);
        break;
      case COMPLETION:
        sb.append("cpl=").append(t.completer());
        sb.append(" req=").append(t.requester());
        hex(sb.append(" tag="), t.tag(), 2);
        sb.append(" st=").append(t.status().name());
        sb.append(" bc=").append(t.byteCount());
        hex(sb.append(" la="), t.lowerAddress(), 2);
        if (type.hasData()) {
          sb.append(" len=").append(t.lengthDw());
        }
        break;
      case MESSAGE:
        sb.append("req=").append(t.requester());
        hex(sb.append(" tag="), t.tag(), 2);
        hex(sb.append(" code="), t.messageCode(), 2);
        String name = MessageCode.name(t.messageCode());
        if (name != null) {
          sb.append('(').append(name).append(')');
        }
        sb.append(" route=").append(MessageCode.routingName(t.messageRouting()));
        if (t.messageRouting() == MessageCode.ROUTE_BY_ADDRESS) {
          hex(sb.append(" addr="), t.address(), 16);
        } else if (t.messageRouting() == MessageCode.ROUTE_BY_ID) {
          sb.append(" to=").append(t.routingId());
        } else if (t.messageBytes8to15() != 0) {
          hex(sb.append(" bytes="), t.messageBytes8to15(), 16);
        }
        if (type.hasData()) {
          sb.append(" len=").append(t.lengthDw());
        }
        break;
      default:
        throw new AssertionError(type);
    }
    appendFlags(sb, t);
    if (t.payloadLength() > 0) {
      sb.append(" data=");
      int shown = Math.min(DATA_BYTES_SHOWN, t.payloadLength());
      for (int i = 0; i < shown; i++) {
        if (i > 0) {
          sb.append(' ');
        }
        hex(sb, t.payloadByte(i), 2);
      }
      if (t.payloadLength() > shown) {
        sb.append(" ...");
      }
    }
  }

  private static void appendFlags(StringBuilder sb, Tlp t) {
    if (t.tc() != 0) {
      sb.append(" tc=").append(t.tc());
    }
    if (t.attr() != 0) {
      sb.append(" attr=");
      String sep = "";
      if ((t.attr() & 4) != 0) {
        sb.append("IDO");
        sep = "+";
      }
      if ((t.attr() & 2) != 0) {
        sb.append(sep).append("RO");
        sep = "+";
      }
      if ((t.attr() & 1) != 0) {
        sb.append(sep).append("NS");
      }
    }
    if (t.th()) {
      sb.append(" th ph=").append(t.ph());
    }
    if (t.td()) {
      sb.append(" td");
    }
    if (t.ep()) {
      sb.append(" EP");
    }
    if (t.at() != 0) {
      sb.append(" at=").append(t.at());
    }
    if (t.type().completion() && t.bcm()) {
      sb.append(" bcm");
    }
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private static StringBuilder hex(StringBuilder sb, long value, int digits) {
    int n = Math.max(digits, (64 - Long.numberOfLeadingZeros(value) + 3) / 4);
    for (int i = n - 1; i >= 0; i--) {
      sb.append(HEX[(int) (value >>> (4 * i)) & 0xf]);
    }
    return sb;
  }
}
