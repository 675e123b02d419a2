package dev.driverlab.kernel.debug;

import java.util.HashMap;
import java.util.Map;

/**
 * Kernel-side fault injection (like Linux's failslab/fail_page_alloc): make the Nth allocation of a
 * kind fail, so error paths in drivers get exercised. Device-side faults are injected on the models.
 */
public final class FaultInjection {
  private final Map<String, Integer> failAfter = new HashMap<>();
  private final Map<String, Integer> seen = new HashMap<>();

  /** The next allocation of {@code kind} ("kmalloc", "dma_alloc_coherent", …) after {@code skip} more succeeds fails. */
  public synchronized void failNth(String kind, int skip) {
    failAfter.put(kind, skip);
    seen.put(kind, 0);
  }

  public synchronized void clear() {
    failAfter.clear();
    seen.clear();
  }

  /** Called by allocators: true if this allocation must fail. */
  public synchronized boolean failAllocation(String kind, long size) {
    Integer n = failAfter.get(kind);
    if (n == null) {
      return false;
    }
    int s = seen.merge(kind, 1, Integer::sum);
    if (s > n) {
      failAfter.remove(kind);
      return true;
    }
    return false;
  }
}
