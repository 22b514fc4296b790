/*
 * test_pgtable_flush.c - walks that are not coherent (ECAP.C = 0): after
 * every call, each changed entry of a reachable table and every line of a
 * new table was flushed; a coherent table never calls flush.
 */
#include "ktest.h"
#include "pgt_test.h"

/* Run op on t with a snapshot before it; expect no line left unflushed. */
#define CHECK_FLUSHED(t, levels, op)                                         \
	do {                                                                 \
		struct tsnap s_;                                             \
		KT_ASSERT(tsnap_take(&s_, (t)->pgt, levels));                \
		op;                                                          \
		KT_EXPECT_EQ(tsnap_check_flushed(&s_, (t)->pgt, levels), 0); \
		tsnap_free(&s_);                                             \
	} while (0)

KTEST(pgtable_flush_map)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 4, PGT_SP_2M | PGT_SP_1G, false));
	/* The new root itself was flushed whole. */
	KT_EXPECT(tflush_has(plat_phys_to_virt(pgt_root_pa(t.pgt))));
	KT_EXPECT(tflush_has((char *)plat_phys_to_virt(pgt_root_pa(t.pgt)) + 4032));
	CHECK_FLUSHED(&t, 4, KT_EXPECT_EQ(tmap(&t, 0, 0, T_KIB(20), PGT_PROT_READ), 0));
	CHECK_FLUSHED(&t, 4, KT_EXPECT_EQ(tmap(&t, T_MIB(2) - T_KIB(8), T_MIB(2) - T_KIB(8),
					      T_GIB(1) + T_MIB(4), PGT_PROT_READ), 0));
	CHECK_FLUSHED(&t, 4, KT_EXPECT_EQ(tmap(&t, T_KIB(20), 0, 4096, PGT_PROT_WRITE), 0));
	KT_EXPECT(tflush_calls() > 0);
	tenv_fini(&t);
}

KTEST(pgtable_flush_unmap_and_split)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 3, PGT_SP_2M | PGT_SP_1G, false));
	KT_ASSERT_EQ(tmap(&t, 0, 0, T_GIB(2), PGT_PROT_READ), 0);
	KT_ASSERT_EQ(tmap(&t, T_GIB(2), 0, T_MIB(8), PGT_PROT_READ), 0);
	KT_ASSERT_EQ(tmap(&t, T_GIB(3), 0, T_KIB(12), PGT_PROT_READ), 0);
	/* Splits of a 1 GiB and a 2 MiB page. */
	CHECK_FLUSHED(&t, 3, KT_EXPECT_EQ(tunmap(&t, T_GIB(1) + T_MIB(3), 4096), 4096));
	/* Leaves cleared in a table that stays. */
	CHECK_FLUSHED(&t, 3, KT_EXPECT_EQ(tunmap(&t, T_GIB(3), 4096), 4096));
	/* A table freed: its parent entry flushed. */
	CHECK_FLUSHED(&t, 3, KT_EXPECT_EQ(tunmap(&t, T_GIB(3), T_MIB(2)), T_KIB(8)));
	CHECK_FLUSHED(&t, 3, KT_EXPECT_EQ(tunmap(&t, T_GIB(2) + T_MIB(2), T_MIB(2)),
					  (int64_t)T_MIB(2)));
	tenv_fini(&t);
}

KTEST(pgtable_flush_rollback)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 4, 0, false));
	KT_ASSERT_EQ(tmap(&t, T_MIB(3), 0, 4096, PGT_PROT_READ), 0);
	CHECK_FLUSHED(&t, 4, KT_EXPECT_EQ(tmap(&t, 0, 0, T_MIB(4), PGT_PROT_READ),
					  PGT_EEXIST));
	tenv_fini(&t);
}

KTEST(pgtable_flush_coherent_never)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 4, PGT_SP_2M, true));
	KT_ASSERT_EQ(tmap(&t, 0, 0, T_MIB(5), PGT_PROT_READ), 0);
	KT_EXPECT_EQ(tunmap(&t, T_MIB(1), T_MIB(3)), (int64_t)T_MIB(3));
	KT_EXPECT_EQ(tflush_calls(), 0);
	tenv_fini(&t);
}
