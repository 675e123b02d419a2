package dev.driverlab.drivers.riffa;

import static dev.driverlab.kernel.dma.Dma.DMA_FROM_DEVICE;
import static dev.driverlab.kernel.dma.Dma.DMA_TO_DEVICE;
import static dev.driverlab.kernel.dma.Dma.dma_map_sg;
import static dev.driverlab.kernel.dma.Dma.dma_unmap_sg;
import static dev.driverlab.kernel.dma.Dma.sg_dma_address;
import static dev.driverlab.kernel.dma.Dma.sg_dma_len;
import static dev.driverlab.kernel.dma.Dma.sg_init_table;
import static dev.driverlab.kernel.dma.Dma.sg_set_page;
import static dev.driverlab.kernel.mm.Mm.FOLL_WRITE;
import static dev.driverlab.kernel.mm.Mm.PAGE_SHIFT;
import static dev.driverlab.kernel.mm.Mm.PAGE_SIZE;
import static dev.driverlab.kernel.mm.Mm.memcpy;
import static dev.driverlab.kernel.mm.Mm.pin_user_pages;
import static dev.driverlab.kernel.mm.Mm.unpin_user_pages_dirty_lock;
import static dev.driverlab.kernel.printk.Printk.KERN_ERR;
import static dev.driverlab.kernel.printk.Printk.printk;

import dev.driverlab.kernel.dma.Scatterlist;
import dev.driverlab.kernel.mm.Page;
import java.util.Arrays;

/**
 * {@code struct sg_mapping} with {@code fill_sg_buf} and {@code free_sg_buf} (riffa.md §4.3, §4.4): a
 * batch of user pages pinned, mapped for DMA and written as an SG list into a channel direction's
 * coherent buffer, plus entries that point the rest of a receive at the shared spill buffer.
 *
 * <p>The SG list the FPGA reads, one 16-byte element per mapped segment, little-endian:
 *
 * <pre>
 *  word 0   DMA address 31:0
 *  word 1   DMA address 63:32
 *  word 2   length in WORDS (mapped bytes &gt;&gt; 2)
 *  word 3   unused (never written; the FPGA skips it)
 * </pre>
 *
 * <p>Lengths and overflow are C {@code unsigned long long}: Java longs compared as unsigned, so the
 * spill quirk of §4.3 step 2 (the remaining overflow wraps when it is above 4 KiB and not a multiple of
 * it) behaves exactly as in C.
 */
final class SgMapping {
  Page[] pages;
  Scatterlist[] sgl;
  int direction;
  /** SG elements written to the list (user segments, then spill entries). */
  int num_sg;
  long num_pages;
  /** Bytes of user data the list covers. */
  long length;
  /** Bytes the list sends to the spill buffer. */
  long overflow;
  /** dma_map_sg succeeded: the scatterlist must be unmapped. */
  private boolean mapped;

  private SgMapping() {}

  /**
   * {@code fill_sg_buf}: pins up to {@code sc.num_sg} pages of {@code [udata, udata + length)}, maps them
   * and writes their elements into {@code sgBuf}; once all {@code length} bytes are covered, appends
   * spill entries (1024 words each) for {@code overflow} bytes until the list holds {@code num_sg}
   * elements. Returns null if no page could be pinned (logged). May sleep (pin_user_pages).
   */
  static SgMapping fill_sg_buf(FpgaState sc, int chnl, long sgBuf, long udata, long length, long overflow,
      int direction) {
    String dir = direction == DMA_TO_DEVICE ? "send" : "recv";
    SgMapping sg_map = new SgMapping();
    long len_rem = length;
    long overflow_rem = overflow;
    int num_sg = 0;
    long num_pages = 0;

    if (length != 0) {
      long num_pages_reqd = ((udata + length - 1) >>> PAGE_SHIFT) - (udata >>> PAGE_SHIFT) + 1;
      if (Long.compareUnsigned(num_pages_reqd, sc.num_sg) > 0) {
        num_pages_reqd = sc.num_sg;
      }
      Page[] pages = new Page[(int) num_pages_reqd];
      // The original uses get_user_pages(FOLL_WRITE) for both directions; pin_user_pages is today's
      // call for pages a device will DMA to or from.
      num_pages = pin_user_pages(udata, num_pages_reqd, FOLL_WRITE, pages);
      if (num_pages <= 0) {
        printk(KERN_ERR + "riffa: fpga:%d chnl:%d, %s unable to pin any pages in memory\n", sc.id, chnl, dir);
        return null;
      }
      sg_map.pages = pages;
      sg_map.num_pages = num_pages;

      Scatterlist[] sgl = new Scatterlist[(int) num_pages];
      sg_init_table(sgl, (int) num_pages);
      int fp_offset = (int) (udata & (PAGE_SIZE - 1));
      for (int i = 0; i < num_pages; i++) {
        long len = fp_offset + len_rem > PAGE_SIZE ? PAGE_SIZE - fp_offset : len_rem;
        sg_set_page(sgl[i], pages[i], (int) len, fp_offset);
        len_rem -= len;
        fp_offset = 0;
      }
      sg_map.sgl = sgl;

      num_sg = dma_map_sg(sc.dev.dev, sgl, (int) num_pages, direction);
      sg_map.mapped = num_sg > 0;
    }
    // The elements' words are collected in a local copy of the list and stored with one memcpy (see SgList).
    SgList list = new SgList(sc);
    for (int i = 0; i < num_sg; i++) {
      long hw_addr = sg_dma_address(sg_map.sgl[i]);
      int hw_len = sg_dma_len(sg_map.sgl[i]);
      list.add(hw_addr, hw_len >>> 2); // words
    }

    // Receive overflow: point the rest at the spill buffer, 4 KiB (1024 words) per element.
    while (len_rem == 0 && overflow_rem != 0 && num_sg < sc.num_sg) {
      list.add(sc.spill_buf_hw_addr, RiffaDriver.SPILL_BUF_SIZE >>> 2);
      num_sg++;
      // As in C: subtracts min(4096, ORIGINAL overflow), so a remainder that is not a multiple of
      // 4096 wraps below zero (unsigned: huge) and entries keep coming up to the cap. Harmless: the
      // FPGA stops at the length it announced.
      overflow_rem -= Long.compareUnsigned(RiffaDriver.SPILL_BUF_SIZE, overflow) > 0 ? overflow
          : RiffaDriver.SPILL_BUF_SIZE;
    }

    list.store(sgBuf);
    sg_map.direction = direction;
    sg_map.num_sg = num_sg;
    sg_map.length = length - len_rem;
    sg_map.overflow = overflow - overflow_rem;
    return sg_map;
  }

  /**
   * An SG list's elements, collected as they are added and stored into the coherent buffer with one
   * {@code memcpy} instead of three {@code put32}s per element (a 64 MiB transfer has 16384 elements
   * each way, and every put32 is a page-table walk, a DMA-ownership check and a RAM store of its own).
   * {@link #store} first reads the buffer's bytes up to the last element's word 2 and replaces only
   * words 0-2 of each element, so word 3, which the driver never writes, keeps whatever it held:
   * afterwards the buffer holds exactly what the put32s left there. Nothing runs between the adds and
   * the store (the driver does not sleep in between), so no one could see the list half written either
   * way; for the same reason the bytes are built in the FPGA's one scratch array
   * ({@link FpgaState#sg_list_scratch}).
   */
  private static final class SgList {
    private final FpgaState sc;
    /** Words 0-2 of element i at 3i..3i+2 (address low, address high, length in words). */
    private int[] words = new int[3 * 16];
    private int count;

    SgList(FpgaState sc) {
      this.sc = sc;
    }

    /** Appends the next element (elements are stored in the order they are added, from 0). */
    void add(long addr, int lengthWords) {
      if (3 * count + 3 > words.length) {
        words = Arrays.copyOf(words, 2 * words.length);
      }
      words[3 * count] = (int) addr;
      words[3 * count + 1] = (int) (addr >>> 32);
      words[3 * count + 2] = lengthWords;
      count++;
    }

    /** Writes the elements added to the list at {@code sgBuf}. */
    void store(long sgBuf) {
      if (count == 0) {
        return;
      }
      int bytes = 16 * count - 4; // up to the last element's word 2: its word 3 was never stored
      if (sc.sg_list_scratch.length < bytes) {
        sc.sg_list_scratch = new byte[bytes];
      }
      byte[] b = sc.sg_list_scratch;
      memcpy(b, sgBuf, bytes);
      for (int i = 0; i < count; i++) {
        putLe(b, 16 * i, words[3 * i]);
        putLe(b, 16 * i + 4, words[3 * i + 1]);
        putLe(b, 16 * i + 8, words[3 * i + 2]);
      }
      memcpy(sgBuf, b, bytes);
    }

    private static void putLe(byte[] b, int o, int v) {
      b[o] = (byte) v;
      b[o + 1] = (byte) (v >>> 8);
      b[o + 2] = (byte) (v >>> 16);
      b[o + 3] = (byte) (v >>> 24);
    }
  }

  /**
   * {@code free_sg_buf}: unmaps the scatterlist, releases the pinned pages (marking them dirty when the
   * device wrote them) and forgets the mapping. Null is ignored.
   */
  static void free_sg_buf(FpgaState sc, SgMapping sg_map) {
    if (sg_map == null) {
      return;
    }
    if (sg_map.sgl != null && sg_map.mapped) {
      dma_unmap_sg(sc.dev.dev, sg_map.sgl, (int) sg_map.num_pages, sg_map.direction);
    }
    if (sg_map.pages != null) {
      unpin_user_pages_dirty_lock(sg_map.pages, sg_map.num_pages, sg_map.direction == DMA_FROM_DEVICE);
    }
    sg_map.pages = null;
    sg_map.sgl = null;
    sg_map.mapped = false;
  }

  /** The callers' failure test: no mapping, or a mapping without a single element. */
  static boolean failed(SgMapping sg_map) {
    return sg_map == null || sg_map.num_sg == 0;
  }
}
