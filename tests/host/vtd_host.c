/*
 * vtd_host.c - a VT-d model as a unit of the host environment: register
 * window, cache write-back hook, events as MSIs (vtd_host.h).
 */
#include "vtd_host.h"

#include "plat.h"
#include "plat_host.h"

static uint32_t regs_read32(void *arg, uint64_t off)
{
	return vtd_model_read32(((struct vtd_host_unit *)arg)->m, (uint32_t)off);
}

static uint64_t regs_read64(void *arg, uint64_t off)
{
	return vtd_model_read64(((struct vtd_host_unit *)arg)->m, (uint32_t)off);
}

static void regs_write32(void *arg, uint64_t off, uint32_t val)
{
	vtd_model_write32(((struct vtd_host_unit *)arg)->m, (uint32_t)off, val);
}

static void regs_write64(void *arg, uint64_t off, uint64_t val)
{
	vtd_model_write64(((struct vtd_host_unit *)arg)->m, (uint32_t)off, val);
}

static const struct plat_host_mmio_ops regs_ops = {
	regs_read32, regs_read64, regs_write32, regs_write64,
};

/* plat_cache_flush: with ECAP.C = 0 the model sees only what this gives
 * it; with C = 1 the call changes nothing (but is counted). */
static void on_flush(void *arg, const void *p, size_t len)
{
	struct vtd_host_unit *u = arg;

	vtd_model_writeback(u->m, plat_virt_to_phys(p), len);
}

/* The unit's MSI write: the model calls this without its lock held. */
static void on_event(void *arg, enum vtd_model_event ev, uint64_t addr, uint32_t data)
{
	struct vtd_host_unit *u = arg;

	(void)ev;
	if (plat_host_msi_send(addr, data))
		atomic_fetch_add(&u->msi_sent, 1);
	else
		atomic_fetch_add(&u->msi_lost, 1);
}

int vtd_host_add(struct vtd_host_unit *u, uint64_t base, const struct vtd_model_config *cfg)
{
	struct vtd_model_config c = *cfg;
	int err;

	u->base = base;
	atomic_init(&u->msi_sent, 0);
	atomic_init(&u->msi_lost, 0);
	c.event = on_event;
	c.arg = u;
	if ((err = vtd_model_create(&c, &u->m)) != 0)
		return err;
	if (plat_host_mmio_add(base, PLAT_PAGE_SIZE, &regs_ops, u) != 0)
		goto fail;
	if (plat_host_flush_hook_add(on_flush, u) != 0) {
		plat_host_mmio_remove(base);
		goto fail;
	}
	return 0;
fail:
	vtd_model_destroy(u->m);
	u->m = NULL;
	return -1;
}

void vtd_host_remove(struct vtd_host_unit *u)
{
	if (!u->m)
		return;
	plat_host_flush_hook_remove(on_flush, u);
	plat_host_mmio_remove(u->base);
	vtd_model_destroy(u->m);
	u->m = NULL;
}

int vtd_host_dma(struct vtd_host_unit *u, uint16_t sid, uint64_t iova, void *buf, uint32_t len,
		 bool write)
{
	return vtd_model_dma(u->m, sid, iova, buf, len, write);
}
