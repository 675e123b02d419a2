package dev.driverlab.devices.pcie.tlp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TlpTest {
  private static final PcieId RC = new PcieId(0, 0, 0);
  private static final PcieId EP = new PcieId(1, 0, 0);
  private static final PcieId FAR = new PcieId(2, 3, 1);

  // -------------------------------------------------------------------------------------------
  // golden dwords

  @Test
  void memReadOfTheTutorialsBufferEncodesExactly() {
    Tlp rd = Tlp.memRead(EP, /* tag */ 5, 0x001F_F000L, /* bytes */ 32);
    int[] dw = rd.headerDwords();
    assertArrayEquals(new int[] {0x0000_0008, 0x0100_05FF, 0x001F_F000}, dw);
    assertEquals(rd, Tlp.decode(dw, new byte[0]));
    assertEquals(8, rd.lengthDw());
    assertEquals(0xf, rd.firstBe());
    assertEquals(0xf, rd.lastBe());
    assertEquals(32, rd.requestByteLength());
    assertEquals(12, rd.headerBytes());
  }

  @Test
  void memReadAbove4GiBUsesTheFourDwordHeaderAndTenBitTags() {
    Tlp rd = Tlp.memRead(FAR, 0x3ff, 0x1_2345_6780L, 4);
    // Fmt 001, T9 (bit 23) and T8 (bit 19) set, Length 1
    assertArrayEquals(new int[] {0x2088_0001, 0x0219_ff0f, 0x0000_0001, 0x2345_6780},
        rd.headerDwords());
    assertEquals(16, rd.headerBytes());
    assertEquals(0x3ff, Tlp.decode(rd.headerDwords(), null).tag());
    Tlp t9only = Tlp.memRead(FAR, 0x2a5, 0x1000, 4);
    assertEquals(0x0080_0001, t9only.headerDwords()[0]);
    assertEquals(0x0219_a50f, t9only.headerDwords()[1]);
    Tlp t8only = Tlp.memRead(FAR, 0x100, 0x1000, 4);
    assertEquals(0x0008_0001, t8only.headerDwords()[0]);
    assertEquals("tag out of range 0..1023: 1024",
        assertThrows(IllegalArgumentException.class, () -> Tlp.memRead(FAR, 1024, 0, 4))
            .getMessage());
  }

  @Test
  void memWriteEncodesBytesWhereTheWireCarriesThem() {
    Tlp wr = Tlp.memWrite(EP, 0x1001, new byte[] {9, (byte) 0xaa, (byte) 0xbb, 9}, 1, 2);
    assertArrayEquals(new int[] {0x4000_0001, 0x0100_0006, 0x0000_1000}, wr.headerDwords());
    assertArrayEquals(new byte[] {0, (byte) 0xaa, (byte) 0xbb, 0}, wr.payload());
    assertEquals(0x1000, wr.address());
    assertEquals(0x1001, wr.requestFirstByteAddress());
    assertEquals(2, wr.requestByteLength());
    assertEquals(0xbbaa, wr.payloadLe(1, 2));
    assertTrue(wr.type().posted());
  }

  @Test
  void memWriteLeIsTheMmioStorePath() {
    Tlp wr = Tlp.memWriteLe(RC, 0xfe00_0006L, 0xbeef, 2);
    assertEquals(0xc, wr.firstBe());
    assertArrayEquals(new byte[] {0, 0, (byte) 0xef, (byte) 0xbe}, wr.payload());
    assertEquals(0xbeef, wr.payloadLe(2, 2));
    Tlp wide = Tlp.memWriteLe(RC, 0xfe00_0000L, 0x1122_3344_5566_7788L, 8);
    assertEquals(2, wide.lengthDw());
    assertEquals(0x1122_3344_5566_7788L, wide.payloadLe(0, 8));
    assertEquals(wide, Tlp.memWrite(RC, 0xfe00_0000L,
        new byte[] {(byte) 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}, 0, 8));
    assertEquals("size out of range 1..8: 9",
        assertThrows(IllegalArgumentException.class, () -> Tlp.memWriteLe(RC, 0, 0, 9))
            .getMessage());
  }

  @Test
  void configRequestsEncodeBusDeviceFunctionAndRegister() {
    Tlp rd = Tlp.cfgRead(false, RC, 1, EP, 0x10, 0xf);
    assertArrayEquals(new int[] {0x0400_0001, 0x0000_010f, 0x0100_0010}, rd.headerDwords());
    assertArrayEquals(new int[] {0x0500_0001, 0x0000_010f, 0x0100_0010},
        Tlp.cfgRead(true, RC, 1, EP, 0x10, 0xf).headerDwords());
    Tlp wr = Tlp.cfgWrite(true, RC, 2, new PcieId(2, 0x1f, 7), 0x104, 0x3, 0x1234_5678);
    assertArrayEquals(new int[] {0x4500_0001, 0x0000_0203, 0x02ff_0104}, wr.headerDwords());
    assertArrayEquals(new byte[] {0x78, 0x56, 0x34, 0x12}, wr.payload());
    assertEquals(new PcieId(2, 0x1f, 7), wr.target());
    assertEquals(0x104, wr.register());
    assertEquals("register out of range 0..0xffc or not dword aligned: 0x11",
        assertThrows(IllegalArgumentException.class, () -> Tlp.cfgRead(false, RC, 0, EP, 0x11, 1))
            .getMessage());
    assertEquals("register out of range 0..0xffc or not dword aligned: 0x1000",
        assertThrows(IllegalArgumentException.class,
            () -> Tlp.cfgRead(false, RC, 0, EP, 0x1000, 1)).getMessage());
    assertEquals("first_be out of range 0..15: 16",
        assertThrows(IllegalArgumentException.class, () -> Tlp.cfgRead(false, RC, 0, EP, 0, 16))
            .getMessage());
  }

  @Test
  void intxMessagesAreLocalFourDwordMessages() {
    Tlp assertA = Tlp.intx(EP, 1, true);
    assertArrayEquals(new int[] {0x3400_0000, 0x0100_0020, 0, 0}, assertA.headerDwords());
    assertEquals(Tlp.message(EP, MessageCode.ROUTE_LOCAL, MessageCode.ASSERT_INTA, 0), assertA);
    assertEquals(MessageCode.DEASSERT_INTD, Tlp.intx(EP, 4, false).messageCode());
    assertFalse(assertA.routedByAddress());
    assertFalse(assertA.routedById());
    assertEquals("interrupt pin out of range 1..4 (INTA..INTD): 0",
        assertThrows(IllegalArgumentException.class, () -> Tlp.intx(EP, 0, true)).getMessage());
  }

  @Test
  void messagesRouteByAddressOrId() {
    Tlp byId = Tlp.message(RC, MessageCode.ROUTE_BY_ID, MessageCode.VENDOR_DEFINED_TYPE1,
        0x0219_1ab4_0000_0000L);
    assertTrue(byId.routedById());
    assertEquals(FAR, byId.routingId());
    assertEquals(0x3200_0000, byId.headerDwords()[0]);
    assertEquals(0x0219_1ab4, byId.headerDwords()[2]);
    Tlp byAddress = Tlp.message(RC, MessageCode.ROUTE_BY_ADDRESS, 0x7e, 0x1_0000_0000L);
    assertTrue(byAddress.routedByAddress());
    assertEquals(0x1_0000_0000L, byAddress.address());
    assertEquals("address of an address-routed message not dword aligned: 0x2",
        assertThrows(IllegalArgumentException.class,
            () -> Tlp.message(RC, MessageCode.ROUTE_BY_ADDRESS, 0x7e, 2)).getMessage());
    assertEquals("reserved message routing: 0b110",
        assertThrows(IllegalArgumentException.class, () -> Tlp.message(RC, 6, 0, 0)).getMessage());
    assertEquals("message_code out of range 0..255: 256",
        assertThrows(IllegalArgumentException.class, () -> Tlp.message(RC, 0, 256, 0))
            .getMessage());
    Tlp power = Tlp.messageWithData(RC, MessageCode.ROUTE_LOCAL,
        MessageCode.SET_SLOT_POWER_LIMIT, 0, new byte[] {0x19, 0x01});
    assertEquals(1, power.lengthDw());
    assertArrayEquals(new byte[] {0x19, 0x01, 0, 0}, power.payload());
    assertEquals(0x7400_0001, power.headerDwords()[0]);
  }

  // -------------------------------------------------------------------------------------------
  // round trips

  /** At least one TLP of every type, with 3 and 4 DW addresses where the type has both. */
  static List<Tlp> samples() {
    List<Tlp> all = new ArrayList<>();
    Tlp mrd = Tlp.memRead(EP, 7, 0xfe00_0004L, 4);
    Tlp mrd64 = Tlp.memRead(FAR, 0x155, 0x8_0000_0ff0L, 16);
    all.add(mrd);
    all.add(mrd64);
    all.add(Tlp.memRead(EP, 0, 0x2000, 0)); // zero-length read
    all.add(Tlp.memRead(EP, 1, 0x3000, 4096)); // Length field 0 = 1024 DW
    Tlp mrdlk = mrd.withType(TlpType.MRDLK);
    all.add(mrdlk);
    all.add(mrd64.withType(TlpType.MRDLK));
    byte[] data = new byte[300];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7);
    }
    all.add(Tlp.memWrite(EP, 0x1003, data, 5, 9));
    all.add(Tlp.memWrite(FAR, 0xffff_ffff_0000_0100L, data, 0, 300)
        .withTc(5).withAttr(7).withPoisoned(true).withDigest(true));
    Tlp iord = Tlp.ioRead(RC, 3, 0x3f9, 1);
    all.add(iord);
    all.add(Tlp.ioWrite(RC, 4, 0xcf8, data, 0, 4));
    Tlp cfgrd0 = Tlp.cfgRead(false, RC, 9, EP, 0x3c, 0x3);
    Tlp cfgwr1 = Tlp.cfgWrite(true, RC, 10, FAR, 0xffc, 0xf, 0xdead_beef);
    all.add(cfgrd0);
    all.add(Tlp.cfgRead(true, RC, 9, FAR, 0x100, 0xf));
    all.add(Tlp.cfgWrite(false, RC, 10, EP, 0x4, 0x1, 0x6));
    all.add(cfgwr1);
    for (int routing = 0; routing <= 5; routing++) {
      long bytes = routing == MessageCode.ROUTE_BY_ADDRESS ? 0xfee0_0000L
          : routing == MessageCode.ROUTE_BY_ID ? 0x0100_0000_0000_0000L : 0x0102_0304_0506_0708L;
      all.add(Tlp.message(EP, routing, 0x7f, bytes));
    }
    all.add(Tlp.messageWithData(EP, MessageCode.ROUTE_BY_ID, 0x7f, 0x0219_0000_0000_0000L, data));
    all.add(Tlp.completion(mrd, EP, CplStatus.UR));
    all.add(Tlp.completion(cfgwr1, FAR, CplStatus.SC));
    all.add(Tlp.completion(cfgrd0, EP, CplStatus.CRS));
    all.add(Tlp.readCompletion(mrd, EP, 0x1234_5678L));
    all.add(Tlp.readCompletion(iord, EP, 0x55L));
    all.add(Tlp.completionWithData(mrd64, FAR, 16, 0x70, data, 0, 16));
    all.add(Tlp.completionWithData(Tlp.memRead(EP, 2, 0x4000, 4096), RC, 4096, 0, data, 0, 256));
    all.add(Tlp.completion(mrdlk, EP, CplStatus.CA));
    all.add(Tlp.readCompletion(mrdlk, EP, 0xcafe_f00dL));
    return all;
  }

  @Test
  void samplesCoverEveryType() {
    Set<TlpType> seen = EnumSet.noneOf(TlpType.class);
    for (Tlp t : samples()) {
      seen.add(t.type());
    }
    assertEquals(EnumSet.allOf(TlpType.class), seen);
  }

  @Test
  void everyTypeRoundTripsThroughTheWire() {
    for (Tlp t : samples()) {
      int[] dw = t.headerDwords();
      assertEquals(t.headerDwordCount(), dw.length, t.toString());
      Tlp back = Tlp.decode(dw, t.payload());
      assertEquals(t, back, t.toString());
      assertEquals(t.hashCode(), back.hashCode(), t.toString());
      assertArrayEquals(dw, back.headerDwords(), t.toString());
      assertEquals(t.toString(), back.toString());
      int fmt = dw[0] >>> 29;
      assertEquals(t.type().hasData(), (fmt & 2) != 0, t.toString());
      assertEquals(t.type(), TlpType.fromFmtType(fmt, dw[0] >>> 24 & 0x1f));
    }
  }

  @Test
  void fourDwordHeadersOnlyAbove4GiB() {
    assertEquals(3, Tlp.memRead(EP, 0, 0xffff_fffcL, 4).headerDwordCount());
    assertEquals(4, Tlp.memRead(EP, 0, 0x1_0000_0000L, 4).headerDwordCount());
    assertEquals(4, Tlp.memRead(EP, 0, 0xffff_ffff_ffff_f000L, 4).headerDwordCount());
  }

  // -------------------------------------------------------------------------------------------
  // byte enables

  @Test
  void byteEnablesForOneToEightBytesAtEveryAlignment() {
    for (long base : new long[] {0x1000, 0x1ff0, 0x1_0000_0000L}) {
      for (int a = 0; a < 8; a++) {
        for (int n = 1; n <= 8; n++) {
          long addr = base + a;
          Tlp rd = Tlp.memRead(EP, 0, addr, n);
          // expected enables, byte by byte
          long start = addr & ~3L;
          int dws = (int) ((addr + n - 1 - start) / 4 + 1);
          int[] be = new int[dws];
          for (long b = addr; b < addr + n; b++) {
            be[(int) ((b - start) / 4)] |= 1 << ((b - start) % 4);
          }
          String what = "addr=0x" + Long.toHexString(addr) + " n=" + n;
          assertEquals(dws, rd.lengthDw(), what);
          assertEquals(be[0], rd.firstBe(), what);
          assertEquals(dws == 1 ? 0 : be[dws - 1], rd.lastBe(), what);
          assertEquals(start, rd.address(), what);
          assertEquals(n, rd.requestByteLength(), what);
          assertEquals(addr, rd.requestFirstByteAddress(), what);
          assertEquals(rd, Tlp.decode(rd.headerDwords(), null), what);
          byte[] data = new byte[n];
          for (int i = 0; i < n; i++) {
            data[i] = (byte) (0x10 + i);
          }
          Tlp wr = Tlp.memWrite(EP, addr, data, 0, n);
          assertEquals(rd.headerDwords()[1] & 0xff, wr.headerDwords()[1] & 0xff, what);
          assertEquals(dws * 4, wr.payloadLength(), what);
          byte[] back = new byte[n];
          wr.copyPayload((int) (addr - start), back, 0, n);
          assertArrayEquals(data, back, what);
          assertEquals(wr, Tlp.decode(wr.headerDwords(), wr.payload()), what);
        }
      }
    }
  }

  @Test
  void zeroLengthReadHasLengthOneAndNoEnables() {
    Tlp rd = Tlp.memRead(EP, 0, 0x1002, 0);
    assertEquals(1, rd.lengthDw());
    assertEquals(0, rd.firstBe());
    assertEquals(0, rd.lastBe());
    assertEquals(0, rd.requestByteLength());
    assertEquals(0x1000, rd.requestFirstByteAddress());
    Tlp cpl = Tlp.readCompletion(rd, EP, new byte[0], 0);
    assertEquals(1, cpl.byteCount()); // §2.2.9: a zero-length read completes with Byte Count 1
    assertEquals(1, cpl.lengthDw());
  }

  @Test
  void requestsMayNotCrossA4KiBBoundary() {
    assertEquals("MRd of 4 bytes at 0xffe crosses a 4 KiB boundary",
        assertThrows(IllegalArgumentException.class, () -> Tlp.memRead(EP, 0, 0xffe, 4))
            .getMessage());
    assertEquals("MWr of 2 bytes at 0x1_0000_0fff crosses a 4 KiB boundary".replace("_", ""),
        assertThrows(IllegalArgumentException.class,
            () -> Tlp.memWrite(EP, 0x1_0000_0fffL, new byte[2], 0, 2)).getMessage());
    assertEquals("MRd of 4096 bytes at 0x1004 crosses a 4 KiB boundary",
        assertThrows(IllegalArgumentException.class, () -> Tlp.memRead(EP, 0, 0x1004, 4096))
            .getMessage());
    assertEquals(1024, Tlp.memRead(EP, 0, 0x1000, 4096).lengthDw());
    assertEquals(0, Tlp.memRead(EP, 0, 0x1000, 4096).headerDwords()[0] & 0x3ff);
    assertEquals(1, Tlp.memRead(EP, 0, 0xfff, 1).lengthDw());
    assertEquals("MRd byte length out of range 0..4096: 4097",
        assertThrows(IllegalArgumentException.class, () -> Tlp.memRead(EP, 0, 0, 4097))
            .getMessage());
    assertEquals("MRd byte length out of range 0..4096: -1",
        assertThrows(IllegalArgumentException.class, () -> Tlp.memRead(EP, 0, 0, -1))
            .getMessage());
  }

  @Test
  void ioRequestsStayInOneDword() {
    Tlp rd = Tlp.ioRead(RC, 0, 0x3f9, 1);
    assertEquals(0x2, rd.firstBe());
    assertEquals(0x3f8, rd.address());
    assertEquals("IORd of 2 bytes at 0x3fb leaves its dword",
        assertThrows(IllegalArgumentException.class, () -> Tlp.ioRead(RC, 0, 0x3fb, 2))
            .getMessage());
    assertEquals("I/O address not a dword address below 4 GiB: 0x100000000",
        assertThrows(IllegalArgumentException.class, () -> Tlp.ioRead(RC, 0, 0x1_0000_0000L, 4))
            .getMessage());
    assertEquals("tc must be 0 for IORd: 1",
        assertThrows(IllegalArgumentException.class, () -> rd.withTc(1)).getMessage());
  }

  // -------------------------------------------------------------------------------------------
  // conversions and completions

  @Test
  void typeOneConfigBecomesTypeZeroAtTheTargetBus() {
    Tlp type1 = Tlp.cfgRead(true, RC, 4, new PcieId(3, 0, 0), 0x0, 0xf);
    Tlp type0 = type1.withType(TlpType.CFGRD0);
    assertEquals(TlpType.CFGRD0, type0.type());
    assertEquals(Tlp.cfgRead(false, RC, 4, new PcieId(3, 0, 0), 0x0, 0xf), type0);
    int[] a = type1.headerDwords();
    int[] b = type0.headerDwords();
    assertEquals(0x0500_0001, a[0]);
    assertEquals(0x0400_0001, b[0]);
    assertEquals(a[1], b[1]);
    assertEquals(a[2], b[2]);
    Tlp wr1 = Tlp.cfgWrite(true, RC, 4, EP, 0x10, 0xf, -1);
    assertEquals(Tlp.cfgWrite(false, RC, 4, EP, 0x10, 0xf, -1), wr1.withType(TlpType.CFGWR0));
    assertSame(type0, type0.withType(TlpType.CFGRD0));
    assertEquals("cannot convert CfgRd1 to CfgWr0: header layout or data differ",
        assertThrows(IllegalArgumentException.class, () -> type1.withType(TlpType.CFGWR0))
            .getMessage());
    Tlp mwr = Tlp.memWrite(EP, 0, new byte[4], 0, 4);
    assertEquals("cannot convert MWr to MRd: header layout or data differ",
        assertThrows(IllegalArgumentException.class, () -> mwr.withType(TlpType.MRD))
            .getMessage());
  }

  @Test
  void unsupportedRequestCompletionCopiesTheRequest() {
    Tlp rd = Tlp.memRead(EP, 5, 0xfe00_0002L, 2).withTc(2).withAttr(2);
    Tlp ur = Tlp.completion(rd, RC, CplStatus.UR);
    assertEquals(TlpType.CPL, ur.type());
    assertEquals(CplStatus.UR, ur.status());
    assertEquals(EP, ur.requester());
    assertEquals(RC, ur.completer());
    assertEquals(5, ur.tag());
    assertEquals(2, ur.tc());
    assertEquals(2, ur.attr());
    assertEquals(2, ur.byteCount());
    assertEquals(0x02, ur.lowerAddress());
    assertEquals(0, ur.lengthDw());
    assertEquals(EP, ur.routingId());
    assertTrue(ur.routedById());
    assertArrayEquals(new int[] {0x0a20_2000, 0x0000_2002, 0x0100_0502}, ur.headerDwords());
  }

  @Test
  void configAndIoCompletionsCarryByteCountFourAndLowerAddressZero() {
    Tlp wr = Tlp.cfgWrite(false, RC, 1, EP, 0x4, 0x1, 6);
    Tlp cpl = Tlp.completion(wr, EP, CplStatus.SC);
    assertEquals(4, cpl.byteCount());
    assertEquals(0, cpl.lowerAddress());
    Tlp rd = Tlp.cfgRead(false, RC, 1, EP, 0x0, 0xf);
    Tlp cpld = Tlp.completionWithData(rd, EP, 4, 0, new byte[] {(byte) 0x86, (byte) 0x80, 0x34,
        0x12}, 0, 4);
    assertArrayEquals(new int[] {0x4a00_0001, 0x0100_0004, 0x0000_0100}, cpld.headerDwords());
    assertEquals(0x1234_8086L, cpld.payloadLe(0, 4));
    assertEquals(cpld, Tlp.readCompletion(rd, EP, 0x1234_8086L));
    assertEquals("a CfgRd0 completion has byte_count 4, lower_address 0 and at most 4 data bytes: "
            + "byte_count=2 lower_address=0x0 len=2",
        assertThrows(IllegalArgumentException.class,
            () -> Tlp.completionWithData(rd, EP, 2, 0, new byte[2], 0, 2)).getMessage());
  }

  @Test
  void completionWithDataTakesLengthFromLowerAddressAlignment() {
    Tlp rd = Tlp.memRead(EP, 3, 0x1003, 6);
    assertEquals(3, rd.lengthDw());
    assertEquals(0x8, rd.firstBe());
    assertEquals(0x1, rd.lastBe());
    byte[] data = {1, 2, 3, 4, 5, 6};
    Tlp cpld = Tlp.readCompletion(rd, RC, data, 0);
    assertEquals(6, cpld.byteCount());
    assertEquals(0x03, cpld.lowerAddress());
    assertEquals(3, cpld.lengthDw());
    assertArrayEquals(new byte[] {0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0}, cpld.payload());
    // a split: the first of several completions of a 4 KiB read, 64 bytes
    Tlp big = Tlp.memRead(EP, 3, 0x2000, 4096);
    Tlp first = Tlp.completionWithData(big, RC, 4096, 0, new byte[64], 0, 64);
    assertEquals(16, first.lengthDw());
    assertEquals(0, first.headerDwords()[1] & 0xfff); // Byte Count 4096 encodes as 0
    assertEquals(4096, Tlp.decode(first.headerDwords(), first.payload()).byteCount());
    assertEquals("data length 8 exceeds byte_count 4",
        assertThrows(IllegalArgumentException.class,
            () -> Tlp.completionWithData(rd, RC, 4, 0, new byte[8], 0, 8)).getMessage());
    assertEquals("byte_count out of range 1..4096: 0",
        assertThrows(IllegalArgumentException.class,
            () -> Tlp.completionWithData(rd, RC, 0, 0, new byte[8], 0, 0)).getMessage());
    assertEquals("lower_address out of range 0..0x7f: 0x80",
        assertThrows(IllegalArgumentException.class,
            () -> Tlp.completionWithData(rd, RC, 4, 0x80, new byte[8], 0, 4)).getMessage());
    assertEquals("a value completion carries at most 8 bytes, MRd asks for 4096",
        assertThrows(IllegalArgumentException.class, () -> Tlp.readCompletion(big, RC, 0L))
            .getMessage());
  }

  @Test
  void completionsRefuseWhatTheSpecForbids() {
    Tlp rd = Tlp.memRead(EP, 0, 0x1000, 4);
    Tlp wr = Tlp.memWrite(EP, 0x1000, new byte[4], 0, 4);
    assertEquals("only non-posted requests get completions, not MWr",
        assertThrows(IllegalArgumentException.class, () -> Tlp.completion(wr, RC, CplStatus.UR))
            .getMessage());
    assertEquals("a successful completion of MRd carries data: use completionWithData",
        assertThrows(IllegalArgumentException.class, () -> Tlp.completion(rd, RC, CplStatus.SC))
            .getMessage());
    assertEquals("CRS answers configuration requests only, not MRd",
        assertThrows(IllegalArgumentException.class, () -> Tlp.completion(rd, RC, CplStatus.CRS))
            .getMessage());
    assertEquals("a completion with data answers a read, not MWr",
        assertThrows(IllegalArgumentException.class,
            () -> Tlp.completionWithData(wr, RC, 4, 0, new byte[4], 0, 4)).getMessage());
    Tlp cpld = Tlp.readCompletion(rd, RC, 0L);
    assertEquals("CplD with status UR: only successful completions carry data",
        assertThrows(IllegalArgumentException.class, () -> cpld.withStatus(CplStatus.UR))
            .getMessage());
    Tlp ur = Tlp.completion(rd, RC, CplStatus.UR);
    assertEquals(CplStatus.CA, ur.withStatus(CplStatus.CA).status());
    assertEquals("withStatus is not defined for MRd",
        assertThrows(IllegalStateException.class, () -> rd.withStatus(CplStatus.SC))
            .getMessage());
  }

  @Test
  void lockedReadsCompleteWithLockedCompletions() {
    Tlp lk = Tlp.memRead(EP, 0, 0x1000, 4).withType(TlpType.MRDLK);
    assertEquals(TlpType.CPLLK, Tlp.completion(lk, RC, CplStatus.UR).type());
    assertEquals(TlpType.CPLDLK, Tlp.readCompletion(lk, RC, 1L).type());
    assertEquals(0x0100_0000, lk.headerDwords()[0] & 0xff00_0000);
  }

  // -------------------------------------------------------------------------------------------
  // accessors, value semantics

  @Test
  void accessorsOfFieldsTheTypeLacksThrow() {
    Tlp cpl = Tlp.completion(Tlp.memRead(EP, 0, 0, 4), RC, CplStatus.UR);
    assertEquals("address() is not defined for Cpl",
        assertThrows(IllegalStateException.class, cpl::address).getMessage());
    assertEquals("firstBe is not defined for Cpl",
        assertThrows(IllegalStateException.class, cpl::firstBe).getMessage());
    Tlp rd = Tlp.memRead(EP, 0, 0, 4);
    assertEquals("completer() is not defined for MRd",
        assertThrows(IllegalStateException.class, rd::completer).getMessage());
    assertEquals("target() is not defined for MRd",
        assertThrows(IllegalStateException.class, rd::target).getMessage());
    assertEquals("routingId() is not defined for MRd",
        assertThrows(IllegalStateException.class, rd::routingId).getMessage());
    Tlp msg = Tlp.intx(EP, 1, true);
    assertEquals("address() is not defined for Msg with routing 4",
        assertThrows(IllegalStateException.class, msg::address).getMessage());
    assertEquals("messageCode() is not defined for MRd",
        assertThrows(IllegalStateException.class, rd::messageCode).getMessage());
  }

  @Test
  void payloadsAreCopiedInAndOut() {
    byte[] src = {1, 2, 3, 4};
    Tlp wr = Tlp.memWrite(EP, 0, src, 0, 4);
    src[0] = 9;
    assertEquals(1, wr.payloadByte(0));
    wr.payload()[1] = 9;
    assertEquals(2, wr.payloadByte(1));
    byte[] wire = wr.payload();
    Tlp decoded = Tlp.decode(wr.headerDwords(), wire);
    wire[2] = 9;
    assertEquals(3, decoded.payloadByte(2));
    assertThrows(IndexOutOfBoundsException.class, () -> wr.copyPayload(2, new byte[4], 0, 3));
    assertThrows(IndexOutOfBoundsException.class, () -> Tlp.memWrite(EP, 0, src, 2, 3));
  }

  @Test
  void equalityIsByValueIncludingPayloadContent() {
    Tlp a = Tlp.memWrite(EP, 0x10, new byte[] {1, 2, 3, 4}, 0, 4);
    Tlp b = Tlp.memWrite(EP, 0x10, new byte[] {1, 2, 3, 4}, 0, 4);
    Tlp c = Tlp.memWrite(EP, 0x10, new byte[] {1, 2, 3, 5}, 0, 4);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, c);
    assertNotEquals(a, a.withPoisoned(true));
    assertNotEquals(a, a.withTag(1));
    assertNotEquals(a, a.withDigest(true));
    assertEquals(a, a.withPoisoned(true).withPoisoned(false));
    assertNotEquals(a, null);
    assertNotEquals(a, "MWr");
    assertNotEquals(Tlp.cfgRead(false, RC, 0, EP, 0, 0xf), Tlp.cfgRead(false, RC, 0, FAR, 0, 0xf));
  }

  @Test
  void typeClassification() {
    assertTrue(TlpType.MWR.posted());
    assertTrue(TlpType.MSGD.posted());
    assertTrue(TlpType.IOWR.nonPosted());
    assertTrue(TlpType.CFGWR1.nonPosted());
    assertFalse(TlpType.CPLD.nonPosted());
    assertTrue(TlpType.CPLDLK.completion());
    assertTrue(TlpType.CPLDLK.hasData());
    assertFalse(TlpType.MRDLK.hasData());
    assertTrue(TlpType.CFGRD1.isConfig());
    assertTrue(TlpType.MRDLK.isMemory());
    assertFalse(TlpType.IORD.isMemory());
    for (TlpType t : TlpType.values()) {
      int classes = (t.posted() ? 1 : 0) + (t.nonPosted() ? 1 : 0) + (t.completion() ? 1 : 0);
      assertEquals(1, classes, t.name());
    }
    assertEquals(0b011, TlpType.MWR.fmt(true));
    assertEquals(0b001, TlpType.MSG.fmt(true));
    assertEquals(0b01011, TlpType.CPLDLK.typeCode());
  }

  @Test
  void cplStatusCodes() {
    for (CplStatus s : CplStatus.values()) {
      assertSame(s, CplStatus.of(s.code()));
    }
    assertEquals("reserved completion status: 0b101",
        assertThrows(IllegalArgumentException.class, () -> CplStatus.of(5)).getMessage());
    assertEquals("completion status out of range 0..7: 8",
        assertThrows(IllegalArgumentException.class, () -> CplStatus.of(8)).getMessage());
  }

  // -------------------------------------------------------------------------------------------
  // the hot factories skip the Draft and the generic validate(): same TLPs as the generic path

  /** Checks {@code t} against validate() and against a decode of its own wire form (generic path). */
  private static Tlp sameAsGeneric(Tlp t) {
    t.revalidate();
    assertEquals(t, Tlp.decode(t.headerDwords(), t.payload()));
    assertArrayEquals(t.headerDwords(), Tlp.decode(t.headerDwords(), t.payload()).headerDwords());
    return t;
  }

  @Test
  void hotFactoriesMatchTheGenericPath() {
    long[] bases = {0, 0x1000, 0x1_0000_0000L, 0xffff_f000L, 0x7fff_ffff_ffff_f000L};
    int[] lens = {0, 1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 127, 128, 129, 255, 256, 4092, 4093, 4096};
    byte[] data = new byte[4096 + 16];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7 + 1);
    }
    int checked = 0;
    for (long base : bases) {
      for (int off = 0; off < 8; off++) {
        for (int len : lens) {
          long address = base + (off == 7 ? 0xffc : off);
          if ((address & 0xfff) + len > 0x1000) {
            assertThrows(IllegalArgumentException.class, () -> Tlp.memRead(EP, 1, address, len));
            continue;
          }
          Tlp rd = sameAsGeneric(Tlp.memRead(FAR, 0x3ff, address, len));
          sameAsGeneric(Tlp.memWrite(EP, address, data, 5, len));
          if (len >= 1 && len <= 8) {
            sameAsGeneric(Tlp.memWriteLe(EP, address, 0x0102_0304_0506_0708L, len));
          }
          if (len >= 1 && len <= 8) {
            sameAsGeneric(Tlp.readCompletion(rd, RC, 0x1122_3344_5566_7788L));
          }
          sameAsGeneric(Tlp.readCompletion(rd, RC, data, 3));
          sameAsGeneric(Tlp.readCompletion(rd.withType(TlpType.MRDLK).withTc(5).withAttr(6), RC,
              data, 0));
          int la = (int) rd.requestFirstByteAddress() & 0x7f;
          int bc = Math.max(1, len); // the initial byte count (a zero-length read counts 1)
          for (int part : new int[] {0, 1, Math.min(len, 64), len}) {
            if (part > bc) {
              continue;
            }
            sameAsGeneric(Tlp.completionWithData(rd, RC, bc, la, data, 0, part));
            sameAsGeneric(Tlp.completionWithData(rd.withTc(7).withAttr(3), RC, bc, la, part,
                (dst, o, n) -> System.arraycopy(data, 9, dst, o, n)));
          }
          checked++;
        }
      }
    }
    assertTrue(checked > 500, "edge cases checked: " + checked);
    Tlp cfg = Tlp.cfgRead(false, RC, 3, EP, 0x10, 0xf);
    sameAsGeneric(Tlp.readCompletion(cfg, EP, 0xdead_beefL));
    sameAsGeneric(Tlp.readCompletion(cfg, EP, data, 0));
    Tlp io = Tlp.ioRead(RC, 4, 0x3f8, 1);
    sameAsGeneric(Tlp.completionWithData(io, EP, 4, 0, data, 0, 1));
  }

  /**
   * A value completion of at most 8 payload bytes holds them in a field instead of an array: it must
   * be the same TLP as the array form in every accessor, in equals/hashCode (both ways) and on the
   * wire, for every alignment and size, memory and config reads alike.
   */
  @Test
  void valueCompletionsEqualTheirArrayForm() {
    long value = 0x8899_aabb_ccdd_eeffL;
    byte[] le = new byte[8];
    for (int i = 0; i < 8; i++) {
      le[i] = (byte) (value >>> (8 * i));
    }
    int checked = 0;
    for (long base : new long[] {0x1000, 0x1_0000_0000L}) {
      for (int off = 0; off < 4; off++) {
        for (int len = 0; len <= 8; len++) {
          Tlp rd = Tlp.memRead(FAR, 7, base + off, len);
          Tlp byValue = sameAsGeneric(Tlp.readCompletion(rd, RC, value));
          sameAsArrayForm(byValue, Tlp.readCompletion(rd, RC, le, 0));
          checked++;
        }
      }
    }
    assertEquals(72, checked);
    Tlp cfg = Tlp.cfgRead(false, RC, 3, EP, 0x10, 0xf);
    sameAsArrayForm(sameAsGeneric(Tlp.readCompletion(cfg, EP, value)),
        Tlp.readCompletion(cfg, EP, le, 0));
  }

  private static void sameAsArrayForm(Tlp t, Tlp array) {
    assertEquals(array, t);
    assertEquals(t, array);
    assertEquals(array.hashCode(), t.hashCode());
    assertEquals(array.toString(), t.toString());
    assertArrayEquals(array.headerDwords(), t.headerDwords());
    assertArrayEquals(array.payload(), t.payload());
    assertTrue(t.ownsPayload());
    assertSame(t, t.owned());
    int n = t.payloadLength();
    assertEquals(array.payloadLength(), n);
    for (int i = 0; i < n; i++) {
      assertEquals(array.payloadByte(i), t.payloadByte(i));
      for (int size = 1; size <= Math.min(8, n - i); size++) {
        assertEquals(array.payloadLe(i, size), t.payloadLe(i, size));
      }
      byte[] a = new byte[n + 2];
      byte[] b = new byte[n + 2];
      array.copyPayload(i, a, 1, n - i);
      t.copyPayload(i, b, 1, n - i);
      assertArrayEquals(a, b);
      byte[] c = new byte[n + 2];
      int from = i;
      t.payloadTo(i, n - i, (src, o, len) -> System.arraycopy(src, o, c, 1, len));
      assertArrayEquals(a, c, "payloadTo from " + from);
    }
    assertThrows(IndexOutOfBoundsException.class, () -> t.payloadByte(n));
    assertThrows(IndexOutOfBoundsException.class, () -> t.copyPayload(1, new byte[n], 0, n));
    assertEquals(array.withTag(9), t.withTag(9));
    assertEquals(array.withTc(2).hashCode(), t.withTc(2).hashCode());
  }

  @Test
  void hotFactoriesRejectWhatValidateRejects() {
    assertEquals("requester", assertThrows(NullPointerException.class,
        () -> Tlp.memRead(null, 1, 0x1000, 4)).getMessage());
    assertEquals("requester", assertThrows(NullPointerException.class,
        () -> Tlp.memWrite(null, 0x1000, new byte[4], 0, 4)).getMessage());
    assertEquals("requester", assertThrows(NullPointerException.class,
        () -> Tlp.memWriteLe(null, 0x1000, 1, 4)).getMessage());
    assertEquals("tag out of range 0..1023: 1024", assertThrows(IllegalArgumentException.class,
        () -> Tlp.memRead(EP, 1024, 0x1000, 4)).getMessage());
    assertEquals("tag out of range 0..1023: -1", assertThrows(IllegalArgumentException.class,
        () -> Tlp.memRead(EP, -1, 0x1000, 4)).getMessage());
    Tlp rd = Tlp.memRead(EP, 1, 0x1000, 64);
    assertEquals("completer", assertThrows(NullPointerException.class,
        () -> Tlp.completionWithData(rd, null, 64, 0, new byte[64], 0, 64)).getMessage());
    assertEquals("completer", assertThrows(NullPointerException.class,
        () -> Tlp.completionWithData(rd, null, 64, 0, 64, (d, o, n) -> { })).getMessage());
    assertEquals("completer", assertThrows(NullPointerException.class,
        () -> Tlp.readCompletion(Tlp.memRead(EP, 1, 0x1000, 4), null, 7L)).getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Tlp.completionWithData(rd, RC, 4097, 0, new byte[64], 0, 64));
    assertThrows(IllegalArgumentException.class,
        () -> Tlp.completionWithData(rd, RC, 0, 0, new byte[64], 0, 0));
    assertThrows(IllegalArgumentException.class,
        () -> Tlp.completionWithData(rd, RC, 64, 0x80, new byte[64], 0, 64));
    assertThrows(IllegalArgumentException.class,
        () -> Tlp.completionWithData(rd, RC, 4096, 3, new byte[4096], 0, 4096));
  }
}
