/*
 * plat_host.c - the platform interface over libc and pthreads, so the portable
 * core runs in ordinary processes under the sanitizers.  A thread is a CPU.
 */
#include "plat.h"
#include "plat_host.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Thread_local uint32_t plat_host_cpu;
_Thread_local uint64_t plat_host_irq_off;
_Thread_local void (*plat_host_irq_hook)(void *);
static _Thread_local void *irq_arg;
static _Thread_local uint32_t irq_delivered;

void plat_host_irq_inject(void (*fn)(void *), void *arg)
{
	irq_arg = arg;
	plat_host_irq_hook = fn;
}

uint32_t plat_host_irq_delivered(void)
{
	return irq_delivered;
}

void plat_host_irq_deliver(void)
{
	void (*fn)(void *) = plat_host_irq_hook;

	/* One shot, cleared first: the handler's own irq_restore calls
	 * must not deliver it again. */
	plat_host_irq_hook = NULL;
	irq_delivered++;
	fn(irq_arg);
}
static _Atomic uint32_t host_cpu_count = 1;
static _Atomic int64_t pages_live;
static _Atomic uint32_t pages_fail;

void plat_host_set_cpu(uint32_t id)
{
	uint32_t seen;

	PLAT_ASSERT(id < PLAT_MAX_CPUS);
	plat_host_cpu = id;
	/* Raise the count to id + 1; relaxed: the count is only a bound. */
	seen = atomic_load_explicit(&host_cpu_count, memory_order_relaxed);
	while (seen < id + 1 &&
	       !atomic_compare_exchange_weak_explicit(&host_cpu_count, &seen, id + 1,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

int64_t plat_host_pages_live(void)
{
	return atomic_load(&pages_live);
}

void plat_host_fail_next_pages(uint32_t n)
{
	atomic_store(&pages_fail, n);
}

uint32_t plat_cpu_count(void)
{
	return atomic_load_explicit(&host_cpu_count, memory_order_relaxed);
}

void *plat_page_alloc(void)
{
	uint32_t fail = atomic_load(&pages_fail);
	void *p;

	/* Consume one injected failure if any are pending. */
	while (fail && !atomic_compare_exchange_weak(&pages_fail, &fail, fail - 1))
		;
	if (fail)
		return NULL;
	p = aligned_alloc(PLAT_PAGE_SIZE, PLAT_PAGE_SIZE);
	if (p)
		atomic_fetch_add(&pages_live, 1);
	return p;
}

void plat_page_free(void *page)
{
	if (!page)
		return;
	atomic_fetch_sub(&pages_live, 1);
	free(page);
}

uint64_t plat_virt_to_phys(const void *va) { return (uint64_t)(uintptr_t)va; }
void *plat_phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }
void *plat_malloc(size_t size) { return malloc(size); }
void plat_free(void *ptr) { free(ptr); }

void plat_vprintf(const char *fmt, va_list ap)
{
	vprintf(fmt, ap);
}

void plat_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void plat_log(int level, const char *fmt, ...)
{
	static const char *const names[8] = {"", "", "", "error: ", "warning: ", "", "", "debug: "};
	va_list ap;

	fputs(names[level & 7], stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

_Noreturn void plat_panic(const char *file, int line, const char *msg)
{
	fprintf(stderr, "panic: %s:%d: %s\n", file, line, msg);
	fflush(NULL);
	abort();
}
