/*
 * drv.h - private helpers of drivers/: bounded register polls timed by the
 * TSC, and zeroed pages the controller reaches through a struct drv_dma.
 */
#ifndef DRIVERS_DRV_H
#define DRIVERS_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "dma_master.h"

/* Wait until (read32(reg) & mask) == want, at most 'ms' milliseconds of
 * TSC time; true when it held in time.  The last value read goes to *last
 * when last is not NULL (for the error message). */
bool drv_poll32(const volatile void *reg, uint32_t mask, uint32_t want, uint32_t ms,
		uint32_t *last) __attribute__((warn_unused_result));
/* TSC value 'ms' milliseconds from now, and whether it has passed. */
uint64_t drv_deadline(uint32_t ms);
bool drv_expired(uint64_t deadline);
/* Busy-wait 'us' microseconds. */
void drv_udelay(uint32_t us);

struct pci_dev;
/* One zeroed 4 KiB page and the bus address dma gave it. */
struct drv_page {
	void *va;
	uint64_t bus;
};

/* Allocate, zero and map a page; DRV_ENOMEM when either step fails. */
int drv_page_get(const struct drv_dma *dma, struct drv_page *pg) __attribute__((warn_unused_result));
/* Unmap and free it (the controller must no longer use it); a page never
 * got (va NULL) is ignored. */
void drv_page_put(const struct drv_dma *dma, struct drv_page *pg);

#endif /* DRIVERS_DRV_H */
