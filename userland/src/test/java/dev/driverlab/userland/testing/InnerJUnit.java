package dev.driverlab.userland.testing;

import java.lang.reflect.Array;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs test classes through a fresh JUnit Platform launcher, inside the running test, and reports each
 * test's outcome: how the tests of the extension watch it fail other tests.
 *
 * <p>The launcher API (junit-platform-launcher) is on the test runtime classpath (Surefire provides
 * it) but not on the compile classpath, so it is reached by reflection; with
 * {@code org.junit.platform:junit-platform-launcher} as a test dependency this becomes ten plain lines.
 *
 * <p>The inner classes these tests run are static nested classes annotated {@link OnlyInner}: they
 * run only when started here (the configuration parameter {@value #SELF_TEST} is set), never in the
 * build's own test run, where some of them are meant to fail.
 */
final class InnerJUnit {
  static final String SELF_TEST = "driverlab.selftest";

  private InnerJUnit() {}

  /**
   * One finished test or container: its display name, its method name (the unique ID for a
   * container), the outcome and what it threw.
   */
  record Outcome(String displayName, String method, String status, Throwable throwable, boolean test) {
    boolean passed() {
      return status.equals("SUCCESSFUL");
    }

    boolean failed() {
      return status.equals("FAILED");
    }

    /** The failure message, or "" when it passed. */
    String message() {
      return throwable == null || throwable.getMessage() == null ? "" : throwable.getMessage();
    }
  }

  /** Keeps a nested test class out of the normal test run (see the class comment). */
  @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
  @java.lang.annotation.Target(java.lang.annotation.ElementType.TYPE)
  @org.junit.jupiter.api.extension.ExtendWith(OnlyWhenStartedByInnerJUnit.class)
  @interface OnlyInner {}

  static final class OnlyWhenStartedByInnerJUnit implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext ctx) {
      return ctx.getConfigurationParameter(SELF_TEST).isPresent()
          ? ConditionEvaluationResult.enabled("started by InnerJUnit")
          : ConditionEvaluationResult.disabled("an inner test of the DriverLab extension's own tests");
    }
  }

  /** What a failed container (a test class whose @BeforeAll failed, say) threw. */
  static Throwable containerFailure(List<Outcome> outcomes) {
    return outcomes.stream().filter(o -> !o.test() && o.failed()).map(Outcome::throwable).findFirst()
        .orElseThrow(() -> new AssertionError("no container failed: " + outcomes));
  }

  /** Runs {@code testClass} and returns the outcomes of its tests and containers, in the order they finished. */
  static List<Outcome> run(Class<?> testClass) {
    return run(testClass, Map.of());
  }

  static List<Outcome> run(Class<?> testClass, Map<String, String> config) {
    try {
      ClassLoader cl = InnerJUnit.class.getClassLoader();
      Class<?> selectors = cl.loadClass("org.junit.platform.engine.discovery.DiscoverySelectors");
      Class<?> selectorType = cl.loadClass("org.junit.platform.engine.DiscoverySelector");
      Class<?> builderType = cl.loadClass("org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder");
      Class<?> factory = cl.loadClass("org.junit.platform.launcher.core.LauncherFactory");
      Class<?> requestType = cl.loadClass("org.junit.platform.launcher.LauncherDiscoveryRequest");
      Class<?> listenerType = cl.loadClass("org.junit.platform.launcher.TestExecutionListener");

      Object selector = selectors.getMethod("selectClass", Class.class).invoke(null, testClass);
      Object array = Array.newInstance(selectorType, 1);
      Array.set(array, 0, selector);
      Map<String, String> params = new HashMap<>(config);
      params.put(SELF_TEST, "true");
      Object builder = builderType.getMethod("request").invoke(null);
      builderType.getMethod("selectors", array.getClass()).invoke(builder, array);
      builderType.getMethod("configurationParameters", Map.class).invoke(builder, params);
      Object request = builderType.getMethod("build").invoke(builder);

      List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
      InvocationHandler h = (proxy, method, args) -> onListenerCall(proxy, method, args, outcomes);
      Object listener = Proxy.newProxyInstance(cl, new Class<?>[] {listenerType}, h);
      Object listeners = Array.newInstance(listenerType, 1);
      Array.set(listeners, 0, listener);
      Class<?> launcherType = cl.loadClass("org.junit.platform.launcher.Launcher");
      Object launcher = factory.getMethod("create").invoke(null);
      launcherType.getMethod("execute", requestType, listeners.getClass()).invoke(launcher, request, listeners);
      return List.copyOf(outcomes);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot run " + testClass.getName() + " through the JUnit Platform launcher "
          + "(is junit-platform-launcher on the test runtime classpath?)", e);
    }
  }

  private static Object onListenerCall(Object proxy, Method method, Object[] args, List<Outcome> outcomes)
      throws ReflectiveOperationException {
    switch (method.getName()) {
      case "executionFinished": {
        Object id = args[0];
        Object result = args[1];
        boolean test = (Boolean) call(id, "isTest");
        String name = (String) call(id, "getDisplayName");
        String uniqueId = (String) call(id, "getUniqueId");
        String status = call(result, "getStatus").toString();
        Optional<?> thrown = (Optional<?>) call(result, "getThrowable");
        outcomes.add(new Outcome(name, methodName(uniqueId), status, (Throwable) thrown.orElse(null), test));
        return null;
      }
      case "executionSkipped": {
        Object id = args[0];
        if ((Boolean) call(id, "isTest")) {
          outcomes.add(new Outcome((String) call(id, "getDisplayName"), methodName((String) call(id, "getUniqueId")),
              "SKIPPED", null, true));
        }
        return null;
      }
      case "hashCode":
        return System.identityHashCode(proxy);
      case "equals":
        return proxy == args[0];
      case "toString":
        return "InnerJUnit listener";
      default:
        return null;
    }
  }

  /** A public no-argument method of a public launcher type (TestIdentifier, TestExecutionResult). */
  private static Object call(Object target, String method) throws ReflectiveOperationException {
    return target.getClass().getMethod(method).invoke(target);
  }

  /** "[method:probeFails(...)]" at the end of a unique ID → "probeFails". */
  private static String methodName(String uniqueId) {
    int at = uniqueId.lastIndexOf("[method:");
    if (at < 0) {
      return uniqueId;
    }
    int paren = uniqueId.indexOf('(', at);
    return uniqueId.substring(at + 8, paren < 0 ? uniqueId.length() - 1 : paren);
  }

  /** The outcome of the test method named {@code method}. */
  static Outcome outcome(List<Outcome> outcomes, String method) {
    return outcomes.stream().filter(o -> o.test() && o.method().equals(method)).findFirst()
        .orElseThrow(() -> new AssertionError("no outcome for " + method + " in " + outcomes));
  }
}
