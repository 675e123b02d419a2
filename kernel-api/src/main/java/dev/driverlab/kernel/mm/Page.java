package dev.driverlab.kernel.mm;

/** A physical page frame ({@code struct page}), named by its page frame number. */
public record Page(long pfn) {
  public long physAddress() {
    return pfn << PageAllocator.PAGE_SHIFT;
  }

  /**
   * What the record would compute ({@code 31 * 0 + Long.hashCode(pfn)}), written out: the pin records
   * hash a page for every page of every transfer, and the record's generated method went through a
   * method-handle chain the JIT did not always fold away.
   */
  @Override
  public int hashCode() {
    return Long.hashCode(pfn);
  }

  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof Page p && p.pfn == pfn);
  }

  @Override
  public String toString() {
    return String.format("page(pfn %#x)", pfn);
  }
}
