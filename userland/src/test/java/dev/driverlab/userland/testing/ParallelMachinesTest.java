package dev.driverlab.userland.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driverlab.devices.edu.EduDevice;
import dev.driverlab.drivers.edu.EduDriver;
import dev.driverlab.userland.libc.Libc;
import dev.driverlab.userland.testing.InnerJUnit.OnlyInner;
import dev.driverlab.userland.testing.InnerJUnit.Outcome;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Tests of one class run concurrently, each on its own machine, and every machine replays exactly as
 * when run alone: same virtual times, same TLPs, same log.
 */
class ParallelMachinesTest {
  private static final int TESTS = 4;
  /** Shared with the inner class, which JUnit instantiates itself; set before each inner run. */
  private static volatile CyclicBarrier allBooted;
  private static final Map<String, String> FINGERPRINTS = new ConcurrentHashMap<>();
  private static final Set<String> THREADS = ConcurrentHashMap.newKeySet();

  @DriverLabTest
  @WithDevice(EduDevice.class)
  @Execution(ExecutionMode.CONCURRENT)
  @OnlyInner
  static class SameWorkloadFourTimes {
    @Test
    void a(TestMachine tm, Libc user) throws Exception {
      run("a", tm, user);
    }

    @Test
    void b(TestMachine tm, Libc user) throws Exception {
      run("b", tm, user);
    }

    @Test
    void c(TestMachine tm, Libc user) throws Exception {
      run("c", tm, user);
    }

    @Test
    void d(TestMachine tm, Libc user) throws Exception {
      run("d", tm, user);
    }

    private static void run(String name, TestMachine tm, Libc user) throws Exception {
      tm.insmod(new EduDriver());
      CyclicBarrier barrier = allBooted;
      if (barrier != null) {
        barrier.await(60, TimeUnit.SECONDS);   // four kernels are up at once before any works
      }
      THREADS.add(Thread.currentThread().getName());
      int fd = EduCalls.open(user, 0);
      int[] result = new int[1];
      for (int n = 1; n <= 10; n++) {
        assertEquals(0, EduCalls.factorial(user, fd, n, result));
      }
      assertEquals(0, EduCalls.toDevice(user, fd, 4096));
      long back = user.malloc(4096);
      assertEquals(0, EduCalls.fromDevice(user, fd, back, 4096));
      assertEquals(3, user.peek(back, 1)[0]);
      FINGERPRINTS.put(name, tm.nowNs() + " ns, " + tm.tlps().total() + " TLPs #"
          + String.join("\n", tm.tlps().all().lines()).hashCode() + ", dmesg #" + tm.kernel().dmesg().text().hashCode());
    }
  }

  @Test
  void concurrentTestsEachGetTheirOwnMachineAndReplayExactlyAsAlone() {
    allBooted = null;
    FINGERPRINTS.clear();
    List<Outcome> alone = InnerJUnit.run(SameWorkloadFourTimes.class);
    assertTrue(alone.stream().allMatch(Outcome::passed), alone.toString());
    String reference = FINGERPRINTS.get("a");
    assertEquals(Set.of(reference), new HashSet<>(FINGERPRINTS.values()), "sequential runs agree: " + FINGERPRINTS);

    allBooted = new CyclicBarrier(TESTS);
    FINGERPRINTS.clear();
    THREADS.clear();
    List<Outcome> together = InnerJUnit.run(SameWorkloadFourTimes.class, Map.of(
        "junit.jupiter.execution.parallel.enabled", "true",
        "junit.jupiter.execution.parallel.config.strategy", "fixed",
        "junit.jupiter.execution.parallel.config.fixed.parallelism", String.valueOf(TESTS)));

    assertEquals(TESTS, together.stream().filter(Outcome::test).count());
    assertTrue(together.stream().allMatch(Outcome::passed), together.toString());
    assertEquals(TESTS, THREADS.size(), "each test ran on its own thread, all at once: " + THREADS);
    assertEquals(Map.of("a", reference, "b", reference, "c", reference, "d", reference), FINGERPRINTS);
  }
}
