/*
 * test_pool_irq.c - an "interrupt" in the window between a fast path and its
 * slow path (plat_host_irq_inject), where the kernel's would arrive: the
 * slow path must take the CPU slot as the interrupt left it.
 */
#include "ktest.h"
#include "plat_host.h"
#include "pool.h"
#include "../pool_tsrc.h"

struct irq_op {
	struct pool *pool;
	uint64_t elem;
	int err;
	bool do_free;
};

/* The interrupt handler: one free or one alloc on this CPU. */
static void irq_handler(void *arg)
{
	struct irq_op *op = arg;

	if (op->do_free)
		pool_free(op->pool, op->elem);
	else
		op->err = pool_alloc(op->pool, POOL_NOFETCH, &op->elem);
}

/* The CPU has nothing; an alloc misses and, before its slow path, an
 * interrupt frees x here.  The slow path must hand out x, not fetch over it. */
KTEST_FLAGS(pool_irq_free_before_alloc_slow_path, KTEST_HOST_ONLY)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 0, 32);
	struct irq_op op = {0};
	struct pool *p;
	uint64_t e[8], got;
	uint64_t gets;
	uint32_t before;

	cfg.batch = 8;
	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 8), 0); /* CPU empty */
	KT_ASSERT_EQ(pool_count_cpu(p, plat_cpu_id()), 0);
	gets = src.get_calls;
	before = plat_host_irq_delivered();
	op = (struct irq_op){p, e[0], 0, true};
	plat_host_irq_inject(irq_handler, &op);
	KT_EXPECT_EQ(pool_alloc(p, POOL_MAY_FETCH, &got), 0);
	KT_EXPECT_EQ(plat_host_irq_delivered(), before + 1);
	KT_EXPECT_EQ(got, e[0]);
	KT_EXPECT_EQ(src.get_calls, gets); /* served by the interrupt's free */
	e[0] = got;
	pool_free_bulk(p, e, 8);
	tsrc_finish(p, &src);
}

/* Both magazines full; a free misses and, before its slow path, an interrupt
 * allocates here.  The slow path must use the room the interrupt made
 * instead of spilling a magazine. */
KTEST_FLAGS(pool_irq_alloc_before_free_slow_path, KTEST_HOST_ONLY)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 0, 32);
	struct irq_op op = {0};
	struct pool_stats st;
	struct pool *p;
	uint64_t e[24];
	uint32_t before;

	cfg.batch = 8;
	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 24), 0); /* CPU empty */
	pool_free_bulk(p, e, 16); /* CPU holds 16: both full */
	before = plat_host_irq_delivered();
	op = (struct irq_op){p, 0, -1, false};
	plat_host_irq_inject(irq_handler, &op);
	pool_free(p, e[16]);
	KT_EXPECT_EQ(plat_host_irq_delivered(), before + 1);
	KT_EXPECT_EQ(op.err, 0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_puts, 0);
	KT_EXPECT_EQ(st.overflows, 0);
	KT_EXPECT_EQ(pool_count_cpu(p, plat_cpu_id()), 16);
	pool_free(p, op.elem);
	pool_free_bulk(p, e + 17, 7);
	tsrc_finish(p, &src);
}

/* Random alloc, free and bulk calls, each with an interrupt doing one of its
 * own in the window; nothing lost or doubled (tsrc catches a double return,
 * tsrc_finish the rest). */
KTEST_FLAGS(pool_irq_random_windows, KTEST_HOST_ONLY)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 4, 4, 12);
	struct irq_op op = {0};
	struct pool *p;
	uint64_t held[512], seed = 0x9e3779b97f4a7c15ull;
	uint32_t n = 0, start = plat_host_irq_delivered();

	KT_ASSERT(tsrc_init(&src, 4096));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	for (int i = 0; i < 20000; i++) {
		uint64_t r = ktest_rand(&seed);
		bool irq = r & 1;
		uint32_t delivered = plat_host_irq_delivered();

		op = (struct irq_op){p, 0, -1, false};
		if (irq && n && (r & 2)) {
			op.do_free = true;
			op.elem = held[--n];
		}
		if (irq)
			plat_host_irq_inject(irq_handler, &op);
		if ((r >> 8) % 3 == 0 && n < 500) {
			if (pool_alloc(p, POOL_MAY_FETCH, &held[n]) == 0)
				n++;
		} else if ((r >> 8) % 3 == 1 && n) {
			pool_free(p, held[--n]);
		} else if (n >= 4) {
			n -= 4;
			pool_free_bulk(p, &held[n], 4);
		} else {
			(void)pool_maintain(p, 8);
		}
		plat_host_irq_inject(NULL, NULL); /* not delivered: cancelled */
		if (!irq)
			continue;
		if (plat_host_irq_delivered() == delivered) {
			if (op.do_free) /* pool_maintain takes no irq_restore */
				held[n++] = op.elem;
		} else if (!op.do_free && op.err == 0) {
			held[n++] = op.elem; /* what the interrupt allocated */
		}
	}
	ktest_diag("%u interrupts delivered", plat_host_irq_delivered() - start);
	KT_EXPECT(plat_host_irq_delivered() - start > 5000);
	pool_free_bulk(p, held, n);
	tsrc_finish(p, &src);
}
