/*
 * printk.h - the kernel log: levelled, timestamped lines to every console
 * (serial, framebuffer).  Formats are those of kernel/format.h.
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

#define LOG_ERR   3
#define LOG_WARN  4
#define LOG_INFO  6
#define LOG_DEBUG 7

/* A log line at 'level': "[seconds.micros] " then "error: "/"warning: " for
 * those levels, then the text.  Lines above the console level are dropped. */
void printk(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vprintk(int level, const char *fmt, va_list ap);
/* Raw text with no prefix (KTAP, dumps, the summary lines). */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vkprintf(const char *fmt, va_list ap);

void printk_set_level(int level);
/* From now on print without taking the log lock (its holder may be a CPU
 * that was just stopped): used once by panic. */
void printk_panic_mode(void);

#define pr_err(...)   printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  printk(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

/* A console is a sink for text; consoles are registered once at boot. */
struct console {
	const char *name;
	void (*write)(struct console *con, const char *s, size_t n);
	struct console *next;
};

void console_register(struct console *con);

#endif /* KERNEL_PRINTK_H */
