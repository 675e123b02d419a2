package dev.driverlab.userland.labs;

/** A graded item did not pass; the message says what was expected, what happened and which check fired. */
public final class ItemFailed extends Exception {
  public ItemFailed(String message) {
    super(message);
  }

  /** Fails with {@code message} unless {@code condition} holds. */
  public static void expect(boolean condition, String message) throws ItemFailed {
    if (!condition) {
      throw new ItemFailed(message);
    }
  }
}
