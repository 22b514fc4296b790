/*
 * pgt_test.h - shared by the page-table tests: a counting page source that
 * fails on demand, a table on it, a set of flushed lines, a walk by hand.
 */
#ifndef PGT_TEST_H
#define PGT_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include "pgtable.h"
#include "pool.h"

/* Second-level entry bits as the tests decode them, written out again here
 * from [VT-d 9.8] rather than taken from the code under test. */
#define T_R	 0x1ull
#define T_W	 0x2ull
#define T_PS	 0x80ull
#define T_ADDR	 0x000ffffffffff000ull
#define T_KIB(n) ((uint64_t)(n) << 10)
#define T_MIB(n) ((uint64_t)(n) << 20)
#define T_GIB(n) ((uint64_t)(n) << 30)

/* A page source over pgt_page_get that counts pages out, checks that pages
 * come back zeroed, and can be told to give only so many more. */
struct tpages {
	int64_t budget;	      /* pages it may still give; < 0: no limit */
	uint64_t outstanding; /* given and not returned */
	uint64_t dirty_puts;  /* pages returned not zeroed */
	struct plat_lock lock; /* the pool calls it from any CPU (threaded tests) */
};

/* A table on its own pool over a tpages source, with flushes recorded. */
struct tenv {
	struct tpages src;
	struct pool *pool;
	struct pgt *pgt;
	struct pgt_gather g;
};

/* levels 3 or 4, sp PGT_SP_*, coherent: ECAP.C.  False on failure. */
bool tenv_init(struct tenv *t, uint32_t levels, uint32_t sp, bool coherent);
/* Destroy the table and the pool; checks that every page came back zeroed. */
void tenv_fini(struct tenv *t);
/* The pool's in-use count equals the table's pages (after releases). */
void tenv_check_pages(struct tenv *t);

/* Map / unmap through t->g and release it at once (nothing caches here). */
int tmap(struct tenv *t, uint64_t iova, uint64_t pa, uint64_t size, uint32_t prot);
int64_t tunmap(struct tenv *t, uint64_t iova, uint64_t size);

/* The raw entry for iova at level, walked by hand from the root: 0 when a
 * level above it is not present or is a leaf. */
uint64_t tentry(struct pgt *pgt, uint32_t levels, uint64_t iova, uint32_t level);

/* --- flush recording --------------------------------------------------------- */

/* The flush callback the tests give non-coherent tables: records each cache
 * line of [va, va + len) in one global set. */
void tflush(const void *va, size_t len);
void tflush_clear(void);
uint64_t tflush_calls(void);
bool tflush_has(const void *va);

/* A copy of every table reachable from the root. */
struct tsnap {
	uint32_t n;
	uint64_t pa[64];
	uint64_t *copy[64];
};

bool tsnap_take(struct tsnap *s, struct pgt *pgt, uint32_t levels);
void tsnap_free(struct tsnap *s);
/* Every entry that differs from snapshot s, and every line of every table
 * not in s, in a table reachable now, was flushed.  Returns the lines missed. */
uint32_t tsnap_check_flushed(const struct tsnap *s, struct pgt *pgt, uint32_t levels);

#endif /* PGT_TEST_H */
