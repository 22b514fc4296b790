/*
 * dmar_check.c - semantic checks on a sound DMAR table: firmware bugs that
 * leave the table readable but must be reported to the user.
 *
 * Each finding goes to the caller's callback with a text that names the bug;
 * what to work around is the VT-d driver's decision.  The checks allocate
 * nothing: comparisons between DRHDs (register bases, INCLUDE_PCI_ALL order
 * per segment) rescan the table up to the DRHD at hand, quadratic in the
 * number of structures - a few dozen in practice, ~4000 at most in 64 KiB.
 */
#include "dmar.h"

#include <string.h>

#define DMAR_PAGE_MASK 0xfffull /* RMRR and register bases: 4 KiB [VT-d 8.3, 8.4] */

const char *dmar_warn_name(enum dmar_warn_kind kind)
{
	static const char *const names[DMAR_W_COUNT] = {
		[DMAR_W_BAD_CHECKSUM] = "bad_checksum",
		[DMAR_W_UNKNOWN_TYPE] = "unknown_type",
		[DMAR_W_DRHD_BASE_ZERO] = "drhd_base_zero",
		[DMAR_W_DRHD_BASE_UNALIGNED] = "drhd_base_unaligned",
		[DMAR_W_DRHD_BASE_DUPLICATE] = "drhd_base_duplicate",
		[DMAR_W_DRHD_REGS_OVERLAP] = "drhd_regs_overlap",
		[DMAR_W_INCLUDE_ALL_TWICE] = "include_all_twice",
		[DMAR_W_INCLUDE_ALL_NOT_LAST] = "include_all_not_last",
		[DMAR_W_INCLUDE_ALL_SCOPE] = "include_all_scope",
		[DMAR_W_RMRR_LIMIT_BELOW_BASE] = "rmrr_limit_below_base",
		[DMAR_W_RMRR_UNALIGNED] = "rmrr_unaligned",
		[DMAR_W_SCOPE_UNKNOWN_TYPE] = "scope_unknown_type",
		[DMAR_W_SCOPE_EMPTY_PATH] = "scope_empty_path",
	};

	return (unsigned)kind < DMAR_W_COUNT && names[kind] ? names[kind] : "unknown";
}

struct dmar_checker {
	const struct dmar_table *t;
	dmar_warn_fn *warn;
	void *ctx;
	int count;
};

static void dmar_warn(struct dmar_checker *k, enum dmar_warn_kind kind,
		      const struct dmar_struct *s, uint32_t offset,
		      uint64_t value, uint32_t other, const char *text)
{
	struct dmar_warning w = {kind, offset, s ? s->type : 0, value, other, text};

	k->count++;
	if (k->warn)
		k->warn(k->ctx, &w);
}

/* Last byte of a DRHD's register set, saturated at the top of the space. */
static uint64_t dmar_regs_last(const struct dmar_struct *s)
{
	uint64_t span = dmar_drhd_reg_bytes(s) - 1;

	return s->register_base > UINT64_MAX - span ? UINT64_MAX :
						       s->register_base + span;
}

static bool dmar_regs_overlap(const struct dmar_struct *a,
			      const struct dmar_struct *b)
{
	return a->register_base <= dmar_regs_last(b) &&
	       b->register_base <= dmar_regs_last(a);
}

/* Compare DRHD d with each DRHD before it. */
static void dmar_check_prior_drhds(struct dmar_checker *k,
				   const struct dmar_struct *d)
{
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_struct p;

	while (dmar_next(k->t, &c, &p, NULL) > 0 && p.offset < d->offset) {
		if (p.type != DMAR_TYPE_DRHD)
			continue;
		if (p.register_base == d->register_base)
			dmar_warn(k, DMAR_W_DRHD_BASE_DUPLICATE, d, d->offset,
				  d->register_base, p.offset,
				  "two DRHDs share one register base address");
		else if (dmar_regs_overlap(&p, d))
			dmar_warn(k, DMAR_W_DRHD_REGS_OVERLAP, d, d->offset,
				  d->register_base, p.offset,
				  "DRHD register sets overlap (per their size fields)");
		if (p.segment != d->segment ||
		    !(p.flags & DMAR_DRHD_F_INCLUDE_PCI_ALL))
			continue;
		if (d->flags & DMAR_DRHD_F_INCLUDE_PCI_ALL)
			dmar_warn(k, DMAR_W_INCLUDE_ALL_TWICE, d, d->offset,
				  d->segment, p.offset,
				  "second INCLUDE_PCI_ALL DRHD on one segment");
		dmar_warn(k, DMAR_W_INCLUDE_ALL_NOT_LAST, &p, p.offset,
			  d->segment, d->offset,
			  "INCLUDE_PCI_ALL DRHD is not the last DRHD of its segment");
	}
}

/* An INCLUDE_PCI_ALL unit lists only the IOAPICs, HPETs and ACPI devices
 * it covers [VT-d 8.3]; PCI endpoints and bridges are implied. */
static bool dmar_scope_ok_on_include_all(uint8_t type)
{
	return type == DMAR_SCOPE_IOAPIC || type == DMAR_SCOPE_HPET ||
	       type == DMAR_SCOPE_ACPI_NAMESPACE;
}

static int dmar_check_scopes(struct dmar_checker *k, const struct dmar_struct *s,
			     struct dmar_error *err)
{
	bool include_all = s->type == DMAR_TYPE_DRHD &&
			   (s->flags & DMAR_DRHD_F_INCLUDE_PCI_ALL);
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_scope d;
	int rc;

	while ((rc = dmar_scope_next(k->t, s, &c, &d, err)) > 0) {
		if (d.type < DMAR_SCOPE_ENDPOINT || d.type > DMAR_SCOPE_ACPI_NAMESPACE)
			dmar_warn(k, DMAR_W_SCOPE_UNKNOWN_TYPE, s, d.offset, d.type,
				  s->offset, "device scope of unknown type");
		else if (include_all && !dmar_scope_ok_on_include_all(d.type))
			dmar_warn(k, DMAR_W_INCLUDE_ALL_SCOPE, s, d.offset, d.type,
				  s->offset,
				  "PCI device scope on an INCLUDE_PCI_ALL DRHD");
		if (d.path_len == 0)
			dmar_warn(k, DMAR_W_SCOPE_EMPTY_PATH, s, d.offset, d.type,
				  s->offset, "device scope with an empty path");
	}
	return rc;
}

static void dmar_check_drhd(struct dmar_checker *k, const struct dmar_struct *s)
{
	if (s->register_base == 0)
		dmar_warn(k, DMAR_W_DRHD_BASE_ZERO, s, s->offset, 0, 0,
			  "DRHD register base address is 0");
	else if (s->register_base & DMAR_PAGE_MASK)
		dmar_warn(k, DMAR_W_DRHD_BASE_UNALIGNED, s, s->offset,
			  s->register_base, 0,
			  "DRHD register base address not 4 KiB aligned");
	dmar_check_prior_drhds(k, s);
}

static void dmar_check_rmrr(struct dmar_checker *k, const struct dmar_struct *s)
{
	if (s->limit < s->base)
		dmar_warn(k, DMAR_W_RMRR_LIMIT_BELOW_BASE, s, s->offset, s->limit,
			  0, "RMRR end address below its base address");
	else if ((s->base & DMAR_PAGE_MASK) ||
		 ((s->limit + 1) & DMAR_PAGE_MASK))
		dmar_warn(k, DMAR_W_RMRR_UNALIGNED, s, s->offset, s->base, 0,
			  "RMRR range not 4 KiB aligned");
}

int dmar_check(const struct dmar_table *t, dmar_warn_fn *warn, void *ctx,
	       struct dmar_error *err)
{
	struct dmar_checker k = {t, warn, ctx, 0};
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_struct s;
	int rc;

	PLAT_ASSERT(t);
	if (!t->buf) { /* dmar_open rejected the header: nothing to check */
		if (err)
			*err = (struct dmar_error){DMAR_EINVAL, 0, -1,
						   "table was not opened"};
		return DMAR_EINVAL;
	}
	if (!t->checksum_ok)
		dmar_warn(&k, DMAR_W_BAD_CHECKSUM, NULL, 9, t->checksum, 0,
			  "table checksum is wrong");
	while ((rc = dmar_next(t, &c, &s, err)) > 0) {
		if (s.type >= DMAR_TYPE_COUNT)
			dmar_warn(&k, DMAR_W_UNKNOWN_TYPE, &s, s.offset, s.type, 0,
				  "unknown structure type, skipped");
		else if (s.type == DMAR_TYPE_DRHD)
			dmar_check_drhd(&k, &s);
		else if (s.type == DMAR_TYPE_RMRR)
			dmar_check_rmrr(&k, &s);
		rc = dmar_check_scopes(&k, &s, err);
		if (rc < 0)
			return rc;
	}
	return rc < 0 ? rc : k.count;
}
