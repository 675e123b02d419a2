package dev.driverlab.devices.pcie.tlp;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** TLPs whose payload is a view of the sender's buffer: same value as a copying TLP, owned on demand. */
class TlpPayloadViewTest {
  private static final PcieId DEV = new PcieId(3, 0, 0);
  private static final PcieId RC = new PcieId(0, 0, 0);

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }

  @Test
  void memWriteViewOfWholeDwordsEqualsTheCopyingWriteButDoesNotOwnItsPayload() {
    byte[] buf = bytes(1024, 1);
    Tlp view = Tlp.memWriteView(DEV, 0x1000_0100L, buf, 64, 256);
    Tlp copy = Tlp.memWrite(DEV, 0x1000_0100L, buf, 64, 256);
    assertFalse(view.ownsPayload());
    assertTrue(copy.ownsPayload());
    assertEquals(copy, view);
    assertEquals(view, copy);
    assertEquals(copy.hashCode(), view.hashCode());
    assertEquals(copy.toString(), view.toString());
    assertArrayEquals(copy.headerDwords(), view.headerDwords());
    assertArrayEquals(copy.payload(), view.payload());
    assertEquals(256, view.payloadLength());
    assertEquals(copy.payloadLe(4, 8), view.payloadLe(4, 8));
    assertEquals(view, Tlp.decode(view.headerDwords(), view.payload()));
    view.revalidate();
  }

  @Test
  void aViewSeesItsBufferChangeAndItsOwnedCopyDoesNot() {
    byte[] buf = bytes(512, 2);
    Tlp view = Tlp.memWriteView(DEV, 0x2000, buf, 0, 512);
    Tlp owned = view.owned();
    assertTrue(owned.ownsPayload());
    assertSame(owned, owned.owned(), "an owned TLP is its own owned form");
    assertEquals(view, owned);
    buf[0] ^= 0x55;
    assertEquals(buf[0] & 0xff, view.payloadByte(0), "the view reads the buffer in place");
    assertNotEquals(buf[0] & 0xff, owned.payloadByte(0), "the owned copy keeps the bytes sent");
    assertNotEquals(view, owned);
  }

  @Test
  void unalignedOrPartialDwordWritesAreCopiedAsByMemWrite() {
    byte[] buf = bytes(64, 3);
    for (int[] c : new int[][] {{1, 8}, {0, 6}, {2, 2}, {0, 0}}) {
      Tlp t = Tlp.memWriteView(DEV, 0x3000 + c[0], buf, 4, c[1]);
      assertTrue(t.ownsPayload(), "address +" + c[0] + " length " + c[1]);
      assertEquals(Tlp.memWrite(DEV, 0x3000 + c[0], buf, 4, c[1]), t);
    }
  }

  @Test
  void completionViewEqualsTheCopyingCompletion() {
    Tlp rd = Tlp.memRead(DEV, 7, 0x4000_0040L, 512);
    byte[] ram = bytes(4096, 4);
    Tlp view = Tlp.completionWithDataView(rd, RC, 512, 0x40, ram, 0x40, 256);
    Tlp copy = Tlp.completionWithData(rd, RC, 512, 0x40, ram, 0x40, 256);
    assertFalse(view.ownsPayload());
    assertEquals(copy, view);
    assertEquals(copy.hashCode(), view.hashCode());
    assertArrayEquals(copy.payload(), view.payload());
    Tlp owned = view.owned();
    assertTrue(owned.ownsPayload());
    assertEquals(copy, owned);
    assertEquals(TlpType.CPLD, owned.type());
    assertEquals(rd.tag(), owned.tag());
    assertEquals(RC, owned.completer());
    view.revalidate();
    owned.revalidate();
  }

  @Test
  void completionViewWithAnUnalignedStartIsCopied() {
    Tlp rd = Tlp.memRead(DEV, 7, 0x4000_0042L, 10);
    byte[] ram = bytes(64, 5);
    Tlp t = Tlp.completionWithDataView(rd, RC, 10, 0x42, ram, 2, 10);
    assertTrue(t.ownsPayload());
    assertEquals(Tlp.completionWithData(rd, RC, 10, 0x42, ram, 2, 10), t);
  }

  @Test
  void accessorsOfAViewStayInsideItsPayload() {
    byte[] buf = bytes(1024, 6);
    Tlp view = Tlp.memWriteView(DEV, 0x5000, buf, 256, 8);
    assertEquals(buf[256] & 0xff, view.payloadByte(0));
    assertEquals(buf[263] & 0xff, view.payloadByte(7));
    assertThrows(IndexOutOfBoundsException.class, () -> view.payloadByte(8));
    assertThrows(IndexOutOfBoundsException.class, () -> view.payloadByte(-1));
    assertThrows(IndexOutOfBoundsException.class, () -> view.copyPayload(4, new byte[8], 0, 5));
    assertThrows(IndexOutOfBoundsException.class, () -> view.payloadLe(6, 4));
    byte[] out = new byte[8];
    view.copyPayload(0, out, 0, 8);
    assertArrayEquals(java.util.Arrays.copyOfRange(buf, 256, 264), out);
    int[] seen = new int[3];
    view.payloadTo(2, 4, (src, off, n) -> {
      seen[0] = src[off];
      seen[1] = n;
      seen[2] = src[off + n - 1];
    });
    assertArrayEquals(new int[] {buf[258], 4, buf[261]}, seen);
  }

  @Test
  void withMethodsOnAViewGiveOwnedTlps() {
    byte[] buf = bytes(256, 7);
    Tlp view = Tlp.memWriteView(DEV, 0x6000, buf, 0, 256);
    Tlp poisoned = view.withPoisoned(true);
    assertTrue(poisoned.ownsPayload());
    assertTrue(poisoned.ep());
    buf[5] = 0;
    assertEquals((byte) (5 * 31 + 7) & 0xff, poisoned.payloadByte(5));
  }
}
