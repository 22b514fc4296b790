/*
 * vtd_model.c - the software VT-d unit's life cycle, its one lock, events,
 * and memory as the unit sees it: live, as last written back, or as at the
 * last write-buffer flush.
 *
 * What the walker reads, by capability:
 *
 *   ECAP.C  CAP.RWBF   walker reads
 *     1        0       memory now
 *     0        0       the shadow: each 64-byte line as of its last
 *                      vtd_model_writeback (never written back: zero)
 *     x        1       the flushed view: at each GCMD.WBF, every table page
 *                      reachable from the latched root is copied from the
 *                      row above (memory now, or the shadow); anything not
 *                      copied reads zero
 *
 * So with RWBF an update the driver made after its last WBF is not seen,
 * and a new table hooked in after it is not seen either.  DMA data and the
 * invalidation queue are always coherent: ECAP.C covers the remapping
 * structures only [VT-d 11.4.3].
 */
#include "vtd_model_impl.h"

#include <stdlib.h>
#include <string.h>

#include "plat.h"

#define PAGE_MASK 0xFFFull
#define LINE      64u

/* Copied pages a flush may make: bounds a runaway walk of bad tables. */
#define FLUSH_PAGE_LIMIT 65536u

void vtd_model_config_default(struct vtd_model_config *c)
{
	memset(c, 0, sizeof(*c));
	c->version = 0x10;
	c->cap = VTD_MODEL_CAP_ND(6) | VTD_MODEL_CAP_SAGAW(6) | VTD_MODEL_CAP_MGAW(48) |
		 VTD_MODEL_CAP_FRO(0x220) | VTD_MODEL_CAP_SLLPS(3) | VTD_MODEL_CAP_PSI |
		 VTD_MODEL_CAP_NFR(1) | VTD_MODEL_CAP_MAMV(18) | VTD_MODEL_CAP_DRD |
		 VTD_MODEL_CAP_DWD;
	c->ecap = VTD_MODEL_ECAP_C | VTD_MODEL_ECAP_QI | VTD_MODEL_ECAP_IR | VTD_MODEL_ECAP_PT |
		  VTD_MODEL_ECAP_IRO(0xF0) | VTD_MODEL_ECAP_MHMV(15);
}

/* --- page maps ------------------------------------------------------------- */

static struct vm_page *pagemap_find(struct vm_pagemap *pm, uint64_t pfn)
{
	struct vm_page *p = pm->bucket[pfn % VM_PAGE_BUCKETS];

	while (p && p->pfn != pfn)
		p = p->next;
	return p;
}

/* The page, made (zero) when missing; NULL when out of memory. */
static struct vm_page *pagemap_get(struct vm_pagemap *pm, uint64_t pfn)
{
	struct vm_page *p = pagemap_find(pm, pfn);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pfn = pfn;
	p->next = pm->bucket[pfn % VM_PAGE_BUCKETS];
	pm->bucket[pfn % VM_PAGE_BUCKETS] = p;
	return p;
}

void vm_pagemap_clear(struct vm_pagemap *pm)
{
	for (uint32_t i = 0; i < VM_PAGE_BUCKETS; i++) {
		struct vm_page *p = pm->bucket[i];

		while (p) {
			struct vm_page *next = p->next;

			free(p);
			p = next;
		}
		pm->bucket[i] = NULL;
	}
}

static uint64_t pagemap_read64(struct vm_pagemap *pm, uint64_t pa)
{
	struct vm_page *p = pagemap_find(pm, pa >> 12);
	uint64_t v = 0;

	if (p)
		memcpy(&v, p->data + (pa & PAGE_MASK), sizeof(v));
	return v;
}

/* --- memory ---------------------------------------------------------------- */

/* Physical is virtual on the host, so page 0 (never mapped there) is
 * never memory: a zero table pointer faults instead of crashing. */
bool vm_mem_ok(struct vtd_model *m, uint64_t pa, uint64_t len)
{
	if (len == 0 || pa < 4096 || pa + len < pa || ((pa + len - 1) & ~m->haw_mask))
		return false;
	return !m->cfg.mem_ok || m->cfg.mem_ok(m->cfg.arg, pa, len);
}

void *vm_direct(struct vtd_model *m, uint64_t pa, uint64_t len)
{
	return vm_mem_ok(m, pa, len) ? plat_phys_to_virt(pa) : NULL;
}

/* The row above the flushed view: memory now, or the written-back lines. */
static uint64_t source_read64(struct vtd_model *m, uint64_t pa)
{
	if (!m->caps.coherent)
		return pagemap_read64(&m->shadow, pa);
	/* The unit reads entries while CPUs write them: one 8-byte access,
	 * as the hardware's.  Acquire, as an x86 load is: what the entry
	 * points at is read after it, so a driver that links a table before
	 * zeroing it is seen doing so (and TSan sees the driver's release
	 * store order the table's contents before the link). */
	return __atomic_load_n((const uint64_t *)plat_phys_to_virt(pa), __ATOMIC_ACQUIRE);
}

bool vm_table_read64(struct vtd_model *m, uint64_t pa, uint64_t *val)
{
	if ((pa & 7) || !vm_mem_ok(m, pa, 8))
		return false;
	if (m->caps.rwbf)
		*val = pagemap_read64(&m->flushed, pa);
	else
		*val = source_read64(m, pa);
	return true;
}

bool vm_irt_read64(struct vtd_model *m, uint64_t pa, uint64_t *val)
{
	if ((pa & 7) || !vm_mem_ok(m, pa, 8))
		return false;
	*val = source_read64(m, pa);
	return true;
}

/*
 * A write-back moves whole cache lines, as CLFLUSH does, so the line may
 * hold bytes of the caller's neighbours: a small object (a status word)
 * shares its line with other heap objects.  Those bytes are mapped (a line
 * never crosses a page) but the sanitizers would call the read out of
 * bounds or racy; it is the hardware's, not the program's.
 */
__attribute__((no_sanitize("address", "thread"), noinline))
static void copy_line(uint8_t *dst, const volatile uint8_t *src)
{
	for (uint32_t i = 0; i < LINE; i++)
		dst[i] = src[i];
}

void vtd_model_writeback(struct vtd_model *m, uint64_t pa, uint64_t len)
{
	uint64_t a = pa & ~(uint64_t)(LINE - 1), end = pa + len;

	pthread_mutex_lock(&m->lock);
	m->cnt.writeback++;
	for (; !m->caps.coherent && a < end; a += LINE) {
		struct vm_page *p;

		if (!vm_mem_ok(m, a, LINE) || !(p = pagemap_get(&m->shadow, a >> 12)))
			continue;
		copy_line(p->data + (a & PAGE_MASK), plat_phys_to_virt(a));
	}
	vm_unlock(m);
}

/* --- the flushed view (RWBF) ------------------------------------------------ */

struct flush_walk {
	struct vtd_model *m;
	uint32_t pages;
};

/* Copy one table page from the source row; false when the page is not
 * memory, already copied, or over the limit (nothing below it is walked). */
static bool flush_page(struct flush_walk *w, uint64_t pa)
{
	struct vtd_model *m = w->m;
	struct vm_page *p;

	pa &= ~PAGE_MASK;
	if (!vm_mem_ok(m, pa, 4096) || pagemap_find(&m->flushed, pa >> 12) ||
	    w->pages >= FLUSH_PAGE_LIMIT || !(p = pagemap_get(&m->flushed, pa >> 12)))
		return false;
	w->pages++;
	for (uint32_t off = 0; off < 4096; off += 8) {
		uint64_t v = source_read64(m, pa + off);

		memcpy(p->data + off, &v, sizeof(v));
	}
	return true;
}

static void flush_sl(struct flush_walk *w, uint64_t table, unsigned int level)
{
	if (!flush_page(w, table))
		return;
	for (uint32_t i = 0; level > 1 && i < 512; i++) {
		uint64_t e = pagemap_read64(&w->m->flushed, (table & ~PAGE_MASK) + 8 * i);

		if ((e & (VM_SL_R | VM_SL_W)) && !(e & VM_SL_PS))
			flush_sl(w, e & w->m->haw_mask & ~PAGE_MASK, level - 1);
	}
}

static void flush_context_table(struct flush_walk *w, uint64_t table)
{
	if (!flush_page(w, table))
		return;
	for (uint32_t i = 0; i < 256; i++) {
		uint64_t lo = pagemap_read64(&w->m->flushed, table + 16 * i);
		uint64_t hi = pagemap_read64(&w->m->flushed, table + 16 * i + 8);
		unsigned int aw = VM_CTX_AW(hi);

		if ((lo & VTD_CTX_P) && VM_CTX_TT(lo) <= 1 && aw >= 1 && aw <= 3)
			flush_sl(w, lo & w->m->haw_mask & ~PAGE_MASK, aw + 2);
	}
}

void vm_flush_write_buffer(struct vtd_model *m)
{
	struct flush_walk w = {m, 0};

	vm_pagemap_clear(&m->flushed);
	if (!m->root_latched || !flush_page(&w, m->root))
		return;
	for (uint32_t bus = 0; bus < 256; bus++) {
		uint64_t lo = pagemap_read64(&m->flushed, m->root + 16 * bus);

		if (lo & VM_ROOT_P)
			flush_context_table(&w, lo & m->haw_mask & ~PAGE_MASK);
	}
}

/* --- lock, events, violations --------------------------------------------- */

void vm_violation(struct vtd_model *m, const char *what)
{
	m->cnt.violations++;
	m->violation = what;
}

struct pending_event {
	uint64_t addr;
	uint32_t data;
};
static _Thread_local struct pending_event pending[2];

void vm_raise(struct vtd_model *m, enum vtd_model_event ev)
{
	m->cnt.events++;
	m->pending_ev |= 1u << ev;
	if (ev == VTD_MODEL_EV_FAULT)
		pending[ev] = (struct pending_event){(uint64_t)m->feuaddr << 32 | m->feaddr,
						     m->fedata};
	else
		pending[ev] = (struct pending_event){(uint64_t)m->ieuaddr << 32 | m->ieaddr,
						     m->iedata};
}

/* Drop the lock, then emit what was raised under it, so the test's
 * handler may call into the model. */
void vm_unlock(struct vtd_model *m)
{
	uint32_t ev = m->pending_ev;

	m->pending_ev = 0;
	pthread_mutex_unlock(&m->lock);
	for (uint32_t i = 0; i < 2; i++)
		if ((ev & (1u << i)) && m->cfg.event)
			m->cfg.event(m->cfg.arg, (enum vtd_model_event)i, pending[i].addr,
				     pending[i].data);
}

/* --- life cycle --------------------------------------------------------------- */

/* Can this model be the unit cfg describes? */
static bool config_ok(const struct vtd_model_config *c, const struct vtd_caps *k)
{
	uint32_t frcd_end = k->fro + 16 * k->nfr;

	if (!(k->sagaw & 0xE) || (k->sagaw & 0x11) || c->haw > 52 ||
	    (c->haw && c->haw < 32))
		return false;
	/* Posted interrupts (IRTE mode 1) are not modelled. */
	if (VTD_CAP_PI(c->cap))
		return false;
	/* Fault records and the IOTLB pair inside the page, after the
	 * architectural registers (0x100 and up), not over each other. */
	if (k->fro < 0xC0 || frcd_end > VM_REG_SIZE || k->iro < 0xC0 ||
	    k->iro + 16 > VM_REG_SIZE)
		return false;
	return k->iro + 16 <= k->fro || k->iro >= frcd_end;
}

int vtd_model_create(const struct vtd_model_config *cfg, struct vtd_model **out)
{
	struct vtd_model *m = calloc(1, sizeof(*m));
	unsigned int haw;

	if (!m)
		return VTD_MODEL_ENOMEM;
	m->cfg = *cfg;
	if (!m->cfg.version)
		m->cfg.version = 0x10;
	vtd_caps_decode(m->cfg.version, cfg->cap, cfg->ecap, &m->caps);
	if (!config_ok(cfg, &m->caps)) {
		free(m);
		return VTD_MODEL_EINVAL;
	}
	haw = cfg->haw ? cfg->haw : 48;
	m->haw_mask = (1ull << haw) - 1;
	m->frcd = calloc(m->caps.nfr, sizeof(*m->frcd));
	if (!m->frcd) {
		free(m);
		return VTD_MODEL_ENOMEM;
	}
	m->inj = cfg->inject;
	pthread_mutex_init(&m->lock, NULL);
	vm_regs_reset(m);
	*out = m;
	return 0;
}

void vtd_model_destroy(struct vtd_model *m)
{
	if (!m)
		return;
	vm_pagemap_clear(&m->shadow);
	vm_pagemap_clear(&m->flushed);
	pthread_mutex_destroy(&m->lock);
	free(m->frcd);
	free(m);
}

void vtd_model_set_inject(struct vtd_model *m, const struct vtd_model_inject *inj)
{
	pthread_mutex_lock(&m->lock);
	m->inj = *inj;
	/* A hang lifted: a pending register command completes, the
	 * stalled queue goes on. */
	vm_regs_resume(m);
	m->iq_pending = false;
	vm_qi_run(m);
	vm_unlock(m);
}

void vtd_model_counters(struct vtd_model *m, struct vtd_model_counters *out)
{
	pthread_mutex_lock(&m->lock);
	*out = m->cnt;
	vm_unlock(m);
}

const char *vtd_model_last_violation(struct vtd_model *m)
{
	const char *v;

	pthread_mutex_lock(&m->lock);
	v = m->violation ? m->violation : "";
	vm_unlock(m);
	return v;
}

/* --- register access ---------------------------------------------------------- */

static bool offset_ok(struct vtd_model *m, uint32_t off, uint32_t size)
{
	if (off % size || off + size > VM_REG_SIZE) {
		vm_violation(m, "register access misaligned or outside the 4 KiB");
		return false;
	}
	return true;
}

/* inject.qi_late: a register read finds the queue's work done. */
static void late_queue_run(struct vtd_model *m)
{
	if (m->iq_pending) {
		m->iq_pending = false;
		vm_qi_run(m);
	}
}

uint32_t vtd_model_read32(struct vtd_model *m, uint32_t off)
{
	uint32_t v = 0;

	pthread_mutex_lock(&m->lock);
	late_queue_run(m);
	if (m->inj.all_ones)
		v = ~0u;
	else if (offset_ok(m, off, 4))
		v = vm_reg_read(m, off);
	vm_unlock(m);
	return v;
}

uint64_t vtd_model_read64(struct vtd_model *m, uint32_t off)
{
	uint64_t v = 0;

	pthread_mutex_lock(&m->lock);
	late_queue_run(m);
	if (m->inj.all_ones)
		v = ~0ull;
	else if (offset_ok(m, off, 8))
		v = vm_reg_read(m, off) | (uint64_t)vm_reg_read(m, off + 4) << 32;
	vm_unlock(m);
	return v;
}

void vtd_model_write32(struct vtd_model *m, uint32_t off, uint32_t val)
{
	pthread_mutex_lock(&m->lock);
	if (!m->inj.all_ones && offset_ok(m, off, 4))
		vm_reg_write(m, off, val);
	vm_unlock(m);
}

void vtd_model_write64(struct vtd_model *m, uint32_t off, uint64_t val)
{
	pthread_mutex_lock(&m->lock);
	if (!m->inj.all_ones && offset_ok(m, off, 8)) {
		vm_reg_write(m, off, (uint32_t)val);
		vm_reg_write(m, off + 4, (uint32_t)(val >> 32));
	}
	vm_unlock(m);
}
