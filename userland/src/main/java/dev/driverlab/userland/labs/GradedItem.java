package dev.driverlab.userland.labs;

/**
 * One behaviour a lab awards points for: all or nothing.
 *
 * @param id short name printed in the score table and used in the child's result lines (no spaces)
 * @param points what passing is worth
 * @param what one line saying what is checked
 * @param check the check; it throws {@link ItemFailed} (or anything else) to fail
 */
public record GradedItem(String id, int points, String what, Check check) {
  /** A check, run on a freshly booted machine against the student's classes. */
  @FunctionalInterface
  public interface Check {
    void run(StudentClasses student) throws Exception;
  }

  public GradedItem {
    if (id == null || id.isEmpty() || id.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("item id must be one word: '" + id + "'");
    }
    if (points < 1) {
      throw new IllegalArgumentException("item " + id + " is worth " + points + " points; at least 1");
    }
  }
}
