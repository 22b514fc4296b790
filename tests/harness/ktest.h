/*
 * ktest.h - the unit-test harness shared by the host runner and the kernel.
 *
 * A test file defines cases with KTEST(name) { ... } and checks with the
 * KT_EXPECT / KT_ASSERT macros.  Cases register themselves in the "ktests"
 * linker section, so a test file needs no list to be kept up to date: the
 * host build links every file of tests/unit/ into build/host/unit-tests and the
 * kernel links the same files in.  ktest_run prints KTAP version 1 [KTAP]
 * and a closing line "N passed, N failed, N skipped".
 */
#ifndef KTEST_H
#define KTEST_H

#include <stdbool.h>
#include <stdint.h>

/* Case flags. */
#define KTEST_HOST_ONLY 0x1u /* needs host threads; the kernel reports SKIP */
#define KTEST_SLOW      0x2u /* stress tests; skipped when "quick" is asked */
#define KTEST_MANUAL    0x4u /* runs only when the filter names it whole (harness checks) */

struct ktest_case {
	const char *name;
	const char *file;
	void (*fn)(void);
	uint32_t flags;
	uint32_t pad;
};

#define KTEST_FLAGS(name_, flags_)                                          \
	static void name_(void);                                            \
	static const struct ktest_case ktest_case_##name_                   \
		__attribute__((used, section("ktests"), aligned(8))) = {    \
			#name_, __FILE__, name_, (flags_), 0};              \
	static void name_(void)

#define KTEST(name_) KTEST_FLAGS(name_, 0)

/* Record a failed check (with a message) in the running case; returns cond. */
bool ktest_check(bool cond, const char *file, int line, const char *expr);
bool ktest_check_eq(uint64_t got, uint64_t want, const char *file, int line,
		    const char *got_expr, const char *want_expr);
/* Mark the running case skipped, with a reason. */
void ktest_skip(const char *reason);
/* A diagnostic line "# ..." inside the running case. */
void ktest_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KT_EXPECT(c) ((void)ktest_check(!!(c), __FILE__, __LINE__, #c))
#define KT_EXPECT_EQ(a, b)                                                  \
	((void)ktest_check_eq((uint64_t)(a), (uint64_t)(b), __FILE__,       \
			      __LINE__, #a, #b))
#define KT_ASSERT(c)                                                        \
	do {                                                                \
		if (!ktest_check(!!(c), __FILE__, __LINE__, #c))            \
			return;                                             \
	} while (0)
#define KT_ASSERT_EQ(a, b)                                                  \
	do {                                                                \
		if (!ktest_check_eq((uint64_t)(a), (uint64_t)(b), __FILE__, \
				    __LINE__, #a, #b))                      \
			return;                                             \
	} while (0)

struct ktest_options {
	const char *filter; /* comma-separated name prefixes; NULL/empty: all */
	bool in_kernel;     /* skip KTEST_HOST_ONLY cases */
	bool quick;         /* skip KTEST_SLOW cases */
	/* Optional: called before each case runs (the host arms its per-case
	 * timeout here). */
	void (*case_begin)(const struct ktest_case *tc);
};

/*
 * For a runner whose case will not return (a timeout): print the running
 * case as failed with the reason, then the closing line counting it, so the
 * log names the case.  The caller then ends the run; nothing else of the
 * harness may be used afterwards.
 */
void ktest_abandon_running(const char *why);

struct ktest_result {
	uint32_t passed, failed, skipped;
};

/* A small deterministic PRNG (xorshift64*) for randomised tests; *state
 * must start non-zero.  Tests print their seed so a failure can be rerun. */
static inline uint64_t ktest_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Run every registered case that the options select, printing KTAP. */
struct ktest_result ktest_run(const struct ktest_options *opt);

#endif /* KTEST_H */
