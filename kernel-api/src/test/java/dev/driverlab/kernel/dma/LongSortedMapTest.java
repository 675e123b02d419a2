package dev.driverlab.kernel.dma;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The DMA index's sorted map answers every query as a TreeMap does, through splits and emptied chunks. */
class LongSortedMapTest {
  private static long key(LongSortedMap m, long pos) {
    return pos < 0 ? Long.MIN_VALUE : m.keyAt(pos);
  }

  private static long key(Long k) {
    return k == null ? Long.MIN_VALUE : k;
  }

  @Test
  void agreesWithATreeMapUnderRandomInsertsRemovalsAndWalks() {
    Random r = new Random(42);
    LongSortedMap m = new LongSortedMap();
    TreeMap<Long, Object> t = new TreeMap<>();
    for (int step = 0; step < 200_000; step++) {
      // Phases that grow (past many chunk splits) and shrink (to empty), keys clustered and spread.
      boolean grow = (step / 20_000) % 2 == 0;
      long k = (r.nextBoolean() ? r.nextInt(3000) : r.nextInt(1 << 20)) * 4096L - (1L << 31);
      int op = r.nextInt(10);
      if (op < 5) {
        if (grow || r.nextInt(4) == 0) {
          Object v = "v" + step;
          assertEquals(t.putIfAbsent(k, v), m.putIfAbsent(k, v));
        } else {
          assertEquals(t.remove(k), m.remove(k));
        }
      } else if (op < 6 && !t.isEmpty()) {
        long existing = r.nextBoolean() ? t.firstKey() : t.lastKey();
        if (grow) {
          t.put(existing, "p" + step);
          m.put(existing, "p" + step);
        } else {
          assertEquals(t.remove(existing), m.remove(existing));
        }
      } else {
        long q = k + r.nextInt(8192) - 4096;
        assertEquals(t.get(q), m.get(q));
        Map.Entry<Long, Object> f = t.floorEntry(q);
        long fp = m.floor(q);
        assertEquals(f == null ? Long.MIN_VALUE : f.getKey(), key(m, fp));
        if (f != null) {
          assertEquals(f.getValue(), m.valueAt(fp));
          assertEquals(key(t.higherKey(f.getKey())), key(m, m.next(fp)));
          assertEquals(key(t.lowerKey(f.getKey())), key(m, m.prev(fp)));
        }
        assertEquals(key(t.lowerKey(q)), key(m, m.lower(q)));
        assertEquals(key(t.ceilingKey(q)), key(m, m.next(m.lower(q))));
      }
      assertEquals(t.isEmpty(), m.isEmpty());
    }
    // A full walk in both directions.
    long p = m.next(-1);
    for (Map.Entry<Long, Object> e : t.entrySet()) {
      assertEquals(e.getKey(), m.keyAt(p));
      assertEquals(e.getValue(), m.valueAt(p));
      p = m.next(p);
    }
    assertEquals(-1, p);
  }
}
