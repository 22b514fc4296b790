/*
 * test_pgtable_pagepool.c - the page-table page pool: elements are page
 * addresses, zeroed by the prepare hook before anyone can take them.
 */
#include <string.h>

#include "ktest.h"
#include "pgtable.h"
#include "pool.h"

KTEST(pgtable_pagepool_zeroed_pages)
{
	struct pool *p;
	uint64_t pa[4];
	static const uint8_t zero[4096];

	KT_ASSERT_EQ(pgt_page_pool_create("pgt-pool-test", &p), 0);
	KT_EXPECT(pool_maintain(p, 64) > 0);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_NOFETCH, pa, 4), 0);
	for (int i = 0; i < 4; i++) {
		KT_EXPECT_EQ(pa[i] & 0xfff, 0);
		KT_EXPECT_EQ(memcmp(plat_phys_to_virt(pa[i]), zero, 4096), 0);
	}
	pool_free_bulk(p, pa, 4);
	pool_destroy(p);
}
