/*
 * ktest.c - runs the cases registered in the "ktests" section and prints
 * KTAP; portable, so the host runner and the kernel share it.
 */
#include "ktest.h"

#include <stdarg.h>
#include <string.h>

#include "plat.h"

/* The linker provides these for a section whose name is a C identifier; the
 * kernel's linker.ld defines them explicitly. */
extern const struct ktest_case __start_ktests[];
extern const struct ktest_case __stop_ktests[];

/* State of the running case; the harness runs one case at a time. */
static struct {
	const struct ktest_case *tc;
	uint32_t n;
	uint32_t failures;
	const char *skip_reason;
	struct ktest_result *res;
} cur;

bool ktest_check(bool cond, const char *file, int line, const char *expr)
{
	if (cond)
		return true;
	cur.failures++;
	plat_printf("    # %s:%d: check failed: %s\n", file, line, expr);
	return false;
}

bool ktest_check_eq(uint64_t got, uint64_t want, const char *file, int line,
		    const char *got_expr, const char *want_expr)
{
	if (got == want)
		return true;
	cur.failures++;
	plat_printf("    # %s:%d: %s == %s: got %llu (0x%llx), want %llu (0x%llx)\n",
		    file, line, got_expr, want_expr, (unsigned long long)got,
		    (unsigned long long)got, (unsigned long long)want,
		    (unsigned long long)want);
	return false;
}

void ktest_skip(const char *reason)
{
	cur.skip_reason = reason;
}

void ktest_diag(const char *fmt, ...)
{
	va_list ap;

	plat_printf("    # ");
	va_start(ap, fmt);
	plat_vprintf(fmt, ap);
	va_end(ap);
	plat_printf("\n");
}

/* The filter is a comma-separated list of name prefixes. */
static bool selected(const struct ktest_case *tc, const struct ktest_options *opt)
{
	const char *f = opt->filter;

	if (!f || !f[0])
		return !(tc->flags & KTEST_MANUAL);
	while (*f) {
		size_t n = 0;

		while (f[n] && f[n] != ',')
			n++;
		if (n && strncmp(tc->name, f, n) == 0 &&
		    (!(tc->flags & KTEST_MANUAL) || tc->name[n] == '\0'))
			return true;
		f += n + (f[n] == ',');
	}
	return false;
}

/* Why a selected case is not run here, or NULL when it runs. */
static const char *skip_reason(const struct ktest_case *tc,
			       const struct ktest_options *opt)
{
	if (opt->in_kernel && (tc->flags & KTEST_HOST_ONLY))
		return "host only (uses threads)";
	if (opt->quick && (tc->flags & KTEST_SLOW))
		return "slow (quick run)";
	return NULL;
}

static void run_one(const struct ktest_case *tc, uint32_t n,
		    const struct ktest_options *opt, struct ktest_result *res)
{
	const char *why = skip_reason(tc, opt);

	cur.tc = tc;
	cur.n = n;
	cur.failures = 0;
	cur.skip_reason = NULL;
	cur.res = res;
	if (!why) {
		if (opt->case_begin)
			opt->case_begin(tc);
		tc->fn();
		why = cur.skip_reason;
	}
	if (cur.failures) {
		res->failed++;
		plat_printf("not ok %u %s\n", n, tc->name);
	} else if (why) {
		res->skipped++;
		plat_printf("ok %u %s # SKIP %s\n", n, tc->name, why);
	} else {
		res->passed++;
		plat_printf("ok %u %s\n", n, tc->name);
	}
}

void ktest_abandon_running(const char *why)
{
	if (!cur.tc || !cur.res)
		return;
	plat_printf("    # %s\nnot ok %u %s\n", why, cur.n, cur.tc->name);
	plat_printf("%u passed, %u failed, %u skipped\n", cur.res->passed,
		    cur.res->failed + 1, cur.res->skipped);
}

struct ktest_result ktest_run(const struct ktest_options *opt)
{
	struct ktest_result res = {0, 0, 0};
	const struct ktest_case *tc;
	uint32_t total = 0, n = 0;

	for (tc = __start_ktests; tc < __stop_ktests; tc++)
		total += selected(tc, opt);
	plat_printf("KTAP version 1\n1..%u\n", total);
	for (tc = __start_ktests; tc < __stop_ktests; tc++)
		if (selected(tc, opt))
			run_one(tc, ++n, opt, &res);
	plat_printf("%u passed, %u failed, %u skipped\n", res.passed,
		    res.failed, res.skipped);
	return res;
}
