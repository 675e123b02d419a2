package dev.driverlab.kerneltest.fs;

import static dev.driverlab.kernel.fs.Chrdev.*;
import static dev.driverlab.kernel.fs.File.*;
import static dev.driverlab.kernel.mm.Uaccess.copy_from_user;
import static dev.driverlab.kernel.mm.Uaccess.copy_to_user;
import static dev.driverlab.kernel.uapi.Errno.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.driverlab.kernel.fs.FileOperations;
import dev.driverlab.kernel.proc.Process;
import dev.driverlab.kernel.sched.SimThread;
import dev.driverlab.kernel.sched.Wait;
import dev.driverlab.kernel.sched.WaitQueueHead;
import dev.driverlab.kerneltest.KernelRig;
import dev.driverlab.kerneltest.TestModule;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A char device seen from user space: the VFS rules between system calls and file_operations. */
class CharDeviceSyscallTest {
  private static final int MAJOR = 240;
  private final KernelRig rig = KernelRig.boot();
  private final Process p = rig.process();
  private final List<String> calls = new ArrayList<>();

  @AfterEach
  void shutdown() {
    rig.close();
  }

  /** Registers {@code fops} at MAJOR:0 and makes /dev/t for it. */
  private void node(FileOperations fops) {
    assertEquals(0, register_chrdev(MAJOR, "t", fops));
    assertEquals(0, p.mknod("/dev/t", MKDEV(MAJOR, 0)));
  }

  private int openT() {
    int fd = p.open("/dev/t", O_RDWR);
    assertTrue(fd >= 3, "fd " + fd);
    return fd;
  }

  // ---- path lookup --------------------------------------------------------------------------------

  @Test
  void openOfAMissingPathIsEnoent() {
    assertEquals(-ENOENT, p.open("/dev/nothing", O_RDWR));
  }

  @Test
  void openOfADirectoryIsEisdir() {
    assertEquals(-EISDIR, p.open("/proc", O_RDONLY));
    assertEquals(-EISDIR, p.open("/dev", O_RDONLY), "even with no nodes in it yet");
    assertEquals(-EISDIR, p.open("/sys/class/", O_RDONLY));
    assertEquals(-EISDIR, p.open("/sys/bus/pci/devices", O_RDONLY));
  }

  @Test
  void openOfANodeWithoutACdevIsEnxio() {
    assertEquals(0, p.mknod("/dev/orphan", MKDEV(MAJOR, 0)));
    assertEquals(-ENXIO, p.open("/dev/orphan", O_RDWR));
  }

  @Test
  void mknodOfAnExistingPathIsEexistAndOutsideDevIsEinval() {
    assertEquals(0, p.mknod("/dev/x", MKDEV(MAJOR, 0)));
    assertEquals(-EEXIST, p.mknod("/dev/x", MKDEV(MAJOR, 1)));
    assertEquals(-EINVAL, p.mknod("/tmp/x", MKDEV(MAJOR, 0)));
    assertEquals(0, p.unlink("/dev/x"));
    assertEquals(-ENOENT, p.unlink("/dev/x"));
  }

  @Test
  void fileDescriptorsStartAtThreeAndAreReused() {
    node(FileOperations.builder().build());
    assertEquals(3, openT());
    assertEquals(4, openT());
    assertEquals(0, p.close(3));
    assertEquals(3, openT());
  }

  // ---- bad descriptors and missing operations -------------------------------------------------------

  @Test
  void everyCallOnABadFdIsEbadf() {
    long buf = rig.userBuffer(4096);
    assertEquals(-EBADF, p.read(42, buf, 1));
    assertEquals(-EBADF, p.write(42, buf, 1));
    assertEquals(-EBADF, p.ioctl(42, 0, 0));
    assertEquals(-EBADF, p.lseek(42, 0, SEEK_SET));
    assertEquals(-EBADF, p.mmap(4096, 3, 42, 0));
    assertEquals(-EBADF, p.close(42));
  }

  @Test
  void closeTwiceIsEbadf() {
    node(FileOperations.builder().build());
    int fd = openT();
    assertEquals(0, p.close(fd));
    assertEquals(-EBADF, p.close(fd));
  }

  @Test
  void readOfAWriteOnlyFileAndWriteOfAReadOnlyFileAreEbadf() {
    node(FileOperations.builder().read((f, b, n, pos) -> n).write((f, b, n, pos) -> n).build());
    long buf = rig.userBuffer(4096);
    int w = p.open("/dev/t", O_WRONLY);
    int r = p.open("/dev/t", O_RDONLY);
    assertEquals(-EBADF, p.read(w, buf, 1));
    assertEquals(-EBADF, p.write(r, buf, 1));
    assertEquals(1, p.read(r, buf, 1));
    assertEquals(1, p.write(w, buf, 1));
  }

  @Test
  void missingOperationsFailAsLinuxDoes() {
    node(FileOperations.builder().build());
    int fd = openT();
    long buf = rig.userBuffer(4096);
    assertEquals(-EINVAL, p.read(fd, buf, 1), "no read");
    assertEquals(-EINVAL, p.write(fd, buf, 1), "no write");
    assertEquals(-ESPIPE, p.lseek(fd, 0, SEEK_SET), "no llseek");
    assertEquals(-ENOTTY, p.ioctl(fd, 1, 0), "no unlocked_ioctl");
    assertEquals(-ENODEV, p.mmap(4096, 3, fd, 0), "no mmap");
    assertEquals(0, p.close(fd), "no release");
  }

  @Test
  void lseekWithABadWhenceIsEinval() {
    node(FileOperations.builder().llseek((f, off, whence) -> off).build());
    assertEquals(-EINVAL, p.lseek(openT(), 0, 3));
  }

  @Test
  void mmapWithZeroLengthOrAnUnalignedOffsetIsEinval() {
    node(FileOperations.builder().mmap((f, vma) -> 0).build());
    int fd = openT();
    assertEquals(-EINVAL, p.mmap(0, 3, fd, 0));
    assertEquals(-EINVAL, p.mmap(4096, 3, fd, 100));
  }

  @Test
  void mmapWithRemapPfnRangeSharesKernelMemoryWithTheProcess() {
    long kbuf = dev.driverlab.kernel.mm.Mm.kzalloc(4096, dev.driverlab.kernel.mm.Mm.GFP_KERNEL);
    long pfn = dev.driverlab.kernel.mm.Mm.virt_to_phys(kbuf) >>> 12;
    node(FileOperations.builder()
        .mmap((f, vma) -> remap_pfn_range(vma, vma.vmStart(), pfn + vma.vmPgoff, vma.vmEnd() - vma.vmStart(), 3))
        .build());
    long u = p.mmap(4096, 3, openT(), 0);
    assertTrue(u > 0, "mmap: " + u);
    rig.putUserBytes(u + 16, new byte[] {0x2a});
    assertEquals(0x2a, dev.driverlab.kernel.mm.Mm.get8(kbuf + 16));
    dev.driverlab.kernel.mm.Mm.put8(kbuf + 17, 0x2b);
    assertEquals(0x2b, rig.userBytes(u + 17, 1)[0]);
  }

  @Test
  void remapPfnRangeThatDoesNotFitTheVmaIsEinval() {
    node(FileOperations.builder()
        .mmap((f, vma) -> remap_pfn_range(vma, vma.vmStart(), 0x1000, 2 * (vma.vmEnd() - vma.vmStart()), 3))
        .build());
    assertEquals(-EINVAL, p.mmap(4096, 3, openT(), 0));
  }

  @Test
  void enoioctlcmdFromTheDriverReachesUserSpaceAsEnotty() {
    node(FileOperations.builder().unlocked_ioctl((f, cmd, arg) -> -ENOIOCTLCMD).build());
    assertEquals(-ENOTTY, p.ioctl(openT(), 7, 0));
  }

  @Test
  void ioctlPassesCommandAndArgumentThrough() {
    node(FileOperations.builder().unlocked_ioctl((f, cmd, arg) -> {
      calls.add(Integer.toHexString(cmd) + "/" + Long.toHexString(arg));
      return 5;
    }).build());
    assertEquals(5, p.ioctl(openT(), 0x80044501, 0x7f00_0000_1000L));
    assertEquals(List.of("80044501/7f0000001000"), calls);
  }

  // ---- data and positions ---------------------------------------------------------------------------

  @Test
  void readAndWriteMoveDataThroughCopyToAndFromUserAndAdvanceThePosition() {
    byte[] store = new byte[16];
    node(FileOperations.builder()
        .write((f, buf, n, pos) -> {
          long left = copy_from_user(store, buf, n);
          pos[0] += n - left;
          return n - left;
        })
        .read((f, buf, n, pos) -> {
          int k = (int) Math.min(n, store.length - pos[0]);
          byte[] part = java.util.Arrays.copyOfRange(store, (int) pos[0], (int) pos[0] + k);
          long left = copy_to_user(buf, part, k);
          pos[0] += k - left;
          return k - left;
        })
        .llseek((f, off, whence) -> fixed_size_llseek(f, off, whence, 16))
        .build());
    int fd = openT();
    long buf = rig.userBuffer(4096);
    rig.putUserBytes(buf, "hello".getBytes(StandardCharsets.US_ASCII));
    assertEquals(5, p.write(fd, buf, 5));
    assertEquals(0, p.lseek(fd, 0, SEEK_SET));
    assertEquals(3, p.read(fd, buf + 100, 3));
    assertEquals("hel", new String(rig.userBytes(buf + 100, 3), StandardCharsets.US_ASCII));
    assertEquals(3, p.lseek(fd, 0, SEEK_CUR));
    assertEquals(16, p.lseek(fd, 0, SEEK_END));
    assertEquals(0, p.read(fd, buf, 4), "end of file");
    assertEquals(-EINVAL, p.lseek(fd, 1, SEEK_END));
  }

  @Test
  void privateDataSetInOpenIsSeenByLaterCalls() {
    node(FileOperations.builder()
        .open((inode, f) -> {
          f.private_data = "minor " + iminor(inode) + " of major " + imajor(inode);
          return 0;
        })
        .unlocked_ioctl((f, cmd, arg) -> {
          calls.add((String) f.private_data);
          return 0;
        })
        .build());
    p.ioctl(openT(), 1, 0);
    assertEquals(List.of("minor 0 of major 240"), calls);
  }

  @Test
  void aDriverErrorFromOpenIsReturnedAndNoFdIsMade() {
    node(FileOperations.builder().open((inode, f) -> -EBUSY).build());
    assertEquals(-EBUSY, p.open("/dev/t", O_RDWR));
    assertEquals(0, p.files().size());
  }

  @Test
  void anInterruptedReadReturnsEintr() {
    WaitQueueHead wq = new WaitQueueHead("read_wq");
    node(FileOperations.builder().read((f, buf, n, pos) -> {
      int r = Wait.wait_event_interruptible(wq, () -> false);
      return r < 0 ? r : 0;
    }).build());
    int fd = openT();
    long buf = rig.userBuffer(4096);
    long[] result = {0};
    SimThread t = p.startThread("reader", () -> result[0] = p.read(fd, buf, 16));
    rig.kernel.runFor(1_000_000L);
    p.kill();
    p.join(t);
    assertEquals(-EINTR, result[0]);
  }

  // ---- release and module references ----------------------------------------------------------------

  @Test
  void releaseRunsOnceOnTheLastClose() {
    node(FileOperations.builder().release((inode, f) -> {
      calls.add("release");
      return 0;
    }).build());
    int fd = openT();
    assertEquals(List.of(), calls);
    p.close(fd);
    p.close(fd);
    assertEquals(List.of("release"), calls);
  }

  @Test
  void processExitReleasesItsOpenFiles() {
    node(FileOperations.builder().release((inode, f) -> {
      calls.add("release");
      return 0;
    }).build());
    openT();
    openT();
    p.exit();
    assertEquals(List.of("release", "release"), calls);
    assertEquals(-ESRCH, p.open("/dev/t", O_RDWR), "an exited process makes no more system calls");
  }

  private TestModule charModule(FileOperations.Open open) {
    TestModule[] self = new TestModule[1];
    self[0] = new TestModule("chardev")
        .onInit(() -> register_chrdev(MAJOR, "chardev", FileOperations.builder().owner(self[0]).open(open).build()))
        .onExit(() -> unregister_chrdev(MAJOR, "chardev"));
    return self[0];
  }

  @Test
  void anOpenFilePinsItsModule() {
    TestModule m = charModule((inode, f) -> 0);
    assertEquals(0, rig.kernel.modules().insmod(m));
    p.mknod("/dev/t", MKDEV(MAJOR, 0));
    int fd = openT();
    assertEquals(1, m.refcount());
    assertEquals(-EBUSY, rig.kernel.modules().rmmod("chardev"));
    p.close(fd);
    assertEquals(0, m.refcount());
    assertEquals(0, rig.kernel.modules().rmmod("chardev"));
    assertEquals(-ENXIO, p.open("/dev/t", O_RDWR), "the node outlives the driver");
    rig.assertNoReports();
  }

  @Test
  void aFailedOpenReleasesTheModuleReference() {
    TestModule m = charModule((inode, f) -> -ENODEV);
    assertEquals(0, rig.kernel.modules().insmod(m));
    p.mknod("/dev/t", MKDEV(MAJOR, 0));
    assertEquals(-ENODEV, p.open("/dev/t", O_RDWR));
    assertEquals(0, m.refcount());
    assertEquals(0, rig.kernel.modules().rmmod("chardev"));
  }

  // ---- procfs and sysfs through read() ----------------------------------------------------------------

  @Test
  void procDevicesListsRegisteredMajorsInOrder() {
    register_chrdev(MAJOR, "t", FileOperations.builder().build());
    int[] dev = {0};
    alloc_chrdev_region(dev, 0, 1, "dyn");
    assertEquals("Character devices:\n240 t\n254 dyn\n", rig.readFile("/proc/devices"));
  }

  @Test
  void procModulesShowsLoadedModulesWithTheirReferenceCounts() {
    rig.kernel.modules().insmod(new TestModule("alpha"));
    assertEquals("alpha 16384 0 - Live 0x0000000000000000\n", rig.readFile("/proc/modules"));
  }

  @Test
  void procInterruptsStartsWithTheCpuHeader() {
    assertTrue(rig.readFile("/proc/interrupts").startsWith("           CPU0\n"));
  }

  @Test
  void procVersionNamesTheRelease() {
    assertEquals("Linux version 6.6.0-driverlab\n", rig.readFile("/proc/version"));
  }

  @Test
  void procFilesAreReadOnlyAndSeekable() {
    assertEquals(-EACCES, p.open("/proc/version", O_RDWR));
    int fd = p.open("/proc/version", O_RDONLY);
    assertEquals(6, p.lseek(fd, 6, SEEK_SET));
    long buf = rig.userBuffer(4096);
    assertEquals(7, p.read(fd, buf, 7));
    assertEquals("version", new String(rig.userBytes(buf, 7), StandardCharsets.US_ASCII));
    assertEquals(-EBADF, p.write(fd, buf, 1));
    assertEquals(-EINVAL, p.lseek(fd, -100, SEEK_CUR));
  }

  @Test
  void readingAProcFileIntoAnUnmappedBufferIsEfault() {
    int fd = p.open("/proc/version", O_RDONLY);
    assertEquals(-EFAULT, p.read(fd, 0x1000, 16));
  }
}
