package dev.driverlab.drivers.riffa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** circ_queue semantics (riffa.md §1.8): one slot always free, FIFO order, full and empty codes. */
class CircQueueTest {

  @Test
  void aRecvQueueOfFiveHoldsFourAndASendQueueOfFourHoldsThree() {
    CircQueue recv = new CircQueue(5);
    for (int i = 0; i < 4; i++) {
      assertEquals(0, recv.push(CircQueue.EVENT_TXN_LEN, i));
    }
    assertEquals(1, recv.push(CircQueue.EVENT_TXN_LEN, 99), "full: dropped");
    assertEquals(4, recv.capacity());
    CircQueue send = new CircQueue(4);
    for (int i = 0; i < 3; i++) {
      assertEquals(0, send.push(CircQueue.EVENT_SG_BUF_READ, 0));
    }
    assertEquals(1, send.push(CircQueue.EVENT_TXN_DONE, 1));
  }

  @Test
  void popReturnsPairsInOrderAndOneWhenEmpty() {
    CircQueue q = new CircQueue(5);
    int[] m = new int[2];
    assertEquals(1, q.pop(m));
    assertTrue(q.isEmpty());
    for (int round = 0; round < 1000; round++) { // the counters pass the slot count many times
      assertEquals(0, q.push(CircQueue.EVENT_TXN_OFFLAST, 2 * round));
      assertEquals(0, q.push(CircQueue.EVENT_TXN_LEN, 2 * round + 1));
      assertEquals(2, q.size());
      assertEquals(0, q.pop(m));
      assertArrayEquals(new int[] {CircQueue.EVENT_TXN_OFFLAST, 2 * round}, m);
      assertEquals(0, q.pop(m));
      assertArrayEquals(new int[] {CircQueue.EVENT_TXN_LEN, 2 * round + 1}, m);
      assertEquals(1, q.pop(m));
    }
  }

  @Test
  void drainEmptiesAndTheQueueStaysUsable() {
    CircQueue q = new CircQueue(4);
    q.push(CircQueue.EVENT_TXN_DONE, 5);
    q.push(CircQueue.EVENT_TXN_DONE, 6);
    q.drain();
    assertTrue(q.isEmpty());
    assertEquals(0, q.push(CircQueue.EVENT_TXN_DONE, 7));
    int[] m = new int[2];
    assertEquals(0, q.pop(m));
    assertEquals(7, m[1]);
  }

  @Test
  void aQueueNeedsTwoSlots() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CircQueue(1));
    assertEquals("a circ_queue needs at least 2 slots (one stays free): 1", e.getMessage());
  }
}
