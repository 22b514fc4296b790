/*
 * peer_ck.c - Concurrency Kit's ck_stack as a peer of the pool: one shared
 * lock-free stack of free objects, ck_stack_pop_mpmc (ABA-safe: a
 * generation beside the head, changed with a double-width CAS) and
 * ck_stack_push_mpmc, the entry kept in the free object itself.  No per-CPU
 * cache: this is what the pool's depot would be without magazines.
 * Built with HAVE_PEER_CK when pkg-config finds ck (Debian libck-dev).
 */
#include <stdlib.h>

#include "pool_bench.h"

#ifdef HAVE_PEER_CK
#include <ck_stack.h>

#ifndef CK_F_STACK_POP_MPMC
#error "ck_stack_pop_mpmc is not available on this target"
#endif

#define CK_PRELOAD 2048 /* the ring's 1024 in flight and room to spare */

static ck_stack_t g_ck __attribute__((aligned(64))) = CK_STACK_INITIALIZER;

static const char *ck_probe(void)
{
	return NULL;
}

static void ck_setup(void)
{
	for (uint32_t i = 0; i < CK_PRELOAD; i++) {
		void *p = malloc(OBJ_SIZE);

		if (!p)
			pool_bench_die("malloc");
		ck_stack_push_mpmc(&g_ck, p);
	}
}

static void ck_teardown(void)
{
	ck_stack_entry_t *e;

	while ((e = ck_stack_pop_mpmc(&g_ck)) != NULL)
		free(e);
}

/* Empty stack: a new object from malloc, as the locked list does. */
static inline uint64_t ck_get1(void)
{
	void *p = ck_stack_pop_mpmc(&g_ck);

	if (__builtin_expect(!p, 0) && !(p = malloc(OBJ_SIZE)))
		pool_bench_die("malloc");
	return (uint64_t)(uintptr_t)p;
}

static inline void ck_put1(uint64_t e)
{
	ck_stack_push_mpmc(&g_ck, (ck_stack_entry_t *)(uintptr_t)e);
}

DEFINE_CASES(ck)
const struct impl peer_ck_stack = IMPL("ck_stack", ck, ck_probe);

#else /* !HAVE_PEER_CK */

static const char *ck_missing(void)
{
	return "not built: pkg-config found no ck (Debian libck-dev; tools/install-deps)";
}

const struct impl peer_ck_stack = IMPL_MISSING("ck_stack", ck_missing);

#endif
