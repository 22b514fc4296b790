/*
 * test_dmar_path.c - resolving DMAR device-scope paths through bridges, on a
 * topology described in the test: root port 00:1c.0 -> bus 2, bridge
 * 02:00.0 -> bus 3, endpoint 03:00.0.
 */
#include <stddef.h>

#include "ktest.h"
#include "dmar.h"

static int topology(void *ctx, struct dmar_bdf b)
{
	(void)ctx;
	if (b.bus == 0 && b.dev == 0x1c && b.fn == 0)
		return 2;
	if (b.bus == 2 && b.dev == 0 && b.fn == 0)
		return 3;
	return -1;
}

KTEST(dmar_path_through_two_bridges)
{
	static const uint8_t hops[] = {0x1c, 0, 0, 0, 0, 0};
	struct dmar_bdf out = {0, 0, 0, 0};
	const char *why = NULL;

	KT_ASSERT(dmar_resolve_path(0, 0, hops, 3, topology, NULL, &out, &why));
	KT_EXPECT_EQ(out.bus, 3);
	KT_EXPECT_EQ(out.dev, 0);
	KT_EXPECT_EQ(dmar_source_id(out), 0x0300);
	KT_ASSERT(dmar_resolve_path(0, 0, hops, 1, topology, NULL, &out, &why));
	KT_EXPECT_EQ(dmar_source_id(out), 0x00e0); /* the root port itself */
}

KTEST(dmar_path_rejects_bad_paths)
{
	static const uint8_t not_bridge[] = {0x02, 0, 0, 0};
	static const uint8_t bad_dev[] = {32, 0};
	static const uint8_t bad_fn[] = {1, 8};
	struct dmar_bdf out;
	const char *why = NULL;

	KT_EXPECT(!dmar_resolve_path(0, 0, not_bridge, 2, topology, NULL, &out, &why));
	KT_EXPECT(why != NULL);
	KT_EXPECT(!dmar_resolve_path(0, 0, bad_dev, 1, topology, NULL, &out, &why));
	KT_EXPECT(!dmar_resolve_path(0, 0, bad_fn, 1, topology, NULL, &out, &why));
	KT_EXPECT(!dmar_resolve_path(0, 0, bad_dev, 0, topology, NULL, &out, &why));
}
