/*
 * test_dmar_check.c - the semantic checks: each firmware bug is named once,
 * at the right structure, and a sound table gives no warning.
 */
#include "dmar_test.h"

/* A DRHD with one scope (24 bytes): flags, segment, base bits 31:8, scope. */
#define DRHD1(flags, seg, b1, b2, b3, stype, dev)                          \
	0x00, 0x00, 24, 0x00, (flags), 0x00, (seg), 0x00,                  \
	0x00, (b1), (b2), (b3), 0x00, 0x00, 0x00, 0x00,                    \
	(stype), 8, 0, 0, 0, 0, (dev), 0
/* An RMRR without scopes (24 bytes): base and limit bits 31:0. */
#define RMRR0(b0, b1, b2, b3, l0, l1, l2, l3)                              \
	0x01, 0x00, 24, 0x00, 0, 0, 0, 0, (b0), (b1), (b2), (b3), 0, 0, 0, 0, \
	(l0), (l1), (l2), (l3), 0, 0, 0, 0

#define MAX_SEEN 16

struct seen {
	int n;
	enum dmar_warn_kind kind[MAX_SEEN];
	uint32_t offset[MAX_SEEN];
	uint32_t other[MAX_SEEN];
};

static void record(void *ctx, const struct dmar_warning *w)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEEN) {
		s->kind[s->n] = w->kind;
		s->offset[s->n] = w->offset;
		s->other[s->n] = w->other;
	}
	s->n++;
}

/* Open a copy of tbl and run the checks into *seen; returns dmar_check's. */
static int check(const uint8_t *tbl, size_t n, struct seen *seen)
{
	struct dmar_table t;
	uint8_t *buf;
	int rc;

	memset(seen, 0, sizeof(*seen));
	rc = dmar_test_open(&t, tbl, n, &buf, NULL);
	if (rc == 0)
		rc = dmar_check(&t, record, seen, NULL);
	plat_free(buf);
	return rc;
}

static bool saw(const struct seen *s, int i, enum dmar_warn_kind kind,
		uint32_t offset, uint32_t other)
{
	return i < s->n && s->kind[i] == kind && s->offset[i] == offset &&
	       s->other[i] == other;
}

KTEST(dmar_check_sound_table_is_quiet)
{
	static const uint8_t tbl[48 + 48 + 24] = {
		DMAR_TEST_HDR(120),
		DRHD1(0, 0, 0x00, 0xd9, 0xfe, DMAR_SCOPE_ENDPOINT, 2),
		DRHD1(1, 0, 0x10, 0xd9, 0xfe, DMAR_SCOPE_IOAPIC, 0x1f),
		RMRR0(0, 0, 0, 0x7c, 0xff, 0xff, 0x7f, 0x7c)};
	struct seen s;

	KT_EXPECT_EQ(check(tbl, sizeof(tbl), &s), 0);
	KT_EXPECT_EQ(s.n, 0);
}

KTEST(dmar_check_drhd_base)
{
	static const uint8_t tbl[48 + 72] = {
		DMAR_TEST_HDR(120),
		DRHD1(0, 0, 0x00, 0x00, 0x00, DMAR_SCOPE_ENDPOINT, 2), /* 48: 0 */
		DRHD1(0, 0, 0x08, 0xd9, 0xfe, DMAR_SCOPE_ENDPOINT, 3), /* 72 */
		DRHD1(0, 1, 0x08, 0xd9, 0xfe, DMAR_SCOPE_ENDPOINT, 4)}; /* 96 */
	struct seen s;

	KT_EXPECT_EQ(check(tbl, sizeof(tbl), &s), 4);
	KT_EXPECT(saw(&s, 0, DMAR_W_DRHD_BASE_ZERO, 48, 0));
	KT_EXPECT(saw(&s, 1, DMAR_W_DRHD_BASE_UNALIGNED, 72, 0));
	KT_EXPECT(saw(&s, 2, DMAR_W_DRHD_BASE_UNALIGNED, 96, 0));
	/* Same base even across segments: two units cannot share registers. */
	KT_EXPECT(saw(&s, 3, DMAR_W_DRHD_BASE_DUPLICATE, 96, 72));
}

KTEST(dmar_check_include_all_order)
{
	static const uint8_t tbl[48 + 96] = {
		DMAR_TEST_HDR(144),
		DRHD1(1, 0, 0x00, 0xd9, 0xfe, DMAR_SCOPE_IOAPIC, 0x1f), /* 48 */
		DRHD1(0, 1, 0x10, 0xd9, 0xfe, DMAR_SCOPE_ENDPOINT, 2), /* 72 seg 1 */
		DRHD1(0, 0, 0x20, 0xd9, 0xfe, DMAR_SCOPE_ENDPOINT, 3), /* 96 */
		DRHD1(1, 0, 0x30, 0xd9, 0xfe, DMAR_SCOPE_HPET, 0x0f)}; /* 120 */
	struct seen s;

	KT_EXPECT_EQ(check(tbl, sizeof(tbl), &s), 3);
	KT_EXPECT(saw(&s, 0, DMAR_W_INCLUDE_ALL_NOT_LAST, 48, 96));
	KT_EXPECT(saw(&s, 1, DMAR_W_INCLUDE_ALL_TWICE, 120, 48));
	KT_EXPECT(saw(&s, 2, DMAR_W_INCLUDE_ALL_NOT_LAST, 48, 120));
}

KTEST(dmar_check_include_all_per_segment)
{
	/* One INCLUDE_PCI_ALL unit last on each of two segments: fine. */
	static const uint8_t tbl[48 + 72] = {
		DMAR_TEST_HDR(120),
		DRHD1(1, 1, 0x00, 0xd9, 0xfe, DMAR_SCOPE_IOAPIC, 0x1f),
		DRHD1(0, 0, 0x10, 0xd9, 0xfe, DMAR_SCOPE_ENDPOINT, 2),
		DRHD1(1, 0, 0x20, 0xd9, 0xfe, DMAR_SCOPE_IOAPIC, 0x1e)};
	struct seen s;

	KT_EXPECT_EQ(check(tbl, sizeof(tbl), &s), 0);
}

KTEST(dmar_check_include_all_scopes)
{
	static const uint8_t tbl[48 + 72] = {
		DMAR_TEST_HDR(120),
		DRHD1(1, 0, 0x00, 0xd9, 0xfe, DMAR_SCOPE_ENDPOINT, 2),
		DRHD1(1, 1, 0x10, 0xd9, 0xfe, DMAR_SCOPE_BRIDGE, 3),
		DRHD1(1, 2, 0x20, 0xd9, 0xfe, DMAR_SCOPE_ACPI_NAMESPACE, 0x15)};
	struct seen s;

	KT_EXPECT_EQ(check(tbl, sizeof(tbl), &s), 2);
	KT_EXPECT(saw(&s, 0, DMAR_W_INCLUDE_ALL_SCOPE, 64, 48));
	KT_EXPECT(saw(&s, 1, DMAR_W_INCLUDE_ALL_SCOPE, 88, 72));
}

KTEST(dmar_check_rmrr)
{
	static const uint8_t tbl[48 + 96] = {
		DMAR_TEST_HDR(144),
		DRHD1(1, 0, 0x00, 0xd9, 0xfe, DMAR_SCOPE_IOAPIC, 0x1f),
		RMRR0(0, 0x10, 0, 0x7c, 0xff, 0x0f, 0, 0x7c), /* 72: limit < base */
		RMRR0(0, 0x08, 0, 0x7c, 0xff, 0x1f, 0, 0x7c), /* 96: base unaligned */
		RMRR0(0, 0x00, 0, 0x7c, 0xfe, 0x1f, 0, 0x7c)}; /* 120: end unaligned */
	struct seen s;

	KT_EXPECT_EQ(check(tbl, sizeof(tbl), &s), 3);
	KT_EXPECT(saw(&s, 0, DMAR_W_RMRR_LIMIT_BELOW_BASE, 72, 0));
	KT_EXPECT(saw(&s, 1, DMAR_W_RMRR_UNALIGNED, 96, 0));
	KT_EXPECT(saw(&s, 2, DMAR_W_RMRR_UNALIGNED, 120, 0));
}

KTEST(dmar_check_scope_oddities)
{
	static const uint8_t tbl[48 + 28] = {
		DMAR_TEST_HDR(76),
		0x00, 0x00, 28, 0x00, 0, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
		9, 6, 0, 0, 0, 0,		/* 64: type 9, empty path */
		DMAR_SCOPE_ENDPOINT, 6, 0, 0, 0, 0};	/* 70: empty path */
	struct seen s;

	KT_EXPECT_EQ(check(tbl, sizeof(tbl), &s), 3);
	KT_EXPECT(saw(&s, 0, DMAR_W_SCOPE_UNKNOWN_TYPE, 64, 48));
	KT_EXPECT(saw(&s, 1, DMAR_W_SCOPE_EMPTY_PATH, 64, 48));
	KT_EXPECT(saw(&s, 2, DMAR_W_SCOPE_EMPTY_PATH, 70, 48));
}

KTEST(dmar_check_next_type)
{
	static const uint8_t tbl[48 + 72] = {
		DMAR_TEST_HDR(120),
		DRHD1(0, 0, 0x00, 0xd9, 0xfe, DMAR_SCOPE_ENDPOINT, 2),
		RMRR0(0, 0, 0, 0x7c, 0xff, 0xff, 0x7f, 0x7c),
		RMRR0(0, 0, 0, 0x7d, 0xff, 0xff, 0x7f, 0x7d)};
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_table t;
	struct dmar_struct s;
	uint8_t *buf;

	KT_ASSERT_EQ(dmar_test_open(&t, tbl, sizeof(tbl), &buf, NULL), 0);
	KT_EXPECT_EQ(dmar_next_type(&t, &c, DMAR_TYPE_RMRR, &s, NULL), 1);
	KT_EXPECT_EQ(s.offset, 72);
	KT_EXPECT_EQ(dmar_next_type(&t, &c, DMAR_TYPE_RMRR, &s, NULL), 1);
	KT_EXPECT_EQ(s.base, 0x7d000000);
	KT_EXPECT_EQ(dmar_next_type(&t, &c, DMAR_TYPE_RMRR, &s, NULL), 0);
	c = DMAR_CURSOR_INIT;
	KT_EXPECT_EQ(dmar_next_type(&t, &c, DMAR_TYPE_DRHD, &s, NULL), 1);
	KT_EXPECT_EQ(dmar_drhd_reg_bytes(&s), 4096);
	plat_free(buf);
}

KTEST(dmar_check_warn_names)
{
	KT_EXPECT(strcmp(dmar_warn_name(DMAR_W_BAD_CHECKSUM), "bad_checksum") == 0);
	KT_EXPECT(strcmp(dmar_warn_name(DMAR_W_SCOPE_EMPTY_PATH),
			 "scope_empty_path") == 0);
	for (int k = 0; k < DMAR_W_COUNT; k++)
		KT_EXPECT(strcmp(dmar_warn_name((enum dmar_warn_kind)k), "unknown") != 0);
	KT_EXPECT(strcmp(dmar_warn_name(DMAR_W_COUNT), "unknown") == 0);
}

KTEST(dmar_check_drhd_regs_overlap)
{
	/* 48: 64 KiB of registers (size 4) at 0xfed80000; 72 starts inside
	 * them; 96 is adjacent to 48's set and does not overlap. */
	static const uint8_t tbl[48 + 72] = {
		DMAR_TEST_HDR(120),
		0x00, 0x00, 24, 0x00, 0, 4, 0, 0, 0, 0, 0xd8, 0xfe, 0, 0, 0, 0,
		DMAR_SCOPE_ENDPOINT, 8, 0, 0, 0, 0, 2, 0,
		DRHD1(0, 0, 0xf0, 0xd8, 0xfe, DMAR_SCOPE_ENDPOINT, 3),
		DRHD1(1, 0, 0x00, 0xd9, 0xfe, DMAR_SCOPE_IOAPIC, 0x1f)};
	struct seen s;

	KT_EXPECT_EQ(check(tbl, sizeof(tbl), &s), 1);
	KT_EXPECT(saw(&s, 0, DMAR_W_DRHD_REGS_OVERLAP, 72, 48));
}
