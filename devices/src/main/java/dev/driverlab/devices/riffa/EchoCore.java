package dev.driverlab.devices.riffa;

/**
 * A true echo: every message the host sends comes back unchanged, same length, offset 0, last set.
 * Unlike {@link ChnlTester} there is no first-beat quirk, so a send of {@code 1..N} returns {@code 1..N}.
 */
public final class EchoCore extends BufferingCore {
  @Override
  protected int[] reply(int[] words) {
    return words;
  }

  /** It keeps nothing: the message goes back as it came, in its own array. */
  @Override
  protected boolean repliesInPlace() {
    return true;
  }
}
