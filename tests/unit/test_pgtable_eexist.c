/*
 * test_pgtable_eexist.c - a map that meets an existing mapping fails with
 * PGT_EEXIST and leaves no mapping of itself behind; of the tables it made,
 * those whose whole span it covered are freed, the others stay (empty).
 */
#include "ktest.h"
#include "pgt_test.h"

/* Nothing mapped in [s, e), probed every 4 KiB. */
static bool range_empty(struct tenv *t, uint64_t s, uint64_t e)
{
	for (uint64_t a = s; a < e; a += 4096)
		if (pgt_lookup(t->pgt, a, NULL, NULL, NULL) != PGT_ENOENT)
			return false;
	return true;
}

KTEST(pgtable_eexist_rolls_back)
{
	struct tenv t;
	uint64_t pages;

	KT_ASSERT(tenv_init(&t, 4, 0, true));
	KT_ASSERT_EQ(tmap(&t, T_MIB(5), T_MIB(5), 4096, PGT_PROT_READ), 0);
	pages = pgt_pages(t.pgt);
	/* [1 MiB, 9 MiB) maps 4 MiB (two new last-level tables) and meets it. */
	KT_EXPECT_EQ(pgt_map(t.pgt, T_MIB(1), 0, T_MIB(8), PGT_PROT_READ, &t.g),
		     PGT_EEXIST);
	/* The table for [2 MiB, 4 MiB), covered whole, is freed; the one for
	 * [0, 2 MiB), covered from 1 MiB only, stays linked, empty. */
	KT_EXPECT_EQ(t.g.nfree, 1);
	KT_EXPECT(t.g.tables);
	KT_EXPECT(t.g.start <= T_MIB(1) && t.g.end >= T_MIB(5));
	pgt_gather_release(t.pgt, &t.g);
	KT_EXPECT(range_empty(&t, T_MIB(1), T_MIB(5)));
	KT_EXPECT(range_empty(&t, T_MIB(5) + 4096, T_MIB(9)));
	KT_EXPECT_EQ(pgt_lookup(t.pgt, T_MIB(5), NULL, NULL, NULL), 0);
	KT_EXPECT_EQ(pgt_pages(t.pgt), pages + 1);
	KT_EXPECT(tentry(t.pgt, 4, T_MIB(1), 2) != 0);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_MIB(1), 1), 0);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_MIB(3), 2), 0);
	tenv_fini(&t);
}

KTEST(pgtable_eexist_first_page)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 3, 0, true));
	KT_ASSERT_EQ(tmap(&t, 0, 0, 4096, PGT_PROT_READ), 0);
	KT_EXPECT_EQ(pgt_map(t.pgt, 0, 0, 8192, PGT_PROT_READ, &t.g), PGT_EEXIST);
	KT_EXPECT_EQ(t.g.nfree, 0);
	KT_EXPECT(t.g.start >= t.g.end); /* nothing was changed */
	KT_EXPECT(range_empty(&t, 4096, 8192));
	tenv_fini(&t);
}

KTEST(pgtable_eexist_superpage_over_table)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 4, PGT_SP_2M | PGT_SP_1G, true));
	/* A 4 KiB page inside a GiB: a 1 GiB map over it must fail ... */
	KT_ASSERT_EQ(tmap(&t, T_GIB(1) + T_MIB(7), 0, 4096, PGT_PROT_READ), 0);
	KT_EXPECT_EQ(tmap(&t, T_GIB(1), 0, T_GIB(1), PGT_PROT_READ), PGT_EEXIST);
	/* ... and so must a 4 KiB map inside a superpage. */
	KT_ASSERT_EQ(tmap(&t, T_GIB(4), 0, T_GIB(1), PGT_PROT_READ), 0);
	KT_EXPECT_EQ(tmap(&t, T_GIB(4) + 4096, 0, 4096, PGT_PROT_READ), PGT_EEXIST);
	KT_EXPECT_EQ(tmap(&t, T_GIB(4) - T_MIB(2), 0, T_MIB(4), PGT_PROT_READ),
		     PGT_EEXIST);
	KT_EXPECT(range_empty(&t, T_GIB(4) - T_MIB(2), T_GIB(4)));
	KT_EXPECT_EQ(pgt_lookup(t.pgt, T_GIB(1) + T_MIB(7), NULL, NULL, NULL), 0);
	KT_EXPECT(range_empty(&t, T_GIB(1), T_GIB(1) + T_MIB(7)));
	tenv_fini(&t);
}

KTEST(pgtable_eexist_large_map_step_by_step)
{
	struct tenv t;

	/* 40 MiB of 4 KiB pages reserves step by step; meeting a page at
	 * 30 MiB undoes fifteen steps. */
	KT_ASSERT(tenv_init(&t, 3, 0, true));
	KT_ASSERT_EQ(tmap(&t, T_MIB(30), 0, 4096, PGT_PROT_READ), 0);
	KT_EXPECT_EQ(pgt_map(t.pgt, 0, 0, T_MIB(40), PGT_PROT_READ, &t.g), PGT_EEXIST);
	KT_EXPECT_EQ(t.g.nfree, 15);
	pgt_gather_release(t.pgt, &t.g);
	KT_EXPECT(range_empty(&t, 0, T_MIB(30)));
	KT_EXPECT_EQ(pgt_pages(t.pgt), 3);
	tenv_check_pages(&t);
	tenv_fini(&t);
}
