/*
 * dmar-dump.c - prints an ACPI DMAR table as the kernel's parser sees it, so a
 * machine's firmware can be checked on Linux before the kernel is booted.
 *
 * The table comes from a file or from /sys/firmware/acpi/tables/DMAR; the
 * parser is the kernel's own iommu/dmar.c.  Output is text, or one JSON
 * object with --json.  Exit status: 0 for a sound table with a good checksum,
 * 1 for a malformed table or a bad checksum, 2 for usage or I/O errors.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmar.h"

#define SYSFS_DMAR "/sys/firmware/acpi/tables/DMAR"
#define MAX_TABLE  (16u << 20)

static const char usage[] =
	"usage: dmar-dump [--json] [FILE]\n"
	"Print the ACPI DMAR table in FILE (default " SYSFS_DMAR ")\n"
	"as the kernel's parser reads it: header, every remapping structure\n"
	"(DRHD, RMRR, ATSR, RHSA, ANDD, SATC, SIDP, unknown) with its device\n"
	"scopes, then the firmware bugs found (warnings) and the reason a\n"
	"malformed table is rejected (errors).\n"
	"\n"
	"--json  one JSON object: revision, oem_id, oem_table_id,\n"
	"        host_address_width (raw field: width in bits minus one), flags,\n"
	"        checksum_ok, structures, warnings, errors.  A structure has\n"
	"        type, type_value, offset, length, its fields (flags, segment,\n"
	"        register_base_address, size, base_address, end_address,\n"
	"        proximity_domain, device_number, object_name) and device_scopes:\n"
	"        {type, enumeration_id, start_bus, path: [[device, function]...],\n"
	"        flags, offset, length}; scope types are endpoint, bridge,\n"
	"        ioapic, hpet, acpi_namespace or unknown.\n"
	"\n"
	"Warnings: {offset, structure, kind, value, related_offset, text}, kind\n"
	"one of bad_checksum, unknown_type, drhd_base_zero, drhd_base_unaligned,\n"
	"drhd_base_duplicate, drhd_regs_overlap, include_all_twice,\n"
	"include_all_not_last, include_all_scope, rmrr_limit_below_base,\n"
	"rmrr_unaligned, scope_unknown_type, scope_empty_path.\n"
	"Errors: {offset, structure, code, reason}.\n"
	"\n"
	"Exit status: 0 sound table, 1 malformed table or bad checksum,\n"
	"2 usage or read error.\n";

/* --- input ------------------------------------------------------------------ */

/* Read the whole file (sysfs reports no size, so read until EOF). */
static uint8_t *read_table(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f) {
		perror(path);
		return NULL;
	}
	do {
		if (n == cap) {
			uint8_t *nb = cap < MAX_TABLE ? realloc(buf, cap + 4096) : NULL;

			if (!nb) {
				fprintf(stderr, "%s: too large or out of memory\n", path);
				goto fail;
			}
			buf = nb;
			cap += 4096;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		perror(path);
		goto fail;
	}
	fclose(f);
	*len = n;
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

/* --- JSON ------------------------------------------------------------------- */

static void json_str(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void json_scope(const struct dmar_scope *d, bool first)
{
	printf("%s{\"type\": \"%s\", \"type_value\": %u, \"offset\": %u, "
	       "\"length\": %u, \"flags\": %u, \"enumeration_id\": %u, "
	       "\"start_bus\": %u, \"path\": [",
	       first ? "" : ", ", dmar_scope_type_name(d->type), d->type,
	       d->offset, d->length, d->flags, d->enumeration_id, d->start_bus);
	for (unsigned i = 0; i < d->path_len; i++)
		printf("%s[%u, %u]", i ? ", " : "", dmar_scope_dev(d, i),
		       dmar_scope_fn(d, i));
	printf("]}");
}

/* The fields of one structure type, each with a leading ", ". */
static void json_fields(const struct dmar_struct *s)
{
	switch (s->type) {
	case DMAR_TYPE_DRHD:
		printf(", \"flags\": %u, \"size\": %u, \"segment\": %u, "
		       "\"register_base_address\": %llu", s->flags, s->size,
		       s->segment, (unsigned long long)s->register_base);
		break;
	case DMAR_TYPE_RMRR:
		printf(", \"segment\": %u, \"base_address\": %llu, "
		       "\"end_address\": %llu", s->segment,
		       (unsigned long long)s->base, (unsigned long long)s->limit);
		break;
	case DMAR_TYPE_ATSR:
	case DMAR_TYPE_SATC:
		printf(", \"flags\": %u, \"segment\": %u", s->flags, s->segment);
		break;
	case DMAR_TYPE_RHSA:
		printf(", \"register_base_address\": %llu, \"proximity_domain\": %u",
		       (unsigned long long)s->register_base, s->proximity_domain);
		break;
	case DMAR_TYPE_ANDD:
		printf(", \"device_number\": %u, \"object_name\": ", s->device_number);
		json_str(s->object_name, s->name_len);
		break;
	case DMAR_TYPE_SIDP:
		printf(", \"segment\": %u", s->segment);
		break;
	}
}

/* --- text ------------------------------------------------------------------- */

static void text_str(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '"')
			printf("\\x%02x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void text_scope(const struct dmar_scope *d)
{
	printf("    [0x%03x] scope %-14s length %u flags 0x%02x "
	       "enumeration_id %u start_bus 0x%02x path",
	       d->offset, dmar_scope_type_name(d->type), d->length, d->flags,
	       d->enumeration_id, d->start_bus);
	if (d->type == 0 || d->type > DMAR_SCOPE_ACPI_NAMESPACE)
		printf(" (type %u)", d->type);
	for (unsigned i = 0; i < d->path_len; i++)
		printf(" %02x.%x", dmar_scope_dev(d, i), dmar_scope_fn(d, i));
	putchar('\n');
}

static void text_fields(const struct dmar_struct *s)
{
	switch (s->type) {
	case DMAR_TYPE_DRHD:
		printf(" flags 0x%02x%s size %u segment %u "
		       "register_base_address 0x%016llx", s->flags,
		       s->flags & DMAR_DRHD_F_INCLUDE_PCI_ALL ? " (INCLUDE_PCI_ALL)" : "",
		       s->size, s->segment, (unsigned long long)s->register_base);
		break;
	case DMAR_TYPE_RMRR:
		printf(" segment %u base_address 0x%016llx end_address 0x%016llx",
		       s->segment, (unsigned long long)s->base,
		       (unsigned long long)s->limit);
		break;
	case DMAR_TYPE_ATSR:
	case DMAR_TYPE_SATC:
		printf(" flags 0x%02x segment %u", s->flags, s->segment);
		break;
	case DMAR_TYPE_RHSA:
		printf(" register_base_address 0x%016llx proximity_domain %u",
		       (unsigned long long)s->register_base, s->proximity_domain);
		break;
	case DMAR_TYPE_ANDD:
		printf(" device_number %u object_name ", s->device_number);
		text_str(s->object_name, s->name_len);
		break;
	case DMAR_TYPE_SIDP:
		printf(" segment %u", s->segment);
		break;
	default:
		printf(" (type %u, skipped)", s->type);
	}
}

/* --- the walk, shared by both forms ------------------------------------------ */

struct dump {
	bool json;
	const struct dmar_table *t;
	int nwarn;
};

static void print_header(const struct dump *d)
{
	const struct dmar_table *t = d->t;

	if (d->json) {
		printf("{\"signature\": \"DMAR\", \"length\": %u, \"revision\": %u, "
		       "\"checksum\": %u, \"checksum_ok\": %s, \"oem_id\": ",
		       t->len, t->revision, t->checksum, t->checksum_ok ? "true" : "false");
		json_str(t->oem_id, sizeof(t->oem_id));
		printf(", \"oem_table_id\": ");
		json_str(t->oem_table_id, sizeof(t->oem_table_id));
		printf(", \"oem_revision\": %u, \"creator_id\": ", t->oem_revision);
		json_str(t->creator_id, sizeof(t->creator_id));
		printf(", \"creator_revision\": %u, \"host_address_width\": %u, "
		       "\"flags\": %u, \"structures\": [", t->creator_revision,
		       t->host_addr_width, t->flags);
		return;
	}
	printf("DMAR length %u revision %u checksum 0x%02x (%s)\n  oem_id ",
	       t->len, t->revision, t->checksum, t->checksum_ok ? "ok" : "BAD");
	text_str(t->oem_id, sizeof(t->oem_id));
	printf(" oem_table_id ");
	text_str(t->oem_table_id, sizeof(t->oem_table_id));
	printf(" oem_revision 0x%08x creator_id ", t->oem_revision);
	text_str(t->creator_id, sizeof(t->creator_id));
	printf(" creator_revision 0x%08x\n", t->creator_revision);
	printf("  host_address_width %u (%u bits) flags 0x%02x%s%s%s\n",
	       t->host_addr_width, t->host_addr_width + 1u, t->flags,
	       t->flags & DMAR_F_INTR_REMAP ? " INTR_REMAP" : "",
	       t->flags & DMAR_F_X2APIC_OPT_OUT ? " X2APIC_OPT_OUT" : "",
	       t->flags & DMAR_F_DMA_CTRL_PLATFORM_OPT_IN ?
		       " DMA_CTRL_PLATFORM_OPT_IN" : "");
}

static int print_struct(const struct dump *d, const struct dmar_struct *s,
			bool first, struct dmar_error *err)
{
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_scope sc;
	int rc, n = 0;

	if (d->json) {
		printf("%s\n  {\"type\": \"%s\", \"type_value\": %u, \"offset\": %u, "
		       "\"length\": %u", first ? "" : ",", dmar_type_name(s->type),
		       s->type, s->offset, s->length);
		json_fields(s);
		printf(", \"device_scopes\": [");
	} else {
		printf("[0x%03x] %-4s length %u", s->offset, dmar_type_name(s->type),
		       s->length);
		text_fields(s);
		putchar('\n');
	}
	while ((rc = dmar_scope_next(d->t, s, &c, &sc, err)) > 0) {
		if (d->json)
			json_scope(&sc, n++ == 0);
		else
			text_scope(&sc);
	}
	if (d->json)
		printf("]}");
	return rc;
}

static int print_structs(const struct dump *d, struct dmar_error *err)
{
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_struct s;
	bool first = true;
	int rc;

	while ((rc = dmar_next(d->t, &c, &s, err)) > 0) {
		rc = print_struct(d, &s, first, err);
		first = false;
		if (rc < 0)
			break;
	}
	if (d->json)
		printf("%s]", first ? "" : "\n");
	return rc;
}

static void print_warning(void *ctx, const struct dmar_warning *w)
{
	struct dump *d = ctx;
	const char *what = w->offset < 48 ? "header" : dmar_type_name(w->type);

	if (d->json) {
		printf("%s\n  {\"offset\": %u, \"structure\": \"%s\", \"kind\": \"%s\", "
		       "\"value\": %llu, \"related_offset\": %u, \"text\": ",
		       d->nwarn ? "," : "", w->offset, what, dmar_warn_name(w->kind),
		       (unsigned long long)w->value, w->other);
		json_str(w->text, strlen(w->text));
		putchar('}');
	} else {
		printf("warning: [0x%03x] %s: %s (%s, value 0x%llx", w->offset,
		       what, w->text, dmar_warn_name(w->kind),
		       (unsigned long long)w->value);
		if (w->other)
			printf(", see 0x%03x", w->other);
		printf(")\n");
	}
	d->nwarn++;
}

static void print_error(const struct dump *d, const struct dmar_error *e,
			bool first)
{
	const char *what = e->structure < 0 ? "header" :
			   dmar_type_name((uint32_t)e->structure);

	if (d->json) {
		printf("%s\n  {\"offset\": %u, \"structure\": \"%s\", \"code\": %d, "
		       "\"reason\": ", first ? "" : ",", e->offset, what, e->code);
		json_str(e->reason, strlen(e->reason));
		putchar('}');
	} else {
		printf("error: [0x%03x] %s: %s\n", e->offset, what, e->reason);
	}
}

/* Print everything; returns true when the table is sound with a good sum. */
static bool dump(struct dump *d, const void *buf, size_t len)
{
	struct dmar_table t;
	struct dmar_error err = {0, 0, -1, ""};
	struct dmar_error sum = {DMAR_EBADSUM, 9, -1, "table checksum is wrong"};
	int rc = dmar_open(&t, buf, len, &err);
	bool header_ok = t.buf != NULL;

	d->t = &t;
	if (header_ok) {
		print_header(d);
		(void)print_structs(d, &err);
		if (d->json)
			printf(", \"warnings\": [");
		/* A malformed table fails here as in dmar_open: reported below. */
		if (dmar_check(&t, print_warning, d, NULL) < 0)
			rc = rc < 0 ? rc : DMAR_EINVAL;
	} else if (d->json) {
		printf("{\"revision\": null, \"oem_id\": null, "
		       "\"host_address_width\": null, \"flags\": null, "
		       "\"checksum_ok\": false, \"structures\": [], \"warnings\": [");
	}
	if (d->json)
		printf("%s], \"errors\": [", d->nwarn ? "\n" : "");
	if (rc < 0)
		print_error(d, &err, true);
	if (header_ok && !t.checksum_ok)
		print_error(d, &sum, rc >= 0);
	if (d->json)
		printf("%s]}\n", rc < 0 || (header_ok && !t.checksum_ok) ? "\n" : "");
	return rc == 0 && t.checksum_ok;
}

int main(int argc, char **argv)
{
	struct dump d = {false, NULL, 0};
	const char *path = SYSFS_DMAR;
	uint8_t *buf;
	size_t len;
	bool ok;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			d.json = true;
		} else {
			fputs(usage, strcmp(argv[i], "--help") ? stderr : stdout);
			return strcmp(argv[i], "--help") ? 2 : 0;
		}
	}
	if (i < argc)
		path = argv[i++];
	if (i < argc) {
		fputs(usage, stderr);
		return 2;
	}
	buf = read_table(path, &len);
	if (!buf)
		return 2;
	ok = dump(&d, buf, len);
	free(buf);
	return ok ? 0 : 1;
}
