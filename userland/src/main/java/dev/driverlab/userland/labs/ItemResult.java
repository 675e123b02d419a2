package dev.driverlab.userland.labs;

/**
 * How one graded item went.
 *
 * @param item the item
 * @param earned its points if it passed, else 0
 * @param message "ok", or what failed and which check fired
 */
public record ItemResult(GradedItem item, int earned, String message) {
  public boolean passed() {
    return earned == item.points();
  }

  static ItemResult pass(GradedItem item) {
    return new ItemResult(item, item.points(), "ok");
  }

  static ItemResult fail(GradedItem item, String message) {
    return new ItemResult(item, 0, message);
  }
}
