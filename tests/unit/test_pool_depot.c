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
