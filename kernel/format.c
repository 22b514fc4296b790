/*
 * format.c - the printf-style formatter: parses one conversion at a time
 * into a struct fmt_spec, then prints integers, strings and characters.
 */
#include "format.h"

#include <stdbool.h>
#include <stdint.h>

/* Flags of one conversion. */
#define FMT_LEFT  0x01u /* '-': pad on the right */
#define FMT_ZERO  0x02u /* '0': pad with zeros after sign and prefix */
#define FMT_PLUS  0x04u /* '+': sign even on non-negative signed numbers */
#define FMT_SPACE 0x08u /* ' ': space where a '+' would go */
#define FMT_ALT   0x10u /* '#': 0x / 0X prefix, leading 0 for octal */

enum fmt_len { FMT_LEN_NONE, FMT_LEN_HH, FMT_LEN_H, FMT_LEN_L, FMT_LEN_LL,
	       FMT_LEN_Z, FMT_LEN_T, FMT_LEN_J };

/*
 * One conversion as written.  A '*' width or precision is only noted while
 * parsing; its argument is fetched once the conversion is known to be valid.
 */
struct fmt_spec {
	uint32_t flags;
	int32_t width;      /* minimum field width, 0 if none */
	int32_t prec;       /* precision, -1 if none */
	bool width_star, prec_star;
	enum fmt_len len;
	char conv;          /* conversion character, 0 if fmt ended first */
};

/* Where output goes, and how much went. */
struct fmt_out {
	void (*emit)(void *ctx, char c);
	void *ctx;
	int32_t count;
};

static void out_char(struct fmt_out *o, char c)
{
	o->emit(o->ctx, c);
	if (o->count < INT32_MAX)
		o->count++;
}

static void out_repeat(struct fmt_out *o, char c, int32_t n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void out_str(struct fmt_out *o, const char *s, size_t n)
{
	while (n--)
		out_char(o, *s++);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read a decimal number at *pp, saturating far above any sane width. */
static int32_t parse_num(const char **pp)
{
	const char *p = *pp;
	int32_t n = 0;

	while (is_digit(*p)) {
		if (n < 100000000)
			n = n * 10 + (*p - '0');
		p++;
	}
	*pp = p;
	return n;
}

static uint32_t parse_flags(const char **pp)
{
	uint32_t flags = 0;

	for (;; (*pp)++) {
		switch (**pp) {
		case '-': flags |= FMT_LEFT; break;
		case '0': flags |= FMT_ZERO; break;
		case '+': flags |= FMT_PLUS; break;
		case ' ': flags |= FMT_SPACE; break;
		case '#': flags |= FMT_ALT; break;
		default: return flags;
		}
	}
}

static enum fmt_len parse_len(const char **pp)
{
	const char *p = *pp;
	enum fmt_len len = FMT_LEN_NONE;

	switch (*p) {
	case 'h': len = p[1] == 'h' ? FMT_LEN_HH : FMT_LEN_H; break;
	case 'l': len = p[1] == 'l' ? FMT_LEN_LL : FMT_LEN_L; break;
	case 'z': len = FMT_LEN_Z; break;
	case 't': len = FMT_LEN_T; break;
	case 'j': len = FMT_LEN_J; break;
	default: return len;
	}
	*pp = p + ((len == FMT_LEN_HH || len == FMT_LEN_LL) ? 2 : 1);
	return len;
}

/* Parse the conversion after a '%' at *pp; leaves *pp after it. */
static void parse_spec(const char **pp, struct fmt_spec *s)
{
	const char *p = *pp;

	s->flags = parse_flags(&p);
	s->width_star = *p == '*';
	s->width = s->width_star ? (p++, 0) : parse_num(&p);
	s->prec = -1;
	s->prec_star = false;
	if (*p == '.') {
		p++;
		s->prec_star = *p == '*';
		s->prec = s->prec_star ? (p++, 0) : parse_num(&p);
	}
	s->len = parse_len(&p);
	s->conv = *p;
	if (*p)
		p++;
	*pp = p;
}

static bool conv_known(char c)
{
	switch (c) {
	case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
	case 'p': case 's': case 'c': case '%':
		return true;
	default:
		return false;
	}
}

/* Fetch the '*' arguments; a negative width means '-', a negative
 * precision means none [C11 7.21.6.1p5]. */
static void fetch_stars(struct fmt_spec *s, va_list *ap)
{
	if (s->width_star) {
		int32_t w = va_arg(*ap, int);

		if (w < 0) {
			s->flags |= FMT_LEFT;
			w = w == INT32_MIN ? INT32_MAX : -w;
		}
		s->width = w;
	}
	if (s->prec_star) {
		int32_t p = va_arg(*ap, int);

		s->prec = p < 0 ? -1 : p;
	}
}

/*
 * The argument of a signed conversion, widened.  The 'l' modifier names the
 * C type long, so this is the one place that must say 'long': it is what
 * the caller passed.
 */
static int64_t fetch_signed(enum fmt_len len, va_list *ap)
{
	switch (len) {
	case FMT_LEN_HH: return (signed char)va_arg(*ap, int);
	case FMT_LEN_H: return (short)va_arg(*ap, int);
	case FMT_LEN_L: return va_arg(*ap, long);
	case FMT_LEN_LL: return va_arg(*ap, long long);
	case FMT_LEN_Z: return va_arg(*ap, ptrdiff_t); /* signed size_t */
	case FMT_LEN_T: return va_arg(*ap, ptrdiff_t);
	case FMT_LEN_J: return va_arg(*ap, intmax_t);
	default: return va_arg(*ap, int);
	}
}

static uint64_t fetch_unsigned(enum fmt_len len, va_list *ap)
{
	switch (len) {
	case FMT_LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case FMT_LEN_H: return (unsigned short)va_arg(*ap, unsigned int);
	case FMT_LEN_L: return va_arg(*ap, unsigned long);
	case FMT_LEN_LL: return va_arg(*ap, unsigned long long);
	case FMT_LEN_Z: return va_arg(*ap, size_t);
	case FMT_LEN_T: return va_arg(*ap, size_t); /* unsigned ptrdiff_t */
	case FMT_LEN_J: return va_arg(*ap, uintmax_t);
	default: return va_arg(*ap, unsigned int);
	}
}

/* Digits of v in 'base', most significant first, into buf[24]; returns
 * how many.  v == 0 gives no digits: the caller decides whether 0 shows. */
static int32_t to_digits(uint64_t v, uint32_t base, bool upper, char *buf)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	int32_t n = 0, i;

	for (; v; v /= base)
		rev[n++] = set[v % base];
	for (i = 0; i < n; i++)
		buf[i] = rev[n - 1 - i];
	return n;
}

/*
 * An integer field, laid out as
 *
 *   [spaces] [sign or 0x prefix] [zeros] [digits] [spaces]
 *
 * where the zeros make up the precision (and, with '0', the width) and
 * the spaces make up the width on the left or, with '-', on the right.
 */
static void put_int(struct fmt_out *o, const struct fmt_spec *s, uint64_t mag,
		    const char *prefix, uint32_t base)
{
	char digits[24];
	int32_t nd, zeros, plen = 0, pad;

	nd = to_digits(mag, base, s->conv == 'X', digits);
	if (mag == 0 && s->prec != 0)
		digits[nd++] = '0';
	zeros = s->prec > nd ? s->prec - nd : 0;
	if ((s->flags & FMT_ALT) && base == 8 && zeros == 0 &&
	    (nd == 0 || digits[0] != '0'))
		zeros = 1;
	while (prefix[plen])
		plen++;
	pad = s->width - (plen + zeros + nd);
	if (pad > 0 && (s->flags & (FMT_ZERO | FMT_LEFT)) == FMT_ZERO &&
	    s->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(s->flags & FMT_LEFT))
		out_repeat(o, ' ', pad);
	out_str(o, prefix, (size_t)plen);
	out_repeat(o, '0', zeros);
	out_str(o, digits, (size_t)nd);
	if (s->flags & FMT_LEFT)
		out_repeat(o, ' ', pad);
}

static void conv_signed(struct fmt_out *o, const struct fmt_spec *s, va_list *ap)
{
	int64_t v = fetch_signed(s->len, ap);
	/* Negate in unsigned arithmetic so INT64_MIN has a magnitude. */
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	const char *prefix = "";

	if (v < 0)
		prefix = "-";
	else if (s->flags & FMT_PLUS)
		prefix = "+";
	else if (s->flags & FMT_SPACE)
		prefix = " ";
	put_int(o, s, mag, prefix, 10);
}

static void conv_unsigned(struct fmt_out *o, const struct fmt_spec *s,
			  va_list *ap)
{
	uint64_t v = fetch_unsigned(s->len, ap);
	const char *prefix = "";
	uint32_t base = 10;

	if (s->conv == 'o')
		base = 8;
	if (s->conv == 'x' || s->conv == 'X') {
		base = 16;
		if ((s->flags & FMT_ALT) && v)
			prefix = s->conv == 'x' ? "0x" : "0X";
	}
	put_int(o, s, v, prefix, base);
}

static void conv_pointer(struct fmt_out *o, const struct fmt_spec *s,
			 va_list *ap)
{
	struct fmt_spec p = *s;

	p.flags &= FMT_LEFT;
	p.prec = 16;
	p.conv = 'x';
	put_int(o, &p, (uint64_t)(uintptr_t)va_arg(*ap, void *), "0x", 16);
}

/* A string field: at most 'prec' characters of 's', padded to the width. */
static void put_str(struct fmt_out *o, const struct fmt_spec *s, const char *str)
{
	int32_t n = 0, pad;

	if (!str)
		str = "(null)";
	while ((s->prec < 0 || n < s->prec) && str[n])
		n++;
	pad = s->width - n;
	if (!(s->flags & FMT_LEFT))
		out_repeat(o, ' ', pad);
	out_str(o, str, (size_t)n);
	if (s->flags & FMT_LEFT)
		out_repeat(o, ' ', pad);
}

/* A character field; the precision does not apply, and NUL prints too. */
static void conv_char(struct fmt_out *o, const struct fmt_spec *s, va_list *ap)
{
	char c = (char)va_arg(*ap, int);

	if (!(s->flags & FMT_LEFT))
		out_repeat(o, ' ', s->width - 1);
	out_char(o, c);
	if (s->flags & FMT_LEFT)
		out_repeat(o, ' ', s->width - 1);
}

static void convert(struct fmt_out *o, struct fmt_spec *s, va_list *ap)
{
	fetch_stars(s, ap);
	switch (s->conv) {
	case 'd': case 'i': conv_signed(o, s, ap); break;
	case 'u': case 'x': case 'X': case 'o': conv_unsigned(o, s, ap); break;
	case 'p': conv_pointer(o, s, ap); break;
	case 's': put_str(o, s, va_arg(*ap, const char *)); break;
	case 'c': conv_char(o, s, ap); break;
	default: out_char(o, '%'); break;
	}
}

int fmt_vformat(void (*emit)(void *ctx, char c), void *ctx, const char *fmt,
		va_list ap)
{
	struct fmt_out o = {emit, ctx, 0};
	struct fmt_spec s;
	va_list aq;

	/* A copy, so the helpers can take it by address on every ABI. */
	va_copy(aq, ap);
	while (*fmt) {
		const char *start = fmt;

		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt++;
		parse_spec(&fmt, &s);
		if (conv_known(s.conv))
			convert(&o, &s, &aq);
		else
			out_str(&o, start, (size_t)(fmt - start));
	}
	va_end(aq);
	return o.count;
}

/* A buffer that keeps what fits and leaves room for the NUL. */
struct fmt_buf {
	char *buf;
	size_t size, pos;
};

static void buf_emit(void *ctx, char c)
{
	struct fmt_buf *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = {buf, size, 0};
	int n = fmt_vformat(buf_emit, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = 0;
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
