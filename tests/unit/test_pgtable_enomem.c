/*
 * test_pgtable_enomem.c - no table page to be had: the map fails with
 * PGT_ENOMEM before changing anything, or rolls back what it did; pages
 * are conserved either way.
 */
#include "ktest.h"
#include "pgt_test.h"

KTEST(pgtable_enomem_before_anything)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 4, 0, true));
	/* Three tables are needed and two can be had: the reservation fails
	 * and the table is untouched. */
	t.src.budget = 2;
	KT_EXPECT_EQ(tmap(&t, 0, 0, 4096, PGT_PROT_READ), PGT_ENOMEM);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 1);
	KT_EXPECT_EQ(tentry(t.pgt, 4, 0, 4), 0);
	tenv_check_pages(&t);
	/* One more page and it goes through. */
	t.src.budget = 1;
	KT_EXPECT_EQ(tmap(&t, 0, 0, 4096, PGT_PROT_READ), 0);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 4);
	tenv_fini(&t);
}

KTEST(pgtable_enomem_rolls_back_large_map)
{
	struct tenv t;

	/* 40 MiB of 4 KiB pages needs 20 last-level tables and a directory:
	 * more than one reservation, so it reserves step by step. */
	KT_ASSERT(tenv_init(&t, 3, 0, true));
	t.src.budget = 9;
	KT_EXPECT_EQ(pgt_map(t.pgt, 0, 0, T_MIB(40), PGT_PROT_READ, &t.g), PGT_ENOMEM);
	KT_EXPECT(t.g.nfree > 0);
	pgt_gather_release(t.pgt, &t.g);
	/* Root and the directory, which the range covers only in part: every
	 * last-level table was filled whole, so covered whole, and freed. */
	KT_EXPECT_EQ(pgt_pages(t.pgt), 2);
	for (uint64_t a = 0; a < T_MIB(40); a += T_KIB(64))
		KT_EXPECT_EQ(pgt_lookup(t.pgt, a, NULL, NULL, NULL), PGT_ENOENT);
	tenv_check_pages(&t);
	t.src.budget = -1;
	KT_EXPECT_EQ(tmap(&t, 0, 0, T_MIB(40), PGT_PROT_READ), 0);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 22);
	tenv_fini(&t);
}

KTEST(pgtable_enomem_create)
{
	struct tenv t;
	struct pgt_config cfg = {3, 0, 0, true, NULL, NULL, {0}};
	struct pgt *p;

	KT_ASSERT(tenv_init(&t, 3, 0, true));
	cfg.pages = t.pool;
	t.src.budget = 0;
	KT_EXPECT_EQ(pgt_create(&cfg, &p), PGT_ENOMEM);
	tenv_fini(&t);
}

KTEST(pgtable_enomem_split)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 4, PGT_SP_2M, true));
	KT_ASSERT_EQ(tmap(&t, 0, 0, T_MIB(2), PGT_PROT_READ), 0);
	t.src.budget = 0;
	/* Cutting a page out of the superpage needs a table: refused whole. */
	KT_EXPECT_EQ(tunmap(&t, 4096, 4096), PGT_ENOMEM);
	KT_EXPECT_EQ(tentry(t.pgt, 4, 0, 2), T_PS | T_R);
	/* Unmapping the whole superpage needs none; its PD and PDPT stay. */
	KT_EXPECT_EQ(tunmap(&t, 0, T_MIB(2)), (int64_t)T_MIB(2));
	KT_EXPECT_EQ(pgt_pages(t.pgt), 3);
	KT_EXPECT_EQ(tunmap(&t, 0, T_GIB(512)), 0);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 1);
	tenv_fini(&t);
}
