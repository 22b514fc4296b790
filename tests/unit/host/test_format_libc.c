/*
 * test_format_libc.c - the formatter against glibc snprintf for random
 * formats and values (host only); set FORMAT_SEED to rerun a failing seed.
 */
#include "format.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktest.h"
#include "plat.h"

#define ROUNDS 30000

/* One random case: the format and what goes into it. */
struct rcase {
	char fmt[64];
	char conv, len; /* len: 0 none, 'H' hh, 'h', 'l', 'L' ll, 'z', 't', 'j' */
	int nstars, star[2];
	int64_t value;
	const char *str;
	size_t size; /* buffer size handed to both */
};

static const char *const strings[] = {"", "a", "hello", "kernel log line",
				      "0123456789abcdefghij", "%d %s"};

static uint64_t pick(uint64_t *st, uint64_t n)
{
	return ktest_rand(st) % n;
}

static int64_t rand_value(uint64_t *st)
{
	static const int64_t edges[] = {0, 1, -1, 7, 8, 255, 256, 65535, -32768,
		INT32_MAX, INT32_MIN, UINT32_MAX, INT64_MAX, INT64_MIN};

	switch (pick(st, 3)) {
	case 0: return edges[pick(st, sizeof(edges) / sizeof(edges[0]))];
	case 1: return (int64_t)(ktest_rand(st) >> pick(st, 64));
	default: return (int64_t)ktest_rand(st);
	}
}

/* Flags C defines for the conversion, so glibc behaves by the standard. */
static const char *legal_flags(char conv)
{
	switch (conv) {
	case 'd': case 'i': return "-0+ ";
	case 'x': case 'X': case 'o': return "-0#";
	case 'u': return "-0";
	default: return "-";
	}
}

static void add_width_prec(struct rcase *c, uint64_t *st, char *p)
{
	if (pick(st, 3) == 0) {
		c->star[c->nstars++] = (int)pick(st, 50) - 20;
		*p++ = '*';
	} else if (pick(st, 2)) {
		p += sprintf(p, "%d", (int)pick(st, 30));
	}
	if (c->conv != 'c' && pick(st, 2)) {
		*p++ = '.';
		if (pick(st, 3) == 0) {
			c->star[c->nstars++] = (int)pick(st, 40) - 10;
			*p++ = '*';
		} else {
			p += sprintf(p, "%d", (int)pick(st, 25));
		}
	}
	*p = 0;
}

static void make_case(struct rcase *c, uint64_t *st)
{
	static const char convs[] = "diuxXocs";
	static const char lens[] = "_HhlLztj";
	const char *flags;
	char *p = c->fmt;

	memset(c, 0, sizeof(*c));
	c->conv = convs[pick(st, 8)];
	c->len = (c->conv == 'c' || c->conv == 's') ? '_' : lens[pick(st, 8)];
	p += sprintf(p, "%s%%", pick(st, 2) ? "<" : "");
	flags = legal_flags(c->conv);
	for (size_t i = 0; flags[i]; i++)
		if (pick(st, 3) == 0)
			*p++ = flags[i];
	add_width_prec(c, st, p);
	p += strlen(p);
	if (c->len != '_')
		p += sprintf(p, "%s", c->len == 'H' ? "hh" : c->len == 'L' ? "ll" :
			     (char[]){c->len, 0});
	sprintf(p, "%c>", c->conv);
	c->value = rand_value(st);
	c->str = strings[pick(st, sizeof(strings) / sizeof(strings[0]))];
	c->size = pick(st, 4) == 0 ? pick(st, 12) : 200;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* Call snprintf and fmt_snprintf with the star arguments and then 'v'. */
#define BOTH(v)                                                              \
	do {                                                                 \
		if (c->nstars == 0) {                                        \
			*n1 = snprintf(a, c->size, c->fmt, v);               \
			*n2 = fmt_snprintf(b, c->size, c->fmt, v);           \
		} else if (c->nstars == 1) {                                 \
			*n1 = snprintf(a, c->size, c->fmt, c->star[0], v);   \
			*n2 = fmt_snprintf(b, c->size, c->fmt, c->star[0], v); \
		} else {                                                     \
			*n1 = snprintf(a, c->size, c->fmt, c->star[0],       \
				       c->star[1], v);                       \
			*n2 = fmt_snprintf(b, c->size, c->fmt, c->star[0],   \
					   c->star[1], v);                   \
		}                                                            \
	} while (0)

/* The 'l' cases pass C's long because that is what %l reads. */
static void run_both(const struct rcase *c, char *a, char *b, int *n1, int *n2)
{
	if (c->conv == 's')
		BOTH(c->str);
	else if (c->len == 'l')
		BOTH((long)c->value);
	else if (c->len == 'L')
		BOTH((long long)c->value);
	else if (c->len == 'z')
		BOTH((size_t)c->value);
	else if (c->len == 't')
		BOTH((ptrdiff_t)c->value);
	else if (c->len == 'j')
		BOTH((intmax_t)c->value);
	else
		BOTH((int)c->value);
}
#pragma GCC diagnostic pop

static bool check_case(const struct rcase *c)
{
	char a[256], b[256];
	int n1, n2;

	memset(a, 0x55, sizeof(a));
	memset(b, 0x55, sizeof(b));
	run_both(c, a, b, &n1, &n2);
	if (n1 == n2 && memcmp(a, b, sizeof(a)) == 0)
		return true;
	ktest_diag("fmt \"%s\" size %zu value %lld stars %d %d: libc %d \"%.*s\", "
		   "ours %d \"%.*s\"", c->fmt, c->size, (long long)c->value,
		   c->star[0], c->star[1], n1, c->size ? (int)c->size : 0, a,
		   n2, c->size ? (int)c->size : 0, b);
	return false;
}

KTEST(format_matches_libc_random)
{
	const char *env = getenv("FORMAT_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (plat_cycles() | 1);
	uint64_t st = seed;
	struct rcase c;
	uint32_t bad = 0;

	ktest_diag("seed 0x%llx (rerun with FORMAT_SEED=0x%llx)",
		   (unsigned long long)seed, (unsigned long long)seed);
	for (uint32_t i = 0; i < ROUNDS && bad < 10; i++) {
		make_case(&c, &st);
		bad += !check_case(&c);
	}
	KT_EXPECT_EQ(bad, 0);
}

KTEST(format_matches_libc_vs_fixed)
{
	static const char *const fmts[] = {"%d|%5d|%-5d|%05d", "%x|%#x|%#o|%o",
					   "%+d|% d|%+.0d|%.0d"};
	char a[128], b[128];

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		int n1 = snprintf(a, sizeof(a), fmts[i], 0, 17, 17, 17);
		int n2 = fmt_snprintf(b, sizeof(b), fmts[i], 0, 17, 17, 17);
#pragma GCC diagnostic pop
		KT_EXPECT_EQ(n1, n2);
		KT_EXPECT(strcmp(a, b) == 0);
	}
}
