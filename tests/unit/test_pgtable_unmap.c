/*
 * test_pgtable_unmap.c - unmap: bytes returned, tables whose whole span
 * the range covers freed through the gather (and only at release), tables
 * it covers only in part left in place even when empty (a disjoint map on
 * another CPU may be inside them), superpages split when cut.
 */
#include "ktest.h"
#include "pgt_test.h"

KTEST(pgtable_unmap_frees_tables)
{
	struct tenv t;
	struct pool_stats st;

	KT_ASSERT(tenv_init(&t, 4, 0, true));
	KT_ASSERT_EQ(tmap(&t, T_GIB(3), T_MIB(1), T_KIB(16), PGT_PROT_READ), 0);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 4);
	/* Half of it: the tables stay. */
	KT_EXPECT_EQ(pgt_unmap(t.pgt, T_GIB(3), T_KIB(8), &t.g), (int64_t)T_KIB(8));
	KT_EXPECT_EQ(t.g.nfree, 0);
	KT_EXPECT(!t.g.tables);
	KT_EXPECT_EQ(t.g.start, T_GIB(3));
	KT_EXPECT_EQ(t.g.end, T_GIB(3) + T_KIB(8));
	pgt_gather_release(t.pgt, &t.g);
	/* The rest, by a range that covers the last-level table's 2 MiB but
	 * not the directories' spans: that one table is unlinked, held by the
	 * gather until release; the PD and PDPT stay, the PD now empty. */
	KT_EXPECT_EQ(pgt_unmap(t.pgt, T_GIB(3), T_MIB(4), &t.g), (int64_t)T_KIB(8));
	KT_EXPECT_EQ(t.g.nfree, 1);
	KT_EXPECT(t.g.tables);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 3);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_GIB(3), 2), 0);
	KT_EXPECT(tentry(t.pgt, 4, T_GIB(3), 3) != 0);
	pool_stats(t.pool, &st);
	KT_EXPECT_EQ(st.in_use, 4);
	pgt_gather_release(t.pgt, &t.g);
	KT_EXPECT_EQ(t.g.nfree, 0);
	KT_EXPECT_EQ(t.g.freelist, 0);
	tenv_check_pages(&t);
	/* Nothing mapped is left, but a range over the root entry's 512 GiB
	 * frees the two directories left in place. */
	KT_EXPECT_EQ(pgt_unmap(t.pgt, 0, T_GIB(512), &t.g), 0);
	KT_EXPECT_EQ(t.g.nfree, 2);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 1);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_GIB(3), 4), 0);
	pgt_gather_release(t.pgt, &t.g);
	tenv_check_pages(&t);
	tenv_fini(&t);
}

KTEST(pgtable_unmap_holes_count_zero)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 3, PGT_SP_2M, true));
	KT_EXPECT_EQ(tunmap(&t, 0, T_GIB(4)), 0);
	KT_ASSERT_EQ(tmap(&t, T_MIB(2), 0, T_MIB(2), PGT_PROT_READ), 0);
	KT_ASSERT_EQ(tmap(&t, T_MIB(8), 0, 4096, PGT_PROT_READ), 0);
	KT_EXPECT_EQ(tunmap(&t, 0, T_GIB(1)), (int64_t)(T_MIB(2) + 4096));
	KT_EXPECT_EQ(pgt_pages(t.pgt), 1);
	tenv_fini(&t);
}

KTEST(pgtable_unmap_split_2m)
{
	struct tenv t;
	uint64_t pa = 0, sz = 0;

	KT_ASSERT(tenv_init(&t, 4, PGT_SP_2M, true));
	KT_ASSERT_EQ(tmap(&t, T_MIB(4), T_MIB(10), T_MIB(2), PGT_PROT_WRITE), 0);
	KT_EXPECT_EQ(pgt_unmap(t.pgt, T_MIB(5), T_KIB(8), &t.g), (int64_t)T_KIB(8));
	/* The span is the whole superpage: the IOTLB may hold it whole. */
	KT_EXPECT_EQ(t.g.start, T_MIB(4));
	KT_EXPECT_EQ(t.g.end, T_MIB(6));
	KT_EXPECT(t.g.tables);
	pgt_gather_release(t.pgt, &t.g);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_MIB(4), 2) & T_PS, 0);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_MIB(5), 1), 0);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_MIB(5) + T_KIB(4), 1), 0);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_MIB(5) + T_KIB(8), 1),
		     (T_MIB(11) + T_KIB(8)) | T_W);
	KT_ASSERT_EQ(pgt_lookup(t.pgt, T_MIB(5) - 1, &pa, NULL, &sz), 0);
	KT_EXPECT_EQ(pa, T_MIB(11) - 1);
	KT_EXPECT_EQ(sz, 4096);
	/* The rest of it, in two pieces, neither covering the split table's
	 * 2 MiB: it stays, empty; then an unmap of that 2 MiB frees it. */
	KT_EXPECT_EQ(tunmap(&t, T_MIB(4), T_MIB(1)), (int64_t)T_MIB(1));
	KT_EXPECT_EQ(tunmap(&t, T_MIB(5), T_MIB(1)), (int64_t)(T_MIB(1) - T_KIB(8)));
	KT_EXPECT_EQ(pgt_pages(t.pgt), 4);
	KT_EXPECT_EQ(tunmap(&t, T_MIB(4), T_MIB(2)), 0);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 3);
	KT_EXPECT_EQ(tentry(t.pgt, 4, T_MIB(4), 2), 0);
	tenv_fini(&t);
}

KTEST(pgtable_unmap_split_1g)
{
	struct tenv t;
	uint64_t pa = 0, sz = 0;

	KT_ASSERT(tenv_init(&t, 3, PGT_SP_2M | PGT_SP_1G, true));
	KT_ASSERT_EQ(tmap(&t, T_GIB(1), T_GIB(5), T_GIB(1), PGT_PROT_READ), 0);
	/* Cut 4 KiB at 1 GiB + 3 MiB: 1G -> 2M table -> 4K table. */
	KT_EXPECT_EQ(tunmap(&t, T_GIB(1) + T_MIB(3), 4096), 4096);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 3);
	KT_ASSERT_EQ(pgt_lookup(t.pgt, T_GIB(1) + T_MIB(2), &pa, NULL, &sz), 0);
	KT_EXPECT_EQ(sz, 4096);
	KT_EXPECT_EQ(pa, T_GIB(5) + T_MIB(2));
	KT_ASSERT_EQ(pgt_lookup(t.pgt, T_GIB(1) + T_MIB(100), &pa, NULL, &sz), 0);
	KT_EXPECT_EQ(sz, T_MIB(2));
	KT_EXPECT_EQ(pa, T_GIB(5) + T_MIB(100));
	KT_EXPECT_EQ(pgt_lookup(t.pgt, T_GIB(1) + T_MIB(3), NULL, NULL, NULL), PGT_ENOENT);
	/* Everything that is left comes back as bytes, every table freed. */
	KT_EXPECT_EQ(tunmap(&t, T_GIB(1), T_GIB(1)), (int64_t)(T_GIB(1) - 4096));
	KT_EXPECT_EQ(pgt_pages(t.pgt), 1);
	tenv_fini(&t);
}

KTEST(pgtable_unmap_split_both_ends)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 4, PGT_SP_2M, true));
	KT_ASSERT_EQ(tmap(&t, 0, 0, T_MIB(6), PGT_PROT_READ), 0);
	/* [1 MiB, 5 MiB) cuts the first and the last superpage. */
	KT_EXPECT_EQ(tunmap(&t, T_MIB(1), T_MIB(4)), (int64_t)T_MIB(4));
	KT_EXPECT_EQ(pgt_lookup(t.pgt, T_MIB(1) - 4096, NULL, NULL, NULL), 0);
	KT_EXPECT_EQ(pgt_lookup(t.pgt, T_MIB(1), NULL, NULL, NULL), PGT_ENOENT);
	KT_EXPECT_EQ(pgt_lookup(t.pgt, T_MIB(3), NULL, NULL, NULL), PGT_ENOENT);
	KT_EXPECT_EQ(pgt_lookup(t.pgt, T_MIB(5), NULL, NULL, NULL), 0);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 5); /* root, PDPT, PD, two PTs */
	tenv_fini(&t);
}

KTEST(pgtable_unmap_gather_batches)
{
	struct tenv t;

	/* Several unmaps into one gather: one span, one release. */
	KT_ASSERT(tenv_init(&t, 4, 0, true));
	KT_ASSERT_EQ(tmap(&t, T_MIB(2), 0, 4096, PGT_PROT_READ), 0);
	KT_ASSERT_EQ(tmap(&t, T_MIB(8), 0, 4096, PGT_PROT_READ), 0);
	KT_EXPECT_EQ(pgt_unmap(t.pgt, T_MIB(8), 4096, &t.g), 4096);
	KT_EXPECT_EQ(pgt_unmap(t.pgt, T_MIB(2), 4096, &t.g), 4096);
	KT_EXPECT_EQ(t.g.start, T_MIB(2));
	KT_EXPECT_EQ(t.g.end, T_MIB(8) + 4096);
	KT_EXPECT_EQ(t.g.nfree, 0); /* 4 KiB each: every table stays */
	KT_EXPECT_EQ(pgt_unmap(t.pgt, 0, T_GIB(512), &t.g), 0);
	KT_EXPECT_EQ(t.g.nfree, 4); /* two PTs, their PD, its PDPT */
	KT_EXPECT_EQ(t.g.start, 0);
	KT_EXPECT_EQ(t.g.end, T_GIB(512));
	pgt_gather_release(t.pgt, &t.g);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 1);
	tenv_fini(&t);
}
