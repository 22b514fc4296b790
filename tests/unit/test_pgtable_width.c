/*
 * test_pgtable_width.c - argument limits: 4 KiB alignment, no wrap, the
 * IOVA within the address width (39, 48 or narrower), pa within 52 bits.
 */
#include "ktest.h"
#include "pgt_test.h"

KTEST(pgtable_width_39)
{
	struct tenv t;
	uint64_t top = 1ull << 39;

	KT_ASSERT(tenv_init(&t, 3, 0, true));
	KT_EXPECT_EQ(tmap(&t, top - 4096, 0, 4096, PGT_PROT_READ), 0);
	KT_EXPECT_EQ(tmap(&t, top - 4096, 0, 8192, PGT_PROT_READ), PGT_EINVAL);
	KT_EXPECT_EQ(tmap(&t, top, 0, 4096, PGT_PROT_READ), PGT_EINVAL);
	KT_EXPECT_EQ(tunmap(&t, top, 4096), PGT_EINVAL);
	KT_EXPECT_EQ(pgt_lookup(t.pgt, top, NULL, NULL, NULL), PGT_ENOENT);
	KT_EXPECT_EQ(tentry(t.pgt, 3, top - 4096, 3) != 0, 1);
	KT_EXPECT_EQ(tunmap(&t, top - 4096, 4096), 4096);
	tenv_fini(&t);
}

KTEST(pgtable_width_48)
{
	struct tenv t;
	uint64_t top = 1ull << 48;

	KT_ASSERT(tenv_init(&t, 4, PGT_SP_1G, true));
	KT_EXPECT_EQ(tmap(&t, top - T_GIB(1), 0, T_GIB(1), PGT_PROT_READ), 0);
	KT_EXPECT_EQ(tmap(&t, top, 0, 4096, PGT_PROT_READ), PGT_EINVAL);
	KT_EXPECT_EQ(tentry(t.pgt, 4, top - 1, 3), T_PS | T_R);
	KT_EXPECT_EQ(tunmap(&t, top - T_GIB(1), T_GIB(1)), (int64_t)T_GIB(1));
	tenv_fini(&t);
}

KTEST(pgtable_width_narrow_domain)
{
	struct tenv t;
	struct pgt_config cfg = {4, 32, 0, true, NULL, NULL, {0}};
	struct pgt *p;
	struct pgt_gather g;

	KT_ASSERT(tenv_init(&t, 4, 0, true));
	cfg.pages = t.pool;
	KT_ASSERT_EQ(pgt_create(&cfg, &p), 0);
	pgt_gather_init(&g);
	KT_EXPECT_EQ(pgt_map(p, T_GIB(4) - 4096, 0, 4096, PGT_PROT_READ, &g), 0);
	KT_EXPECT_EQ(pgt_map(p, T_GIB(4), 0, 4096, PGT_PROT_READ, &g), PGT_EINVAL);
	KT_EXPECT_EQ(g.nfree, 0);
	pgt_destroy(p);
	tenv_fini(&t);
}

KTEST(pgtable_width_bad_args)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 4, 0, true));
	KT_EXPECT_EQ(tmap(&t, 0x800, 0, 4096, PGT_PROT_READ), PGT_EINVAL);
	KT_EXPECT_EQ(tmap(&t, 0, 0x800, 4096, PGT_PROT_READ), PGT_EINVAL);
	KT_EXPECT_EQ(tmap(&t, 0, 0, 0x800, PGT_PROT_READ), PGT_EINVAL);
	KT_EXPECT_EQ(tmap(&t, 0, 0, 0, PGT_PROT_READ), PGT_EINVAL);
	KT_EXPECT_EQ(tmap(&t, 4096, 0, ~0ull << 12, PGT_PROT_READ), PGT_EINVAL);
	/* The address field reaches bit 51. */
	KT_EXPECT_EQ(tmap(&t, 0, (1ull << 52) - 4096, 4096, PGT_PROT_READ), 0);
	KT_EXPECT_EQ(tentry(t.pgt, 4, 0, 1), ((1ull << 52) - 4096) | T_R);
	KT_EXPECT_EQ(tmap(&t, 4096, 1ull << 52, 4096, PGT_PROT_READ), PGT_EINVAL);
	KT_EXPECT_EQ(tunmap(&t, 0x800, 4096), PGT_EINVAL);
	KT_EXPECT_EQ(tunmap(&t, 0, 0), PGT_EINVAL);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 4);
	tenv_fini(&t);
}
