/*
 * report.c - builds this boot's report record from the DMAR scan, the
 * remapping units and the self-test's verdicts, keeps it in a UEFI variable,
 * and prints the one a previous boot kept.
 */
#include "report.h"

#include <stdbool.h>
#include <string.h>

#include "boot.h"
#include "cpu.h"
#include "efi_rt.h"
#include "iommu.h"
#include "printk.h"

_Static_assert(IOMMU_DMAR_WARN_KINDS <= 32, "one bit per DMAR warning kind in a 32-bit word");

static const struct efi_guid var_guid = {
	0x24355713, 0xb7b6, 0x45ff, {0xb5, 0x49, 0x11, 0xad, 0x7e, 0xbc, 0x0b, 0x33}};
#define VAR_ATTRS (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | \
		   EFI_VARIABLE_RUNTIME_ACCESS)

/* What the self-test said, by the layer's unit index, until report_save. */
struct verdict {
	bool set;
	uint8_t verdict, reason;
	uint16_t master_sid;
};
static struct verdict verdicts[REPORT_MAX_UNITS];
static struct {
	uint8_t verdict;
	uint16_t units, tested;
} overall;
static uint32_t previous_boot_count; /* 0: no previous record was read */
static struct report_rec rec;         /* built by report_save, or read back */
static uint8_t wire[REPORT_MAX_BYTES];

void report_unit_verdict(uint32_t unit, enum report_verdict v, uint16_t master_sid,
			 uint8_t reason)
{
	if (unit >= REPORT_MAX_UNITS)
		return;
	verdicts[unit] = (struct verdict){true, (uint8_t)v, reason, master_sid};
}

void report_overall(enum report_verdict v, uint32_t units, uint32_t tested)
{
	overall.verdict = (uint8_t)v;
	overall.units = (uint16_t)(units > 0xFFFF ? 0xFFFF : units);
	overall.tested = (uint16_t)(tested > 0xFFFF ? 0xFFFF : tested);
}

static bool uefi_boot(void)
{
	return boot_info()->efi64_systab != 0;
}

static uint8_t path_code(void)
{
	const char *p = boot_path_name();

	if (strcmp(p, "bios") == 0)
		return REPORT_PATH_BIOS;
	if (strcmp(p, "uefi-grub") == 0)
		return REPORT_PATH_UEFI_GRUB;
	if (strcmp(p, "uefi-direct") == 0)
		return REPORT_PATH_UEFI_DIRECT;
	return REPORT_PATH_UNKNOWN;
}

/* One unit of the DMAR table: the registers the driver read, its verdict. */
static void fill_unit(struct report_wire_unit *w, uint32_t i)
{
	struct iommu_dmar_unit du;
	struct iommu_unit_info u;

	memset(w, 0, sizeof(*w));
	if (iommu_dmar_unit(i, &du) != 0)
		return;
	w->reg_base = du.reg_base;
	w->segment = du.segment;
	w->fw_bugs = du.warn_kinds;
	w->flags = du.include_all ? REPORT_UNIT_INCLUDE_ALL : 0;
	w->verdict = REPORT_NOT_RUN;
	if (du.unit < 0 || iommu_unit_info((uint32_t)du.unit, &u) != 0)
		return;
	w->flags |= REPORT_UNIT_ENABLED;
	w->ver = u.version;
	w->cap = u.cap;
	w->ecap = u.ecap;
	if ((uint32_t)du.unit < REPORT_MAX_UNITS && verdicts[du.unit].set) {
		w->verdict = verdicts[du.unit].verdict;
		w->reason = verdicts[du.unit].reason;
		w->master_sid = verdicts[du.unit].master_sid;
	}
}

static void build(struct report_rec *r)
{
	struct iommu_dmar_info s;
	uint32_t n;

	iommu_dmar_info(&s);
	n = s.unit_count < REPORT_MAX_UNITS ? s.unit_count : REPORT_MAX_UNITS;

	memset(r, 0, sizeof(*r));
	r->head.tsc = rdtsc();
	r->head.boot_count = previous_boot_count + 1;
	r->head.table_bugs = s.warn_kinds;
	r->head.boot_path = path_code();
	r->head.overall = overall.verdict;
	r->head.unit_count = (uint8_t)n;
	r->head.units_total = overall.units;
	r->head.units_tested = overall.tested;
	for (uint32_t i = 0; i < n; i++)
		fill_unit(&r->units[i], i);
}

/* "none", or the DMAR warning names of the set bits, comma-separated. */
static const char *bug_names(uint32_t bits, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (uint32_t k = 0; k < IOMMU_DMAR_WARN_KINDS; k++) {
		const char *name = iommu_dmar_warning_name(k);
		size_t len = strlen(name);

		if (!(bits & (1u << k)) || n + len + 2 > size)
			continue;
		if (n)
			buf[n++] = ',';
		memcpy(buf + n, name, len + 1);
		n += len;
	}
	return n ? buf : "none";
}

static void print_unit(uint32_t i, const struct report_wire_unit *u)
{
	char bugs[160];

	kprintf("report:   unit %u at 0x%llx segment %u%s%s: ver %u.%u cap 0x%llx ecap 0x%llx, "
		"bugs %s, verdict %s, master %02x:%02x.%x, reason %s\n", i,
		(unsigned long long)u->reg_base, u->segment,
		u->flags & REPORT_UNIT_ENABLED ? "" : " (not brought up)",
		u->flags & REPORT_UNIT_INCLUDE_ALL ? " include-all" : "",
		(u->ver >> 4) & 0xF, u->ver & 0xF, (unsigned long long)u->cap,
		(unsigned long long)u->ecap, bug_names(u->fw_bugs, bugs, sizeof(bugs)),
		report_verdict_name(u->verdict), u->master_sid >> 8, (u->master_sid >> 3) & 0x1F,
		u->master_sid & 7, report_reason_name(u->reason));
}

static void print_record(const char *which, const struct report_rec *r)
{
	const struct report_wire_head *h = &r->head;
	char bugs[256];

	kprintf("report: %s: boot %u by %s, verdict %s, %u unit%s (%u of %u tested), "
		"table bugs %s, tsc 0x%llx\n", which, h->boot_count, report_path_name(h->boot_path),
		report_verdict_name(h->overall), h->unit_count, h->unit_count == 1 ? "" : "s",
		h->units_tested, h->units_total, bug_names(h->table_bugs, bugs, sizeof(bugs)),
		(unsigned long long)h->tsc);
	for (uint32_t i = 0; i < h->unit_count; i++)
		print_unit(i, &r->units[i]);
}

int report_save(void)
{
	int n, err;

	build(&rec);
	print_record("this run", &rec);
	n = report_rec_encode(&rec, wire, sizeof(wire));
	if (n < 0)
		return n; /* cannot happen: the buffer holds REPORT_MAX_UNITS */
	if (!uefi_boot()) {
		kprintf("report: a BIOS boot keeps no variable; the record is in this log only\n");
		return 0;
	}
	if (!efi_rt_available()) {
		kprintf("report: runtime services are off; the record is in this log only\n");
		return REPORT_ENODEV;
	}
	err = efi_set_variable(REPORT_VAR_NAME, &var_guid, VAR_ATTRS, wire, (size_t)n);
	if (err)
		kprintf("report: writing %s-%s failed (error %d)\n", REPORT_VAR_NAME,
			REPORT_VAR_GUID_TEXT, err);
	else
		kprintf("report: saved %d bytes in UEFI variable %s-%s\n", n, REPORT_VAR_NAME,
			REPORT_VAR_GUID_TEXT);
	return err;
}

void report_print_previous(void)
{
	size_t size = sizeof(wire);
	struct report_error e;
	int err;

	if (!uefi_boot() || !efi_rt_available())
		return;
	err = efi_get_variable(REPORT_VAR_NAME, &var_guid, NULL, wire, &size);
	if (err == EFI_RT_ENOENT)
		return;
	if (err == EFI_RT_ENOSPC) {
		kprintf("report: previous run: the variable holds %zu bytes, more than a report; "
			"'selftest clear' deletes it\n", size);
		return;
	}
	if (err) {
		kprintf("report: previous run: reading the variable failed (error %d)\n", err);
		return;
	}
	err = report_rec_decode(wire, size, &rec, &e);
	if (err) {
		kprintf("report: previous run: record unreadable: %s (%u, expected %u); "
			"'selftest clear' deletes it\n", e.what, e.got, e.want);
		return;
	}
	previous_boot_count = rec.head.boot_count;
	print_record("previous run", &rec);
}

int report_clear(void)
{
	int err;

	if (!uefi_boot() || !efi_rt_available()) {
		kprintf("report: no UEFI variable store (%s); nothing to clear\n",
			uefi_boot() ? "runtime services are off" : "a BIOS boot");
		return REPORT_ENODEV;
	}
	err = efi_set_variable(REPORT_VAR_NAME, &var_guid, VAR_ATTRS, NULL, 0);
	if (err == EFI_RT_ENOENT) {
		kprintf("report: no kept report to delete\n");
		return 0;
	}
	if (err)
		kprintf("report: deleting %s-%s failed (error %d)\n", REPORT_VAR_NAME,
			REPORT_VAR_GUID_TEXT, err);
	else
		kprintf("report: deleted UEFI variable %s-%s\n", REPORT_VAR_NAME,
			REPORT_VAR_GUID_TEXT);
	previous_boot_count = 0;
	return err;
}
