package dev.driverlab.devices.riffa;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayDeque;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The engines' word FIFO against a plain deque, through every way in and out, wrapping and growing. */
class IntQueueTest {
  private static byte[] le(int[] words, int off, int n) {
    byte[] b = new byte[4 * n];
    for (int i = 0; i < n; i++) {
      int v = words[off + i];
      b[4 * i] = (byte) v;
      b[4 * i + 1] = (byte) (v >>> 8);
      b[4 * i + 2] = (byte) (v >>> 16);
      b[4 * i + 3] = (byte) (v >>> 24);
    }
    return b;
  }

  private static int word(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
  }

  @Test
  void everyPathAgreesWithADeque() {
    Random rnd = new Random(42);
    IntQueue q = new IntQueue();
    ArrayDeque<Integer> ref = new ArrayDeque<>();
    int next = 1;
    for (int step = 0; step < 20_000; step++) {
      int n = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 700 : 70);
      int[] src = new int[n];
      for (int i = 0; i < n; i++) {
        src[i] = next++ * 0x9e3779b9;
      }
      switch (rnd.nextInt(9)) {
        case 0 -> {
          q.addAll(src, 0, n);
          for (int v : src) {
            ref.add(v);
          }
        }
        case 1 -> {
          q.add(src[0]);
          ref.add(src[0]);
        }
        case 2 -> {
          q.addZeros(n);
          for (int i = 0; i < n; i++) {
            ref.add(0);
          }
        }
        case 3 -> { // a read's data written in place (or through a buffer when it wraps), committed later
          int at = q.pendingSlot(n);
          if (at >= 0) {
            System.arraycopy(le(src, 0, n), 0, q.bytes(), at, 4 * n);
            q.markPending(n);
          } else {
            q.putPending(le(src, 0, n), 0, n);
          }
          assertThrows(IllegalStateException.class, () -> q.add(1), "nothing is added while words are pending");
          assertEquals(ref.size(), q.size(), "pending words are not queued yet");
          assertEquals(n, q.commitPending());
          for (int v : src) {
            ref.add(v);
          }
        }
        case 4 -> {
          int k = Math.min(n, q.size());
          int[] out = new int[k];
          q.poll(out, 0, k);
          for (int v : out) {
            assertEquals(ref.poll(), v);
          }
        }
        case 5 -> { // a write's payload sent from the ring in place, or copied out when it wraps
          int k = Math.min(n, q.size());
          int at = q.headSlot(k);
          if (at >= 0) {
            for (int i = 0; i < k; i++) {
              assertEquals(ref.poll(), word(q.bytes(), at + 4 * i));
            }
            q.skip(k);
          } else {
            byte[] out = new byte[4 * k + 8];
            q.poll(out, 8, k);
            for (int i = 0; i < k; i++) {
              assertEquals(ref.poll(), word(out, 8 + 4 * i));
            }
          }
        }
        case 6 -> {
          if (!ref.isEmpty()) {
            assertEquals(ref.poll(), q.poll());
          }
        }
        case 7 -> {
          int k = Math.min(rnd.nextInt(4), q.size());
          q.dropLast(k);
          for (int i = 0; i < k; i++) {
            ref.pollLast();
          }
        }
        default -> {
          if (rnd.nextInt(50) == 0) {
            q.clear();
            ref.clear();
          }
        }
      }
      assertEquals(ref.size(), q.size());
    }
  }

  @Test
  void reservingARunThatGrowsTheRingKeepsTheWords() {
    IntQueue q = new IntQueue();
    for (int i = 0; i < 60; i++) {
      q.add(i);
    }
    for (int i = 0; i < 50; i++) {
      assertEquals(i, q.poll()); // the head is near the end of the 64-word ring now
    }
    int[] src = new int[40];
    for (int i = 0; i < src.length; i++) {
      src[i] = 1000 + i;
    }
    assertEquals(-1, q.pendingSlot(40), "the run would wrap");
    q.putPending(le(src, 0, 40), 0, 40);
    assertEquals(40, q.commitPending());
    // A run the ring cannot hold makes it grow; the queued words keep their order, and the run is whole.
    int[] more = {7, 8, 9};
    int at = q.pendingSlot(200);
    assertTrue(at >= 0);
    System.arraycopy(le(more, 0, 3), 0, q.bytes(), at, 12);
    q.markPending(3);
    q.commitPending();
    int[] out = new int[53];
    q.poll(out, 0, 53);
    for (int i = 0; i < 10; i++) {
      assertEquals(50 + i, out[i]);
    }
    for (int i = 0; i < 40; i++) {
      assertEquals(1000 + i, out[10 + i]);
    }
    assertArrayEquals(more, java.util.Arrays.copyOfRange(out, 50, 53));
    assertTrue(q.isEmpty());
  }

  /**
   * Words read ahead (a read burst) wait pending and join the queue a read at a time, in order; a
   * commit of more than is pending, or of a negative count, is refused and changes nothing.
   */
  @Test
  void pendingWordsJoinTheQueueARunAtATime() {
    IntQueue q = new IntQueue();
    q.add(1);
    int[] ahead = {10, 11, 12, 13, 14, 15};
    q.putPending(le(ahead, 0, 6), 0, 6);
    assertEquals(1, q.size(), "pending words are not queued");
    assertEquals(2, q.commitPending(2));
    assertEquals(3, q.size());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> q.commitPending(5));
    assertEquals("asked to commit 5 values, 4 pending", e.getMessage());
    assertThrows(IllegalStateException.class, () -> q.commitPending(-1));
    assertEquals(3, q.size(), "a refused commit changes nothing");
    byte[] peeked = new byte[12];
    q.peek(peeked, 0, 3);
    assertEquals(11, word(peeked, 8), "peek copies without taking");
    assertEquals(3, q.size());
    assertEquals(4, q.commitPending());
    int[] out = new int[7];
    q.poll(out, 0, 7);
    assertArrayEquals(new int[] {1, 10, 11, 12, 13, 14, 15}, out);
  }
}
