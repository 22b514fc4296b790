/*
 * test_pgtable_lookup.c - pgt_lookup: the physical address with the offset
 * inside the leaf, its permissions and size; nothing where nothing is mapped.
 */
#include "ktest.h"
#include "pgt_test.h"

KTEST(pgtable_lookup_offsets)
{
	struct tenv t;
	uint64_t pa = 0, sz = 0;
	uint32_t prot = 0;

	KT_ASSERT(tenv_init(&t, 4, PGT_SP_2M, true));
	KT_ASSERT_EQ(tmap(&t, T_MIB(2), T_MIB(6), T_MIB(2) + 4096, PGT_PROT_READ), 0);
	KT_ASSERT_EQ(pgt_lookup(t.pgt, T_MIB(2) + 0x12345, &pa, &prot, &sz), 0);
	KT_EXPECT_EQ(pa, T_MIB(6) + 0x12345);
	KT_EXPECT_EQ(prot, PGT_PROT_READ);
	KT_EXPECT_EQ(sz, T_MIB(2));
	KT_ASSERT_EQ(pgt_lookup(t.pgt, T_MIB(4) + 0xfff, &pa, NULL, &sz), 0);
	KT_EXPECT_EQ(pa, T_MIB(8) + 0xfff);
	KT_EXPECT_EQ(sz, 4096);
	KT_EXPECT_EQ(pgt_lookup(t.pgt, T_MIB(4) + 4096, &pa, NULL, NULL), PGT_ENOENT);
	KT_EXPECT_EQ(pgt_lookup(t.pgt, T_MIB(2) - 1, NULL, NULL, NULL), PGT_ENOENT);
	KT_EXPECT_EQ(pgt_lookup(t.pgt, T_GIB(100), NULL, NULL, NULL), PGT_ENOENT);
	tenv_fini(&t);
}

KTEST(pgtable_lookup_empty)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 3, 0, true));
	KT_EXPECT_EQ(pgt_lookup(t.pgt, 0, NULL, NULL, NULL), PGT_ENOENT);
	KT_EXPECT_EQ(pgt_lookup(t.pgt, (1ull << 39) - 1, NULL, NULL, NULL), PGT_ENOENT);
	KT_EXPECT_EQ(pgt_lookup(t.pgt, 1ull << 40, NULL, NULL, NULL), PGT_ENOENT);
	tenv_fini(&t);
}
