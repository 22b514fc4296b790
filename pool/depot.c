/*
 * depot.c - the depot: two ABA-safe Treiber stacks of magazines (non-empty
 * and empty) over the pool's fixed magazine array; pool.h argues the safety.
 */
#include "pool_impl.h"

#define STACK_NIL 0u

static inline uint32_t head_top(uint64_t head)
{
	return (uint32_t)(head & POOL_STACK_INDEX_MASK);
}

/* The head after an operation on old installs top: the generation moves on. */
static inline uint64_t head_make(uint64_t old, uint32_t top)
{
	return ((old >> POOL_STACK_INDEX_BITS) + 1) << POOL_STACK_INDEX_BITS | top;
}

/* m's index, checked against where it lies: a pointer that is not one of
 * this pool's magazines stops here rather than corrupt a stack. */
static uint32_t mag_index(const struct pool *p, const struct pool_mag *m)
{
	uint32_t i = m->index;

	PLAT_ASSERT(i < p->nr_mags && pool_mag_at(p, i) == m);
	return i;
}

/*
 * The head's line was last written by another CPU more often than not: ask
 * for it, with intent to write, before the load, so that the load and the
 * CAS after it can take one line transfer rather than a shared copy and
 * then an upgrade.  A hint; it orders nothing.  The write intent is only
 * what the target makes of it: on x86 GCC emits PREFETCHW only with
 * -mprfchw, which this build does not use, and otherwise an ordinary
 * PREFETCHT0 (measured: no difference resolvable on the shared VM).
 */
static inline void head_prefetch(struct pool_stack *s)
{
	__builtin_prefetch(&s->head, 1, 3);
}

void pool_stack_init(struct pool_stack *s)
{
	atomic_init(&s->head, STACK_NIL);
}

void pool_stack_push(struct pool *p, struct pool_stack *s, struct pool_mag *m)
{
	uint32_t top = mag_index(p, m) + 1;
	uint64_t old;

	head_prefetch(s);
	/* Relaxed: the CAS below rereads head on failure. */
	old = atomic_load_explicit(&s->head, memory_order_relaxed);

	do {
		/* Relaxed: published by the release CAS below. */
		atomic_store_explicit(&m->next, head_top(old), memory_order_relaxed);
		/* Release: pairs with the acquire CAS in pool_stack_pop, which
		 * then sees m->count, m->elems and m->next as written here. */
	} while (!atomic_compare_exchange_weak_explicit(&s->head, &old,
							head_make(old, top),
							memory_order_release,
							memory_order_relaxed));
}

/* The magazine on top of a stack whose head word is head (NULL when empty),
 * and in *next the index (+1) below it as its pusher wrote it. */
struct pool_mag *pool_stack_top(struct pool *p, uint64_t head, uint32_t *next)
{
	struct pool_mag *m;

	if (head_top(head) == STACK_NIL)
		return NULL;
	m = pool_mag_at(p, head_top(head) - 1);
	/* With intent to write (see head_prefetch): the popper writes m's
	 * count soon after (pool_cpu_load or the depot's users), and m's
	 * header was last written by m's pusher, often another CPU.  Issued
	 * before the read of m->next below, which needs the same line.  A
	 * hint, harmless if the pop loses its race. */
	__builtin_prefetch(m, 1, 3);
	/* Relaxed: ordered by the acquire that produced head (pairs with the
	 * release push of m).  May be stale if m was popped since; then the
	 * generation in the stack head has moved and pool_stack_try_pop fails. */
	*next = atomic_load_explicit(&m->next, memory_order_relaxed);
	return m;
}

/* Replace *head (the word pool_stack_top read) with next on top; on failure
 * *head is reloaded and nothing changed. */
bool pool_stack_try_pop(struct pool_stack *s, uint64_t *head, uint32_t next)
{
	/* Acquire on success: pairs with the release push of the popped
	 * magazine, giving us its count and elems.  Acquire on failure: the
	 * reloaded head is dereferenced by the next pool_stack_top. */
	return atomic_compare_exchange_weak_explicit(&s->head, head,
						     head_make(*head, next),
						     memory_order_acquire,
						     memory_order_acquire);
}

/* What a popper will do with a popped magazine's elements (prefetch hints). */
enum pop_use { POP_ANY, POP_READ, POP_WRITE };

static inline struct pool_mag *stack_pop(struct pool *p, struct pool_stack *s, enum pop_use use)
{
	struct pool_mag *m;
	uint32_t next;
	uint64_t old;

	head_prefetch(s);
	/* Acquire: pairs with the release CAS in pool_stack_push, so the
	 * next that pool_stack_top reads is the one its pusher wrote. */
	old = atomic_load_explicit(&s->head, memory_order_acquire);
	while ((m = pool_stack_top(p, old, &next)) != NULL) {
		/* While the read of m's header is on its way, ask for its
		 * element lines too (mag_prefetch_read says why), so the
		 * three transfers (head, header, elements) overlap instead
		 * of following each other.  The count is not known yet: all
		 * of mag_size.  Wasted only when the CAS loses. */
		if (use == POP_READ)
			mag_prefetch_read(m, p->cfg.mag_size);
		else if (use == POP_WRITE)
			mag_prefetch_write(m, p->cfg.mag_size);
		if (pool_stack_try_pop(s, &old, next))
			break;
	}
	return m;
}

struct pool_mag *pool_stack_pop(struct pool *p, struct pool_stack *s)
{
	return stack_pop(p, s, POP_ANY);
}

struct pool_mag *pool_depot_get_empty(struct pool *p)
{
	return stack_pop(p, &p->empty, POP_WRITE);
}

/*
 * The depot's element count only steers pool_maintain.  It is raised before
 * the push and lowered after the pop, so the push/pop release-acquire pair
 * orders the two relaxed RMWs and the count never goes below zero.
 */
void pool_depot_put_full(struct pool *p, struct pool_mag *m)
{
	/* Relaxed: ordered before the pop's decrement by the release push. */
	atomic_fetch_add_explicit(&p->depot_elems, mag_count(m), memory_order_relaxed);
	pool_stack_push(p, &p->full, m);
}

struct pool_mag *pool_depot_get_full(struct pool *p)
{
	struct pool_mag *m = stack_pop(p, &p->full, POP_READ);

	/* Relaxed: after the increment made before m's push (see above). */
	if (m)
		atomic_fetch_sub_explicit(&p->depot_elems, mag_count(m), memory_order_relaxed);
	return m;
}
