/**
 * JMH benchmarks of DriverLab's roads: what an MMIO access, an interrupt, a DMA transfer and a whole
 * boot cost in wall-clock time on the host (simulated time is not measured here; it is deterministic).
 *
 * <h2>Build and run</h2>
 *
 * <pre>
 *   mvn -q -o -Ddriverlab.target=target-bench -pl bench -am package -Dmaven.test.skip=true
 *   java -jar bench/target-bench/benchmarks.jar MmioBench -f 1 -wi 3 -i 5 -w 1 -r 1
 *   java -jar bench/target-bench/benchmarks.jar -lprof              # profilers: gc, stack, jfr, ...
 *   java -jar bench/target-bench/benchmarks.jar IrqBench -prof gc   # bytes allocated per op
 * </pre>
 *
 * Keep {@code -f 1} and short iterations on a 2-core machine. Each class also carries its own defaults
 * (one fork, 5 warm-up and 5 measured iterations of 1 s; BootBench 3 + 5 of 2 s), so a bare class name
 * is enough. On a busy machine the C2 compiler thread gets little CPU and finishes late: if the first
 * measured iterations are much slower than the last, raise {@code -wi}. {@code -prof gc} gives bytes
 * allocated per op, which does not depend on load and is the steadier figure to compare builds by.
 *
 * <h2>The benchmarks and their targets</h2>
 *
 * <table>
 *   <caption>what each measures</caption>
 *   <tr><th>class</th><th>one op</th><th>unit</th><th>target</th></tr>
 *   <tr><td>{@link dev.driverlab.bench.MmioBench}</td>
 *       <td>{@code ioread32} of a scratch register behind the switch; also with {@code kernel.enter()}
 *       per op, {@code iowrite32}, a raw {@code Machine.read} and the Root Complex alone</td>
 *       <td>ns/op</td><td>ioread32 ≤ 150 ns</td></tr>
 *   <tr><td>{@link dev.driverlab.bench.MmioLayersBench}</td>
 *       <td>each layer of that read alone: Kernel.current, io-mapping lookup, page-table walk, address
 *       map decode, building the MRd and its CplD; and Kernel.callSite, which mappings, pins and waits
 *       pay</td><td>ns/op</td><td>(diagnostic)</td></tr>
 *   <tr><td>{@link dev.driverlab.bench.ProtocolCheckBench}</td>
 *       <td>the link protocol checker alone on the four TLPs of one ioread32 (MRd and CplD on two
 *       links), recorded from the fabric and replayed</td><td>ns/op</td><td>(diagnostic)</td></tr>
 *   <tr><td>{@link dev.driverlab.bench.BootBench}</td>
 *       <td>default machine, boot, insmod myioctl, mknod, open, ioctl GET (checked: 123), close,
 *       rmmod, shutdown; also the machine alone and boot+shutdown alone</td>
 *       <td>ms/op</td><td>≤ 5 ms</td></tr>
 *   <tr><td>{@link dev.driverlab.bench.DmaBench}</td>
 *       <td>bare-metal bus master reading (host→device) or writing (device→host) 1, 4, 16, 64 MiB with
 *       MPS 256 and MRRS 512 or 4096, next to {@code System.arraycopy} of the same bytes; the
 *       {@code …Kernel} rows run it on a booted kernel, a driver's coherent buffer as the host buffer
 *       and the kernel's checks watching</td>
 *       <td>bytes/s (the {@code bytes} counter)</td><td>≥ 0.3 × arraycopy</td></tr>
 *   <tr><td>{@link dev.driverlab.bench.DmaCpuTime}</td>
 *       <td>(a plain program, not JMH) DmaBench's rows timed in the thread's CPU time, best of N
 *       rounds: for comparing two builds on a machine busy with other work</td>
 *       <td>CPU ns per 256 B</td><td>(diagnostic)</td></tr>
 *   <tr><td>{@link dev.driverlab.bench.IrqBench}</td>
 *       <td>edu raise register write → MSI or INTx → handler reads the cause and acks it → back; and
 *       the same MMIO store without an interrupt, to subtract</td><td>ns/op</td><td>(report)</td></tr>
 *   <tr><td>{@link dev.driverlab.bench.RiffaBench}</td>
 *       <td>riffa-test's road: fpga_send then fpga_recv of 4 KiB .. 64 MiB through the riffa driver and
 *       an echo core, next to two {@code System.arraycopy}s of the same bytes</td>
 *       <td>bytes/s</td><td>64 MiB ≥ 0.25 × two arraycopys</td></tr>
 * </table>
 *
 * The ratio to arraycopy is printed by {@link dev.driverlab.bench.ThroughputReport}, which takes
 * JMH's command line:
 *
 * <pre>
 *   java -cp bench/target-bench/benchmarks.jar dev.driverlab.bench.ThroughputReport DmaBench -wi 2 -i 3
 *   java -cp bench/target-bench/benchmarks.jar dev.driverlab.bench.ThroughputReport RiffaBench -p size=1048576
 * </pre>
 *
 * <h2>Layout</h2>
 *
 * {@code hw} holds bench-only device models (a scratch register, a bare DMA engine) and an ECAM helper;
 * {@code drv} holds bench-only drivers written against kernel-api alone, like every driver (the
 * scratch register's, edu's interrupt path, the DMA engine's buffer). Every
 * benchmark checks in setup that its road works (values read back, bytes compared, interrupts
 * counted) and in teardown that no driver bug was reported, so a number always measures a working
 * path.
 */
package dev.driverlab.bench;
