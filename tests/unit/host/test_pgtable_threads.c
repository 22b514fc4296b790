/*
 * test_pgtable_threads.c - four threads acting as CPUs 1-4 map and unmap
 * interleaved 64 KiB blocks of one table at once (so they share last-level
 * tables, and free and refill them under each other), each against its own
 * shadow.  Host only; ThreadSanitizer checks the table lock.
 */
#include <pthread.h>
#include <string.h>

#include "ktest.h"
#include "../pgt_test.h"
#include "plat_host.h"

#define THREADS	  4u
#define BLOCK	  16u   /* pages per block; block b belongs to thread b % 4 */
#define BLOCKS	  512u  /* 32 MiB window */
#define T_OPS	  20000u

struct worker {
	struct pgt *pgt;
	uint32_t id;
	uint32_t errors;
	uint64_t shadow[BLOCKS / THREADS][BLOCK]; /* pa | prot, or 0 */
};

static uint64_t block_iova(uint32_t id, uint32_t b)
{
	return (uint64_t)(b * THREADS + id) * BLOCK * 4096;
}

/* Map or unmap part of one of my blocks; check the outcome by the shadow. */
static void one_op(struct worker *w, uint64_t *rs)
{
	struct pgt_gather g;
	uint32_t b = (uint32_t)(ktest_rand(rs) % (BLOCKS / THREADS));
	uint32_t p = (uint32_t)(ktest_rand(rs) % BLOCK);
	uint32_t n = 1 + (uint32_t)(ktest_rand(rs) % (BLOCK - p)), have = 0;
	uint64_t iova = block_iova(w->id, b) + ((uint64_t)p << 12), pa = iova + T_GIB(4);

	for (uint32_t i = p; i < p + n; i++)
		have += w->shadow[b][i] != 0;
	pgt_gather_init(&g);
	if (ktest_rand(rs) % 2) {
		int err = pgt_map(w->pgt, iova, pa, (uint64_t)n << 12, PGT_PROT_READ, &g);

		w->errors += err != (have ? PGT_EEXIST : 0);
		for (uint32_t i = p; !err && i < p + n; i++)
			w->shadow[b][i] = (pa + ((uint64_t)(i - p) << 12)) | PGT_PROT_READ;
	} else {
		w->errors += pgt_unmap(w->pgt, iova, (uint64_t)n << 12, &g) !=
			     (int64_t)have << 12;
		memset(&w->shadow[b][p], 0, n * sizeof(uint64_t));
	}
	pgt_gather_release(w->pgt, &g);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t rs = 0x2545f4914f6cdd1dull * (w->id + 1);

	plat_host_set_cpu(w->id + 1);
	for (uint32_t op = 0; op < T_OPS; op++)
		one_op(w, &rs);
	return NULL;
}

static uint32_t check_shadow(struct worker *w)
{
	uint32_t bad = 0;

	for (uint32_t b = 0; b < BLOCKS / THREADS; b++)
		for (uint32_t i = 0; i < BLOCK; i++) {
			uint64_t pa = 0, iova = block_iova(w->id, b) + ((uint64_t)i << 12);
			uint32_t prot = 0;
			int err = pgt_lookup(w->pgt, iova, &pa, &prot, NULL);

			bad += w->shadow[b][i] ? err || (pa | prot) != w->shadow[b][i]
					       : err != PGT_ENOENT;
		}
	return bad;
}

KTEST_FLAGS(pgtable_threads_interleaved, KTEST_HOST_ONLY)
{
	static struct worker w[THREADS];
	struct pgt_config cfg = {4, 0, PGT_SP_2M, true, NULL, NULL, {0}};
	pthread_t th[THREADS];
	struct pool *pool;
	struct pgt *pgt;
	struct pgt_gather g;

	KT_ASSERT_EQ(pgt_page_pool_create("pgt-threads", &pool), 0);
	cfg.pages = pool;
	KT_ASSERT_EQ(pgt_create(&cfg, &pgt), 0);
	memset(w, 0, sizeof(w));
	for (uint32_t i = 0; i < THREADS; i++) {
		w[i].pgt = pgt;
		w[i].id = i;
		KT_ASSERT_EQ(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (uint32_t i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (uint32_t i = 0; i < THREADS; i++) {
		KT_EXPECT_EQ(w[i].errors, 0);
		KT_EXPECT_EQ(check_shadow(&w[i]), 0);
	}
	pgt_gather_init(&g);
	/* The whole address width: every table is freed. */
	KT_EXPECT(pgt_unmap(pgt, 0, 1ull << 48, &g) >= 0);
	pgt_gather_release(pgt, &g);
	KT_EXPECT_EQ(pgt_pages(pgt), 1);
	pgt_destroy(pgt);
	pool_destroy(pool);
}
