/*
 * test_report_rec.c - the boot report record: encode and decode agree, the
 * CRC catches a changed byte, and bad magic, versions and lengths are
 * rejected with the error that names them; a newer writer's larger head and
 * units are still read.
 */
#include <string.h>

#include "crc32.h"
#include "ktest.h"
#include "report_rec.h"

static uint8_t buf[REPORT_MAX_BYTES + 64];

static void sample(struct report_rec *r, uint32_t units)
{
	memset(r, 0, sizeof(*r));
	r->head.tsc = 0x1122334455667788ull;
	r->head.boot_count = 7;
	r->head.table_bugs = 1u << 3;
	r->head.boot_path = REPORT_PATH_UEFI_DIRECT;
	r->head.overall = REPORT_FAIL;
	r->head.unit_count = (uint8_t)units;
	r->head.units_total = (uint16_t)units;
	r->head.units_tested = 1;
	for (uint32_t i = 0; i < units; i++) {
		r->units[i].reg_base = 0xfed90000ull + i * 0x1000;
		r->units[i].cap = 0x00d2008c22260206ull;
		r->units[i].ecap = 0xf00f5eull;
		r->units[i].ver = 0x10;
		r->units[i].fw_bugs = i;
		r->units[i].master_sid = (uint16_t)(0x0018 + i);
		r->units[i].verdict = (uint8_t)(i % REPORT_VERDICT_COUNT);
		r->units[i].reason = REPORT_R_DMA_MISMATCH;
		r->units[i].flags = REPORT_UNIT_ENABLED;
	}
}

/* Rewrite the CRC after a test changed the bytes on purpose. */
static void fix_crc(uint8_t *p, uint32_t total)
{
	uint32_t zero = 0, c;

	memcpy(p + 12, &zero, 4);
	c = crc32(p, total);
	memcpy(p + 12, &c, 4);
}

KTEST(report_crc32_known_value)
{
	KT_EXPECT_EQ(crc32("123456789", 9), 0xCBF43926u);
	KT_EXPECT_EQ(crc32("", 0), 0);
	KT_EXPECT_EQ(crc32_update(crc32("1234", 4), "56789", 5), 0xCBF43926u);
}

KTEST(report_rec_round_trip)
{
	struct report_rec in, out;
	int n;

	sample(&in, 3);
	n = report_rec_encode(&in, buf, sizeof(buf));
	KT_ASSERT_EQ(n, 40 + 3 * 40);
	KT_EXPECT_EQ(buf[0], 'I');
	KT_EXPECT_EQ(buf[3], 'P');
	KT_ASSERT_EQ(report_rec_decode(buf, (size_t)n, &out, NULL), 0);
	KT_EXPECT_EQ(out.head.version, REPORT_VERSION);
	KT_EXPECT_EQ(out.head.total_size, (uint32_t)n);
	KT_EXPECT_EQ(out.head.tsc, in.head.tsc);
	KT_EXPECT_EQ(out.head.boot_path, REPORT_PATH_UEFI_DIRECT);
	KT_EXPECT_EQ(out.head.overall, REPORT_FAIL);
	KT_EXPECT(memcmp(out.units, in.units, 3 * sizeof(in.units[0])) == 0);
}

KTEST(report_rec_no_units_and_full)
{
	struct report_rec in, out;
	int n;

	sample(&in, 0);
	n = report_rec_encode(&in, buf, sizeof(buf));
	KT_ASSERT_EQ(n, 40);
	KT_EXPECT_EQ(report_rec_decode(buf, 40, &out, NULL), 0);
	sample(&in, REPORT_MAX_UNITS);
	n = report_rec_encode(&in, buf, sizeof(buf));
	KT_ASSERT_EQ(n, (int)REPORT_MAX_BYTES);
	KT_EXPECT_EQ(report_rec_decode(buf, (size_t)n, &out, NULL), 0);
	KT_EXPECT_EQ(out.units[REPORT_MAX_UNITS - 1].master_sid, 0x18 + REPORT_MAX_UNITS - 1);
}

KTEST(report_rec_encode_limits)
{
	struct report_rec in;

	sample(&in, 2);
	KT_EXPECT_EQ(report_rec_encode(&in, buf, 119), REPORT_ENOSPC);
	KT_EXPECT_EQ(report_rec_encode(&in, buf, 120), 120);
	in.head.unit_count = REPORT_MAX_UNITS + 1;
	KT_EXPECT_EQ(report_rec_encode(&in, buf, sizeof(buf)), REPORT_EINVAL);
}

KTEST(report_rec_crc_catches_every_byte)
{
	struct report_rec in, out;
	struct report_error e;
	int n;

	sample(&in, 2);
	n = report_rec_encode(&in, buf, sizeof(buf));
	KT_ASSERT(n > 0);
	/* Any flipped bit outside the sizes (which fail earlier) is a CRC error. */
	for (int i = 16; i < n; i++) {
		if (i == 34 || i == 35) /* unit_count, unit_size */
			continue;
		buf[i] ^= 0x40;
		KT_EXPECT_EQ(report_rec_decode(buf, (size_t)n, &out, &e), REPORT_EBADCRC);
		buf[i] ^= 0x40;
	}
	KT_EXPECT(strstr(e.what, "CRC") != NULL);
	KT_EXPECT_EQ(report_rec_decode(buf, (size_t)n, &out, &e), 0);
}

KTEST(report_rec_rejects_magic_and_version)
{
	struct report_rec in, out;
	struct report_error e;
	int n;

	sample(&in, 1);
	n = report_rec_encode(&in, buf, sizeof(buf));
	buf[0] = 'X';
	KT_EXPECT_EQ(report_rec_decode(buf, (size_t)n, &out, &e), REPORT_EINVAL);
	KT_EXPECT(strstr(e.what, "magic") != NULL);
	buf[0] = 'I';
	buf[4] = 2; /* version 2, CRC made right so only the version is wrong */
	fix_crc(buf, (uint32_t)n);
	KT_EXPECT_EQ(report_rec_decode(buf, (size_t)n, &out, &e), REPORT_EVERSION);
	KT_EXPECT(strstr(e.what, "version") != NULL);
	KT_EXPECT_EQ(e.got, 2);
	KT_EXPECT_EQ(e.want, REPORT_VERSION);
	buf[4] = 0;
	fix_crc(buf, (uint32_t)n);
	KT_EXPECT_EQ(report_rec_decode(buf, (size_t)n, &out, &e), REPORT_EVERSION);
}

KTEST(report_rec_rejects_bad_lengths)
{
	struct report_rec in, out;
	struct report_error e;
	int n;

	sample(&in, 2);
	n = report_rec_encode(&in, buf, sizeof(buf));
	KT_EXPECT_EQ(report_rec_decode(buf, 39, &out, &e), REPORT_EINVAL);
	KT_EXPECT(strstr(e.what, "shorter") != NULL);
	/* Cut or padded: the record says 120, the buffer disagrees. */
	KT_EXPECT_EQ(report_rec_decode(buf, (size_t)n - 1, &out, &e), REPORT_EINVAL);
	KT_EXPECT_EQ(e.got, 120);
	KT_EXPECT_EQ(e.want, 119);
	KT_EXPECT_EQ(report_rec_decode(buf, (size_t)n + 8, &out, &e), REPORT_EINVAL);
	/* A unit count the total does not cover. */
	buf[34] = 3;
	fix_crc(buf, (uint32_t)n);
	KT_EXPECT_EQ(report_rec_decode(buf, (size_t)n, &out, &e), REPORT_EINVAL);
	KT_EXPECT(strstr(e.what, "total_size") != NULL);
	buf[34] = REPORT_MAX_UNITS + 1;
	fix_crc(buf, (uint32_t)n);
	KT_EXPECT_EQ(report_rec_decode(buf, (size_t)n, &out, &e), REPORT_EINVAL);
	buf[34] = 2;
	buf[6] = 32; /* head_size smaller than version 1's */
	fix_crc(buf, (uint32_t)n);
	KT_EXPECT_EQ(report_rec_decode(buf, (size_t)n, &out, &e), REPORT_EINVAL);
	KT_EXPECT(strstr(e.what, "head_size") != NULL);
	buf[6] = 40;
	buf[35] = 39;
	fix_crc(buf, (uint32_t)n);
	KT_EXPECT_EQ(report_rec_decode(buf, (size_t)n, &out, &e), REPORT_EINVAL);
	KT_EXPECT(strstr(e.what, "unit_size") != NULL);
}

/* A later writer appends 8 bytes to the head and 4 to each unit. */
KTEST(report_rec_reads_larger_sizes)
{
	struct report_rec in, out;
	uint8_t big[48 + 2 * 44];
	uint32_t total = sizeof(big);

	sample(&in, 2);
	KT_ASSERT(report_rec_encode(&in, buf, sizeof(buf)) == 120);
	memset(big, 0xEE, sizeof(big));
	memcpy(big, buf, 40);
	big[6] = 48;
	big[35] = 44;
	memcpy(big + 8, &total, 4);
	memcpy(big + 48, buf + 40, 40);
	memcpy(big + 48 + 44, buf + 80, 40);
	fix_crc(big, total);
	KT_ASSERT_EQ(report_rec_decode(big, total, &out, NULL), 0);
	KT_EXPECT(memcmp(out.units, in.units, 2 * sizeof(in.units[0])) == 0);
	KT_EXPECT_EQ(out.head.head_size, 48);
}

KTEST(report_rec_names)
{
	KT_EXPECT(strcmp(report_verdict_name(REPORT_UNTESTED), "untested") == 0);
	KT_EXPECT(strcmp(report_verdict_name(9), "unknown") == 0);
	KT_EXPECT(strcmp(report_reason_name(REPORT_R_NO_FAULT), "no-fault") == 0);
	KT_EXPECT(strcmp(report_reason_name(200), "unknown") == 0);
	KT_EXPECT(strcmp(report_path_name(REPORT_PATH_UEFI_GRUB), "uefi-grub") == 0);
}

/* Random damage: every outcome is a decoded record that encodes back to the
 * same bytes, or one of the documented errors; nothing is read past len. */
KTEST(report_rec_random_damage)
{
	static uint8_t copy[REPORT_MAX_BYTES];
	struct report_rec in, out;
	uint64_t seed = 0x5eed1234abcdull;
	int n, r, decoded = 0;

	sample(&in, 4);
	n = report_rec_encode(&in, buf, sizeof(buf));
	KT_ASSERT(n > 0);
	ktest_diag("seed %#llx", (unsigned long long)seed);
	for (int round = 0; round < 4000; round++) {
		uint64_t x = ktest_rand(&seed);
		size_t len = (size_t)n - (x % 3 == 0 ? (x >> 8) % 48 : 0);

		memcpy(copy, buf, (size_t)n);
		for (int k = 0; k < 1 + (int)((x >> 16) % 3); k++)
			copy[(x >> (20 + 8 * k)) % (uint64_t)n] ^= (uint8_t)(1u << ((x >> (44 + k)) & 7));
		if ((x >> 60) == 0)
			fix_crc(copy, (uint32_t)n);
		r = report_rec_decode(copy, len, &out, NULL);
		KT_EXPECT(r == 0 || r == REPORT_EINVAL || r == REPORT_EVERSION || r == REPORT_EBADCRC);
		if (r == 0) {
			decoded++;
			KT_EXPECT_EQ(report_rec_encode(&out, buf + n, sizeof(buf) - (size_t)n), len);
			KT_EXPECT(memcmp(buf + n, copy, len) == 0);
		}
	}
	ktest_diag("%d of 4000 damaged records still decoded", decoded);
}
