/*
 * test_pgtable_stress.c - random maps and unmaps of a 16 MiB window against
 * a shadow of every 4 KiB page, with pages running out now and then and the
 * flush coverage checked after every call.  Bounded; runs in the kernel too.
 */
#include <string.h>

#include "ktest.h"
#include "pgt_test.h"

#define WIN_PAGES 4096u /* 16 MiB */
#define OPS	  1500u

/* Outcomes seen, for the closing diagnostic. */
static uint32_t n_mapped, n_exist, n_nomem, n_unmapped;

struct shadow {
	uint64_t pa[WIN_PAGES]; /* pa | prot, 0 when unmapped */
};

/* Take every page the pool holds, so only the source's budget is left;
 * hog_end gives them back. */
#define HOG_MAX 512u
static uint64_t hog[HOG_MAX];
static uint32_t n_hog;

static void hog_begin(struct tenv *t, int64_t budget)
{
	while (n_hog < HOG_MAX && !pool_alloc(t->pool, POOL_NOFETCH, &hog[n_hog]))
		n_hog++;
	t->src.budget = budget;
}

static void hog_end(struct tenv *t)
{
	t->src.budget = -1;
	pool_free_bulk(t->pool, hog, n_hog);
	n_hog = 0;
}

static uint32_t mapped_in(const struct shadow *sh, uint32_t p, uint32_t n)
{
	uint32_t k = 0;

	for (uint32_t i = p; i < p + n; i++)
		k += sh->pa[i] != 0;
	return k;
}

static bool page_agrees(struct tenv *t, const struct shadow *sh, uint32_t i)
{
	uint64_t pa = 0;
	uint32_t prot = 0;
	int err = pgt_lookup(t->pgt, (uint64_t)i << 12, &pa, &prot, NULL);

	if (!sh->pa[i])
		return err == PGT_ENOENT;
	return err == 0 && (pa | prot) == sh->pa[i];
}

/* One random map; pa congruent to the IOVA mod 2 MiB half of the time. */
static void random_map(struct tenv *t, struct shadow *sh, uint64_t *rs)
{
	uint32_t p = (uint32_t)(ktest_rand(rs) % WIN_PAGES);
	uint32_t n = 1 + (uint32_t)(ktest_rand(rs) % (ktest_rand(rs) % 2 ? 16 : 1024));
	uint64_t pa = (ktest_rand(rs) % 2 ? (uint64_t)p << 12 : (ktest_rand(rs) % 4096) << 12)
		      + T_GIB(8);
	uint32_t prot = 1 + (uint32_t)(ktest_rand(rs) % 3);
	int err, want;

	n = p + n > WIN_PAGES ? WIN_PAGES - p : n;
	want = mapped_in(sh, p, n) ? PGT_EEXIST : 0;
	bool scarce = ktest_rand(rs) % 8 == 0;

	if (scarce)
		hog_begin(t, (int64_t)(ktest_rand(rs) % 3));
	err = tmap(t, (uint64_t)p << 12, pa, (uint64_t)n << 12, prot);
	if (scarce)
		hog_end(t);
	if (err == PGT_ENOMEM && scarce) {
		n_nomem++; /* allowed only when pages were short */
		return;
	}
	KT_EXPECT_EQ(err, want);
	n_mapped += err == 0;
	n_exist += err == PGT_EEXIST;
	for (uint32_t i = 0; !err && i < n; i++)
		sh->pa[p + i] = (pa + ((uint64_t)i << 12)) | prot;
}

static void random_unmap(struct tenv *t, struct shadow *sh, uint64_t *rs)
{
	uint32_t p = (uint32_t)(ktest_rand(rs) % WIN_PAGES);
	uint32_t n = 1 + (uint32_t)(ktest_rand(rs) % 1024);
	int64_t got;

	n = p + n > WIN_PAGES ? WIN_PAGES - p : n;
	bool scarce = ktest_rand(rs) % 8 == 0;

	if (scarce)
		hog_begin(t, 0);
	got = tunmap(t, (uint64_t)p << 12, (uint64_t)n << 12);
	if (scarce)
		hog_end(t);
	if (got == PGT_ENOMEM) {
		n_nomem++; /* a split needed a page; nothing changed */
		return;
	}
	n_unmapped++;
	KT_EXPECT_EQ(got, (int64_t)mapped_in(sh, p, n) << 12);
	memset(&sh->pa[p], 0, n * sizeof(sh->pa[0]));
}

KTEST(pgtable_stress_shadow)
{
	struct shadow *sh = plat_malloc(sizeof(*sh));
	uint64_t rs = 0x9e3779b97f4a7c15ull ^ plat_cycles(), seed = rs;
	uint32_t bad = 0;
	struct tenv t;

	KT_ASSERT(sh);
	memset(sh, 0, sizeof(*sh));
	ktest_diag("seed %#llx", (unsigned long long)seed);
	KT_ASSERT(tenv_init(&t, 3, PGT_SP_2M, false));
	for (uint32_t op = 0; op < OPS && !bad; op++) {
		struct tsnap s;

		KT_ASSERT(tsnap_take(&s, t.pgt, 3));
		if (ktest_rand(&rs) % 3)
			random_map(&t, sh, &rs);
		else
			random_unmap(&t, sh, &rs);
		bad += tsnap_check_flushed(&s, t.pgt, 3);
		tsnap_free(&s);
		for (int k = 0; k < 8; k++)
			bad += !page_agrees(&t, sh, (uint32_t)(ktest_rand(&rs) % WIN_PAGES));
	}
	for (uint32_t i = 0; i < WIN_PAGES; i++)
		bad += !page_agrees(&t, sh, i);
	KT_EXPECT_EQ(bad, 0);
	ktest_diag("%u maps, %u EEXIST, %u ENOMEM, %u unmaps", n_mapped, n_exist,
		   n_nomem, n_unmapped);
	tenv_check_pages(&t);
	/* The root entry's whole 1 GiB: every table under it is freed. */
	KT_EXPECT_EQ(tunmap(&t, 0, T_GIB(1)), (int64_t)mapped_in(sh, 0, WIN_PAGES) << 12);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 1);
	tenv_fini(&t);
	plat_free(sh);
}
