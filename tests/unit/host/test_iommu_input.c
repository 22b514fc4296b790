/*
 * test_iommu_input.c - what iommu_init and the API do with bad input:
 * bad arguments and options, DMAR bytes that do not parse (truncated, a
 * length beyond the bytes, a zero-length structure, a bad checksum), a
 * DRHD whose base is zero, the layer used before it is up, and shutdown
 * with a domain left.
 */
#include <string.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"

KTEST(iommu_input_bad_arguments)
{
	struct fx f;
	struct iommu_domain *d;
	struct iommu_dmar_table empty = {NULL, 0};
	uint64_t iova;

	KT_EXPECT_EQ(iommu_init(NULL, 1, NULL), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_init(&empty, 1, NULL), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_domain_create(0, &d), IOMMU_ENODEV); /* not up */
	KT_EXPECT_EQ(iommu_unit_count(), 0);
	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(iommu_domain_create(0x80, &d), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_domain_create(0, NULL), IOMMU_EINVAL);
	KT_ASSERT_EQ(iommu_domain_create(0, &d), 0);
	KT_EXPECT_EQ(iommu_attach(d, 0, 0, 32, 0), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_attach(d, 0, 0, 1, 8), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_attach(d, 7, 0, 1, 0), IOMMU_ENODEV);
	KT_EXPECT_EQ(iommu_attach(NULL, 0, 0, 1, 0), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_detach(0, 0xEE, 0, 0), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_dma_map(d, 0x2000, 0x1000, IOMMU_READ, 0, &iova), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_dma_map(d, 0x2000, 0x1000, 0, ~0ull, &iova), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_dma_unmap(d, 0x5000, 0x1000), IOMMU_ENOENT);
	/* Shutdown refuses while a domain is left, and changes nothing. */
	KT_EXPECT_EQ(iommu_shutdown(), IOMMU_EBUSY);
	KT_EXPECT(iommu_active());
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(NULL), IOMMU_EINVAL);
	fx_down(&f);
}

/* No usable table: 0 units, nothing on, and the info says why. */
static void expect_refused(const uint8_t *bytes, size_t len, bool sound)
{
	struct iommu_dmar_table t = {bytes, len};
	struct iommu_dmar_info info;

	KT_EXPECT_EQ(iommu_init(&t, 1, NULL), 0);
	iommu_dmar_info(&info);
	KT_EXPECT(info.found);
	KT_EXPECT_EQ(info.sound, sound);
	KT_EXPECT(!iommu_active());
	KT_EXPECT_EQ(iommu_unit_count(), 0);
	KT_EXPECT_EQ(iommu_shutdown(), 0);
}

KTEST(iommu_input_bad_dmar_bytes)
{
	struct fx f;
	uint8_t *t;
	size_t n;

	fx_config(&f, 1);
	KT_ASSERT_EQ(vtd_host_add(&f.unit[0], FX_BASE, &f.cfg[0]), 0);
	dmarb_begin(&f.dmar, 48, 0);
	dmarb_drhd(&f.dmar, FX_BASE, 0, true);
	n = f.dmar.len;
	t = plat_malloc(n);
	KT_ASSERT(t != NULL);
	/* Shorter than its header says. */
	memcpy(t, f.dmar.buf, n);
	expect_refused(t, n - 4, false);
	/* Its length field beyond the bytes. */
	t[4] = (uint8_t)(n + 16);
	expect_refused(t, n, false);
	/* A structure of length zero. */
	memcpy(t, f.dmar.buf, n);
	t[48 + 2] = 0;
	t[48 + 3] = 0;
	expect_refused(t, n, false);
	/* Not a DMAR at all. */
	memcpy(t, f.dmar.buf, n);
	t[0] = 'X';
	expect_refused(t, n, false);
	/* A DRHD at base 0: parsed, but no unit. */
	dmarb_begin(&f.dmar, 48, 0);
	dmarb_drhd(&f.dmar, 0, 0, true);
	memcpy(t, f.dmar.buf, f.dmar.len);
	expect_refused(t, f.dmar.len, true);
	/* A table index past the tables given: none used. */
	{
		struct iommu_dmar_table tt = {t, f.dmar.len};
		struct iommu_options o = {.table = 3};
		struct iommu_dmar_info info;

		KT_EXPECT_EQ(iommu_init(&tt, 1, &o), 0);
		iommu_dmar_info(&info);
		KT_EXPECT(!info.found);
		KT_EXPECT_EQ(info.table_count, 1);
		KT_EXPECT_EQ(iommu_shutdown(), 0);
	}
	plat_free(t);
	vtd_host_remove(&f.unit[0]);
}

/* A bad checksum is a firmware bug, not a reason to refuse: counted. */
KTEST(iommu_input_bad_checksum_still_used)
{
	struct fx f;
	struct iommu_dmar_info info;
	struct iommu_dmar_table t;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(iommu_shutdown(), 0);
	f.table[9] ^= 0x5A;
	t = (struct iommu_dmar_table){f.table, f.table_len};
	KT_EXPECT_EQ(iommu_init(&t, 1, NULL), 1);
	iommu_dmar_info(&info);
	KT_EXPECT(info.sound);
	KT_EXPECT(!info.checksum_ok);
	KT_EXPECT(info.warnings > 0);
	fx_down(&f);
}

/* The queries on a table of two units and an RMRR. */
KTEST(iommu_input_queries)
{
	struct fx f;
	struct iommu_dmar_info info;
	struct iommu_dmar_unit du;
	struct iommu_unit_info ui;
	struct iommu_rmrr r;

	fx_config(&f, 2);
	dmarb_begin(&f.dmar, 48, 1);
	dmarb_drhd(&f.dmar, FX_BASE, 0, false);
	dmarb_endpoint(&f.dmar, 0, 2, 0);
	dmarb_drhd(&f.dmar, FX_BASE + FX_STRIDE, 0, true);
	dmarb_rmrr(&f.dmar, 0, 0x7000000, 0x700FFFF);
	dmarb_endpoint(&f.dmar, 0, 0x1D, 0);
	KT_ASSERT(fx_up(&f));
	iommu_dmar_info(&info);
	KT_EXPECT(info.found && info.sound && info.checksum_ok);
	KT_EXPECT_EQ(info.host_address_width, 48);
	KT_EXPECT_EQ(info.drhd_count, 2);
	KT_EXPECT_EQ(info.rmrr_count, 1);
	KT_EXPECT_EQ(info.unit_count, 2);
	KT_ASSERT_EQ(iommu_dmar_unit(1, &du), 0);
	KT_EXPECT_EQ(du.reg_base, FX_BASE + FX_STRIDE);
	KT_EXPECT(du.include_all);
	KT_EXPECT_EQ(du.unit, 1);
	KT_EXPECT_EQ(iommu_dmar_unit(2, &du), IOMMU_ENOENT);
	KT_ASSERT_EQ(iommu_unit_info(0, &ui), 0);
	KT_EXPECT_EQ(ui.reg_base, FX_BASE);
	KT_EXPECT_EQ(ui.cap, f.cfg[0].cap);
	KT_EXPECT(ui.translating && ui.queued);
	KT_EXPECT_EQ(iommu_unit_info(2, &ui), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_unit_of(0, 0, 2, 0), 0);
	KT_EXPECT_EQ(iommu_unit_of(0, 0, 2, 1), 1);
	KT_ASSERT_EQ(iommu_rmrr_at(0, &r), 0);
	KT_EXPECT_EQ(r.base, 0x7000000);
	KT_EXPECT_EQ(r.limit, 0x700FFFF);
	KT_EXPECT_EQ(r.dev, 0x1D);
	KT_EXPECT_EQ(iommu_rmrr_at(1, &r), IOMMU_ENOENT);
	fx_down(&f);
}
