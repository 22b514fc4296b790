/*
 * test_pgtable_lockless.c - the table without a lock: threads standing for
 * CPUs 1-4 race on the same entries on purpose.  Missing tables installed
 * at once by all of them (one CAS wins, the losers' pages go back); one
 * superpage split by four disjoint unmaps at once (one split, nothing lost).
 * For those two the page source makes the race happen every time: a get
 * (made after the walk read the entry empty, before its CAS) waits until
 * every thread has made one, or a few milliseconds.  And
 * two threads mapping and unmapping the same range (a caller's bug: only
 * PGT_EEXIST or short counts for them) while two others work on disjoint
 * ranges next to it, whose tables come from the same pool as the pages the
 * racing pair frees, and must never see an entry they did not write.
 * Host only; run under ASan and TSan.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "ktest.h"
#include "../pgt_test.h"
#include "plat_host.h"

#define LT     4u   /* threads */
#define ROUNDS 40u
#define SPANS  128u /* 2 MiB spans raced on per round */

/* A spinning barrier (a sleeping one wakes threads microseconds apart,
 * and they would not meet on the entries). */
struct sbar {
	_Atomic uint32_t arrived, gen;
};

static void sbar_wait(struct sbar *b)
{
	uint32_t gen = atomic_load(&b->gen);

	if (atomic_fetch_add(&b->arrived, 1) + 1 == LT) {
		atomic_store(&b->arrived, 0);
		atomic_fetch_add(&b->gen, 1);
		return;
	}
	while (atomic_load(&b->gen) == gen)
		sched_yield();
}

/* The page source of the first two tests: plat_page_alloc pages, zeroed,
 * counted; a get waits for the other threads' gets (see above) while
 * 'meet' is set; put checks the page came back zeroed. */
struct rsrc {
	_Atomic uint64_t out, dirty, gets;
	_Atomic bool meet;
};

static int rs_reserve(void *ctx, uint32_t n)
{
	(void)ctx;
	(void)n;
	return 0; /* plat_page_alloc does not fail here */
}

static int rs_get(void *ctx, uint64_t *pa)
{
	struct rsrc *s = ctx;
	void *page = plat_page_alloc();
	uint64_t n, until;

	if (!page)
		return PGT_ENOMEM;
	memset(page, 0, PLAT_PAGE_SIZE);
	*pa = plat_virt_to_phys(page);
	atomic_fetch_add(&s->out, 1);
	n = atomic_fetch_add(&s->gets, 1) + 1;
	until = (n + LT - 1) / LT * LT;
	for (uint64_t t0 = plat_cycles(); atomic_load(&s->meet) &&
	     atomic_load(&s->gets) < until && plat_cycles() - t0 < plat_cycle_hz() / 200;)
		sched_yield();
	return 0;
}

static void rs_put(void *ctx, uint64_t pa)
{
	struct rsrc *s = ctx;
	static const uint8_t zero[PLAT_PAGE_SIZE];

	if (memcmp(plat_phys_to_virt(pa), zero, PLAT_PAGE_SIZE))
		atomic_fetch_add(&s->dirty, 1);
	atomic_fetch_sub(&s->out, 1);
	plat_page_free(plat_phys_to_virt(pa));
}

struct racer {
	struct tenv *t;
	struct pgt *pgt;
	struct rsrc *src;
	uint32_t id;
	struct sbar *bar;
	uint32_t errors;
	uint64_t seen; /* what thread 0 found wrong, first */
};

/* Each round all threads map one page each into each of SPANS 2 MiB spans
 * of an empty root entry, in the same order: the tables for them are
 * missing for all of them at once.  Thread 0 then checks: one table per
 * span and level (the losers' pages went back: the source's count is the
 * table's), every page mapped; and frees it all again with one unmap of
 * the root entry's span. */
static void *install_racer(void *arg)
{
	struct racer *r = arg;
	struct pgt *pgt = r->pgt;

	plat_host_set_cpu(r->id + 1);
	for (uint32_t k = 0; k < ROUNDS; k++) {
		struct pgt_gather g;
		uint64_t pa = T_GIB(8) + (uint64_t)k * T_MIB(1);

		pgt_gather_init(&g);
		sbar_wait(r->bar);
		for (uint64_t j = 0; j < SPANS; j++)
			r->errors += pgt_map(pgt, j * T_MIB(2) + r->id * 4096ull,
					     pa + r->id * 4096ull, 4096, PGT_PROT_READ, &g) != 0;
		sbar_wait(r->bar);
		if (r->id != 0)
			continue;
		if (pgt_pages(pgt) != 3 + SPANS || atomic_load(&r->src->out) != 3 + SPANS) {
			r->errors++;
			r->seen = pgt_pages(pgt) << 32 | atomic_load(&r->src->out);
		}
		for (uint64_t j = 0; j < SPANS; j++)
			for (uint32_t i = 0; i < LT; i++) {
				uint64_t got = 0;

				r->errors += pgt_lookup(pgt, j * T_MIB(2) + i * 4096ull, &got, NULL,
							NULL) != 0 || got != pa + i * 4096ull;
			}
		atomic_store(&r->src->meet, false);
		r->errors += pgt_unmap(pgt, 0, T_GIB(512), &g) != (int64_t)(SPANS * LT * 4096);
		r->errors += g.nfree != 2 + SPANS;
		pgt_gather_release(pgt, &g);
		r->errors += pgt_pages(pgt) != 1;
		atomic_store(&r->src->meet, true);
	}
	return NULL;
}

static void run(struct pgt *pgt, struct rsrc *src, struct tenv *t, void *(*fn)(void *),
		struct racer *r)
{
	pthread_t th[LT];
	struct sbar bar = {0, 0};

	for (uint32_t i = 0; i < LT; i++) {
		r[i] = (struct racer){t, pgt, src, i, &bar, 0, 0};
		KT_ASSERT_EQ(pthread_create(&th[i], NULL, fn, &r[i]), 0);
	}
	for (uint32_t i = 0; i < LT; i++)
		pthread_join(th[i], NULL);
	for (uint32_t i = 0; i < LT; i++) {
		if (r[i].errors)
			ktest_diag("thread %u: %u errors, first seen %#llx", i, r[i].errors,
				   (unsigned long long)r[i].seen);
		KT_EXPECT_EQ(r[i].errors, 0);
	}
}

/* A table on an rsrc; false when it could not be made. */
static bool rtable(struct rsrc *s, uint32_t sp, struct pgt **out)
{
	struct pgt_config cfg = {4, 0, sp, true, NULL, NULL, {rs_reserve, rs_get, rs_put, s}};

	memset(s, 0, sizeof(*s));
	return pgt_create(&cfg, out) == 0;
}

static void rtable_done(struct rsrc *s, struct pgt *pgt)
{
	pgt_destroy(pgt);
	KT_EXPECT_EQ(atomic_load(&s->out), 0);
	KT_EXPECT_EQ(atomic_load(&s->dirty), 0);
}

KTEST_FLAGS(pgtable_lockless_install_race, KTEST_HOST_ONLY)
{
	struct rsrc s;
	struct racer r[LT];
	struct pgt *pgt;

	KT_ASSERT(rtable(&s, 0, &pgt));
	atomic_store(&s.meet, true);
	run(pgt, &s, NULL, install_racer, r);
	/* Every thread met the others at a missing table more than once. */
	ktest_diag("%llu table pages fetched for %u kept", (unsigned long long)s.gets,
		   ROUNDS * (3 + SPANS) + 1);
	KT_EXPECT(s.gets > 2ull * ROUNDS * (3 + SPANS));
	rtable_done(&s, pgt);
}

/* SPANS 2 MiB superpages; each round the four threads unmap one 4 KiB page
 * of each, at once and in the same order.  One split of each must win: the
 * others find its table and clear their page in it.  Thread 0 checks that
 * the other pages still translate as before, that each span has one
 * last-level table, and puts the superpages back. */
static void *split_racer(void *arg)
{
	struct racer *r = arg;
	struct pgt *pgt = r->pgt;

	plat_host_set_cpu(r->id + 1);
	for (uint32_t k = 0; k < ROUNDS; k++) {
		struct pgt_gather g;
		uint64_t first = (uint64_t)(k % 64) * LT * 4096; /* this round's pages */

		sbar_wait(r->bar);
		for (uint64_t j = 0; j < SPANS; j++) {
			uint64_t page = j * T_MIB(2) + first + r->id * 4096ull;

			pgt_gather_init(&g);
			r->errors += pgt_unmap(pgt, page, 4096, &g) != 4096;
			r->errors += g.start >= g.end || g.start < j * T_MIB(2) ||
				     g.end > (j + 1) * T_MIB(2);
			pgt_gather_release(pgt, &g);
		}
		sbar_wait(r->bar);
		if (r->id != 0)
			continue;
		if (pgt_pages(pgt) != 3 + SPANS || atomic_load(&r->src->out) != 3 + SPANS) {
			r->errors++;
			r->seen = pgt_pages(pgt) << 32 | atomic_load(&r->src->out);
		}
		for (uint64_t a = 0; a < SPANS * T_MIB(2); a += 4096) {
			uint64_t got = 0, sz = 0, off = a & (T_MIB(2) - 1);
			bool gone = off >= first && off < first + LT * 4096ull;
			int err = pgt_lookup(pgt, a, &got, NULL, &sz);

			r->errors += gone ? err != PGT_ENOENT
					  : err != 0 || got != T_GIB(2) + a || sz != 4096;
		}
		/* Each 2 MiB whole: the split tables go, the superpages come back. */
		pgt_gather_init(&g);
		r->errors += pgt_unmap(pgt, 0, SPANS * T_MIB(2), &g) !=
			     (int64_t)(SPANS * (T_MIB(2) - LT * 4096));
		r->errors += g.nfree != SPANS;
		pgt_gather_release(pgt, &g);
		r->errors += pgt_map(pgt, 0, T_GIB(2), SPANS * T_MIB(2), PGT_PROT_WRITE, &g) != 0;
		r->errors += pgt_pages(pgt) != 3;
	}
	return NULL;
}

KTEST_FLAGS(pgtable_lockless_split_race, KTEST_HOST_ONLY)
{
	struct rsrc s;
	struct racer r[LT];
	struct pgt *pgt;
	struct pgt_gather g;

	KT_ASSERT(rtable(&s, PGT_SP_2M, &pgt));
	pgt_gather_init(&g);
	KT_ASSERT_EQ(pgt_map(pgt, 0, T_GIB(2), SPANS * T_MIB(2), PGT_PROT_WRITE, &g), 0);
	atomic_store(&s.meet, true);
	run(pgt, &s, NULL, split_racer, r);
	ktest_diag("%llu table pages fetched for %u splits kept", (unsigned long long)s.gets,
		   ROUNDS * SPANS);
	KT_EXPECT(s.gets > 2ull * ROUNDS * SPANS);
	atomic_store(&s.meet, false);
	KT_EXPECT_EQ(pgt_unmap(pgt, 0, T_GIB(512), &g), (int64_t)(SPANS * T_MIB(2)));
	pgt_gather_release(pgt, &g);
	rtable_done(&s, pgt);
}

/* Threads 0 and 1: map and unmap [0, 2 MiB) (its last-level table freed at
 * every unmap, since the range covers its span) against each other.
 * Threads 2 and 3: their own 4 KiB pages in the next two 2 MiB, each
 * checked by lookup after every call against a shadow. */

#define OV_OPS 4000u

static void *overlap_racer(void *arg)
{
	struct racer *r = arg;
	struct pgt *pgt = r->pgt;
	uint64_t rs = 0x9e3779b97f4a7c15ull * (r->id + 1);
	static _Thread_local uint64_t shadow[512];

	plat_host_set_cpu(r->id + 1);
	memset(shadow, 0, sizeof(shadow));
	sbar_wait(r->bar);
	for (uint32_t k = 0; k < OV_OPS; k++) {
		struct pgt_gather g;
		uint32_t i = (uint32_t)(ktest_rand(&rs) % 512);

		pgt_gather_init(&g);
		if (r->id < 2) {
			int64_t n;
			int err;

			if (ktest_rand(&rs) % 2) {
				err = pgt_map(pgt, 0, T_GIB(4), T_MIB(2), PGT_PROT_READ, &g);
				r->errors += err != 0 && err != PGT_EEXIST;
			} else {
				n = pgt_unmap(pgt, 0, T_MIB(2), &g);
				r->errors += n < 0 || n > (int64_t)T_MIB(2) || (n & 4095);
			}
		} else {
			uint64_t base = T_MIB(2) * (r->id - 1), iova = base + i * 4096ull;
			uint64_t pa = T_GIB(6) + iova + (uint64_t)(k & 7) * T_GIB(1), got = 0;

			if (shadow[i]) {
				r->errors += pgt_unmap(pgt, iova, 4096, &g) != 4096;
				shadow[i] = 0;
			} else {
				r->errors += pgt_map(pgt, iova, pa, 4096, PGT_PROT_WRITE, &g) != 0;
				shadow[i] = pa;
			}
			pgt_gather_release(pgt, &g);
			/* Not only this page: any of mine, which a stray entry
			 * written into a reused page would change. */
			for (uint32_t j = i; j < 512; j += 37) {
				int err = pgt_lookup(pgt, base + j * 4096ull, &got, NULL, NULL);

				if (shadow[j] ? err != 0 || got != shadow[j] : err != PGT_ENOENT) {
					if (!r->errors)
						r->seen = base + j * 4096ull;
					r->errors++;
				}
			}
			continue;
		}
		pgt_gather_release(pgt, &g);
	}
	return NULL;
}

KTEST_FLAGS(pgtable_lockless_overlap_spares_others, KTEST_HOST_ONLY)
{
	struct tenv t;
	struct racer r[LT];

	KT_ASSERT(tenv_init(&t, 4, 0, true));
	run(t.pgt, NULL, &t, overlap_racer, r);
	/* Everything left goes with one unmap; every page comes back zeroed
	 * (tenv_fini), none is lost or left in use. */
	KT_EXPECT(tunmap(&t, 0, T_GIB(512)) >= 0);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 1);
	tenv_fini(&t);
}
