package dev.driverlab.devices.riffa;

/**
 * Answers every message with its words plus a constant (32-bit wrap-around): a send of
 * {@code 1..N} to {@code new AddConstantCore(100)} comes back as {@code 101..N+100}. The smallest
 * example of user logic that computes something.
 */
public final class AddConstantCore extends BufferingCore {
  private final int constant;

  public AddConstantCore(int constant) {
    this.constant = constant;
  }

  public int constant() {
    return constant;
  }

  @Override
  protected int[] reply(int[] words) {
    int[] out = new int[words.length];
    for (int i = 0; i < words.length; i++) {
      out[i] = words[i] + constant;
    }
    return out;
  }
}
