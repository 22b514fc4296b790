/*
 * pgt_test.c - the helpers of pgt_test.h, built into the host runner and the
 * kernel like every file of tests/unit/.
 */
#include "pgt_test.h"

#include <string.h>

#include "ktest.h"
#include "plat.h"

/* --- the counting page source ----------------------------------------------- */

static uint32_t tp_get(void *ctx, uint64_t *out, uint32_t n)
{
	struct tpages *s = ctx;
	uint32_t got;

	plat_lock(&s->lock);
	if (s->budget >= 0 && (int64_t)n > s->budget)
		n = (uint32_t)s->budget;
	got = pgt_page_get(NULL, out, n);
	if (s->budget >= 0)
		s->budget -= got;
	s->outstanding += got;
	plat_unlock(&s->lock);
	return got;
}

static void tp_put(void *ctx, const uint64_t *elems, uint32_t n)
{
	struct tpages *s = ctx;
	static const uint8_t zero[PLAT_PAGE_SIZE];

	plat_lock(&s->lock);
	for (uint32_t i = 0; i < n; i++)
		if (memcmp(plat_phys_to_virt(elems[i]), zero, PLAT_PAGE_SIZE))
			s->dirty_puts++;
	s->outstanding -= n;
	plat_unlock(&s->lock);
	pgt_page_put(NULL, elems, n);
}

bool tenv_init(struct tenv *t, uint32_t levels, uint32_t sp, bool coherent)
{
	struct pool_config pc = pgt_page_pool_config("pgt-test");
	struct pgt_config cfg = {levels, 0, sp, coherent, coherent ? NULL : tflush, NULL, {0}};

	memset(t, 0, sizeof(*t));
	t->src.budget = -1;
	pc.source.get = tp_get;
	pc.source.put = tp_put;
	pc.source.ctx = &t->src;
	pc.batch = 1; /* fetch exactly what is asked: budgets stay exact */
	pc.low = 0;
	pc.high = 64;
	if (pool_create(&pc, &t->pool))
		return false;
	cfg.pages = t->pool;
	pgt_gather_init(&t->g);
	tflush_clear();
	if (pgt_create(&cfg, &t->pgt)) {
		pool_destroy(t->pool);
		return false;
	}
	return true;
}

void tenv_check_pages(struct tenv *t)
{
	struct pool_stats st;

	pool_stats(t->pool, &st);
	KT_EXPECT_EQ(st.in_use, pgt_pages(t->pgt));
	KT_EXPECT_EQ(t->src.outstanding, pool_count_free(t->pool) + st.in_use);
}

void tenv_fini(struct tenv *t)
{
	tenv_check_pages(t);
	pgt_destroy(t->pgt);
	pool_destroy(t->pool);
	KT_EXPECT_EQ(t->src.outstanding, 0);
	KT_EXPECT_EQ(t->src.dirty_puts, 0);
}

int tmap(struct tenv *t, uint64_t iova, uint64_t pa, uint64_t size, uint32_t prot)
{
	int err = pgt_map(t->pgt, iova, pa, size, prot, &t->g);

	pgt_gather_release(t->pgt, &t->g);
	return err;
}

int64_t tunmap(struct tenv *t, uint64_t iova, uint64_t size)
{
	int64_t n = pgt_unmap(t->pgt, iova, size, &t->g);

	pgt_gather_release(t->pgt, &t->g);
	return n;
}

uint64_t tentry(struct pgt *pgt, uint32_t levels, uint64_t iova, uint32_t level)
{
	uint64_t table = pgt_root_pa(pgt);

	for (uint32_t l = levels;; l--) {
		const uint64_t *t = plat_phys_to_virt(table);
		uint64_t e = t[(iova >> (12 + 9 * (l - 1))) & 511];

		if (l == level)
			return e;
		if (!(e & (T_R | T_W)) || (e & T_PS))
			return 0;
		table = e & T_ADDR;
	}
}

/* --- flush recording ------------------------------------------------------------ */

#define TFLUSH_SLOTS 8192u /* open addressing; line address + 1, 0 empty */

static uint64_t tflush_set[TFLUSH_SLOTS];
static uint64_t tflush_ncalls;

void tflush_clear(void)
{
	memset(tflush_set, 0, sizeof(tflush_set));
	tflush_ncalls = 0;
}

uint64_t tflush_calls(void)
{
	return tflush_ncalls;
}

static uint64_t *tflush_slot(uint64_t line)
{
	uint32_t h = (uint32_t)((line >> 6) * 0x9e3779b97f4a7c15ull >> 51);

	for (uint32_t i = 0; i < TFLUSH_SLOTS; i++) {
		uint64_t *s = &tflush_set[(h + i) % TFLUSH_SLOTS];

		if (*s == 0 || *s == line + 1)
			return s;
	}
	return NULL;
}

void tflush(const void *va, size_t len)
{
	uint64_t a = (uint64_t)(uintptr_t)va & ~(uint64_t)(PLAT_CACHE_LINE - 1);

	tflush_ncalls++;
	for (; a < (uint64_t)(uintptr_t)va + len; a += PLAT_CACHE_LINE) {
		uint64_t *s = tflush_slot(a);

		PLAT_ASSERT(s);
		*s = a + 1;
	}
}

bool tflush_has(const void *va)
{
	uint64_t a = (uint64_t)(uintptr_t)va & ~(uint64_t)(PLAT_CACHE_LINE - 1);
	uint64_t *s = tflush_slot(a);

	return s && *s == a + 1;
}

/* --- snapshots -------------------------------------------------------------------- */

/* Call fn on every table reachable from the root; false to stop. */
static bool twalk(uint64_t table, uint32_t l, bool (*fn)(void *, uint64_t), void *ctx)
{
	const uint64_t *t = plat_phys_to_virt(table);

	if (!fn(ctx, table))
		return false;
	for (uint32_t i = 0; l > 1 && i < 512; i++)
		if ((t[i] & (T_R | T_W)) && !(t[i] & T_PS) &&
		    !twalk(t[i] & T_ADDR, l - 1, fn, ctx))
			return false;
	return true;
}

static bool snap_one(void *ctx, uint64_t table)
{
	struct tsnap *s = ctx;

	if (s->n == 64)
		return false;
	s->copy[s->n] = plat_malloc(PLAT_PAGE_SIZE);
	if (!s->copy[s->n])
		return false;
	memcpy(s->copy[s->n], plat_phys_to_virt(table), PLAT_PAGE_SIZE);
	s->pa[s->n++] = table;
	return true;
}

bool tsnap_take(struct tsnap *s, struct pgt *pgt, uint32_t levels)
{
	s->n = 0;
	tflush_clear();
	return twalk(pgt_root_pa(pgt), levels, snap_one, s);
}

void tsnap_free(struct tsnap *s)
{
	for (uint32_t i = 0; i < s->n; i++)
		plat_free(s->copy[i]);
	s->n = 0;
}

struct check_ctx {
	const struct tsnap *s;
	uint32_t missed;
};

static bool check_one(void *ctx, uint64_t table)
{
	struct check_ctx *c = ctx;
	const uint64_t *now = plat_phys_to_virt(table), *old = NULL;

	for (uint32_t i = 0; i < c->s->n; i++)
		if (c->s->pa[i] == table)
			old = c->s->copy[i];
	for (uint32_t i = 0; i < 512; i++)
		if ((!old || old[i] != now[i]) && !tflush_has(&now[i]))
			c->missed++;
	return true;
}

uint32_t tsnap_check_flushed(const struct tsnap *s, struct pgt *pgt, uint32_t levels)
{
	struct check_ctx c = {s, 0};

	twalk(pgt_root_pa(pgt), levels, check_one, &c);
	return c.missed;
}
