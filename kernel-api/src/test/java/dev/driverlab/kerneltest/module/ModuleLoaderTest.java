package dev.driverlab.kerneltest.module;

import static dev.driverlab.kernel.mm.Mm.*;
import static dev.driverlab.kernel.uapi.Errno.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.debug.Check;
import dev.driverlab.kernel.module.KernelModule;
import dev.driverlab.kernel.module.ModuleParam;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.TestModule;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** insmod with parameters, init failures, rmmod and the module reference count. */
class ModuleLoaderTest {
  private final KernelRig rig = KernelRig.boot();

  @AfterEach
  void shutdown() {
    rig.close();
  }

  /** A module with one parameter of each supported kind, as module_param declares them. */
  static final class Params extends KernelModule {
    @ModuleParam(desc = "how many")
    int count = 1;
    @ModuleParam
    boolean verbose;
    @ModuleParam
    String label = "none";
    @ModuleParam
    long big;
    @ModuleParam
    short small;
    int notAParameter;

    @Override
    public String name() {
      return "params";
    }

    @Override
    protected int init() {
      return 0;
    }

    @Override
    protected void exit() {}
  }

  @Test
  void parametersOfEachTypeAreSetBeforeInit() {
    Params m = new Params();
    assertEquals(0, rig.kernel.modules().insmod(m, "count=0x10", "verbose=y", "label=hello", "big=-5", "small=7"));
    assertEquals(16, m.count);
    assertTrue(m.verbose);
    assertEquals("hello", m.label);
    assertEquals(-5L, m.big);
    assertEquals(7, m.small);
  }

  @Test
  void aBoolParameterWithoutAValueIsTrue() {
    Params m = new Params();
    assertEquals(0, rig.kernel.modules().insmod(m, "verbose"));
    assertTrue(m.verbose);
  }

  @Test
  void boolParametersAcceptTheLinuxSpellings() {
    Params m = new Params();
    assertEquals(0, rig.kernel.modules().insmod(m, "verbose=Y", "verbose=0"));
    assertFalse(m.verbose);
  }

  @Test
  void anUnknownParameterIsEnoentWithTheLinuxMessage() {
    Params m = new Params();
    assertEquals(-ENOENT, rig.kernel.modules().insmod(m, "nosuch=1"));
    assertTrue(rig.kernel.dmesg().contains("params: Unknown parameter `nosuch'"));
    assertNull(rig.kernel.modules().find("params"));
    assertEquals(KernelModule.State.UNLOADED, m.state());
  }

  @Test
  void aFieldWithoutModuleParamIsNotAParameter() {
    assertEquals(-ENOENT, rig.kernel.modules().insmod(new Params(), "notAParameter=3"));
  }

  @Test
  void aBadIntValueIsEinvalWithTheLinuxMessage() {
    assertEquals(-EINVAL, rig.kernel.modules().insmod(new Params(), "count=abc"));
    assertTrue(rig.kernel.dmesg().contains("params: 'abc' invalid for parameter 'count'"));
  }

  @Test
  void aBadBoolValueIsEinval() {
    assertEquals(-EINVAL, rig.kernel.modules().insmod(new Params(), "verbose=maybe"));
    assertTrue(rig.kernel.dmesg().contains("params: 'maybe' invalid for parameter 'verbose'"));
  }

  @Test
  void anOutOfRangeShortIsEinval() {
    assertEquals(-EINVAL, rig.kernel.modules().insmod(new Params(), "small=70000"));
  }

  @Test
  void aFailingInitReturnsItsErrnoAndLeavesTheModuleUnloaded() {
    TestModule m = new TestModule("failing").onInit(() -> -ENODEV);
    assertEquals(-ENODEV, rig.kernel.modules().insmod(m));
    assertNull(rig.kernel.modules().find("failing"));
    assertEquals(KernelModule.State.UNLOADED, m.state());
    assertEquals("", rig.readFile("/proc/modules"));
    assertEquals(-ENOENT, rig.kernel.modules().rmmod("failing"));
    rig.assertNoReports();
  }

  @Test
  void aFailingInitThatLeaksIsReported() {
    long[] p = {0};
    String[] site = {null};
    TestModule m = new TestModule("sloppy").onInit(() -> {
      p[0] = kmalloc(32, GFP_KERNEL); site[0] = rig.kernel.callSite();
      return -ENOMEM;
    });
    assertEquals(-ENOMEM, rig.kernel.modules().insmod(m));
    assertEquals(String.format("module sloppy init failed and left: kmalloc'ed 32 bytes at %#x (allocated at %s)",
        p[0], site[0]), rig.onlyReport(Check.LEAK).message());
  }

  @Test
  void aPositiveInitReturnIsWarnedAboutAndTheModuleLoadsAnyway() {
    TestModule m = new TestModule("positive").onInit(() -> 1);
    assertEquals(0, rig.kernel.modules().insmod(m));
    assertEquals(KernelModule.State.LIVE, m.state());
    assertTrue(rig.kernel.dmesg().contains("do_init_module: 'positive'->init suspiciously returned 1, it should "
        + "follow 0/-E convention"));
    assertEquals("module positive: init returned 1 (positive): return 0 or a negative errno",
        rig.onlyReport(Check.WARN).message());
  }

  @Test
  void insmodOfANameThatIsLoadedIsEexist() {
    assertEquals(0, rig.kernel.modules().insmod(new TestModule("twice")));
    assertEquals(-EEXIST, rig.kernel.modules().insmod(new TestModule("twice")));
  }

  @Test
  void rmmodOfAModuleThatIsNotLoadedIsEnoent() {
    assertEquals(-ENOENT, rig.kernel.modules().rmmod("nothere"));
  }

  @Test
  void aModuleInUseCannotBeRemoved() {
    TestModule m = new TestModule("busy");
    rig.kernel.modules().insmod(m);
    assertTrue(m.tryGet());
    assertEquals(-EBUSY, rig.kernel.modules().rmmod("busy"));
    assertEquals(KernelModule.State.LIVE, m.state());
    m.put();
    assertEquals(0, rig.kernel.modules().rmmod("busy"));
    assertEquals(KernelModule.State.UNLOADED, m.state());
    assertFalse(m.tryGet(), "an unloaded module cannot be pinned");
  }

  @Test
  void initRunsWhileTheModuleIsComingAndExitWhileItIsGoing() {
    StringBuilder log = new StringBuilder();
    TestModule[] m = new TestModule[1];
    m[0] = new TestModule("life")
        .onInit(() -> {
          log.append(m[0].state()).append(' ').append(rig.kernel.modules().procModules().trim()).append('\n');
          return 0;
        })
        .onExit(() -> log.append(m[0].state()));
    rig.kernel.modules().insmod(m[0]);
    rig.kernel.modules().rmmod("life");
    assertEquals("COMING life 16384 0 - Loading 0x0000000000000000\nGOING", log.toString());
  }

  @Test
  void aModuleCanBeLoadedAgainAfterRmmod() {
    TestModule m = new TestModule("again");
    assertEquals(0, rig.kernel.modules().insmod(m));
    assertEquals(0, rig.kernel.modules().rmmod("again"));
    assertEquals(0, rig.kernel.modules().insmod(m));
  }

  @Test
  void lsmodListsTheNewestModuleFirst() {
    rig.kernel.modules().insmod(new TestModule("first"));
    rig.kernel.modules().insmod(new TestModule("second"));
    assertEquals("Module                 Size  Used by\n"
        + "second                16384  0\n"
        + "first                 16384  0\n", rig.kernel.modules().lsmod());
  }

  @Test
  void aNonGplLicenseTaintsTheKernel() {
    KernelModule m = new KernelModule() {
      @Override
      public String name() {
        return "closed";
      }

      @Override
      public String license() {
        return "Proprietary";
      }

      @Override
      protected int init() {
        return 0;
      }

      @Override
      protected void exit() {}
    };
    assertEquals(0, rig.kernel.modules().insmod(m));
    assertTrue(rig.kernel.dmesg().contains("closed: module license 'Proprietary' taints kernel."));
  }

  @Test
  void aModuleThatCleansUpLeavesNoReports() {
    long[] p = {0};
    TestModule m = new TestModule("tidy")
        .onInit(() -> {
          p[0] = kmalloc(64, GFP_KERNEL);
          return p[0] == 0 ? -ENOMEM : 0;
        })
        .onExit(() -> kfree(p[0]));
    assertEquals(0, rig.kernel.modules().insmod(m));
    assertEquals(0, rig.kernel.modules().rmmod("tidy"));
    rig.assertNoReports();
  }
}
