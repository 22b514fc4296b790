/*
 * bench_run.h - what the host benchmarks share: rounds on pinned threads
 * released together by a barrier, timed with CLOCK_MONOTONIC, and medians.
 */
#ifndef BENCH_RUN_H
#define BENCH_RUN_H

#include <stdint.h>

#define BENCH_MAX_THREADS 2

/* Run fn(who, pairs) on 'threads' threads (who = 0.., each pinned to a CPU
 * and acting as platform CPU 'who'), all started together; returns ns per
 * pair per thread, the mean over the threads. */
double bench_round(void (*fn)(uint32_t who, uint64_t pairs), uint32_t threads, uint64_t pairs);
/* As bench_round, and *switched = the times the round's threads were
 * switched out while they ran (involuntary context switches: preemption,
 * or a sched_yield that gave the CPU to another task), 0 when the round
 * had its CPUs to itself. */
double bench_round_sw(void (*fn)(uint32_t who, uint64_t pairs), uint32_t threads,
		      uint64_t pairs, uint64_t *switched);
/* Sort v[0..n) and return its median. */
double bench_median(double *v, int n);
_Noreturn void bench_die(const char *prog, const char *what);

#endif /* BENCH_RUN_H */
