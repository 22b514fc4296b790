/*
 * test_pgtable_walk.c - 3- and 4-level tables walked by hand: each level's
 * raw entry decoded bit by bit against [VT-d 9.8]; levels from SAGAW.
 */
#include "ktest.h"
#include "pgt_test.h"

/* Table entries: R and W set, PS clear, a page-aligned address. */
static void expect_table_entry(uint64_t e)
{
	KT_EXPECT_EQ(e & (T_R | T_W), T_R | T_W);
	KT_EXPECT_EQ(e & T_PS, 0);
	KT_EXPECT_EQ(e & ~T_ADDR & ~(T_R | T_W), 0);
	KT_EXPECT(e & T_ADDR);
}

KTEST(pgtable_walk_4level_raw_entries)
{
	struct tenv t;
	/* indices 4 | 3 | 2 | 1 = 1 | 2 | 3 | 4 */
	uint64_t iova = (1ull << 39) | (2ull << 30) | (3ull << 21) | (4ull << 12);
	uint64_t pa = 0x123456789000ull;

	KT_ASSERT(tenv_init(&t, 4, 0, true));
	KT_ASSERT_EQ(tmap(&t, iova, pa, 4096, PGT_PROT_READ | PGT_PROT_WRITE), 0);
	for (uint32_t l = 4; l > 1; l--)
		expect_table_entry(tentry(t.pgt, 4, iova, l));
	KT_EXPECT_EQ(tentry(t.pgt, 4, iova, 1), pa | T_R | T_W);
	/* The neighbours at each level stay empty. */
	for (uint32_t l = 4; l >= 1; l--)
		KT_EXPECT_EQ(tentry(t.pgt, 4, iova + (1ull << (12 + 9 * (l - 1))), l), 0);
	/* One root, three tables below it. */
	KT_EXPECT_EQ(pgt_pages(t.pgt), 4);
	KT_EXPECT_EQ(pgt_root_pa(t.pgt) & 0xfff, 0);
	tenv_fini(&t);
}

KTEST(pgtable_walk_3level_raw_entries)
{
	struct tenv t;
	uint64_t iova = (5ull << 30) | (6ull << 21) | (7ull << 12);
	uint64_t pa = 0xabc000ull;

	KT_ASSERT(tenv_init(&t, 3, 0, true));
	KT_ASSERT_EQ(tmap(&t, iova, pa, 4096, PGT_PROT_READ), 0);
	expect_table_entry(tentry(t.pgt, 3, iova, 3));
	expect_table_entry(tentry(t.pgt, 3, iova, 2));
	KT_EXPECT_EQ(tentry(t.pgt, 3, iova, 1), pa | T_R);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 3);
	/* The root's index comes from bits 38:30. */
	KT_EXPECT_EQ(((const uint64_t *)plat_phys_to_virt(pgt_root_pa(t.pgt)))[5],
		     tentry(t.pgt, 3, iova, 3));
	tenv_fini(&t);
}

KTEST(pgtable_walk_shared_tables)
{
	struct tenv t;

	KT_ASSERT(tenv_init(&t, 4, 0, true));
	/* Two pages in one 2 MiB region share every table. */
	KT_ASSERT_EQ(tmap(&t, 0x1000, 0x5000, 4096, PGT_PROT_READ), 0);
	KT_ASSERT_EQ(tmap(&t, 0x3000, 0x7000, 4096, PGT_PROT_WRITE), 0);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 4);
	KT_EXPECT_EQ(tentry(t.pgt, 4, 0x1000, 2), tentry(t.pgt, 4, 0x3000, 2));
	KT_EXPECT_EQ(tentry(t.pgt, 4, 0x3000, 1), 0x7000 | T_W);
	/* The next 2 MiB region needs one more last-level table. */
	KT_ASSERT_EQ(tmap(&t, T_MIB(2), 0x9000, 4096, PGT_PROT_READ), 0);
	KT_EXPECT_EQ(pgt_pages(t.pgt), 5);
	tenv_fini(&t);
}

static int levels_for(uint32_t sagaw, uint32_t width, uint32_t *width_out)
{
	int levels = pgt_levels_for(sagaw, &width);

	*width_out = width;
	return levels;
}

KTEST(pgtable_levels_for_sagaw)
{
	uint32_t w;

	KT_EXPECT_EQ(levels_for(PGT_SAGAW_39, 39, &w), 3);
	KT_EXPECT_EQ(w, 39);
	/* 3 levels only, 48 bits asked: 3 levels, the width lowered to 39 */
	KT_EXPECT_EQ(levels_for(PGT_SAGAW_39, 48, &w), 3);
	KT_EXPECT_EQ(w, 39);
	KT_EXPECT_EQ(levels_for(PGT_SAGAW_39 | PGT_SAGAW_48, 39, &w), 3);
	KT_EXPECT_EQ(levels_for(PGT_SAGAW_39 | PGT_SAGAW_48, 40, &w), 4);
	KT_EXPECT_EQ(w, 40);
	KT_EXPECT_EQ(levels_for(PGT_SAGAW_39 | PGT_SAGAW_48, 48, &w), 4);
	/* 4 levels only: used even for a narrow width */
	KT_EXPECT_EQ(levels_for(PGT_SAGAW_48, 32, &w), 4);
	KT_EXPECT_EQ(w, 32);
	KT_EXPECT_EQ(levels_for(PGT_SAGAW_48, 57, &w), 4);
	KT_EXPECT_EQ(w, 48);
	/* neither (2- or 5-level only): unusable */
	KT_EXPECT_EQ(levels_for(0, 32, &w), PGT_EINVAL);
	KT_EXPECT_EQ(levels_for(0x1, 39, &w), PGT_EINVAL);
	KT_EXPECT_EQ(levels_for(0x8, 57, &w), PGT_EINVAL);
}

KTEST(pgtable_create_bad_config)
{
	struct tenv t;
	struct pgt *p;
	struct pgt_config cfg = {3, 0, 0, true, NULL, NULL, {0}};

	KT_ASSERT(tenv_init(&t, 3, 0, true));
	cfg.pages = t.pool;
	cfg.levels = 2;
	KT_EXPECT_EQ(pgt_create(&cfg, &p), PGT_EINVAL);
	cfg.levels = 3;
	cfg.addr_width = 40;
	KT_EXPECT_EQ(pgt_create(&cfg, &p), PGT_EINVAL);
	cfg.addr_width = 0;
	cfg.coherent = false; /* needs a flush */
	KT_EXPECT_EQ(pgt_create(&cfg, &p), PGT_EINVAL);
	cfg.coherent = true;
	cfg.superpages = 4;
	KT_EXPECT_EQ(pgt_create(&cfg, &p), PGT_EINVAL);
	tenv_fini(&t);
}
