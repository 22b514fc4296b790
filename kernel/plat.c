/*
 * plat.c - the platform interface (plat/plat.h) for the booted kernel.
 */
#include "plat.h"

#include "layout.h"
#include "mm.h"
#include "panic.h"
#include "percpu.h"
#include "printk.h"

uint32_t plat_cpu_count(void)
{
	return percpu_online();
}

void *plat_page_alloc(void)
{
	return page_alloc();
}

void plat_page_free(void *page)
{
	page_free(page);
}

uint64_t plat_virt_to_phys(const void *va)
{
	return virt_to_phys(va);
}

void *plat_phys_to_virt(uint64_t pa)
{
	return phys_to_virt(pa);
}

void *plat_malloc(size_t size)
{
	return kmalloc(size);
}

void plat_free(void *ptr)
{
	kfree(ptr);
}

void plat_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

void plat_vprintf(const char *fmt, va_list ap)
{
	vkprintf(fmt, ap);
}

void plat_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
}

_Noreturn void plat_panic(const char *file, int line, const char *msg)
{
	panic("%s:%d: %s", file, line, msg);
}
