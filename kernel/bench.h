/*
 * bench.h - `bench` mode: map+unmap costs of the IOMMU layer under three
 * allocation policies, printed as a table and as bench-json lines.
 */
#ifndef KERNEL_BENCH_H
#define KERNEL_BENCH_H

/* Run every pattern for every policy, print the results and "bench: done",
 * then leave QEMU (pass, or fail when a map or unmap went wrong). */
_Noreturn void bench_run_and_exit(void);

#endif /* KERNEL_BENCH_H */
