package dev.driverlab.kernel.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PinCountsTest {
  /** Random pins and unpins over few and many frames (frame 0 included) agree with a HashMap of counts. */
  @Test
  void agreesWithAMapOfCounts() {
    for (long seed = 1; seed <= 20; seed++) {
      Random r = new Random(seed);
      int frames = seed % 2 == 0 ? 50 : 5000;
      long stride = seed % 3 == 0 ? 1L : 4099L;
      PinCounts pins = new PinCounts();
      Map<Long, Integer> ref = new HashMap<>();
      for (int step = 0; step < 20_000; step++) {
        long pfn = r.nextInt(frames) * stride;
        if (r.nextInt(3) != 0) {
          pins.increment(pfn);
          ref.merge(pfn, 1, Integer::sum);
        } else {
          Integer c = ref.get(pfn);
          assertEquals(c != null, pins.decrement(pfn), "decrement of " + pfn);
          if (c != null) {
            if (c == 1) {
              ref.remove(pfn);
            } else {
              ref.put(pfn, c - 1);
            }
          }
        }
        if (step % 997 == 0) {
          for (long f = 0; f < frames; f++) {
            assertEquals(ref.getOrDefault(f * stride, 0), pins.get(f * stride), "count of " + f * stride);
          }
          assertEquals(ref.values().stream().mapToInt(Integer::intValue).sum(), pins.total());
        }
      }
      for (Map.Entry<Long, Integer> e : ref.entrySet()) {
        assertEquals(e.getValue(), pins.get(e.getKey()));
      }
    }
  }
}
