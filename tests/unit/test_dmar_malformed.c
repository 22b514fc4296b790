/*
 * test_dmar_malformed.c - malformed DMAR tables are rejected with the right
 * code, offset, structure and reason, and never read outside the buffer.
 */
#include "dmar_test.h"

/* Open a copy of tbl (checksum fixed) and check the rejection it gives. */
static void expect_reject(const uint8_t *tbl, size_t n, int code,
			  uint32_t offset, int32_t structure, const char *reason)
{
	struct dmar_error err = {0, 0, 0, NULL};
	struct dmar_table t;
	uint8_t *buf = dmar_test_copy(tbl, n, n >= 48);

	KT_EXPECT_EQ(dmar_open(&t, buf, n, &err), code);
	KT_EXPECT_EQ(err.code, code);
	KT_EXPECT_EQ(err.offset, offset);
	KT_EXPECT_EQ(err.structure, structure);
	KT_EXPECT(err.reason && strcmp(err.reason, reason) == 0);
	if (err.reason && strcmp(err.reason, reason) != 0)
		ktest_diag("reason: %s", err.reason);
	plat_free(buf);
}

/* A DRHD head (16 bytes) with length len, INCLUDE_PCI_ALL, base 0xfed90000. */
#define DRHD_HEAD(len) 0x00, 0x00, (len), 0x00, 0x01, 0x00, 0x00, 0x00, \
	0x00, 0x00, 0xd9, 0xfe, 0x00, 0x00, 0x00, 0x00

KTEST(dmar_malformed_truncated_header)
{
	static const uint8_t tbl[20] = {'D', 'M', 'A', 'R', 48, 0, 0, 0};

	expect_reject(tbl, sizeof(tbl), DMAR_ETRUNC, 20, -1,
		      "buffer shorter than the 48-byte DMAR header");
	expect_reject(tbl, 0, DMAR_ETRUNC, 0, -1,
		      "buffer shorter than the 48-byte DMAR header");
}

KTEST(dmar_malformed_signature)
{
	uint8_t tbl[48] = {DMAR_TEST_HDR(48)};

	tbl[3] = 'X';
	expect_reject(tbl, sizeof(tbl), DMAR_EINVAL, 0, -1, "signature is not DMAR");
}

KTEST(dmar_malformed_length_past_buffer)
{
	static const uint8_t tbl[48 + 16] = {DMAR_TEST_HDR(65), DRHD_HEAD(16)};

	expect_reject(tbl, sizeof(tbl), DMAR_EOVERFLOW, 4, -1,
		      "header length runs past the end of the buffer");
}

KTEST(dmar_malformed_length_below_header)
{
	static const uint8_t tbl[48] = {DMAR_TEST_HDR(40)};

	expect_reject(tbl, sizeof(tbl), DMAR_EINVAL, 4, -1,
		      "header length shorter than the DMAR header");
}

KTEST(dmar_malformed_bytes_after_length_ignored)
{
	static const uint8_t tbl[48 + 4] = {DMAR_TEST_HDR(48), 0, 0, 0, 0};
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_table t;
	struct dmar_struct s;
	uint8_t *buf = dmar_test_copy(tbl, sizeof(tbl), true);

	KT_ASSERT_EQ(dmar_open(&t, buf, sizeof(tbl), NULL), 0);
	KT_EXPECT_EQ(t.len, 48);
	KT_EXPECT_EQ(dmar_next(&t, &c, &s, NULL), 0);
	plat_free(buf);
}

KTEST(dmar_malformed_zero_length_structure)
{
	static const uint8_t tbl[48 + 16] = {DMAR_TEST_HDR(64), 0x01, 0x00, 0x00, 0x00};

	expect_reject(tbl, sizeof(tbl), DMAR_EINVAL, 48, DMAR_TYPE_RMRR,
		      "zero-length structure");
}

KTEST(dmar_malformed_structure_past_table)
{
	static const uint8_t tbl[48 + 16 + 8] = {DMAR_TEST_HDR(72), DRHD_HEAD(16),
						 0x00, 0x00, 16, 0x00, 0, 0, 0, 0};

	expect_reject(tbl, sizeof(tbl), DMAR_ETRUNC, 64, DMAR_TYPE_DRHD,
		      "structure runs past the end of the table");
}

KTEST(dmar_malformed_structure_head_cut)
{
	static const uint8_t tbl[48 + 2] = {DMAR_TEST_HDR(50), 0x00, 0x00};

	expect_reject(tbl, sizeof(tbl), DMAR_ETRUNC, 48, -1,
		      "table ends inside a structure's type/length head");
}

KTEST(dmar_malformed_structure_too_short)
{
	static const uint8_t rmrr16[48 + 16] = {DMAR_TEST_HDR(64), 0x01, 0x00, 16};
	static const uint8_t len2[48 + 8] = {DMAR_TEST_HDR(56), 0x09, 0x00, 2};

	expect_reject(rmrr16, sizeof(rmrr16), DMAR_EINVAL, 48, DMAR_TYPE_RMRR,
		      "structure length shorter than its fixed fields");
	expect_reject(len2, sizeof(len2), DMAR_EINVAL, 48, 9,
		      "structure length shorter than its type/length head");
}

KTEST(dmar_malformed_out_of_order)
{
	static const uint8_t tbl[48 + 24 + 16] = {
		DMAR_TEST_HDR(88),
		0x01, 0x00, 24, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x7c, 0, 0, 0, 0,
		0xff, 0x0f, 0, 0x7c, 0, 0, 0, 0, DRHD_HEAD(16)};

	expect_reject(tbl, sizeof(tbl), DMAR_EINVAL, 72, DMAR_TYPE_DRHD,
		      "structure out of order (types must ascend)");
}

KTEST(dmar_malformed_scope_past_structure)
{
	static const uint8_t tbl[48 + 24] = {DMAR_TEST_HDR(72), DRHD_HEAD(24),
					     0x03, 16, 0, 0, 2, 0xf0, 0x1f, 0x00};

	expect_reject(tbl, sizeof(tbl), DMAR_ETRUNC, 64, DMAR_TYPE_DRHD,
		      "device scope runs past the end of its structure");
}

KTEST(dmar_malformed_scope_short)
{
	static const uint8_t len4[48 + 24] = {DMAR_TEST_HDR(72), DRHD_HEAD(24),
					      0x03, 4, 0, 0, 0x03, 4, 0, 0};
	static const uint8_t len0[48 + 24] = {DMAR_TEST_HDR(72), DRHD_HEAD(24),
					      0x03, 0};
	static const uint8_t cut[48 + 17] = {DMAR_TEST_HDR(65), DRHD_HEAD(17), 0x03};

	expect_reject(len4, sizeof(len4), DMAR_EINVAL, 64, DMAR_TYPE_DRHD,
		      "device scope length shorter than 6");
	expect_reject(len0, sizeof(len0), DMAR_EINVAL, 64, DMAR_TYPE_DRHD,
		      "zero-length device scope");
	expect_reject(cut, sizeof(cut), DMAR_ETRUNC, 64, DMAR_TYPE_DRHD,
		      "structure ends inside a device scope's type/length");
}

KTEST(dmar_malformed_scope_odd_path)
{
	static const uint8_t tbl[48 + 23] = {DMAR_TEST_HDR(71), DRHD_HEAD(23),
					     0x01, 7, 0, 0, 0, 0, 0x02};

	expect_reject(tbl, sizeof(tbl), DMAR_EINVAL, 64, DMAR_TYPE_DRHD,
		      "device scope path has an odd byte count");
}

static void count_bad_sum(void *ctx, const struct dmar_warning *w)
{
	if (w->kind == DMAR_W_BAD_CHECKSUM && w->offset == 9)
		++*(int *)ctx;
}

/* A wrong checksum on a sound table is recorded and warned about, not fatal. */
KTEST(dmar_malformed_bad_checksum_warns)
{
	static const uint8_t tbl[48 + 16] = {DMAR_TEST_HDR(64), DRHD_HEAD(16)};
	uint8_t *buf = dmar_test_copy(tbl, sizeof(tbl), true);
	struct dmar_table t;
	int bad = 0;

	buf[9]++;
	KT_ASSERT_EQ(dmar_open(&t, buf, sizeof(tbl), NULL), 0);
	KT_EXPECT(!t.checksum_ok);
	KT_EXPECT_EQ(dmar_check(&t, count_bad_sum, &bad, NULL), 1);
	KT_EXPECT_EQ(bad, 1);
	plat_free(buf);
}

/* After a failed open the sound prefix is still listed, then the error. */
KTEST(dmar_malformed_prefix_then_error)
{
	static const uint8_t tbl[48 + 16 + 8] = {DMAR_TEST_HDR(72), DRHD_HEAD(16),
						 0x01, 0x00, 0x00, 0x00};
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_error err;
	struct dmar_table t;
	struct dmar_struct s;
	uint8_t *buf = dmar_test_copy(tbl, sizeof(tbl), true);

	KT_ASSERT_EQ(dmar_open(&t, buf, sizeof(tbl), NULL), DMAR_EINVAL);
	KT_ASSERT_EQ(dmar_next(&t, &c, &s, &err), 1);
	KT_EXPECT_EQ(s.type, DMAR_TYPE_DRHD);
	KT_EXPECT_EQ(dmar_next(&t, &c, &s, &err), DMAR_EINVAL);
	KT_EXPECT_EQ(err.offset, 64);
	KT_EXPECT_EQ(dmar_check(&t, NULL, NULL, NULL), DMAR_EINVAL);
	plat_free(buf);
}

/* A failed header leaves nothing to iterate. */
KTEST(dmar_malformed_header_leaves_table_empty)
{
	static const uint8_t tbl[48] = {DMAR_TEST_HDR(49)};
	struct dmar_table t;
	uint8_t *buf = dmar_test_copy(tbl, sizeof(tbl), true);

	KT_EXPECT_EQ(dmar_open(&t, buf, sizeof(tbl), NULL), DMAR_EOVERFLOW);
	KT_EXPECT(t.buf == NULL && t.len == 0);
	KT_EXPECT_EQ(dmar_check(&t, NULL, NULL, NULL), DMAR_EINVAL);
	plat_free(buf);
}
