/*
 * test_pool_check.c - pool_check finds each kind of broken structure: a
 * magazine in two places or in none, a count that does not fit its stack,
 * a depot count that disagrees with the walk, a magazine whose stored
 * index is not its place.  Every pool test ends with
 * pool_check (tsrc_check_conserved), so this proves that check can fail.
 */
#include "ktest.h"
#include "pool.h"
#include "pool_impl.h"
#include "pool_tsrc.h"

KTEST(pool_check_finds_broken_structure)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 4, 0, 16);
	struct pool_cpu *c;
	struct pool_mag *m, *saved;
	struct pool *p;

	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_check(p), 0);

	/* In no place: popped and held. */
	m = pool_stack_pop(p, &p->empty);
	KT_ASSERT(m != NULL);
	KT_EXPECT_EQ(pool_check(p), POOL_EINVAL);
	/* On the full stack with no element. */
	pool_stack_push(p, &p->full, m);
	KT_EXPECT_EQ(pool_check(p), POOL_EINVAL);
	KT_EXPECT(pool_stack_pop(p, &p->full) == m);
	pool_stack_push(p, &p->empty, m);
	KT_EXPECT_EQ(pool_check(p), 0);

	/* On the empty stack holding an element. */
	mag_set_count(m, 1);
	KT_EXPECT_EQ(pool_check(p), POOL_EINVAL);
	mag_set_count(m, 0);

	/* The depot's count disagreeing with its full stack. */
	atomic_fetch_add(&p->depot_elems, 1);
	KT_EXPECT_EQ(pool_check(p), POOL_EINVAL);
	atomic_fetch_sub(&p->depot_elems, 1);

	/* One magazine as both of a CPU's. */
	c = &p->cpus[0];
	saved = c->prev;
	c->prev = c->loaded;
	KT_EXPECT_EQ(pool_check(p), POOL_EINVAL);
	c->prev = saved;

	/* A magazine whose stored index is not its place: a push would put
	 * another magazine's index on the stack. */
	m = pool_mag_at(p, 3);
	m->index = 4;
	KT_EXPECT_EQ(pool_check(p), POOL_EINVAL);
	m->index = 3;

	/* A CPU's magazine also on a stack (nothing lost: a pure duplicate). */
	pool_stack_push(p, &p->empty, c->prev);
	KT_EXPECT_EQ(pool_check(p), POOL_EINVAL);
	KT_EXPECT(pool_stack_pop(p, &p->empty) == c->prev);

	KT_EXPECT_EQ(pool_check(p), 0);
	pool_destroy(p);
}
