/*
 * dmar_test.h - helpers shared by the DMAR parser tests: a 48-byte header for
 * byte-array tables, and an exact-size heap copy so overreads are caught.
 */
#ifndef DMAR_TEST_H
#define DMAR_TEST_H

#include <string.h>

#include "dmar.h"
#include "ktest.h"

/* ACPI + DMAR header [ACPI 5.2.6, VT-d 8.1] for a table of len bytes; the
 * checksum byte (9) is left 0 for dmar_test_copy to fix. */
#define DMAR_TEST_HDR(len)                                                  \
	'D', 'M', 'A', 'R', (len) & 0xff, ((len) >> 8) & 0xff, 0, 0,        \
	1, 0, 'T', 'E', 'S', 'T', 'O', 'E', 'U', 'N', 'I', 'T', 'T', 'E',   \
	'S', 'T', 1, 0, 0, 0, 'K', 'T', 'S', 'T', 1, 0, 0, 0, 38, 0x01,     \
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0

/* A heap copy of exactly n bytes (sanitizers catch reads past it) with the
 * checksum byte set so that all bytes sum to 0 when fix_sum. */
static inline uint8_t *dmar_test_copy(const uint8_t *src, size_t n, bool fix_sum)
{
	uint8_t *p = plat_malloc(n ? n : 1);
	uint8_t sum = 0;

	PLAT_ASSERT(p);
	memcpy(p, src, n);
	if (fix_sum && n > 9) {
		p[9] = 0;
		for (size_t i = 0; i < n; i++)
			sum = (uint8_t)(sum + p[i]);
		p[9] = (uint8_t)(0x100 - sum);
	}
	return p;
}

/* Open a copy of tbl and return dmar_open's result; *copy to be freed. */
static inline int dmar_test_open(struct dmar_table *t, const uint8_t *tbl,
				 size_t n, uint8_t **copy, struct dmar_error *err)
{
	*copy = dmar_test_copy(tbl, n, true);
	return dmar_open(t, *copy, n, err);
}

#endif /* DMAR_TEST_H */
