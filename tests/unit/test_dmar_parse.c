/*
 * test_dmar_parse.c - the DMAR parser on a sound table: every structure type
 * decoded field by field, device scopes with multi-hop paths, unknown types.
 */
#include "dmar_test.h"

/* One structure of each known type, offsets in the comments. */
static const uint8_t all_types[194] = {
	DMAR_TEST_HDR(194),
	/* 48 DRHD: INCLUDE_PCI_ALL, size 2, segment 0, base 0xfed91000 */
	0x00, 0x00, 24, 0x00, 0x01, 0x02, 0x00, 0x00,
	0x00, 0x10, 0xd9, 0xfe, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x08, 0x00, 0x00, 0x02, 0xf0, 0x1f, 0x00, /* 64 IOAPIC 2, f0:1f.0 */
	/* 72 RMRR: segment 1, 0x7c000000-0x7c7fffff */
	0x01, 0x00, 34, 0x00, 0x00, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x7c, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0x7f, 0x7c, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x03, /* 96 */
	/* 106 ATSR: ALL_PORTS, segment 0 */
	0x02, 0x00, 16, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x02, 0x08, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, /* 114 bridge 00:01.0 */
	/* 122 RHSA: base 0xfed91000, proximity domain 7 */
	0x03, 0x00, 20, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x10, 0xd9, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00,
	/* 142 ANDD: device 5, "\_SB.I2C0" padded with NULs */
	0x04, 0x00, 20, 0x00, 0x00, 0x00, 0x00, 0x05,
	'\\', '_', 'S', 'B', '.', 'I', '2', 'C', '0', 0, 0, 0,
	/* 162 SATC: ATC_REQUIRED, segment 0 */
	0x05, 0x00, 16, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
	/* 178 SIDP: segment 2, scope flags 0x1f */
	0x06, 0x00, 16, 0x00, 0x00, 0x00, 0x02, 0x00,
	0x01, 0x08, 0x1f, 0x00, 0x00, 0x00, 0x0b, 0x00,
};

KTEST(dmar_parse_header)
{
	struct dmar_table t;
	uint8_t *buf;

	KT_ASSERT_EQ(dmar_test_open(&t, all_types, sizeof(all_types), &buf, NULL), 0);
	KT_EXPECT_EQ(t.len, 194);
	KT_EXPECT_EQ(t.revision, 1);
	KT_EXPECT(t.checksum_ok);
	KT_EXPECT_EQ(t.host_addr_width, 38);
	KT_EXPECT_EQ(t.flags, DMAR_F_INTR_REMAP);
	KT_EXPECT(memcmp(t.oem_id, "TESTOE", 6) == 0);
	KT_EXPECT(memcmp(t.oem_table_id, "UNITTEST", 8) == 0);
	KT_EXPECT(memcmp(t.creator_id, "KTST", 4) == 0);
	plat_free(buf);
}

/* Next structure, which must exist and have the given type and offset. */
static bool next_is(const struct dmar_table *t, struct dmar_cursor *c,
		    struct dmar_struct *s, uint16_t type, uint32_t offset)
{
	struct dmar_error err;

	return dmar_next(t, c, s, &err) == 1 && s->type == type &&
	       s->offset == offset;
}

KTEST(dmar_parse_every_type)
{
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_table t;
	struct dmar_struct s;
	uint8_t *buf;

	KT_ASSERT_EQ(dmar_test_open(&t, all_types, sizeof(all_types), &buf, NULL), 0);
	KT_ASSERT(next_is(&t, &c, &s, DMAR_TYPE_DRHD, 48));
	KT_EXPECT_EQ(s.flags, DMAR_DRHD_F_INCLUDE_PCI_ALL);
	KT_EXPECT_EQ(s.size, 2);
	KT_EXPECT_EQ(s.register_base, 0xfed91000);
	KT_EXPECT_EQ(s.scope_offset, 64);
	KT_EXPECT_EQ(s.scope_len, 8);
	KT_ASSERT(next_is(&t, &c, &s, DMAR_TYPE_RMRR, 72));
	KT_EXPECT_EQ(s.segment, 1);
	KT_EXPECT_EQ(s.base, 0x7c000000);
	KT_EXPECT_EQ(s.limit, 0x7c7fffff);
	KT_ASSERT(next_is(&t, &c, &s, DMAR_TYPE_ATSR, 106));
	KT_EXPECT_EQ(s.flags, DMAR_ATSR_F_ALL_PORTS);
	KT_ASSERT(next_is(&t, &c, &s, DMAR_TYPE_RHSA, 122));
	KT_EXPECT_EQ(s.register_base, 0xfed91000);
	KT_EXPECT_EQ(s.proximity_domain, 7);
	KT_EXPECT_EQ(s.scope_len, 0);
	KT_ASSERT(next_is(&t, &c, &s, DMAR_TYPE_ANDD, 142));
	KT_EXPECT_EQ(s.device_number, 5);
	KT_ASSERT_EQ(s.name_len, 9);
	KT_EXPECT(memcmp(s.object_name, "\\_SB.I2C0", 9) == 0);
	KT_ASSERT(next_is(&t, &c, &s, DMAR_TYPE_SATC, 162));
	KT_EXPECT_EQ(s.flags, DMAR_SATC_F_ATC_REQUIRED);
	KT_ASSERT(next_is(&t, &c, &s, DMAR_TYPE_SIDP, 178));
	KT_EXPECT_EQ(s.segment, 2);
	KT_EXPECT_EQ(dmar_next(&t, &c, &s, NULL), 0);
	KT_EXPECT_EQ(dmar_next(&t, &c, &s, NULL), 0); /* the end stays the end */
	plat_free(buf);
}

KTEST(dmar_parse_scopes)
{
	struct dmar_cursor c = DMAR_CURSOR_INIT, sc = DMAR_CURSOR_INIT;
	struct dmar_table t;
	struct dmar_struct s;
	struct dmar_scope d;
	uint8_t *buf;

	KT_ASSERT_EQ(dmar_test_open(&t, all_types, sizeof(all_types), &buf, NULL), 0);
	KT_ASSERT_EQ(dmar_next(&t, &c, &s, NULL), 1);
	KT_ASSERT_EQ(dmar_scope_next(&t, &s, &sc, &d, NULL), 1);
	KT_EXPECT_EQ(d.type, DMAR_SCOPE_IOAPIC);
	KT_EXPECT_EQ(d.enumeration_id, 2);
	KT_EXPECT_EQ(d.start_bus, 0xf0);
	KT_ASSERT_EQ(d.path_len, 1);
	KT_EXPECT_EQ(dmar_scope_dev(&d, 0), 0x1f);
	KT_EXPECT_EQ(dmar_scope_fn(&d, 0), 0);
	KT_EXPECT_EQ(dmar_scope_next(&t, &s, &sc, &d, NULL), 0);
	/* RMRR: an endpoint behind a bridge, two hops 1c.0 -> 00.3 */
	sc = DMAR_CURSOR_INIT;
	KT_ASSERT_EQ(dmar_next(&t, &c, &s, NULL), 1);
	KT_ASSERT_EQ(dmar_scope_next(&t, &s, &sc, &d, NULL), 1);
	KT_EXPECT_EQ(d.offset, 96);
	KT_ASSERT_EQ(d.path_len, 2);
	KT_EXPECT_EQ(dmar_scope_dev(&d, 0), 0x1c);
	KT_EXPECT_EQ(dmar_scope_fn(&d, 1), 3);
	plat_free(buf);
}

/* Types 7 and 0x80 between known ones: skipped by their length. */
static const uint8_t unknown_types[48 + 16 + 12 + 4 + 24] = {
	DMAR_TEST_HDR(104),
	0x00, 0x00, 16, 0x00, 0x01, 0x00, 0x00, 0x00, /* 48 DRHD */
	0x00, 0x00, 0xd9, 0xfe, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x00, 12, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, /* 64 type 7 */
	0x80, 0x00, 4, 0x00,			      /* 76 type 0x80 */
	0x01, 0x00, 24, 0x00, 0x00, 0x00, 0x00, 0x00, /* 80 RMRR */
	0x00, 0x00, 0x00, 0x7c, 0x00, 0x00, 0x00, 0x00,
	0xff, 0x0f, 0x00, 0x7c, 0x00, 0x00, 0x00, 0x00,
};

static void count_warning(void *ctx, const struct dmar_warning *w)
{
	if (w->kind == DMAR_W_UNKNOWN_TYPE)
		++*(int *)ctx;
}

KTEST(dmar_parse_skips_unknown_types)
{
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_table t;
	struct dmar_struct s;
	uint8_t *buf;
	int unknown = 0;

	KT_ASSERT_EQ(dmar_test_open(&t, unknown_types, sizeof(unknown_types),
				    &buf, NULL), 0);
	KT_ASSERT(next_is(&t, &c, &s, DMAR_TYPE_DRHD, 48));
	KT_ASSERT(next_is(&t, &c, &s, 7, 64));
	KT_EXPECT_EQ(s.length, 12);
	KT_EXPECT_EQ(s.scope_len, 0);
	KT_ASSERT(next_is(&t, &c, &s, 0x80, 76));
	KT_ASSERT(next_is(&t, &c, &s, DMAR_TYPE_RMRR, 80));
	KT_EXPECT_EQ(dmar_next(&t, &c, &s, NULL), 0);
	KT_EXPECT_EQ(dmar_check(&t, count_warning, &unknown, NULL), 2);
	KT_EXPECT_EQ(unknown, 2);
	KT_EXPECT(strcmp(dmar_type_name(7), "unknown") == 0);
	plat_free(buf);
}

KTEST(dmar_parse_names)
{
	KT_EXPECT(strcmp(dmar_type_name(DMAR_TYPE_DRHD), "DRHD") == 0);
	KT_EXPECT(strcmp(dmar_type_name(DMAR_TYPE_SIDP), "SIDP") == 0);
	KT_EXPECT(strcmp(dmar_scope_type_name(DMAR_SCOPE_ENDPOINT), "endpoint") == 0);
	KT_EXPECT(strcmp(dmar_scope_type_name(DMAR_SCOPE_ACPI_NAMESPACE),
			 "acpi_namespace") == 0);
	KT_EXPECT(strcmp(dmar_scope_type_name(0), "unknown") == 0);
	KT_EXPECT(strcmp(dmar_scope_type_name(200), "unknown") == 0);
}
