/*
 * pool_tsrc.c - the checking element source of pool_tsrc.h, built into the
 * host runner and the kernel like every file of tests/unit/.
 */
#include "pool_tsrc.h"

#include <string.h>

#include "ktest.h"
#include "plat.h"

bool tsrc_init(struct tsrc *src, uint32_t cap)
{
	memset(src, 0, sizeof(*src));
	src->cap = cap;
	src->stack = plat_malloc(cap * sizeof(uint32_t));
	src->out = plat_malloc(cap + 1u);
	if (!src->stack || !src->out) {
		tsrc_fini(src);
		return false;
	}
	memset(src->out, 0, cap + 1u);
	for (uint32_t i = 0; i < cap; i++)
		src->stack[i] = cap - i; /* id 1 on top */
	src->nfree = cap;
	return true;
}

void tsrc_fini(struct tsrc *src)
{
	plat_free(src->stack);
	plat_free(src->out);
	src->stack = NULL;
	src->out = NULL;
}

uint32_t tsrc_get(void *ctx, uint64_t *out, uint32_t n)
{
	struct tsrc *src = ctx;
	uint32_t i;

	src->get_calls++;
	if (src->on_call)
		src->on_call(src->on_call_arg);
	if (src->fail_all)
		return 0;
	if (src->fail_gets) {
		src->fail_gets--;
		return 0;
	}
	for (i = 0; i < n && src->nfree; i++) {
		uint32_t id = src->stack[--src->nfree];

		src->out[id] = 1;
		out[i] = id;
	}
	src->outstanding += i;
	return i;
}

void tsrc_put(void *ctx, const uint64_t *elems, uint32_t n)
{
	struct tsrc *src = ctx;

	src->put_calls++;
	if (src->on_call)
		src->on_call(src->on_call_arg);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t id = elems[i];

		if (id == 0 || id > src->cap || !src->out[id]) {
			src->errors++;
			continue;
		}
		src->out[id] = 0;
		src->stack[src->nfree++] = (uint32_t)id;
		src->outstanding--;
	}
}

struct pool_config tsrc_config(struct tsrc *src, uint32_t mag, uint32_t low,
			       uint32_t high)
{
	struct pool_config cfg = {
		.name = "test",
		.source = {tsrc_get, tsrc_put, src},
		.mag_size = mag,
		.low = low,
		.high = high,
	};
	return cfg;
}

void tsrc_check_conserved(const struct pool *pool, const struct tsrc *src)
{
	struct pool_stats st;

	pool_stats(pool, &st);
	KT_EXPECT_EQ(pool_count_free(pool) + st.in_use, st.fetched - st.returned);
	KT_EXPECT_EQ(src->outstanding, st.fetched - st.returned);
	KT_EXPECT_EQ(st.cached + st.depot_elems, pool_count_free(pool));
	KT_EXPECT_EQ(src->errors, 0);
	KT_EXPECT_EQ(pool_check(pool), 0);
}

void tsrc_finish(struct pool *pool, struct tsrc *src)
{
	tsrc_check_conserved(pool, src);
	pool_destroy(pool);
	KT_EXPECT_EQ(src->outstanding, 0);
	tsrc_fini(src);
}
