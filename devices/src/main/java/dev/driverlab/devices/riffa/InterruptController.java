package dev.driverlab.devices.riffa;

import dev.driverlab.devices.model.PciDeviceModel.EventLabel;

/**
 * The sticky interrupt vectors and the one-MSI-per-batch state machine of {@code interrupt.v} and
 * {@code interrupt_controller.v} (riffa.md §3.1, §3.2).
 *
 * <pre>
 *  event pulse ─► OR-ed into vector 0 (channels 0-5) or 1 (channels 6-11), 5 bits per channel
 *
 *  IDLE ──(vector 0 | vector 1 ≠ 0)──► SENDING ──MSI──► WAIT_VECTOR_0 ──(vector 0 read)──┐
 *   ▲                                                                                    │
 *   └──────────────── (vector 1 read, more than 6 channels) ◄── WAIT_VECTOR_1 ◄───────────┤
 *   └──────────────────────────────────────── (6 channels or fewer) ◄──────────────────────┘
 *
 *  a vector read returns the vector and clears exactly the bits it returned; events raised later
 *  stay set and, back in IDLE, start the next batch with the next MSI.
 * </pre>
 */
final class InterruptController {
  private enum State { IDLE, SENDING, WAIT_VECTOR_0, WAIT_VECTOR_1 }

  private final RiffaEndpoint ep;
  private final boolean twoVectors;
  private final int[] vector = new int[2];
  private State state = State.IDLE;
  private final EventLabel msiLabel;
  private final Runnable send = this::send;

  InterruptController(RiffaEndpoint ep, int channels) {
    this.ep = ep;
    this.twoVectors = channels > RiffaRegisters.IRQ_CHNLS_PER_VECTOR;
    this.msiLabel = ep.label("RIFFA MSI");
  }

  void raise(int channel, int event) {
    vector[RiffaRegisters.irqVector(channel)] |= RiffaRegisters.irqBit(channel, event);
    evaluate();
  }

  /**
   * A read of IRQ_REG0 ({@code index} 0) or IRQ_REG1 (1). Reads at another channel's window still count
   * for the state machine (the HDL decodes the strobe from the field bits alone) but return 0 and so
   * clear nothing ({@code returnsData} false).
   */
  int read(int index, boolean returnsData) {
    int v = returnsData ? vector[index] : 0;
    vector[index] &= ~v;
    if (index == 0 && state == State.WAIT_VECTOR_0) {
      state = twoVectors ? State.WAIT_VECTOR_1 : State.IDLE;
    } else if (index == 1 && state == State.WAIT_VECTOR_1) {
      state = State.IDLE;
    }
    evaluate();
    return v;
  }

  private void evaluate() {
    if (state == State.IDLE && (vector[0] | vector[1]) != 0) {
      state = State.SENDING;
      ep.later(ep.msiLatencyNs(), msiLabel, send);
    }
  }

  private void send() {
    // With MSI off (or Bus Master Enable clear) the message is lost, but the state machine still waits
    // for the vector reads, as the HDL's legacy path waits for its register-read acknowledgement.
    state = State.WAIT_VECTOR_0;
    ep.sendMsi();
  }

  void reset() {
    vector[0] = 0;
    vector[1] = 0;
    state = State.IDLE;
  }
}
