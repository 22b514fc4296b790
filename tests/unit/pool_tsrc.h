/*
 * pool_tsrc.h - a checking element source for the pool tests: hands out ids
 * 1..cap, catches double returns, and fails on demand.  Single-threaded.
 */
#ifndef POOL_TSRC_H
#define POOL_TSRC_H

#include <stdbool.h>
#include <stdint.h>

#include "pool.h"

struct tsrc {
	uint32_t cap;
	uint32_t nfree;      /* ids on the free stack */
	uint32_t *stack;     /* free ids, top at nfree - 1 */
	uint8_t *out;        /* out[id]: 1 while the pool (or a user) holds id */
	uint64_t get_calls, put_calls;
	uint64_t outstanding; /* ids handed out and not yet returned */
	uint64_t errors;     /* bad ids or double returns seen by put */
	uint32_t fail_gets;  /* this many next get calls return nothing */
	bool fail_all;       /* every get returns nothing */
	/* Called first in every get and put when set: lets a test act in the
	 * middle of a pool operation (another CPU arriving). */
	void (*on_call)(void *arg);
	void *on_call_arg;
};

/* Set up src with ids 1..cap; false when memory ran out. */
bool tsrc_init(struct tsrc *src, uint32_t cap);
void tsrc_fini(struct tsrc *src);

uint32_t tsrc_get(void *ctx, uint64_t *out, uint32_t n);
void tsrc_put(void *ctx, const uint64_t *elems, uint32_t n);

/* A config over src with the given magazine size and watermarks. */
struct pool_config tsrc_config(struct tsrc *src, uint32_t mag, uint32_t low,
			       uint32_t high);

/* Quiescent conservation: elements in magazines + in use equal elements
 * fetched - returned, the source agrees, and pool_check finds every
 * magazine in its one place.  Reports through KT_EXPECT. */
void tsrc_check_conserved(const struct pool *pool, const struct tsrc *src);

/* The end of a test: conservation checked, the pool destroyed, every id
 * back in the source, src freed. */
void tsrc_finish(struct pool *pool, struct tsrc *src);

#endif /* POOL_TSRC_H */
