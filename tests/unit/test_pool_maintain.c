/*
 * test_pool_maintain.c - the refiller: watermarks reached and held, at most
 * budget elements per call, and the prepare hook run on everything fetched;
 * and what a CPU's magazines hold, for the traces that watch it.
 */
#include "ktest.h"
#include "pool.h"
#include "pool_tsrc.h"

KTEST(pool_maintain_reaches_and_holds_low)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 20, 40);
	struct pool_stats st;
	struct pool *p;
	uint64_t e;

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 1000), 20);
	KT_EXPECT_EQ(src.get_calls, 3); /* 8 + 8 + 4 */
	KT_EXPECT_EQ(pool_maintain(p, 1000), 0);
	KT_EXPECT_EQ(src.get_calls, 3);
	/* Take one magazine out of the depot: it is topped up again. */
	KT_ASSERT_EQ(pool_alloc(p, POOL_NOFETCH, &e), 0);
	pool_stats(p, &st);
	KT_EXPECT(st.depot_elems < 20);
	KT_EXPECT_EQ(pool_maintain(p, 1000), 20 - st.depot_elems);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 20);
	KT_EXPECT_EQ(st.maintain_runs, 2);
	pool_free(p, e);
	tsrc_finish(p, &src);
}

KTEST(pool_maintain_bounded_by_budget)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 20, 40);
	struct pool_stats st;
	struct pool *p;
	uint32_t calls = 0, n;

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	while ((n = pool_maintain(p, 5)) != 0) {
		KT_EXPECT(n <= 5);
		calls++;
	}
	KT_EXPECT_EQ(calls, 4);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 20);
	KT_EXPECT_EQ(st.fetched, 20);
	pool_destroy(p);
	tsrc_fini(&src);
}

KTEST(pool_maintain_trims_to_high)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 20, 40);
	struct pool_stats st;
	static uint64_t e[100];
	struct pool *p;

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 100), 0);
	pool_free_bulk(p, e, 100);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 88);
	KT_EXPECT_EQ(st.cached, 12);
	for (int i = 0; i < 4; i++)
		KT_EXPECT_EQ(pool_maintain(p, 10), 10);
	KT_EXPECT_EQ(pool_maintain(p, 10), 8);
	KT_EXPECT_EQ(pool_maintain(p, 10), 0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 40);
	KT_EXPECT_EQ(st.returned, 48);
	tsrc_finish(p, &src);
}

struct prep_count {
	uint64_t calls, elems;
	uint8_t prepared[64]; /* by id; the source has ids 1..60 */
};

static void prep(void *ctx, uint64_t *elems, uint32_t n)
{
	struct prep_count *pc = ctx;

	pc->calls++;
	pc->elems += n;
	for (uint32_t i = 0; i < n; i++)
		pc->prepared[elems[i]] = 1;
}

KTEST(pool_maintain_prepare_hook)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 16, 32);
	struct prep_count pc = {0, 0, {0}};
	struct pool *p;
	uint64_t e[20];

	KT_ASSERT(tsrc_init(&src, 60));
	cfg.hooks.prepare = prep;
	cfg.hooks.ctx = &pc;
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 100), 16);
	KT_EXPECT_EQ(pc.elems, 16);
	KT_EXPECT_EQ(pc.calls, 2);
	/* 16 from the depot, prepared ahead; 4 more fetched synchronously. */
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 20), 0);
	KT_EXPECT_EQ(pc.calls, 3);
	KT_EXPECT_EQ(pc.elems, 20);
	for (int i = 0; i < 20; i++)
		KT_EXPECT(pc.prepared[e[i]]);
	pool_free_bulk(p, e, 20);
	pool_destroy(p);
	KT_EXPECT_EQ(src.outstanding, 0);
	tsrc_fini(&src);
}

/* Adaptive watermarks follow the demand of the last period within bounds. */
KTEST(pool_maintain_adaptive_watermarks)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 64, 128);
	struct pool_stats st;
	struct pool *p;
	uint64_t e[40];

	KT_ASSERT(tsrc_init(&src, 1000));
	cfg.adapt_cycles = 1; /* every call ends a period */
	cfg.low_min = 8;
	cfg.high_min = 16;
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 1000), 8); /* no demand yet: the floors */
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.low, 8);
	KT_EXPECT_EQ(st.high, 16);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 40), 0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.demand, 40); /* 8 from the depot, 32 fetched */
	KT_EXPECT_EQ(pool_maintain(p, 1000), 40);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.low, 40);
	KT_EXPECT_EQ(st.high, 80);
	pool_free_bulk(p, e, 40); /* 16 stay on the CPU, 24 reach the depot */
	KT_EXPECT_EQ(pool_maintain(p, 1000), 48); /* idle period: down to 16 */
	KT_EXPECT_EQ(pool_maintain(p, 1000), 0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 16);
	KT_EXPECT_EQ(st.high, 16);
	tsrc_finish(p, &src);
}

/* pool_count_cpu counts both of a CPU's magazines, the rest is the depot,
 * and a flush leaves the CPU with none. */
KTEST(pool_count_cpu_sees_both_magazines)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 16, 32);
	uint32_t me = plat_cpu_id(), other = (me + 1) % PLAT_MAX_CPUS;
	struct pool_stats st;
	struct pool *p;
	uint64_t e[20];

	KT_ASSERT(tsrc_init(&src, 200));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_count_cpu(p, me), 0);
	KT_EXPECT_EQ(pool_maintain(p, 100), 16);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 20), 0);
	pool_free_bulk(p, e, 13); /* more than one magazine's worth */
	pool_stats(p, &st);
	KT_EXPECT(pool_count_cpu(p, me) > 8);
	KT_EXPECT_EQ(pool_count_cpu(p, me) + st.depot_elems, pool_count_free(p));
	KT_EXPECT_EQ(pool_count_cpu(p, other), 0);
	KT_EXPECT_EQ(pool_count_cpu(p, PLAT_MAX_CPUS), 0);
	pool_flush_cpu(p, me);
	KT_EXPECT_EQ(pool_count_cpu(p, me), 0);
	pool_free_bulk(p, e + 13, 7);
	KT_EXPECT_EQ(pool_count_cpu(p, me), 7);
	tsrc_finish(p, &src);
}

/* A second maintainer arriving while the first is inside the source (another
 * CPU's idle loop, here called from the source itself) returns at once
 * without work and is counted; the first alone brings the depot to the
 * watermark, with no overshoot, both when filling and when trimming. */
struct nested {
	struct tsrc src;
	struct pool *pool;
	uint32_t nested_calls, nested_moved;
};

/* Another CPU arriving while the maintainer is inside the source. */
static void nested_maintain(void *arg)
{
	struct nested *n = arg;

	n->nested_calls++;
	n->nested_moved += pool_maintain(n->pool, 1000);
}

KTEST(pool_maintain_one_maintainer_at_a_time)
{
	struct nested n = {0};
	struct pool_config cfg = tsrc_config(&n.src, 8, 20, 40);
	struct pool_stats st;
	uint64_t e[60];

	KT_ASSERT(tsrc_init(&n.src, 200));
	n.src.on_call = nested_maintain;
	n.src.on_call_arg = &n;
	KT_ASSERT_EQ(pool_create(&cfg, &n.pool), 0);
	KT_EXPECT_EQ(pool_maintain(n.pool, 1000), 20);
	pool_stats(n.pool, &st);
	KT_EXPECT(n.nested_calls > 0);
	KT_EXPECT_EQ(n.nested_moved, 0);
	KT_EXPECT_EQ(st.maintain_busy, n.nested_calls);
	KT_EXPECT_EQ(st.depot_elems, 20);
	/* Over the high watermark: the trim runs alone too. */
	KT_ASSERT_EQ(pool_alloc_bulk(n.pool, POOL_MAY_FETCH, e, 60), 0);
	pool_free_bulk(n.pool, e, 60);
	n.nested_calls = n.nested_moved = 0; /* the alloc's fetches called it too */
	pool_stats(n.pool, &st);
	KT_ASSERT(st.depot_elems > 40);
	KT_EXPECT(pool_maintain(n.pool, 1000) > 0);
	pool_stats(n.pool, &st);
	KT_EXPECT(n.nested_calls > 0);
	KT_EXPECT_EQ(n.nested_moved, 0);
	KT_EXPECT_EQ(st.depot_elems, 40);
	/* Done: the next call finds nothing to do, and is not busy. */
	KT_EXPECT_EQ(pool_maintain(n.pool, 1000), 0);
	tsrc_finish(n.pool, &n.src);
}

/* hooks.wake: called when an allocation or a reservation leaves the depot
 * below the low watermark, or a free leaves it above the high one; once,
 * until pool_maintain has seen the depot between the watermarks again; not
 * while the depot stays between them. */
static void count_wake(void *ctx)
{
	(*(uint32_t *)ctx)++;
}

KTEST(pool_wake_hook_signals_each_crossing_once)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 8, 16);
	struct pool_stats st;
	uint32_t calls = 0;
	struct pool *p;
	uint64_t e[48];

	cfg.hooks = (struct pool_hooks){NULL, count_wake, &calls};
	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 100), 8);
	/* Depot 8 -> 0: the first magazine taken leaves it below low. */
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_NOFETCH, e, 8), 0);
	KT_EXPECT_EQ(calls, 1);
	/* Further refills from the source while still below: no new call. */
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e + 8, 36), 0);
	KT_EXPECT_EQ(calls, 1);
	/* The refiller brings it back to low: the next crossing signals. */
	KT_EXPECT_EQ(pool_maintain(p, 100), 8);
	KT_EXPECT_EQ(pool_reserve(p, (uint32_t)pool_count_cpu(p, plat_cpu_id()) + 1,
				  POOL_NOFETCH), 0);
	KT_EXPECT_EQ(calls, 2);
	KT_EXPECT_EQ(pool_maintain(p, 100), 8);
	/* 44 frees fill the CPU's 16 places and spill three magazines or
	 * more: the depot goes above high (16) once, one call. */
	pool_free_bulk(p, e, 44);
	pool_stats(p, &st);
	KT_EXPECT(st.depot_elems > 16);
	KT_EXPECT_EQ(calls, 3);
	/* Trimmed back; allocations served by the CPU's magazines never call. */
	KT_EXPECT(pool_maintain(p, 100) > 0);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_NOFETCH, e, 4), 0);
	pool_free_bulk(p, e, 4);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 16);
	KT_EXPECT_EQ(calls, 3);
	KT_EXPECT_EQ(st.wake_signals, 3);
	tsrc_finish(p, &src);
}

/* pool_drain empties the depot even while a maintainer is at work (here it
 * runs from inside the maintainer's first source put), where pool_maintain
 * would have left it to the maintainer. */
struct drain_ctx {
	struct tsrc src;
	struct pool *pool;
	uint64_t drained, maintained_inside;
	bool inside;
};

/* The first source call (a put, from the maintainer's trim) drains. */
static void drain_inside(void *arg)
{
	struct drain_ctx *d = arg;

	if (!d->inside) {
		d->inside = true;
		d->maintained_inside = pool_maintain(d->pool, 1000);
		d->drained = pool_drain(d->pool);
	}
}

KTEST(pool_drain_empties_the_depot_beside_a_maintainer)
{
	struct drain_ctx d = {0};
	struct pool_config cfg = tsrc_config(&d.src, 8, 0, 40);
	struct pool_stats st;
	uint64_t e[64];

	KT_ASSERT(tsrc_init(&d.src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &d.pool), 0);
	KT_ASSERT_EQ(pool_alloc_bulk(d.pool, POOL_MAY_FETCH, e, 64), 0);
	pool_free_bulk(d.pool, e, 64); /* 48 reach the depot: above high */
	pool_stats(d.pool, &st);
	KT_ASSERT(st.depot_elems > 40);
	d.src.on_call = drain_inside;
	d.src.on_call_arg = &d;
	KT_EXPECT(pool_maintain(d.pool, 1000) > 0);
	KT_EXPECT_EQ(d.maintained_inside, 0);   /* busy: left to the maintainer */
	KT_EXPECT(d.drained > 0);               /* the drain did not wait */
	pool_stats(d.pool, &st);
	KT_EXPECT_EQ(st.depot_elems, 0);
	KT_EXPECT_EQ(pool_drain(d.pool), 0);    /* nothing left */
	tsrc_finish(d.pool, &d.src);
}

/* The re-arm on pool_maintain's fast path: the depot comes back between the
 * watermarks by a free alone, the refiller's next pass finds nothing to do
 * and must still re-arm, or the next crossing goes unsignalled. */
KTEST(pool_wake_rearmed_on_maintain_fast_path)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 8, 16);
	struct pool_stats st;
	uint32_t calls = 0;
	struct pool *p;
	uint64_t e[24];

	cfg.batch = 8;
	cfg.hooks = (struct pool_hooks){NULL, count_wake, &calls};
	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 100), 8);
	/* Taking the depot's magazine crosses below low: one call. */
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_NOFETCH, e, 8), 0);
	KT_EXPECT_EQ(calls, 1);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e + 8, 16), 0);
	/* 24 frees: 16 fill the CPU, one magazine of 8 spills to the depot,
	 * which is back at low without the refiller. */
	pool_free_bulk(p, e, 24);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 8);
	KT_EXPECT_EQ(st.maintain_runs, 1);
	/* Nothing to do, but the depot is between the watermarks: re-arm. */
	KT_EXPECT_EQ(pool_maintain(p, 100), 0);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_NOFETCH, e, 24), 0);
	KT_EXPECT_EQ(calls, 2);
	pool_free_bulk(p, e, 24);
	tsrc_finish(p, &src);
}

/* pool_drain is bounded by what the depot held when it began: here every
 * source put (one per magazine the drain empties) sees another magazine
 * freed into the depot, as a CPU freeing all the while would.  Unbounded,
 * the drain ran until the freeing stopped. */
struct drain_feed {
	struct tsrc src;
	struct pool *pool;
	uint64_t held[256];
	uint32_t nheld, fed;
};

static void feed_depot(void *arg)
{
	struct drain_feed *f = arg;

	if (f->nheld < 8)
		return;
	f->nheld -= 8;
	f->fed++;
	pool_free_bulk(f->pool, &f->held[f->nheld], 8); /* the CPU is full: spills 8 */
}

KTEST(pool_drain_bounded_by_starting_depot)
{
	struct drain_feed f = {0};
	struct pool_config cfg = tsrc_config(&f.src, 8, 0, 400);
	struct pool_stats st;
	uint64_t drained, e[16];

	cfg.batch = 8;
	KT_ASSERT(tsrc_init(&f.src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &f.pool), 0);
	KT_ASSERT_EQ(pool_alloc_bulk(f.pool, POOL_MAY_FETCH, f.held, 256), 0);
	f.nheld = 256;
	KT_ASSERT_EQ(pool_alloc_bulk(f.pool, POOL_MAY_FETCH, e, 16), 0);
	pool_free_bulk(f.pool, e, 16); /* the CPU's two magazines full */
	/* 32 elements in the depot, in four magazines. */
	f.nheld -= 32;
	pool_free_bulk(f.pool, &f.held[f.nheld], 32);
	pool_stats(f.pool, &st);
	KT_ASSERT_EQ(st.depot_elems, 32);
	f.src.on_call = feed_depot;
	f.src.on_call_arg = &f;
	drained = pool_drain(f.pool);
	f.src.on_call = NULL;
	KT_EXPECT_EQ(drained, 32);
	KT_EXPECT_EQ(f.fed, 4); /* one magazine fed per magazine drained */
	pool_stats(f.pool, &st);
	KT_EXPECT_EQ(st.depot_elems, 8 * f.fed); /* the next drain's */
	pool_free_bulk(f.pool, f.held, f.nheld);
	tsrc_finish(f.pool, &f.src);
}
