package dev.driverlab.kernel.dma;

import dev.driverlab.kernel.mm.Page;

/** {@code struct scatterlist}: one segment (page, offset, length) and, once mapped, its bus address. */
public final class Scatterlist {
  public Page page;
  public int offset;
  public int length;
  public long dma_address;
  public int dma_length;
  boolean last;

  public boolean isLast() {
    return last;
  }
}
