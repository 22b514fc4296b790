/*
 * test_format.c - the formatter against literal expected strings: every
 * conversion, flag, width, precision and length, the limits, and cutting.
 */
#include "format.h"

#include <stdint.h>
#include <string.h>

#include "ktest.h"

/* Format into a buffer and compare with 'want', text and returned length. */
static bool same(const char *want, const char *fmt, ...) fmt_printf_like(2, 3);
static bool same(const char *want, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (strcmp(buf, want) == 0 && n == (int)strlen(want))
		return true;
	ktest_diag("format \"%s\": got \"%s\" (%d), want \"%s\"", fmt, buf, n,
		   want);
	return false;
}

KTEST(format_decimal)
{
	KT_EXPECT(same("0", "%d", 0));
	KT_EXPECT(same("42 -1", "%d %i", 42, -1));
	KT_EXPECT(same("-2147483648", "%d", INT32_MIN));
	KT_EXPECT(same("2147483647", "%i", INT32_MAX));
	KT_EXPECT(same("4294967295", "%u", UINT32_MAX));
	KT_EXPECT(same("plain text", "plain text"));
}

KTEST(format_64bit_limits)
{
	KT_EXPECT(same("-9223372036854775808", "%lld", (long long)INT64_MIN));
	KT_EXPECT(same("9223372036854775807", "%lld", (long long)INT64_MAX));
	KT_EXPECT(same("18446744073709551615", "%llu",
		       (unsigned long long)UINT64_MAX));
	KT_EXPECT(same("ffffffffffffffff", "%llx", (unsigned long long)UINT64_MAX));
	KT_EXPECT(same("1777777777777777777777", "%llo",
		       (unsigned long long)UINT64_MAX));
	KT_EXPECT(same("-9223372036854775808", "%jd", INTMAX_MIN));
	KT_EXPECT(same("FFFFFFFFFFFFFFFF", "%jX", UINTMAX_MAX));
	KT_EXPECT(same("-9223372036854775808", "%ld", (long)INT64_MIN));
	KT_EXPECT(same("-9223372036854775808|", "%-+5lld|", (long long)INT64_MIN));
}

KTEST(format_length_modifiers)
{
	KT_EXPECT(same("-1 255", "%hhd %hhu", 255, 255));
	KT_EXPECT(same("0 0", "%hhu %hhx", 256, 0x100));
	KT_EXPECT(same("-1 65535", "%hd %hu", 65535, 65535));
	KT_EXPECT(same("0", "%hu", 65536));
	KT_EXPECT(same("18446744073709551615", "%zu", SIZE_MAX));
	KT_EXPECT(same("-5 ffffffffffffffff", "%td %zx", (ptrdiff_t)-5, SIZE_MAX));
	KT_EXPECT(same("123 456", "%lu %lx", 123ul, 0x456ul));
}

KTEST(format_hex_octal)
{
	KT_EXPECT(same("deadbeef DEADBEEF", "%x %X", 0xdeadbeefu, 0xdeadbeefu));
	KT_EXPECT(same("10 0 777", "%o %o %o", 8u, 0u, 0777u));
	KT_EXPECT(same("0xff 0XFF", "%#x %#X", 255u, 255u));
	KT_EXPECT(same("0 0", "%#x %#X", 0u, 0u));
	KT_EXPECT(same("010 0 0", "%#o %#o %#.0o", 8u, 0u, 0u));
	KT_EXPECT(same("0001", "%#.4o", 1u));
	KT_EXPECT(same("0x000000ff", "%#010x", 255u));
	KT_EXPECT(same("0x00ff", "%#.4x", 255u));
}

KTEST(format_flags)
{
	KT_EXPECT(same("+5 -5 +0", "%+d %+d %+d", 5, -5, 0));
	KT_EXPECT(same(" 5 -5", "% d % d", 5, -5));
	KT_EXPECT(same("|42   |", "|%-5d|", 42));
	KT_EXPECT(same("-0042 +0042 00042", "%05d %+05d %05d", -42, 42, 42));
	KT_EXPECT(same(" 0042", "% 05d", 42));
	KT_EXPECT(same("  -42", "%5d", -42));
}

KTEST(format_width_precision)
{
	KT_EXPECT(same("     005", "%8.3d", 5));
	KT_EXPECT(same("-005", "%.3d", -5));
	KT_EXPECT(same("", "%.0d", 0));
	KT_EXPECT(same("     ", "%5.0d", 0));
	KT_EXPECT(same("+", "%+.0d", 0));
	KT_EXPECT(same("00a", "%.3x", 0xau));
	KT_EXPECT(same("   42", "%*d", 5, 42));
	KT_EXPECT(same("42   |", "%*d|", -5, 42));
	KT_EXPECT(same("007", "%.*d", 3, 7));
	KT_EXPECT(same("7", "%.*d", -1, 7));
	KT_EXPECT(same("  007", "%*.*d", 5, 3, 7));
	KT_EXPECT(same("0000000000000000000000000000000000000001", "%.40d", 1));
}

KTEST(format_strings)
{
	char unterminated[3] = {'x', 'y', 'z'};

	KT_EXPECT(same("abc", "%s", "abc"));
	KT_EXPECT(same("  abc|abc  |", "%5s|%-5s|", "abc", "abc"));
	KT_EXPECT(same("ab", "%.2s", "abcdef"));
	KT_EXPECT(same("   ab", "%5.*s", 2, "abcdef"));
	KT_EXPECT(same("abcdef", "%.*s", -3, "abcdef"));
	KT_EXPECT(same("", "%.0s", "abc"));
	/* The precision bounds the read: no NUL is needed within it. */
	KT_EXPECT(same("xyz", "%.3s", unterminated));
}

KTEST(format_chars)
{
	char buf[8];

	KT_EXPECT(same("A", "%c", 'A'));
	KT_EXPECT(same("  A|A  |", "%3c|%-3c|", 'A', 'A'));
	KT_EXPECT(same("\xe9", "%c", 0xe9));
	memset(buf, 'x', sizeof(buf));
	KT_EXPECT_EQ(fmt_snprintf(buf, sizeof(buf), "a%cb", 0), 3);
	KT_EXPECT(memcmp(buf, "a\0b\0", 4) == 0);
}

KTEST(format_pointer)
{
	KT_EXPECT(same("0x0000000000001234", "%p", (void *)0x1234));
	KT_EXPECT(same("0x0000000000000000", "%p", NULL));
	KT_EXPECT(same("0xffffffff80000000", "%p", (void *)(uintptr_t)0xffffffff80000000ull));
	KT_EXPECT(same("  0x00000000000000ab", "%20p", (void *)0xab));
	KT_EXPECT(same("0x00000000000000ab  |", "%-20p|", (void *)0xab));
}

/*
 * The cases from here to the pop are formats gcc warns about on purpose:
 * flags C says are ignored, a NULL %s, unknown conversions.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat-overflow"
KTEST(format_ignored_flags_and_null)
{
	const char *null = NULL;

	KT_EXPECT(same("+5", "%+ d", 5));
	KT_EXPECT(same("42   ", "%-05d", 42));
	KT_EXPECT(same("       007", "%010.3d", 7));
	KT_EXPECT(same("  abc", "%05s", "abc"));
	KT_EXPECT(same("(null)", "%s", null));
	KT_EXPECT(same("(nu", "%.3s", null));
	KT_EXPECT(same("", ""));
}

KTEST(format_percent_and_unknown)
{
	KT_EXPECT(same("100%", "100%%"));
	KT_EXPECT(same("%q", "%q"));
	KT_EXPECT(same("%5.2y", "%5.2y"));
	KT_EXPECT(same("1 %q 2", "%d %q %d", 1, 2));
	KT_EXPECT(same("1 %-*w 2", "%d %-*w %d", 1, 2));
	KT_EXPECT(same("50%", "50%"));
	KT_EXPECT(same("x%ll", "x%ll"));
	KT_EXPECT(same("x%-08.", "x%-08."));
}
#pragma GCC diagnostic pop

KTEST(format_truncation)
{
	char buf[16];

	memset(buf, 'x', sizeof(buf));
	KT_EXPECT_EQ(fmt_snprintf(buf, 4, "%d", 123456), 6);
	KT_EXPECT(strcmp(buf, "123") == 0);
	KT_EXPECT_EQ(buf[4], 'x');
	KT_EXPECT_EQ(fmt_snprintf(buf, 7, "%d", 123456), 6);
	KT_EXPECT(strcmp(buf, "123456") == 0);
	KT_EXPECT_EQ(fmt_snprintf(buf, 6, "%d", 123456), 6);
	KT_EXPECT(strcmp(buf, "12345") == 0);
	KT_EXPECT_EQ(fmt_snprintf(buf, 1, "%s", "abc"), 3);
	KT_EXPECT_EQ(buf[0], 0);
	KT_EXPECT_EQ(buf[1], '2');
}

KTEST(format_size_zero)
{
	char buf[4] = {'a', 'b', 'c', 'd'};

	KT_EXPECT_EQ(fmt_snprintf(buf, 0, "%s-%d", "abc", 12), 6);
	KT_EXPECT(memcmp(buf, "abcd", 4) == 0);
	KT_EXPECT_EQ(fmt_snprintf(NULL, 0, "%llu", (unsigned long long)UINT64_MAX),
		     20);
}

/* An emit callback that counts and keeps the last character. */
struct emit_count {
	uint32_t n;
	char last;
};

static void emit_counted(void *ctx, char c)
{
	struct emit_count *e = ctx;

	e->n++;
	e->last = c;
}

static int vformat_count(struct emit_count *e, const char *fmt, ...)
	fmt_printf_like(2, 3);
static int vformat_count(struct emit_count *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(emit_counted, e, fmt, ap);
	va_end(ap);
	return n;
}

KTEST(format_vformat_emits_each_char)
{
	struct emit_count e = {0, 0};

	KT_EXPECT_EQ(vformat_count(&e, "%-300d!", 1), 301);
	KT_EXPECT_EQ(e.n, 301);
	KT_EXPECT_EQ(e.last, '!');
}
