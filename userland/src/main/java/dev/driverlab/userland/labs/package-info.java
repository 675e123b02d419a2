/**
 * The classroom: graded labs over DriverLab ({@code driverlab lab list|start|grade}, labs/README.md).
 *
 * <p>Front doors: {@link dev.driverlab.userland.labs.LabCommand} (the command line),
 * {@link dev.driverlab.userland.labs.Labs} (the five labs), {@link dev.driverlab.userland.labs.Lab} and
 * {@link dev.driverlab.userland.labs.GradedItem} (what a lab is and what it awards points for).
 *
 * <pre>
 *  lab grade N DIR
 *    │  StudentCompiler: javac (javax.tools) of DIR/**.java against DriverLab's classpath → temp dir;
 *    │                   classes outside dev.driverlab.labs are refused
 *    ▼
 *  GradeRunner (this JVM) ── java -cp DRIVERLAB:CLASSES GradingChild N FIRST ──► child JVM
 *    ▲   kills the child on an item's or the lab's time limit, restarts it after an exit    │
 *    │                                                                                    ▼
 *    └──── "@@nonce START i id" / "@@nonce ITEM i id PASS|FAIL pts msg" ◄── per item: a fresh machine
 *                                                                           (KernelRig: boot, insmod the
 *                                                                           student's module, syscalls;
 *                                                                           RiffaHost: bare-metal RIFFA),
 *                                                                           TlpRecorder on the card's link,
 *                                                                           the kernel's bug reports
 * </pre>
 *
 * The graders see the student's code only from outside, as a user program, the hardware and the
 * kernel's checks do: system call results, bytes in user memory, TLPs on the link, registers read over
 * the fabric, interrupt counts, bug reports and dmesg.
 */
package dev.driverlab.userland.labs;
