package dev.driverlab.devices.pcie;

/**
 * The links one express transfer crosses (see RootComplex's DMA express), recorded by the walk that
 * checks the road, so that charging them their time afterwards needs no second walk. One per fabric,
 * reused: one simulated CPU drives a machine at a time.
 */
final class ExpressRoad {
  /** The links a request crosses going up, the requester's own first. */
  private Link[] up = new Link[4];
  private int upCount;
  /** The links an answer crosses going down, the root port's first. */
  private Link[] down = new Link[4];
  private int downCount;

  /** A transfer's requests as runs of equal sizes (see RootComplex's runs): sizes and counts. */
  private final int[] runSizes = new int[8];
  private final int[] runCounts = new int[8];

  int[] runSizes() {
    return runSizes;
  }

  int[] runCounts() {
    return runCounts;
  }

  /** Forgets the last transfer's links. */
  ExpressRoad clear() {
    upCount = 0;
    downCount = 0;
    return this;
  }

  void addUp(Link l) {
    if (upCount == up.length) {
      up = java.util.Arrays.copyOf(up, upCount * 2);
    }
    if (up[upCount] != l) { // stored only when it changes: a reference store into a long-lived array has a GC barrier
      up[upCount] = l;
    }
    upCount++;
  }

  /**
   * Crosses {@code l} going down, if it is there and up: records it and returns what is below it (a
   * slot's card, a switch, a device), or null (no link, a dead link, an empty slot).
   */
  LinkPartner crossDown(Link l) {
    if (l == null || !l.isUp()) {
      return null;
    }
    addDown(l);
    LinkPartner p = l.partner();
    return p instanceof Slot s ? s.card() : p;
  }

  void addDown(Link l) {
    if (downCount == down.length) {
      down = java.util.Arrays.copyOf(down, downCount * 2);
    }
    if (down[downCount] != l) {
      down[downCount] = l;
    }
    downCount++;
  }

  /** The links recorded going down, the root port's first. */
  int downCount() {
    return downCount;
  }

  Link down(int i) {
    return down[i];
  }

  /** Adds to every link going down the time of one read request (3 or 4 DW header): a CPU's MRd. */
  void chargeDownRead(boolean fourDw) {
    for (int i = 0; i < downCount; i++) {
      Link l = down[i];
      l.addBusyPs(l.requestTimePs(fourDw, 0));
    }
  }

  /** Adds to every link going down the time of one write request (3 or 4 DW header, {@code payloadBytes}): a CPU's MWr. */
  void chargeDownWrite(boolean fourDw, int payloadBytes) {
    for (int i = 0; i < downCount; i++) {
      Link l = down[i];
      l.addBusyPs(l.requestTimePs(fourDw, payloadBytes));
    }
  }

  /** Adds to the same links the time of one completion carrying {@code payloadBytes} back up: its answer. */
  void chargeCompletionBack(int payloadBytes) {
    for (int i = downCount - 1; i >= 0; i--) {
      Link l = down[i];
      l.addBusyPs(l.completionTimePs(payloadBytes));
    }
  }

  /**
   * Adds to every link going up the time of {@code counts[i]} requests carrying {@code sizes[i]} bytes
   * each ({@code sizes} null: reads, no data), for the first {@code runs} runs.
   */
  void chargeRequests(boolean fourDw, int[] sizes, int[] counts, int runs) {
    for (int i = 0; i < upCount; i++) {
      Link l = up[i];
      long ps = 0;
      for (int r = 0; r < runs; r++) {
        ps += counts[r] * l.requestTimePs(fourDw, sizes == null ? 0 : sizes[r]);
      }
      l.addBusyPs(ps);
    }
  }

  /**
   * Adds to every link going down the time of the answers to {@code count} reads of {@code len} bytes
   * each, back to back from {@code address}: one answer's time times the count when every read starts
   * at the same place in its RCB block, else read by read.
   */
  void chargeAnswers(long address, int len, int mps, int count) {
    if (len % RootComplex.RCB == 0) {
      for (int i = 0; i < downCount; i++) {
        Link l = down[i];
        l.addBusyPs(count * l.answerTimePs(address, len, mps));
      }
      return;
    }
    for (int k = 0; k < count; k++) {
      chargeAnswer(address + (long) k * len, len, mps);
    }
  }

  /** Adds to every link going down the time of the completions answering {@code len} bytes at {@code address}. */
  void chargeAnswer(long address, int len, int mps) {
    for (int i = 0; i < downCount; i++) {
      Link l = down[i];
      l.addBusyPs(l.answerTimePs(address, len, mps));
    }
  }
}
