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

/* Every decoded item must lie inside the table the parser was given. */
static void fuzz_walk(const struct dmar_table *t)
{
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_struct s;

	while (dmar_next(t, &c, &s, NULL) > 0) {
		struct dmar_cursor sc = DMAR_CURSOR_INIT;
		struct dmar_scope d;

		PLAT_ASSERT(s.length >= 4 && s.offset + s.length <= t->len);
		PLAT_ASSERT(s.scope_len == 0 ||
			    s.scope_offset + s.scope_len == s.offset + s.length);
		if (s.object_name)
			PLAT_ASSERT((const uint8_t *)s.object_name + s.name_len <=
				    t->buf + t->len);
		while (dmar_scope_next(t, &s, &sc, &d, NULL) > 0)
			PLAT_ASSERT(d.path + 2u * d.path_len ==
				    t->buf + d.offset + d.length);
	}
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
	fuzz_walk(&t);
	n = dmar_check(&t, fuzz_warn, &t, &err);
	PLAT_ASSERT((rc < 0) == (n < 0));
	return 0;
}
