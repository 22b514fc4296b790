/*
 * vtd_model_walk.c - the software VT-d unit's DMA path: root entry ->
 * context entry -> second-level tables [VT-d 3.4, 3.7, 9.1, 9.3, 9.8], the
 * context cache and the IOTLB (leaf and paging-structure entries) that a
 * real unit keeps until told to drop them [VT-d 6.2, 6.5], and the fault
 * each failure gives [VT-d 7.1.3].
 *
 * A request-without-PASID of source id bus:devfn at input address A:
 *
 *   RTADDR --bus--> root entry (P, context-table pointer)
 *            --devfn--> context entry (P, FPD, TT, SLPTPTR, AW, DID)
 *            --A[47:39] A[38:30] A[29:21] A[20:12]--> SL-PML4E..SL-PTE
 *
 * AW = 1 walks three levels (39-bit), 2 four (48-bit), 3 five (57-bit); a
 * level-3 or level-2 entry with PS is a 1 GiB or 2 MiB page.  R and W of
 * every level are ANDed.  Faults of the "qualified" reasons are not
 * recorded when the context entry has FPD.
 */
#include "vtd_model_impl.h"

#include <string.h>

#define PAGE_MASK 0xFFFull

static uint64_t span(unsigned int level)
{
	return 1ull << (12 + 9 * (level - 1));
}

static unsigned int index_at(uint64_t iova, unsigned int level)
{
	return (unsigned)(iova >> (12 + 9 * (level - 1))) & 511;
}

/* Reasons that FPD can suppress [VT-d 7.1.3]. */
static bool qualified(unsigned int fr)
{
	return fr == 0x2 || fr == 0x3 || fr == 0x4 || fr == 0x5 || fr == 0x6 || fr == 0x7 ||
	       fr == 0xC || fr == 0xD;
}

static int fault(struct vtd_model *m, uint16_t sid, uint64_t iova, unsigned int fr, bool write,
		 bool fpd)
{
	if (fpd && qualified(fr))
		m->cnt.faults_fpd++;
	else
		vm_record_fault(m, sid, iova, fr, write);
	return (int)fr;
}

/* --- the context cache ---------------------------------------------------- */

static struct vm_ctx_cache *ctx_find(struct vtd_model *m, uint16_t sid)
{
	for (uint32_t i = 0; i < VM_CTX_ENTRIES; i++)
		if (m->ctx[i].valid && m->ctx[i].sid == sid)
			return &m->ctx[i];
	return NULL;
}

/* Cache an entry; a not-present one (CM only) is tagged domain id 0. */
static void ctx_fill(struct vtd_model *m, uint16_t sid, uint64_t lo, uint64_t hi)
{
	struct vm_ctx_cache *c = ctx_find(m, sid);

	if (!c) {
		for (uint32_t i = 0; !c && i < VM_CTX_ENTRIES; i++)
			if (!m->ctx[i].valid)
				c = &m->ctx[i];
		if (!c)
			c = &m->ctx[m->ctx_victim++ % VM_CTX_ENTRIES];
	}
	*c = (struct vm_ctx_cache){true, sid, (lo & VTD_CTX_P) ? VM_CTX_DIDOF(hi) : 0, lo, hi};
}

/* The self-check switches: true when this invalidation is to be dropped
 * (and not counted as done). */
static bool skip_cc(struct vtd_model *m)
{
	if (!m->inj.skip_cc)
		return false;
	m->inj.skip_cc--;
	m->cnt.inv_skipped++;
	return true;
}

static bool skip_iotlb(struct vtd_model *m)
{
	if (!m->inj.skip_iotlb)
		return false;
	m->inj.skip_iotlb--;
	m->cnt.inv_skipped++;
	return true;
}

void vm_inv_context_all(struct vtd_model *m)
{
	if (skip_cc(m))
		return;
	m->cnt.cc_global++;
	memset(m->ctx, 0, sizeof(m->ctx));
}

void vm_inv_context_domain(struct vtd_model *m, uint16_t did)
{
	if (skip_cc(m))
		return;
	m->cnt.cc_domain++;
	for (uint32_t i = 0; i < VM_CTX_ENTRIES; i++)
		if (m->ctx[i].did == did)
			m->ctx[i].valid = false;
}

/* Device-selective: the source id, its function bits masked by FM, and
 * the domain id the entry was cached under. */
void vm_inv_context_device(struct vtd_model *m, uint16_t sid, unsigned int fm, uint16_t did)
{
	static const uint16_t keep[4] = {0xFFFF, 0xFFFB, 0xFFF9, 0xFFF8};

	if (skip_cc(m))
		return;
	m->cnt.cc_device++;
	for (uint32_t i = 0; i < VM_CTX_ENTRIES; i++) {
		struct vm_ctx_cache *c = &m->ctx[i];

		if (((c->sid ^ sid) & keep[fm & 3]) == 0 && c->did == did)
			c->valid = false;
	}
}

/* --- the IOTLB --------------------------------------------------------------- */

static void tlb_fill(struct vtd_model *m, const struct vm_tlb *e)
{
	struct vm_tlb *slot = NULL;

	if (m->inj.no_caching)
		return;
	/* The first invalid or matching slot; slots from tlb_used up are
	 * all invalid, so the first of them will do. */
	for (uint32_t i = 0; i < m->tlb_used; i++) {
		struct vm_tlb *t = &m->tlb[i];

		if (!t->valid || (t->leaf == e->leaf && t->did == e->did &&
				  t->level == e->level && t->iova == e->iova)) {
			slot = t;
			break;
		}
	}
	if (!slot && m->tlb_used < VM_TLB_ENTRIES)
		slot = &m->tlb[m->tlb_used++];
	if (!slot)
		slot = &m->tlb[m->tlb_victim++ % VM_TLB_ENTRIES];
	*slot = *e;
}

/* After an invalidation: lower tlb_used past the invalid slots at the top. */
static void tlb_trim(struct vtd_model *m)
{
	while (m->tlb_used && !m->tlb[m->tlb_used - 1].valid)
		m->tlb_used--;
}

/* The leaf entry mapping iova, or else the deepest table entry on its way. */
static const struct vm_tlb *tlb_find(struct vtd_model *m, uint16_t did, uint64_t iova, bool leaf)
{
	const struct vm_tlb *best = NULL;

	for (uint32_t i = 0; i < m->tlb_used; i++) {
		const struct vm_tlb *t = &m->tlb[i];

		if (!t->valid || t->leaf != leaf || t->did != did ||
		    (iova & ~(span(t->level) - 1)) != t->iova)
			continue;
		if (leaf)
			return t;
		if (!best || t->level < best->level)
			best = t;
	}
	return best;
}

void vm_inv_iotlb_all(struct vtd_model *m)
{
	if (skip_iotlb(m))
		return;
	m->cnt.iotlb_global++;
	memset(m->tlb, 0, sizeof(m->tlb));
	m->tlb_used = 0;
}

void vm_inv_iotlb_domain(struct vtd_model *m, uint16_t did)
{
	if (skip_iotlb(m))
		return;
	m->cnt.iotlb_domain++;
	for (uint32_t i = 0; i < m->tlb_used; i++)
		if (m->tlb[i].did == did)
			m->tlb[i].valid = false;
	tlb_trim(m);
}

/* Page-selective: 2^am pages at addr.  Leaf entries overlapping them go;
 * paging-structure entries go too unless IH says only leaves changed. */
void vm_inv_iotlb_pages(struct vtd_model *m, uint16_t did, uint64_t addr, unsigned int am,
			bool ih)
{
	uint64_t size = 0x1000ull << am, base = addr & ~(size - 1);

	if (skip_iotlb(m))
		return;
	m->cnt.iotlb_page++;
	for (uint32_t i = 0; i < m->tlb_used; i++) {
		struct vm_tlb *t = &m->tlb[i];

		if (!t->valid || t->did != did || (ih && !t->leaf))
			continue;
		if (t->iova < base + size && base < t->iova + span(t->level))
			t->valid = false;
	}
	tlb_trim(m);
}

/* --- root and context entries ------------------------------------------------ */

/* Read bus's root entry and devfn's context entry: 0 or an unqualified
 * fault reason. */
static int context_read(struct vtd_model *m, uint16_t sid, uint64_t *lo, uint64_t *hi)
{
	uint64_t rlo, rhi, rsvd = VM_ROOT_LO_RSVD | ~m->haw_mask, ctp;

	if (!m->root_latched || !vm_table_read64(m, m->root + 16 * (sid >> 8), &rlo) ||
	    !vm_table_read64(m, m->root + 16 * (sid >> 8) + 8, &rhi))
		return VTD_MODEL_FR_ROOT_ACCESS;
	if (!(rlo & VM_ROOT_P))
		return VTD_MODEL_FR_ROOT_NP;
	if ((rlo & rsvd) || rhi)
		return VTD_MODEL_FR_ROOT_RSVD;
	ctp = rlo & ~PAGE_MASK;
	if (!vm_table_read64(m, ctp + 16 * (sid & 0xFF), lo) ||
	    !vm_table_read64(m, ctp + 16 * (sid & 0xFF) + 8, hi))
		return VTD_MODEL_FR_CTX_ACCESS;
	return 0;
}

/* A context entry as hardware checks it: 0 or a fault reason. */
static int context_check(struct vtd_model *m, uint64_t lo, uint64_t hi)
{
	unsigned int tt = VM_CTX_TT(lo), aw = VM_CTX_AW(hi);
	uint16_t did = VM_CTX_DIDOF(hi);

	if (!(lo & VTD_CTX_P))
		return VTD_MODEL_FR_CTX_NP;
	/* Domain-id bits beyond CAP.ND are treated as reserved. */
	if ((lo & (VM_CTX_LO_RSVD | ~m->haw_mask)) || (hi & VM_CTX_HI_RSVD) ||
	    (uint32_t)did >= m->caps.domains)
		return VTD_MODEL_FR_CTX_RSVD;
	if (tt == 3 || (tt == 1 && !m->caps.dt) || (tt == 2 && !m->caps.pt))
		return VTD_MODEL_FR_CTX_INVALID;
	if (tt != 2 && (aw < 1 || aw > 3 || !(m->caps.sagaw & (1u << aw))))
		return VTD_MODEL_FR_CTX_INVALID;
	if (m->caps.caching_mode && did == 0)
		return VTD_MODEL_FR_CTX_INVALID; /* CM reserves domain id 0 */
	return 0;
}

/* The context entry for sid, cached or read; *fpd is its FPD whenever
 * one was read.  0 or a fault reason (recorded here). */
static int context_get(struct vtd_model *m, uint16_t sid, uint64_t iova, bool write,
		       uint64_t *lo, uint64_t *hi)
{
	const struct vm_ctx_cache *c = m->inj.no_caching ? NULL : ctx_find(m, sid);
	int r;

	if (c) {
		m->cnt.ctx_hit++;
		*lo = c->lo;
		*hi = c->hi;
	} else {
		m->cnt.ctx_miss++;
		r = context_read(m, sid, lo, hi);
		if (r)
			return fault(m, sid, iova, (unsigned)r, write, false);
	}
	r = context_check(m, *lo, *hi);
	if (!c && !m->inj.no_caching && (r == 0 || (r == VTD_MODEL_FR_CTX_NP &&
						    m->caps.caching_mode)))
		ctx_fill(m, sid, *lo, *hi);
	if (r)
		return fault(m, sid, iova, (unsigned)r, write, *lo & VTD_CTX_FPD);
	return 0;
}

/* --- second-level tables ----------------------------------------------------- */

/* Reserved bits of a present entry at 'level' that is a leaf or not. */
static uint64_t sl_reserved(struct vtd_model *m, unsigned int level, bool leaf)
{
	uint64_t r = 0x000FFFFFFFFFFFFFull & ~m->haw_mask; /* 51:HAW */

	if (!leaf || !m->caps.sc)
		r |= VM_SL_SNP;
	if (!leaf || !m->caps.dt)
		r |= VM_SL_TM;
	if (level >= 4)
		r |= VM_SL_PS;
	if (leaf && level > 1)
		r |= (span(level) - 1) & ~PAGE_MASK; /* a superpage's low address bits */
	return r;
}

/* May this entry be a superpage at 'level' (CAP.SLLPS)? */
static bool sp_ok(struct vtd_model *m, unsigned int level)
{
	return (level == 2 && m->caps.sp_2m) || (level == 3 && m->caps.sp_1g);
}

struct walk {
	uint16_t did;
	uint64_t iova;
	bool write;
	bool r, w;
	uint64_t pa;
};

/* A leaf reached: check permission, cache it, give the address. */
static int walk_leaf(struct vtd_model *m, struct walk *k, uint64_t e, unsigned int level)
{
	uint64_t base = e & m->haw_mask & ~(span(level) - 1);
	bool ok = k->write ? k->w : k->r;

	if (ok || m->caps.caching_mode)
		tlb_fill(m, &(struct vm_tlb){true, true, (uint8_t)level, k->r, k->w, k->did,
					     k->iova & ~(span(level) - 1), base});
	if (!ok)
		return k->write ? VTD_MODEL_FR_WRITE : VTD_MODEL_FR_READ;
	k->pa = base | (k->iova & (span(level) - 1));
	return 0;
}

/* Walk from 'table' at 'level' down: 0 or a fault reason. */
static int walk_tables(struct vtd_model *m, struct walk *k, uint64_t table, unsigned int level)
{
	for (;; level--) {
		uint64_t e;
		bool leaf;

		if (!vm_table_read64(m, table + 8 * index_at(k->iova, level), &e))
			return VTD_MODEL_FR_SL_ACCESS;
		if (!(e & (VM_SL_R | VM_SL_W))) {
			/* Not present: only a caching-mode unit remembers it. */
			k->r = k->w = false;
			if (m->caps.caching_mode)
				return walk_leaf(m, k, 0, 1);
			return k->write ? VTD_MODEL_FR_WRITE : VTD_MODEL_FR_READ;
		}
		leaf = level == 1 || (e & VM_SL_PS);
		if ((e & sl_reserved(m, level, leaf)) || (leaf && level > 1 && !sp_ok(m, level)))
			return VTD_MODEL_FR_SL_RSVD;
		k->r = k->r && (e & VM_SL_R);
		k->w = k->w && (e & VM_SL_W);
		if (leaf)
			return walk_leaf(m, k, e, level);
		table = e & m->haw_mask & ~PAGE_MASK;
		tlb_fill(m, &(struct vm_tlb){true, false, (uint8_t)level, k->r, k->w, k->did,
					     k->iova & ~(span(level) - 1), table});
	}
}

/* Second-level translation with the IOTLB in front. */
static int sl_translate(struct vtd_model *m, struct walk *k, uint64_t root, unsigned int levels)
{
	const struct vm_tlb *t = m->inj.no_caching ? NULL : tlb_find(m, k->did, k->iova, true);

	if (t) {
		m->cnt.iotlb_hit++;
		if (!(k->write ? t->w : t->r))
			return k->write ? VTD_MODEL_FR_WRITE : VTD_MODEL_FR_READ;
		k->pa = t->addr | (k->iova & (span(t->level) - 1));
		return 0;
	}
	m->cnt.iotlb_miss++;
	k->r = k->w = true;
	t = m->inj.no_caching ? NULL : tlb_find(m, k->did, k->iova, false);
	if (t) {
		k->r = t->r;
		k->w = t->w;
		return walk_tables(m, k, t->addr, t->level - 1u);
	}
	return walk_tables(m, k, root, levels);
}

/* --- requests ----------------------------------------------------------------- */

/* Translation off: the address is physical, unless a protected memory
 * region covers it (2 MiB granules [VT-d 11.4.13-16]). */
static int untranslated(struct vtd_model *m, uint64_t iova, uint64_t *pa)
{
	const uint64_t g = 0x1FFFFFull;

	if (m->pmen & VTD_PMEN_PRS) {
		if (m->caps.plmr && m->plmbase <= m->plmlimit && iova >= (m->plmbase & ~g) &&
		    iova <= (m->plmlimit | g))
			return VTD_MODEL_BLOCKED_PMR;
		if (m->caps.phmr && m->phmbase <= m->phmlimit && iova >= (m->phmbase & ~g) &&
		    iova <= (m->phmlimit | g))
			return VTD_MODEL_BLOCKED_PMR;
	}
	*pa = iova;
	return 0;
}

static int translate(struct vtd_model *m, uint16_t sid, uint64_t iova, bool write, uint64_t *pa)
{
	struct walk k = {0, iova, write, true, true, 0};
	uint64_t lo, hi;
	unsigned int levels, width;
	int r;

	if (!(m->gsts & VTD_GCMD_TE))
		return untranslated(m, iova, pa);
	r = context_get(m, sid, iova, write, &lo, &hi);
	if (r)
		return r;
	if (VM_CTX_TT(lo) == 2) {
		*pa = iova; /* pass-through */
		return 0;
	}
	levels = VM_CTX_AW(hi) + 2;
	width = 12 + 9 * levels;
	if (width > m->caps.mgaw)
		width = m->caps.mgaw;
	if (iova >> width)
		return fault(m, sid, iova, VTD_MODEL_FR_ADDR_WIDTH, write, lo & VTD_CTX_FPD);
	k.did = VM_CTX_DIDOF(hi);
	r = sl_translate(m, &k, lo & ~PAGE_MASK, levels);
	if (r)
		return fault(m, sid, iova, (unsigned)r, write, lo & VTD_CTX_FPD);
	*pa = k.pa;
	return 0;
}

int vtd_model_dma(struct vtd_model *m, uint16_t sid, uint64_t iova, void *buf, uint32_t len,
		  bool write)
{
	uint8_t *b = buf;
	int r = 0;

	if (!len || !buf)
		return VTD_MODEL_EINVAL;
	pthread_mutex_lock(&m->lock);
	while (len && !r) {
		uint32_t chunk = (uint32_t)(4096 - (iova & PAGE_MASK));
		uint64_t pa = 0;
		void *p;

		if (chunk > len)
			chunk = len;
		r = translate(m, sid, iova, write, &pa);
		if (r)
			break;
		p = vm_direct(m, pa, chunk);
		if (!p) {
			r = VTD_MODEL_ABORT;
			break;
		}
		if (write)
			memcpy(p, b, chunk);
		else
			memcpy(b, p, chunk);
		iova += chunk;
		b += chunk;
		len -= chunk;
	}
	vm_unlock(m);
	return r;
}
