package dev.driverlab.userland.testing;

import dev.driverlab.devices.Machine;
import dev.driverlab.devices.model.PciDeviceModel;
import dev.driverlab.kernel.Kernel;
import dev.driverlab.kernel.debug.Check;
import dev.driverlab.userland.libc.Libc;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * The JUnit 5 extension behind {@link DriverLabTest}: one booted DriverLab machine per test.
 *
 * <pre>
 *   beforeEach   build the machine (@MachineSetup, else the default), plug @WithDevice cards, start
 *                recording TLPs, boot the kernel on the test's thread      → ExtensionContext store
 *   parameters   TestMachine, Machine, Kernel, Libc (the default process) of that test
 *   on failure   an AssertionError from the test or its @BeforeEach/@AfterEach methods is rethrown with
 *                the machine's state appended (bug reports, injected faults, last 30 dmesg lines,
 *                last 20 TLPs); other exceptions keep their type and carry the state as a suppressed
 *                MachineStateAtFailure
 *   afterEach    if the test passed: TestMachine.finish() — processes exit, the test's modules are
 *                rmmod'ed, and any unexpected bug report (or an @ExpectBugs check that never reported)
 *                fails it; always: the kernel shuts down
 * </pre>
 *
 * The extension holds no state: everything lives in the test's {@link ExtensionContext.Store}, and
 * each machine, its kernel and its virtual clock belong to the thread running that test, so classes
 * may run their tests concurrently ({@code @Execution(CONCURRENT)}) and every test replays the same
 * way. The kernel adopts the thread that runs the test; a {@code @Timeout} with
 * {@code SEPARATE_THREAD} mode would run the test on another thread and is not supported.
 */
public final class DriverLabExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver,
    TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DriverLabExtension.class);
  private static final String KEY = "testMachine";
  private static final Set<Class<?>> INJECTED = Set.of(TestMachine.class, Machine.class, Kernel.class, Libc.class);

  /** The machine of one test, closed by JUnit if {@link #afterEach} never got to it. */
  private record Session(TestMachine tm) implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      tm.close();
    }
  }

  /** The state of the machine, attached to a failure that is not an AssertionError. */
  static final class MachineStateAtFailure extends RuntimeException {
    MachineStateAtFailure(String state) {
      super(state, null, false, false);
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  @Override
  public void beforeEach(ExtensionContext ctx) {
    TestMachine.Options options = TestMachine.Options.of(findSettings(ctx));
    Machine machine = buildMachine(ctx);
    TestMachine tm = TestMachine.boot(machine, options);
    ctx.getStore(NAMESPACE).put(KEY, new Session(tm));
    for (Check c : expectedChecks(ctx)) {
      tm.expectBug(c);
    }
  }

  @Override
  public void afterEach(ExtensionContext ctx) {
    Session s = ctx.getStore(NAMESPACE).remove(KEY, Session.class);
    if (s == null) {
      return;
    }
    try {
      if (ctx.getExecutionException().isEmpty()) {
        s.tm().finish();
      }
    } finally {
      s.tm().close();
    }
  }

  /** The machine of the test running in {@code ctx}, if it booted. */
  static Optional<TestMachine> machineOf(ExtensionContext ctx) {
    Session s = ctx.getStore(NAMESPACE).get(KEY, Session.class);
    return Optional.ofNullable(s == null ? null : s.tm());
  }

  // ---- parameters -------------------------------------------------------------------------------

  @Override
  public boolean supportsParameter(ParameterContext pc, ExtensionContext ctx) {
    return INJECTED.contains(pc.getParameter().getType());
  }

  @Override
  public Object resolveParameter(ParameterContext pc, ExtensionContext ctx) {
    Class<?> type = pc.getParameter().getType();
    Optional<TestMachine> tm = pc.getDeclaringExecutable() instanceof Method ? machineOf(ctx) : Optional.empty();
    if (tm.isEmpty()) {
      throw new ParameterResolutionException(type.getSimpleName() + " parameter of "
          + pc.getDeclaringExecutable().getDeclaringClass().getSimpleName() + "." + pc.getDeclaringExecutable().getName()
          + ": DriverLab injects a machine into @Test, @BeforeEach and @AfterEach methods only; each test boots "
          + "its own, right before its @BeforeEach methods (not into constructors, @BeforeAll or @AfterAll)");
    }
    TestMachine m = tm.get();
    if (type == TestMachine.class) {
      return m;
    }
    if (type == Machine.class) {
      return m.machine();
    }
    if (type == Kernel.class) {
      return m.kernel();
    }
    return m.user();
  }

  // ---- failures ---------------------------------------------------------------------------------

  @Override
  public void handleTestExecutionException(ExtensionContext ctx, Throwable t) throws Throwable {
    throw withMachineState(ctx, t);
  }

  @Override
  public void handleBeforeEachMethodExecutionException(ExtensionContext ctx, Throwable t) throws Throwable {
    throw withMachineState(ctx, t);
  }

  @Override
  public void handleAfterEachMethodExecutionException(ExtensionContext ctx, Throwable t) throws Throwable {
    throw withMachineState(ctx, t);
  }

  private static Throwable withMachineState(ExtensionContext ctx, Throwable t) {
    Optional<TestMachine> tm = machineOf(ctx);
    return tm.isEmpty() ? t : withMachineState(tm.get(), t);
  }

  /**
   * {@code t} with the machine's state: an AssertionError becomes one whose message ends with the state
   * (an {@link AssertionFailedError} keeps its expected and actual values, so IDEs still show the diff),
   * with {@code t} as cause and {@code t}'s stack trace; anything else keeps its type and gets the state
   * as a suppressed exception. Aborted tests (failed assumptions) and messages that already carry the
   * state are left alone.
   */
  static Throwable withMachineState(TestMachine tm, Throwable t) {
    if (t instanceof TestAbortedException || FailureReport.carriesState(t.getMessage())) {
      return t;
    }
    String state;
    try {
      state = tm.describeState();
    } catch (RuntimeException e) {
      t.addSuppressed(e);
      return t;
    }
    if (t instanceof AssertionError) {
      String message = (t.getMessage() == null ? t.getClass().getName() : t.getMessage()) + "\n\n" + state;
      AssertionError wrapped;
      if (t instanceof AssertionFailedError afe && afe.isExpectedDefined() && afe.isActualDefined()) {
        wrapped = new AssertionFailedError(message, afe.getExpected().getValue(), afe.getActual().getValue(), t);
      } else {
        wrapped = new AssertionFailedError(message, t);
      }
      wrapped.setStackTrace(t.getStackTrace());
      return wrapped;
    }
    t.addSuppressed(new MachineStateAtFailure(state));
    return t;
  }

  // ---- reading the test's declarations ----------------------------------------------------------

  /** Contexts from the outermost class down to the test method. */
  private static List<ExtensionContext> outermostFirst(ExtensionContext ctx) {
    Deque<ExtensionContext> chain = new ArrayDeque<>();
    for (Optional<ExtensionContext> c = Optional.of(ctx); c.isPresent(); c = c.get().getParent()) {
      if (c.get().getElement().isPresent()) {
        chain.addFirst(c.get());
      }
    }
    return new ArrayList<>(chain);
  }

  private static DriverLabTest findSettings(ExtensionContext ctx) {
    List<ExtensionContext> chain = outermostFirst(ctx);
    for (int i = chain.size() - 1; i >= 0; i--) {
      Optional<AnnotatedElement> e = chain.get(i).getElement();
      if (e.isPresent() && e.get() instanceof Class<?>) {
        Optional<DriverLabTest> a = AnnotationSupport.findAnnotation(e.get(), DriverLabTest.class);
        if (a.isPresent()) {
          return a.get();
        }
      }
    }
    return null;
  }

  private static List<Check> expectedChecks(ExtensionContext ctx) {
    List<Check> out = new ArrayList<>();
    for (ExtensionContext c : outermostFirst(ctx)) {
      AnnotationSupport.findAnnotation(c.getElement(), ExpectBugs.class).ifPresent(a -> out.addAll(List.of(a.value())));
    }
    return out;
  }

  private static Machine buildMachine(ExtensionContext ctx) {
    Machine m = invokeMachineSetup(ctx);
    for (ExtensionContext c : outermostFirst(ctx)) {
      for (WithDevice w : AnnotationSupport.findRepeatableAnnotations(c.getElement(), WithDevice.class)) {
        plug(m, w, c.getElement().get());
      }
    }
    return m;
  }

  private static void plug(Machine m, WithDevice w, AnnotatedElement where) {
    String at = "@WithDevice(" + w.value().getSimpleName() + ") on " + describe(where);
    if (w.count() < 1) {
      throw new ExtensionConfigurationException(at + ": count must be at least 1, not " + w.count());
    }
    if (!w.slot().isEmpty() && w.count() != 1) {
      throw new ExtensionConfigurationException(at + ": a named slot (\"" + w.slot() + "\") holds one card, not "
          + w.count());
    }
    for (int i = 0; i < w.count(); i++) {
      PciDeviceModel model = instantiate(w.value(), at);
      try {
        if (w.slot().isEmpty()) {
          m.plug(model);
        } else {
          m.slot(w.slot()).plug(model);
        }
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new ExtensionConfigurationException(at + ": " + e.getMessage(), e);
      }
    }
  }

  private static PciDeviceModel instantiate(Class<? extends PciDeviceModel> type, String at) {
    if (Modifier.isAbstract(type.getModifiers())) {
      throw new ExtensionConfigurationException(at + ": " + type.getName() + " is abstract");
    }
    Constructor<? extends PciDeviceModel> ctor;
    try {
      ctor = type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new ExtensionConfigurationException(at + ": " + type.getName() + " has no public no-argument constructor; "
          + "build the card in a @MachineSetup method instead");
    }
    try {
      return ctor.newInstance();
    } catch (InvocationTargetException e) {
      throw new ExtensionConfigurationException(at + ": new " + type.getSimpleName() + "() threw " + e.getCause(),
          e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new ExtensionConfigurationException(at + ": cannot create " + type.getName() + ": " + e, e);
    }
  }

  /** Runs the innermost class's @MachineSetup method, or builds the default machine. */
  private static Machine invokeMachineSetup(ExtensionContext ctx) {
    List<Object> instances = ctx.getRequiredTestInstances().getAllInstances(); // outermost first
    for (int i = instances.size() - 1; i >= 0; i--) {
      Class<?> cls = instances.get(i).getClass();
      List<Method> setups = AnnotationSupport.findAnnotatedMethods(cls, MachineSetup.class, HierarchyTraversalMode.TOP_DOWN);
      if (setups.isEmpty()) {
        continue;
      }
      if (setups.size() > 1) {
        throw new ExtensionConfigurationException(cls.getSimpleName() + " has " + setups.size()
            + " @MachineSetup methods " + setups.stream().map(Method::getName).toList() + "; keep one");
      }
      Method setup = setups.get(0);
      String name = setup.getDeclaringClass().getSimpleName() + "." + setup.getName() + "()";
      if (setup.getParameterCount() != 0) {
        throw new ExtensionConfigurationException("@MachineSetup method " + name + " must take no parameters");
      }
      if (!Machine.class.isAssignableFrom(setup.getReturnType())) {
        throw new ExtensionConfigurationException("@MachineSetup method " + name + " must return a Machine, not "
            + setup.getReturnType().getSimpleName());
      }
      Object target = Modifier.isStatic(setup.getModifiers()) ? null : instances.get(i);
      Object m;
      try {
        setup.setAccessible(true);
        m = setup.invoke(target);
      } catch (InvocationTargetException e) {
        throw new ExtensionConfigurationException("@MachineSetup method " + name + " threw " + e.getCause(),
            e.getCause());
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new ExtensionConfigurationException("cannot call @MachineSetup method " + name + ": " + e, e);
      }
      if (m == null) {
        throw new ExtensionConfigurationException("@MachineSetup method " + name + " returned null");
      }
      return (Machine) m;
    }
    return Machine.createDefault();
  }

  private static String describe(AnnotatedElement e) {
    if (e instanceof Class<?> c) {
      return c.getSimpleName();
    }
    if (e instanceof Method m) {
      return m.getDeclaringClass().getSimpleName() + "." + m.getName() + "()";
    }
    return String.valueOf(e);
  }
}
