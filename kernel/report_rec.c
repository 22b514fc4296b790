/*
 * report_rec.c - encodes and checks the boot report record (report_rec.h).
 * Portable (no kernel headers), unit-tested on the host too.
 */
#include "report_rec.h"

#include <string.h>

#include "crc32.h"

#define HEAD_V1 ((uint32_t)sizeof(struct report_wire_head))
#define UNIT_V1 ((uint32_t)sizeof(struct report_wire_unit))
#define CRC_OFF offsetof(struct report_wire_head, crc32)

/* CRC of the record with its crc32 field taken as zero. */
static uint32_t record_crc(const uint8_t *p, uint32_t total)
{
	static const uint8_t zero[4];
	uint32_t c = crc32_update(0, p, CRC_OFF);

	c = crc32_update(c, zero, sizeof(zero));
	return crc32_update(c, p + CRC_OFF + 4, total - CRC_OFF - 4);
}

int report_rec_encode(const struct report_rec *rec, void *buf, size_t cap)
{
	struct report_wire_head h = rec->head;
	uint32_t n = rec->head.unit_count, total = HEAD_V1 + n * UNIT_V1;
	uint8_t *p = buf;

	if (n > REPORT_MAX_UNITS)
		return REPORT_EINVAL;
	if (cap < total)
		return REPORT_ENOSPC;
	h.magic = REPORT_MAGIC;
	h.version = REPORT_VERSION;
	h.head_size = (uint16_t)HEAD_V1;
	h.unit_size = (uint8_t)UNIT_V1;
	h.total_size = total;
	h.crc32 = 0;
	memcpy(p, &h, HEAD_V1);
	memcpy(p + HEAD_V1, rec->units, (size_t)n * UNIT_V1);
	h.crc32 = record_crc(p, total);
	memcpy(p + CRC_OFF, &h.crc32, sizeof(h.crc32));
	return (int)total;
}

static int fail(struct report_error *err, int code, const char *what, uint32_t got,
		uint32_t want)
{
	if (err)
		*err = (struct report_error){what, got, want};
	return code;
}

/* The head's own checks, before any size is trusted. */
static int check_head(const struct report_wire_head *h, size_t len, struct report_error *err)
{
	uint32_t units;

	if (h->magic != REPORT_MAGIC)
		return fail(err, REPORT_EINVAL, "not a report: magic", h->magic, REPORT_MAGIC);
	if (h->version != REPORT_VERSION)
		return fail(err, REPORT_EVERSION, "unsupported report version", h->version,
			    REPORT_VERSION);
	if (h->head_size < HEAD_V1)
		return fail(err, REPORT_EINVAL, "head_size below version 1's", h->head_size, HEAD_V1);
	if (h->unit_size < UNIT_V1)
		return fail(err, REPORT_EINVAL, "unit_size below version 1's", h->unit_size, UNIT_V1);
	if (h->unit_count > REPORT_MAX_UNITS)
		return fail(err, REPORT_EINVAL, "unit_count above the maximum", h->unit_count,
			    REPORT_MAX_UNITS);
	units = (uint32_t)h->unit_count * h->unit_size;
	if (h->total_size != h->head_size + units)
		return fail(err, REPORT_EINVAL, "total_size disagrees with head and units",
			    h->total_size, h->head_size + units);
	if (h->total_size != len)
		return fail(err, REPORT_EINVAL, "total_size disagrees with the bytes read",
			    h->total_size, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len);
	return 0;
}

int report_rec_decode(const void *buf, size_t len, struct report_rec *out,
		      struct report_error *err)
{
	const uint8_t *p = buf;
	struct report_wire_head h;
	uint32_t crc;
	int r;

	if (len < HEAD_V1)
		return fail(err, REPORT_EINVAL, "shorter than a report head",
			    (uint32_t)len, HEAD_V1);
	memcpy(&h, p, HEAD_V1);
	r = check_head(&h, len, err);
	if (r)
		return r;
	crc = record_crc(p, h.total_size);
	if (crc != h.crc32)
		return fail(err, REPORT_EBADCRC, "CRC mismatch", h.crc32, crc);
	memset(out, 0, sizeof(*out));
	out->head = h;
	for (uint32_t i = 0; i < h.unit_count; i++)
		memcpy(&out->units[i], p + h.head_size + (size_t)i * h.unit_size, UNIT_V1);
	return 0;
}

static const char *name_of(const char *const *names, uint32_t count, uint32_t v)
{
	return v < count && names[v] ? names[v] : "unknown";
}

const char *report_verdict_name(uint32_t v)
{
	static const char *const n[REPORT_VERDICT_COUNT] = {
		[REPORT_NOT_RUN] = "not-run", [REPORT_PASS] = "pass",
		[REPORT_FAIL] = "fail", [REPORT_UNTESTED] = "untested",
	};

	return name_of(n, REPORT_VERDICT_COUNT, v);
}

const char *report_reason_name(uint32_t r)
{
	static const char *const n[REPORT_R_COUNT] = {
		[REPORT_R_NONE] = "none", [REPORT_R_NO_MASTER] = "no-master",
		[REPORT_R_UNIT_OFF] = "unit-off", [REPORT_R_MAP_FAILED] = "map-failed",
		[REPORT_R_DMA_MISMATCH] = "dma-mismatch", [REPORT_R_NO_FAULT] = "no-fault",
		[REPORT_R_TIMEOUT] = "timeout", [REPORT_R_MASTER_DOWN] = "master-down",
		[REPORT_R_UNMAPPED_LANDED] = "unmapped-landed",
		[REPORT_R_STALE_LANDED] = "stale-landed", [REPORT_R_STALE_NO_FAULT] = "stale-no-fault",
	};

	return name_of(n, REPORT_R_COUNT, r);
}

const char *report_path_name(uint32_t p)
{
	static const char *const n[REPORT_PATH_COUNT] = {
		[REPORT_PATH_UNKNOWN] = "unknown", [REPORT_PATH_BIOS] = "bios",
		[REPORT_PATH_UEFI_GRUB] = "uefi-grub", [REPORT_PATH_UEFI_DIRECT] = "uefi-direct",
	};

	return name_of(n, REPORT_PATH_COUNT, p);
}
