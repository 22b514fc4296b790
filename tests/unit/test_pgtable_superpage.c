/*
 * test_pgtable_superpage.c - the page size map picks: 2 MiB and 1 GiB where
 * allowed and both addresses are aligned, 4 KiB at unaligned heads and tails.
 */
#include "ktest.h"
#include "pgt_test.h"

static uint64_t page_size_at(struct tenv *t, uint64_t iova)
{
	uint64_t sz = 0;

	if (pgt_lookup(t->pgt, iova, NULL, NULL, &sz))
		return 0;
	return sz;
}

KTEST(pgtable_sp_2m_aligned)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 4, PGT_SP_2M | PGT_SP_1G, true));
	KT_ASSERT_EQ(tmap(&t, T_MIB(4), T_MIB(8), T_MIB(4), PGT_PROT_READ), 0);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_MIB(4), 2), T_MIB(8) | T_PS | T_R);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_MIB(6), 2), T_MIB(10) | T_PS | T_R);
	KT_EXPECT_EQ(page_size_at(&t, T_MIB(5)), T_MIB(2));
	/* Root, one SL-PDPT, one SL-PD: no last-level table. */
	KT_EXPECT_EQ(pgt_pages(t.pgt), 3);
	tenv_fini(&t);
}

KTEST(pgtable_sp_1g_aligned)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 4, PGT_SP_2M | PGT_SP_1G, true));
	KT_ASSERT_EQ(tmap(&t, T_GIB(1), T_GIB(3), T_GIB(1), PGT_PROT_WRITE), 0);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_GIB(1), 3), T_GIB(3) | T_PS | T_W);
	KT_EXPECT_EQ(page_size_at(&t, T_GIB(1) + 12345 * 4096ull), T_GIB(1));
	KT_EXPECT_EQ(pgt_pages(t.pgt), 2);
	tenv_fini(&t);
}

KTEST(pgtable_sp_1g_in_3level_root)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 3, PGT_SP_1G, true));
	KT_ASSERT_EQ(tmap(&t, T_GIB(2), T_GIB(2), T_GIB(1), PGT_PROT_READ), 0);
	KT_EXPECT_EQ(tentry(t.pgt, 3, T_GIB(2), 3), T_GIB(2) | T_PS | T_R);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 1);
	tenv_fini(&t);
}

/* [2 MiB - 8 KiB, 1 GiB + 2 MiB + 8 KiB): 4K head, 2M run, 1G, 2M, 4K tail. */
KTEST(pgtable_sp_unaligned_mix)
{
	struct tenv t;
	uint64_t s = T_MIB(2) - T_KIB(8), e = T_GIB(2) + T_MIB(2) + T_KIB(8);

	KT_ASSERT(tenv_init(&t, 4, PGT_SP_2M | PGT_SP_1G, true));
	KT_ASSERT_EQ(tmap(&t, s, s + T_GIB(4), e - s, PGT_PROT_READ), 0);
	KT_EXPECT_EQ(page_size_at(&t, s), 4096);
	KT_EXPECT_EQ(page_size_at(&t, s + 4096), 4096);
	KT_EXPECT_EQ(page_size_at(&t, T_MIB(2)), T_MIB(2));
	KT_EXPECT_EQ(page_size_at(&t, T_GIB(1) - T_MIB(2)), T_MIB(2));
	KT_EXPECT_EQ(page_size_at(&t, T_GIB(1)), T_GIB(1));
	KT_EXPECT_EQ(page_size_at(&t, T_GIB(2)), T_MIB(2));
	KT_EXPECT_EQ(page_size_at(&t, T_GIB(2) + T_MIB(2)), 4096);
	KT_EXPECT_EQ(page_size_at(&t, e), 0);
	KT_EXPECT_EQ(page_size_at(&t, s - 4096), 0);
	/* root, PDPT, PD for GiB 0, PD for GiB 2, PT head, PT tail */
	KT_EXPECT_EQ(pgt_pages(t.pgt), 6);
	/* The range covers none of the six tables' spans whole: all stay,
	 * empty, until a range over the root entry's 512 GiB. */
	KT_EXPECT_EQ(tunmap(&t, s, e - s), (int64_t)(e - s));
	KT_EXPECT_EQ(pgt_pages(t.pgt), 6);
	KT_EXPECT_EQ(page_size_at(&t, T_GIB(1)), 0);
	KT_EXPECT_EQ(tunmap(&t, 0, T_GIB(512)), 0);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 1);
	tenv_fini(&t);
}

KTEST(pgtable_sp_disabled)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 3, 0, true));
	KT_ASSERT_EQ(tmap(&t, T_MIB(4), T_MIB(4), T_MIB(4), PGT_PROT_READ), 0);
	KT_EXPECT_EQ(page_size_at(&t, T_MIB(4)), 4096);
	KT_EXPECT_EQ(page_size_at(&t, T_MIB(8) - 4096), 4096);
	KT_EXPECT_EQ(tentry(t.pgt, 3, T_MIB(4), 2) & T_PS, 0);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 4); /* root, PD, two PTs */
	tenv_fini(&t);
}

KTEST(pgtable_sp_1g_only)
{
	struct tenv t;

	/* With 2 MiB pages off, a 1 GiB page still maps the aligned GiB and
	 * the rest is 4 KiB. */
	KT_ASSERT(tenv_init(&t, 4, PGT_SP_1G, true));
	KT_ASSERT_EQ(tmap(&t, T_GIB(1) - T_MIB(2), T_GIB(1) - T_MIB(2),
			  T_GIB(1) + T_MIB(2), PGT_PROT_READ), 0);
	KT_EXPECT_EQ(page_size_at(&t, T_GIB(1) - T_MIB(2)), 4096);
	KT_EXPECT_EQ(page_size_at(&t, T_GIB(1)), T_GIB(1));
	tenv_fini(&t);
}

KTEST(pgtable_sp_pa_misaligned)
{
	struct tenv t;

	/* The IOVA is 2 MiB aligned but the physical address is not. */
	KT_ASSERT(tenv_init(&t, 4, PGT_SP_2M | PGT_SP_1G, true));
	KT_ASSERT_EQ(tmap(&t, T_MIB(2), T_MIB(2) + 4096, T_MIB(2), PGT_PROT_READ), 0);
	KT_EXPECT_EQ(page_size_at(&t, T_MIB(2)), 4096);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_MIB(4) - 4096, 1), T_MIB(4) | T_R);
	tenv_fini(&t);
}
