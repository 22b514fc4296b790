/*
 * test_pgtable_prot.c - permissions: read, write or both land in the leaf's
 * R and W bits [VT-d 9.8]; no permission or an unknown bit is refused.
 */
#include "ktest.h"
#include "pgt_test.h"

KTEST(pgtable_prot_bits)
{
	static const uint32_t prots[3] = {PGT_PROT_READ, PGT_PROT_WRITE,
					  PGT_PROT_READ | PGT_PROT_WRITE};
	static const uint64_t bits[3] = {T_R, T_W, T_R | T_W};
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 3, PGT_SP_2M, true));
	for (int i = 0; i < 3; i++) {
		uint64_t iova = (uint64_t)i * T_MIB(2);
		uint32_t prot = 0;

		KT_ASSERT_EQ(tmap(&t, iova, T_MIB(32) + iova, 4096, prots[i]), 0);
		KT_EXPECT_EQ(tentry(t.pgt, 3, iova, 1), (T_MIB(32) + iova) | bits[i]);
		KT_ASSERT_EQ(pgt_lookup(t.pgt, iova, NULL, &prot, NULL), 0);
		KT_EXPECT_EQ(prot, prots[i]);
	}
	/* A superpage leaf carries them too, beside PS. */
	KT_ASSERT_EQ(tmap(&t, T_MIB(8), T_MIB(8), T_MIB(2), PGT_PROT_WRITE), 0);
	KT_EXPECT_EQ(tentry(t.pgt, 3, T_MIB(8), 2), T_MIB(8) | T_PS | T_W);
	tenv_fini(&t);
}

KTEST(pgtable_prot_invalid)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 3, 0, true));
	KT_EXPECT_EQ(tmap(&t, 0, 0, 4096, 0), PGT_EINVAL);
	KT_EXPECT_EQ(tmap(&t, 0, 0, 4096, PGT_PROT_READ | 0x80), PGT_EINVAL);
	KT_EXPECT_EQ(tmap(&t, 0, 0, 4096, 0x4), PGT_EINVAL);
	KT_EXPECT_EQ(pgt_lookup(t.pgt, 0, NULL, NULL, NULL), PGT_ENOENT);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 1);
	tenv_fini(&t);
}
