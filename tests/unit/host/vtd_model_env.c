/*
 * vtd_model_env.c - builds tables in host pages and drives the software
 * VT-d unit through its registers the way a driver would, for the
 * test_vtd_model_* files.
 */
#include "vtd_model_env.h"

#include <stdlib.h>
#include <string.h>

#include "plat.h"

static bool env_mem_ok(void *arg, uint64_t pa, uint64_t len)
{
	struct env *e = arg;

	return !e->hole || pa + len <= e->hole || pa >= e->hole + SZ_4K;
}

static void env_event(void *arg, enum vtd_model_event ev, uint64_t addr, uint32_t data)
{
	struct env *e = arg;

	e->events++;
	e->last_ev = ev;
	e->ev_addr = addr;
	e->ev_data = data;
}

void env_config(struct env *e)
{
	memset(e, 0, sizeof(*e));
	vtd_model_config_default(&e->cfg);
	e->cfg.mem_ok = env_mem_ok;
	e->cfg.event = env_event;
	e->cfg.arg = e;
}

bool env_create(struct env *e)
{
	e->writeback = !VTD_ECAP_C(e->cfg.ecap);
	return vtd_model_create(&e->cfg, &e->m) == 0;
}

bool env_init(struct env *e, uint64_t cap_set, uint64_t cap_clear, uint64_t ecap_set,
	      uint64_t ecap_clear)
{
	env_config(e);
	e->cfg.cap = (e->cfg.cap & ~cap_clear) | cap_set;
	e->cfg.ecap = (e->cfg.ecap & ~ecap_clear) | ecap_set;
	return env_create(e);
}

void env_fini(struct env *e)
{
	vtd_model_destroy(e->m);
	for (uint32_t i = 0; i < e->npages; i++)
		free(e->pages[i]);
	free(e->iq_status);
	e->npages = 0;
}

void *env_alloc(struct env *e, size_t size)
{
	void *p = aligned_alloc(SZ_4K, size);

	PLAT_ASSERT(p && size % SZ_4K == 0 && e->npages < ENV_MAX_PAGES);
	memset(p, 0, size);
	e->pages[e->npages++] = p;
	if (e->writeback)
		vtd_model_writeback(e->m, env_pa(p), size);
	return p;
}

void *env_page(struct env *e)
{
	return env_alloc(e, SZ_4K);
}

uint64_t env_pa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

void env_store(struct env *e, uint64_t *where, uint64_t val)
{
	*where = val;
	if (e->writeback)
		vtd_model_writeback(e->m, env_pa(where), sizeof(*where));
}

/* --- tables --------------------------------------------------------------- */

void env_set_context(struct env *e, uint16_t sid, uint16_t did, uint64_t *slpt,
		     unsigned int levels, unsigned int tt, bool fpd)
{
	unsigned int bus = sid >> 8, devfn = sid & 0xFF;
	uint64_t *c;

	if (!e->root)
		e->root = env_page(e);
	if (!e->ctx[bus]) {
		e->ctx[bus] = env_page(e);
		env_store(e, &e->root[2 * bus], env_pa(e->ctx[bus]) | 1);
	}
	c = &e->ctx[bus][2 * devfn];
	env_store(e, &c[1], (uint64_t)(levels - 2) | (uint64_t)did << 8);
	env_store(e, &c[0], (slpt ? env_pa(slpt) : 0) | (uint64_t)tt << 2 | (fpd ? 2 : 0) | 1);
}

static unsigned int size_level(uint64_t size)
{
	return size == SZ_1G ? 3 : size == SZ_2M ? 2 : 1;
}

uint64_t *env_pte(struct env *e, uint64_t *slpt, unsigned int levels, uint64_t iova,
		  uint64_t size)
{
	uint64_t *t = slpt;

	for (unsigned int l = levels; l > size_level(size); l--) {
		uint64_t *ent = &t[(iova >> (12 + 9 * (l - 1))) & 511];

		if (!(*ent & 3))
			env_store(e, ent, env_pa(env_page(e)) | 3);
		t = (uint64_t *)(uintptr_t)(*ent & 0x000FFFFFFFFFF000ull);
	}
	return &t[(iova >> (12 + 9 * (size_level(size) - 1))) & 511];
}

void env_map(struct env *e, uint64_t *slpt, unsigned int levels, uint64_t iova, uint64_t pa,
	     uint64_t size, bool r, bool w)
{
	uint64_t *pte = env_pte(e, slpt, levels, iova, size);

	env_store(e, pte, pa | (size > SZ_4K ? 1ull << 7 : 0) | (w ? 2 : 0) | (r ? 1 : 0));
}

/* --- registers ------------------------------------------------------------- */

void env_gcmd_set(struct env *e, uint32_t bit)
{
	e->gcmd |= bit;
	vtd_model_write32(e->m, VTD_GCMD, e->gcmd);
}

void env_gcmd_clear(struct env *e, uint32_t bit)
{
	e->gcmd &= ~bit;
	vtd_model_write32(e->m, VTD_GCMD, e->gcmd);
}

void env_gcmd_oneshot(struct env *e, uint32_t bit)
{
	vtd_model_write32(e->m, VTD_GCMD, e->gcmd | bit);
}

bool env_enable(struct env *e)
{
	if (!e->root)
		e->root = env_page(e);
	vtd_model_write64(e->m, VTD_RTADDR, env_pa(e->root));
	env_gcmd_oneshot(e, VTD_GCMD_SRTP);
	if (!(vtd_model_read32(e->m, VTD_GSTS) & (1u << 30)))
		return false;
	if (VTD_CAP_RWBF(e->cfg.cap))
		env_gcmd_oneshot(e, VTD_GCMD_WBF);
	env_inv_context_global(e);
	env_inv_iotlb_global(e);
	env_gcmd_set(e, VTD_GCMD_TE);
	return vtd_model_read32(e->m, VTD_GSTS) & VTD_GCMD_TE;
}

static void ccmd(struct env *e, uint64_t v)
{
	vtd_model_write64(e->m, VTD_CCMD, VTD_CCMD_ICC | v);
}

void env_inv_context_global(struct env *e)
{
	ccmd(e, VTD_CCMD_GLOBAL);
}

void env_inv_context_device(struct env *e, uint16_t sid, uint16_t did)
{
	ccmd(e, VTD_CCMD_DEVICE | (uint64_t)sid << 16 | did);
}

static void iotlb(struct env *e, uint64_t v)
{
	uint32_t iro = VTD_ECAP_IRO(e->cfg.ecap) * 16;

	vtd_model_write64(e->m, iro + 8, VTD_IOTLB_IVT | v);
}

void env_inv_iotlb_global(struct env *e)
{
	iotlb(e, VTD_IOTLB_GLOBAL);
}

void env_inv_iotlb_domain(struct env *e, uint16_t did)
{
	iotlb(e, VTD_IOTLB_DOMAIN | VTD_IOTLB_DID(did));
}

void env_inv_iotlb_page(struct env *e, uint16_t did, uint64_t iova, unsigned int am, bool ih)
{
	uint32_t iro = VTD_ECAP_IRO(e->cfg.ecap) * 16;

	vtd_model_write64(e->m, iro, iova | (ih ? 1u << 6 : 0) | am);
	iotlb(e, VTD_IOTLB_PAGE | VTD_IOTLB_DID(did));
}

/* --- queued invalidation ----------------------------------------------------- */

bool env_qi_start(struct env *e)
{
	e->iq = env_page(e);
	e->iq_status = calloc(1, sizeof(*e->iq_status));
	e->iq_tail = 0;
	vtd_model_write64(e->m, VTD_IQT, 0);
	vtd_model_write64(e->m, VTD_IQA, env_pa(e->iq)); /* QS 0: 256 descriptors */
	env_gcmd_set(e, VTD_GCMD_QIE);
	for (int i = 0; i < 100; i++) /* a unit with latency takes some reads */
		if (vtd_model_read32(e->m, VTD_GSTS) & VTD_GCMD_QIE)
			return true;
	return false;
}

void env_qi_add(struct env *e, uint64_t lo, uint64_t hi)
{
	e->iq[2 * e->iq_tail] = lo;
	e->iq[2 * e->iq_tail + 1] = hi;
	e->iq_tail = (e->iq_tail + 1) % 256;
}

void env_qi_go(struct env *e)
{
	vtd_model_write64(e->m, VTD_IQT, (uint64_t)e->iq_tail << 4);
}

bool env_qi_sync(struct env *e)
{
	__atomic_store_n(e->iq_status, 0, __ATOMIC_RELAXED);
	env_qi_add(e, QD_WAIT_SW(1), env_pa(e->iq_status));
	env_qi_go(e);
	return __atomic_load_n(e->iq_status, __ATOMIC_ACQUIRE) == 1;
}

/* --- interrupt remapping ------------------------------------------------------- */

uint64_t *env_irt(struct env *e, unsigned int s)
{
	size_t size = 16ull << (s + 1);

	return env_alloc(e, size < SZ_4K ? SZ_4K : size);
}

void env_irte_set(struct env *e, uint64_t *irt, uint32_t index, uint64_t lo, uint64_t hi)
{
	env_store(e, &irt[2 * index], 0);
	env_store(e, &irt[2 * index + 1], hi);
	env_store(e, &irt[2 * index], lo);
}

void env_iec_global(struct env *e)
{
	env_qi_add(e, QD_IEC_GLOBAL, 0);
	PLAT_ASSERT(env_qi_sync(e));
}

void env_iec_index(struct env *e, uint16_t index, unsigned int im)
{
	env_qi_add(e, QD_IEC_INDEX(index, im), 0);
	PLAT_ASSERT(env_qi_sync(e));
}

bool env_ir_enable(struct env *e, uint64_t *irt, unsigned int s, bool eime)
{
	if (!e->iq && !env_qi_start(e))
		return false;
	vtd_model_write64(e->m, 0xB8, env_pa(irt) | (eime ? IRTA_EIME : 0) | s);
	env_gcmd_oneshot(e, VTD_GCMD_SIRTP);
	if (!(vtd_model_read32(e->m, VTD_GSTS) & VTD_GCMD_SIRTP)) /* IRTPS */
		return false;
	env_iec_global(e);
	env_gcmd_set(e, VTD_GCMD_IRE);
	return vtd_model_read32(e->m, VTD_GSTS) & VTD_GCMD_IRE;
}

uint64_t *env_ir_init(struct env *e, uint64_t ecap_set, uint64_t ecap_clear, unsigned int s,
		      bool eime)
{
	uint64_t *irt;

	if (!env_init(e, 0, 0, ecap_set, ecap_clear))
		return NULL;
	irt = env_irt(e, s);
	return env_ir_enable(e, irt, s, eime) ? irt : NULL;
}

int env_irq(struct env *e, uint16_t sid, uint64_t addr, uint32_t data, struct vtd_model_irq *out)
{
	memset(out, 0, sizeof(*out));
	return vtd_model_interrupt(e->m, sid, addr, data, out);
}

/* --- DMA and faults ------------------------------------------------------------ */

int env_dma_write32(struct env *e, uint16_t sid, uint64_t iova, uint32_t v)
{
	return vtd_model_dma(e->m, sid, iova, &v, sizeof(v), true);
}

int env_dma_read32(struct env *e, uint16_t sid, uint64_t iova, uint32_t *v)
{
	return vtd_model_dma(e->m, sid, iova, v, sizeof(*v), false);
}

uint64_t env_frcd_lo(struct env *e, uint32_t i)
{
	return vtd_model_read64(e->m, VTD_CAP_FRO(e->cfg.cap) * 16 + 16 * i);
}

uint64_t env_frcd_hi(struct env *e, uint32_t i)
{
	return vtd_model_read64(e->m, VTD_CAP_FRO(e->cfg.cap) * 16 + 16 * i + 8);
}

void env_frcd_clear(struct env *e, uint32_t i)
{
	vtd_model_write32(e->m, VTD_CAP_FRO(e->cfg.cap) * 16 + 16 * i + 12, 1u << 31);
}

struct vtd_model_counters env_counters(struct env *e)
{
	struct vtd_model_counters c;

	vtd_model_counters(e->m, &c);
	return c;
}
