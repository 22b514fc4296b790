/*
 * format.h - the printf-style formatter behind printk and the consoles:
 * portable, no libc, built into the kernel and the host tests alike.
 *
 * Supported: conversions %d %i %u %x %X %o %p %s %c %%; flags '-' '0' '+'
 * ' ' '#'; a field width (digits or '*'); a precision ('.N' or '.*') for
 * integers and %s; length modifiers hh h l ll z t j.  The meaning follows
 * C11 7.21.6.1, with these choices where C leaves room or this file differs:
 *
 *  - %p prints "0x" and exactly 16 lower-case hex digits, NULL included
 *    ("0x0000000000000000"); width and '-' apply, the other flags do not.
 *  - %s of NULL prints "(null)", cut by the precision like any string.
 *  - Length modifiers are ignored for %c, %s and %p: there are no wide
 *    characters here.  L, q, n, floating point and positional arguments
 *    ('%1$d') are not supported.
 *  - A conversion that is not supported, or a format that ends inside a
 *    conversion, is printed verbatim from its '%' on ("%q" prints "%q",
 *    "%5.2y" prints "%5.2y") and consumes no argument, not even for a '*'
 *    that came before it; later conversions take the arguments that were
 *    meant for them, as long as the unknown one was not meant to have one.
 *  - '0' with %s or %c pads with spaces.
 *  - The count returned saturates at INT32_MAX (C would make it undefined).
 */
#ifndef FORMAT_H
#define FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#define fmt_printf_like(f, a) __attribute__((format(printf, f, a)))

/*
 * Format 'fmt' with the arguments in 'ap', handing each output character to
 * emit(ctx, c) in order.  Returns the number of characters emitted.
 */
int fmt_vformat(void (*emit)(void *ctx, char c), void *ctx, const char *fmt,
		va_list ap) fmt_printf_like(3, 0);

/*
 * C99 vsnprintf: write at most size - 1 characters of the output to 'buf'
 * and a terminating NUL whenever size > 0 ('buf' may be NULL when size is
 * 0).  Returns the length the whole output has, so a return >= size means
 * the output was cut.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	fmt_printf_like(3, 0);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	fmt_printf_like(3, 4);

#endif /* FORMAT_H */
