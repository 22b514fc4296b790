/*
 * fuzz_dmar.c - libFuzzer target for the DMAR parser: open, iterate, check
 * and cross-check every yielded item against the bounds of the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dmar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_warn(void *ctx, const struct dmar_warning *w)
{
	const struct dmar_table *t = ctx;

	PLAT_ASSERT(w->text && w->offset < t->len);
}

/* The scopes of s lie inside it, back to back, and cover it when sound. */
static void fuzz_scopes(const struct dmar_table *t, const struct dmar_struct *s)
{
	struct dmar_cursor sc = DMAR_CURSOR_INIT;
	struct dmar_scope d;
	uint32_t end = s->scope_offset;
	int rc;

	while ((rc = dmar_scope_next(t, s, &sc, &d, NULL)) > 0) {
		PLAT_ASSERT(d.offset == end && d.length >= 6);
		PLAT_ASSERT(d.path + 2u * d.path_len == t->buf + d.offset + d.length);
		(void)dmar_scope_type_name(d.type);
		end += d.length;
	}
	PLAT_ASSERT(rc < 0 || end == s->scope_offset + s->scope_len);
}

/* Every decoded item lies inside the table, structures back to back and
 * covering it exactly when the walk ends without error; returns the DRHDs. */
static uint32_t fuzz_walk(const struct dmar_table *t)
{
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_struct s;
	uint32_t end = 48, drhds = 0;
	int rc;

	while ((rc = dmar_next(t, &c, &s, NULL)) > 0) {
		PLAT_ASSERT(s.offset == end && s.length >= 4);
		PLAT_ASSERT(s.offset + s.length <= t->len);
		PLAT_ASSERT(s.scope_len == 0 ||
			    s.scope_offset + s.scope_len == s.offset + s.length);
		if (s.object_name)
			PLAT_ASSERT((const uint8_t *)s.object_name + s.name_len <=
				    t->buf + s.offset + s.length);
		if (s.type == DMAR_TYPE_DRHD)
			drhds += dmar_drhd_reg_bytes(&s) >= 4096;
		(void)dmar_type_name(s.type);
		fuzz_scopes(t, &s);
		end += s.length;
	}
	PLAT_ASSERT(rc < 0 || end == t->len);
	return drhds;
}

/* dmar_next_type sees the same DRHDs as the full walk. */
static uint32_t fuzz_count_drhds(const struct dmar_table *t)
{
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_struct s;
	uint32_t n = 0;

	while (dmar_next_type(t, &c, DMAR_TYPE_DRHD, &s, NULL) > 0)
		n++;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmar_table t;
	struct dmar_error err;
	int rc, n;

	memset(&err, 0, sizeof(err));
	rc = dmar_open(&t, data, size, &err);
	if (rc < 0) {
		PLAT_ASSERT(err.code == rc && err.reason);
		if (!t.buf)
			return 0;
	}
	PLAT_ASSERT(fuzz_walk(&t) == fuzz_count_drhds(&t));
	n = dmar_check(&t, fuzz_warn, &t, &err);
	PLAT_ASSERT((rc < 0) == (n < 0));
	return 0;
}
