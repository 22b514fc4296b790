/*
 * bench_run.c - the round runner and median the host benchmarks share
 * (tools/bench/pool_bench.c, tools/bench/iova_bench.c).
 */
#define _GNU_SOURCE
#include "bench_run.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "plat_host.h"

struct job {
	void (*fn)(uint32_t who, uint64_t n);
	uint32_t who;
	uint64_t n;
	pthread_barrier_t *start;
	double ns;
	uint64_t switched; /* involuntary context switches while timed */
};

_Noreturn void bench_die(const char *prog, const char *what)
{
	fprintf(stderr, "%s: %s\n", prog, what);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* This thread's involuntary context switches so far (Linux counts a
 * sched_yield that switched to another task among them). */
static uint64_t switches_now(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return 0;
	return (uint64_t)ru.ru_nivcsw;
}

static void *job_main(void *arg)
{
	struct job *j = arg;
	cpu_set_t set;
	uint64_t sw0;
	double t0;

	CPU_ZERO(&set);
	CPU_SET(j->who % (uint32_t)sysconf(_SC_NPROCESSORS_ONLN), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	plat_host_set_cpu(j->who);
	pthread_barrier_wait(j->start);
	sw0 = switches_now();
	t0 = now_ns();
	j->fn(j->who, j->n);
	j->ns = now_ns() - t0;
	j->switched = switches_now() - sw0;
	return NULL;
}

double bench_round(void (*fn)(uint32_t, uint64_t), uint32_t threads, uint64_t pairs)
{
	uint64_t sw;

	return bench_round_sw(fn, threads, pairs, &sw);
}

double bench_round_sw(void (*fn)(uint32_t, uint64_t), uint32_t threads, uint64_t pairs,
		      uint64_t *switched)
{
	pthread_barrier_t start;
	pthread_t t[BENCH_MAX_THREADS];
	struct job j[BENCH_MAX_THREADS];
	double sum = 0;

	if (threads == 0 || threads > BENCH_MAX_THREADS)
		bench_die("bench", "unsupported thread count");
	pthread_barrier_init(&start, NULL, threads);
	for (uint32_t i = 0; i < threads; i++) {
		j[i] = (struct job){fn, i, pairs, &start, 0, 0};
		if (pthread_create(&t[i], NULL, job_main, &j[i]))
			bench_die("bench", "pthread_create failed");
	}
	*switched = 0;
	for (uint32_t i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		sum += j[i].ns;
		*switched += j[i].switched;
	}
	pthread_barrier_destroy(&start);
	return sum / threads / (double)pairs;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}
