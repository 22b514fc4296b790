/*
 * test_pgtable_source.c - a table on a page source that is not a pool: pages
 * straight from plat_page_alloc, zeroed in get; every page comes back zeroed.
 */
#include <string.h>

#include "ktest.h"
#include "pgt_test.h"

/* A direct source: no reserve of its own, counts what is out. */
struct dsrc {
	int64_t out;
	uint32_t reserves, dirty;
};

static int d_reserve(void *ctx, uint32_t n)
{
	((struct dsrc *)ctx)->reserves += n > 0;
	return 0;
}

static int d_get(void *ctx, uint64_t *pa)
{
	void *p = plat_page_alloc();

	if (!p)
		return PGT_ENOMEM;
	memset(p, 0, PLAT_PAGE_SIZE);
	*pa = plat_virt_to_phys(p);
	((struct dsrc *)ctx)->out++;
	return 0;
}

static void d_put(void *ctx, uint64_t pa)
{
	static const uint8_t zero[PLAT_PAGE_SIZE];
	struct dsrc *s = ctx;

	s->dirty += memcmp(plat_phys_to_virt(pa), zero, PLAT_PAGE_SIZE) != 0;
	s->out--;
	plat_page_free(plat_phys_to_virt(pa));
}

KTEST(pgtable_source_other_than_pool)
{
	struct dsrc s = {0, 0, 0};
	struct pgt_config cfg = {3, 0, PGT_SP_2M, true, NULL, NULL,
				 {d_reserve, d_get, d_put, &s}};
	struct pgt_gather g;
	struct pgt *p;
	uint64_t pa;

	KT_ASSERT_EQ(pgt_create(&cfg, &p), 0);
	KT_EXPECT_EQ(s.out, 1);
	pgt_gather_init(&g);
	/* 2 MiB apart: each map needs its own last-level table. */
	for (uint64_t i = 0; i < 4; i++)
		KT_EXPECT_EQ(pgt_map(p, T_MIB(2) * i + T_KIB(4), T_MIB(8), T_KIB(4),
				     PGT_PROT_READ, &g), 0);
	KT_EXPECT_EQ(s.out, 6); /* root, one directory, four tables */
	KT_EXPECT(s.reserves >= 4);
	KT_EXPECT_EQ(pgt_lookup(p, T_MIB(6) + T_KIB(4), &pa, NULL, NULL), 0);
	KT_EXPECT_EQ(pa, T_MIB(8));
	/* [0, 8 MiB) covers the four tables whole, not the directory. */
	KT_EXPECT_EQ(pgt_unmap(p, 0, T_MIB(8), &g), (int64_t)T_KIB(16));
	pgt_gather_release(p, &g);
	KT_EXPECT_EQ(s.out, 2);
	pgt_destroy(p);
	KT_EXPECT_EQ(s.out, 0);
	KT_EXPECT_EQ(s.dirty, 0);
}

KTEST(pgtable_source_needs_all_callbacks)
{
	struct dsrc s = {0, 0, 0};
	struct pgt_config cfg = {3, 0, 0, true, NULL, NULL, {NULL, d_get, d_put, &s}};
	struct pgt *p;

	KT_EXPECT_EQ(pgt_create(&cfg, &p), PGT_EINVAL);
	KT_EXPECT_EQ(s.out, 0);
}

/* A map reserves pages only when its walk meets a missing table, and then
 * before it takes one; maps into tables that exist call the source not at
 * all (the cost a 4 KiB map no longer pays). */
static uint32_t gets_before_reserve;

static int r_get(void *ctx, uint64_t *pa)
{
	struct dsrc *s = ctx;

	gets_before_reserve += s->reserves == 0;
	return d_get(ctx, pa);
}

KTEST(pgtable_source_reserves_only_for_missing_tables)
{
	struct dsrc s = {0, 0, 0};
	struct pgt_config cfg = {3, 0, PGT_SP_2M, true, NULL, NULL,
				 {d_reserve, r_get, d_put, &s}};
	struct pgt_gather g;
	struct pgt *p;

	KT_ASSERT_EQ(pgt_create(&cfg, &p), 0);
	gets_before_reserve = 0;
	s.reserves = 0;
	pgt_gather_init(&g);
	KT_EXPECT_EQ(pgt_map(p, T_KIB(4), T_MIB(8), T_KIB(4), PGT_PROT_READ, &g), 0);
	KT_EXPECT_EQ(s.reserves, 1);          /* the first missing table */
	KT_EXPECT_EQ(gets_before_reserve, 0); /* and before any page was taken */
	KT_EXPECT_EQ(s.out, 3);               /* root, directory, table */
	for (uint64_t i = 2; i < 64; i++)     /* the same last-level table */
		KT_EXPECT_EQ(pgt_map(p, T_KIB(4) * i, T_MIB(8), T_KIB(4), PGT_PROT_READ, &g), 0);
	KT_EXPECT_EQ(s.reserves, 1);
	KT_EXPECT_EQ(s.out, 3);
	/* The next 2 MiB: a new last-level table, so one reservation more. */
	KT_EXPECT_EQ(pgt_map(p, T_MIB(2), T_MIB(8), T_KIB(4), PGT_PROT_READ, &g), 0);
	KT_EXPECT_EQ(s.reserves, 2);
	KT_EXPECT_EQ(s.out, 4);
	pgt_destroy(p);
	KT_EXPECT_EQ(s.out, 0);
}
