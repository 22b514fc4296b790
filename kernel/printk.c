/*
 * printk.c - formats log lines into a per-call buffer and hands them to every
 * registered console under one lock, so lines from different CPUs never mix.
 */
#include "printk.h"

#include <stdbool.h>
#include <stdint.h>

#include "format.h"
#include "plat.h"
#include "spinlock.h"
#include "ktime.h"

#define LINE_MAX 512

static struct console *consoles;
static struct spinlock log_lock = SPINLOCK_INIT;
static int console_level = LOG_INFO;
static bool panic_mode;

void printk_panic_mode(void)
{
	panic_mode = true;
}

/* The log lock, unless a panic has stopped the CPU that may hold it. */
static uint64_t log_lock_take(void)
{
	return panic_mode ? plat_irq_save() : spin_lock_irqsave(&log_lock);
}

static void log_lock_give(uint64_t f)
{
	if (panic_mode)
		plat_irq_restore(f);
	else
		spin_unlock_irqrestore(&log_lock, f);
}

void console_register(struct console *con)
{
	uint64_t f = spin_lock_irqsave(&log_lock);

	con->next = consoles;
	consoles = con;
	spin_unlock_irqrestore(&log_lock, f);
}

void printk_set_level(int level)
{
	console_level = level;
}

static void emit_locked(const char *s, size_t n)
{
	for (struct console *c = consoles; c; c = c->next)
		c->write(c, s, n);
}

/* Format the prefix into buf; returns its length. */
static size_t format_prefix(char *buf, size_t size, int level)
{
	uint64_t us = time_since_boot_ns() / 1000;
	const char *tag = level <= LOG_ERR ? "error: " : level == LOG_WARN ? "warning: " : "";
	int n;

	n = fmt_snprintf(buf, size, "[%5llu.%06llu] %s", (unsigned long long)(us / 1000000),
			 (unsigned long long)(us % 1000000), tag);
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

void vprintk(int level, const char *fmt, va_list ap)
{
	char line[LINE_MAX];
	size_t len;
	int n;
	uint64_t f;

	if (level > console_level)
		return;
	len = format_prefix(line, sizeof(line), level);
	n = fmt_vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (n > 0)
		len += (size_t)n < sizeof(line) - len ? (size_t)n : sizeof(line) - len - 1;
	f = log_lock_take();
	emit_locked(line, len);
	log_lock_give(f);
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

void vkprintf(const char *fmt, va_list ap)
{
	char line[LINE_MAX];
	int n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	uint64_t f = log_lock_take();

	emit_locked(line, len);
	log_lock_give(f);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
}
