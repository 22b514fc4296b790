/*
 * ktime.c - the boot-relative clock printk stamps lines with.
 */
#include "ktime.h"

#include "cpu.h"
#include "tsc.h"

static uint64_t boot_tsc;

void time_mark_boot(void)
{
	boot_tsc = rdtsc();
}

uint64_t time_since_boot_ns(void)
{
	return tsc_to_ns(rdtsc() - boot_tsc);
}
