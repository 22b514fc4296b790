/*
 * test_pool_depot.c - the depot's tagged stack against ABA: a pop that read
 * head and next, then lost the race to pop, pop, push, must fail its CAS.
 */
#include "ktest.h"
#include "pool.h"
#include "pool_impl.h"
#include "pool_tsrc.h"

KTEST(pool_depot_aba_caught)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 4, 0, 16);
	struct pool_mag *a, *b, *m;
	struct pool *p;
	uint64_t head;
	uint32_t next;

	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	a = pool_stack_pop(p, &p->empty);
	b = pool_stack_pop(p, &p->empty);
	KT_ASSERT(a && b && a != b);
	pool_stack_push(p, &p->full, b);
	pool_stack_push(p, &p->full, a); /* full: a, b */
	/* CPU 1 starts a pop: it sees a on top with b below. */
	head = atomic_load(&p->full.head);
	KT_EXPECT(pool_stack_top(p, head, &next) == a);
	/* CPU 2 pops a and b, then pushes a back: the top is a again. */
	KT_EXPECT(pool_stack_pop(p, &p->full) == a);
	KT_EXPECT(pool_stack_pop(p, &p->full) == b);
	pool_stack_push(p, &p->full, a);
	/* CPU 1's CAS would install b, which is not on the stack: it must fail. */
	while (!pool_stack_try_pop(&p->full, &head, next)) {
		m = pool_stack_top(p, head, &next);
		KT_ASSERT(m == a);
		KT_EXPECT_EQ(next, 0);
	}
	KT_EXPECT(pool_stack_pop(p, &p->full) == NULL);
	pool_stack_push(p, &p->empty, a);
	pool_stack_push(p, &p->empty, b);
	pool_destroy(p);
}

/* The generation has 48 bits: it carries past 2^32 instead of wrapping into
 * the index, and the index keeps its 16. */
KTEST(pool_depot_generation_passes_32_bits)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 4, 0, 16);
	struct pool_mag *a;
	struct pool *p;
	uint64_t head, gen = 0xffffffffull;

	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	a = pool_stack_pop(p, &p->empty);
	KT_ASSERT(a != NULL);
	atomic_store(&p->full.head, gen << POOL_STACK_INDEX_BITS);
	pool_stack_push(p, &p->full, a);
	head = atomic_load(&p->full.head);
	KT_EXPECT_EQ(head >> POOL_STACK_INDEX_BITS, gen + 1);
	KT_EXPECT(pool_stack_pop(p, &p->full) == a);
	head = atomic_load(&p->full.head);
	KT_EXPECT_EQ(head >> POOL_STACK_INDEX_BITS, gen + 2);
	KT_EXPECT_EQ(head & POOL_STACK_INDEX_MASK, 0);
	KT_EXPECT(pool_stack_pop(p, &p->full) == NULL);
	pool_stack_push(p, &p->empty, a);
	KT_EXPECT_EQ(pool_check(p), 0);
	pool_destroy(p);
}

/* A pool may have as many magazines as 16 index bits name (65535, CPU slots
 * included), and no more: the last one must come back off its stack. */
KTEST_FLAGS(pool_depot_index_limit, KTEST_HOST_ONLY)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 1, 0, 1);
	struct pool_mag *m;
	struct pool *p;
	uint32_t popped = 0;

	cfg.depot_mags = POOL_MAGS_MAX - 2 * PLAT_MAX_CPUS + 1;
	KT_EXPECT_EQ(pool_create(&cfg, &p), POOL_EINVAL);
	cfg.depot_mags--;
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_check(p), 0);
	/* Created last, the highest index is on top of the empty stack. */
	m = pool_stack_pop(p, &p->empty);
	KT_EXPECT(m == pool_mag_at(p, POOL_MAGS_MAX - 1));
	pool_stack_push(p, &p->empty, m);
	/* Every depot magazine is reachable (pool_destroy needs no stack). */
	while (popped <= cfg.depot_mags && pool_stack_pop(p, &p->empty) != NULL)
		popped++;
	KT_EXPECT_EQ(popped, cfg.depot_mags);
	pool_destroy(p);
}
