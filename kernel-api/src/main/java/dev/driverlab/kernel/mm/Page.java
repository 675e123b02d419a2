package dev.driverlab.kernel.mm;

/** A physical page frame ({@code struct page}), named by its page frame number. */
public record Page(long pfn) {
  public long physAddress() {
    return pfn << PageAllocator.PAGE_SHIFT;
  }

  @Override
  public String toString() {
    return String.format("page(pfn %#x)", pfn);
  }
}
