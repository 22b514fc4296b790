/*
 * mb2.c - builds the Multiboot2 boot information [MB2 3.6] in one block below
 * 4 GiB that never moves: fixed tags first, the memory maps last.
 */
#include "loader.h"
#include "multiboot2_info.h"

/*
 * Layout of the block (every tag starts 8-byte aligned [MB2 3.6.1]):
 *
 *   +0 total_size, reserved
 *   cmdline (1) | loader name (2) | framebuffer (8) | EFI64 system table (12)
 *   | ACPI old (14) | ACPI new (15) | EFI64 image handle (20)
 *   | EFI memory map (17): GetMemoryMap writes straight into its payload
 *   | memory map (6), basic meminfo (4), end (0): written after
 *     ExitBootServices, from the final EFI map, by mb2_finish
 *
 * The space after tag 17 is sized for the largest map that fits its payload,
 * so mb2_finish, which can no longer allocate, never runs out.
 */

/* Descriptors the map may grow by between the size probe and the last call. */
#define MAP_SLACK_DESCS 32
/* Fixed tags without the command line: headers, padding and payloads. */
#define FIXED_TAGS_MAX 512

/* The framebuffer tag as we write it: RGB colour fields after the head. */
struct mb2_fb_tag {
	struct mb2_fb fb;
	struct mb2_fb_rgb rgb;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_fb_tag) == 38, "MB2 3.6.12");

static uint32_t align8(uint32_t n)
{
	return (n + 7) & ~7u;
}

/* Room for a tag of 'size' bytes at the end; NULL when the block is full. */
static uint8_t *tag_put(struct mb2_buf *b, uint32_t type, uint32_t size)
{
	struct mb2_tag t = { type, size };
	uint8_t *p = b->base + b->len;

	if (align8(size) > b->cap - b->len)
		return NULL;
	ZeroMem(p, align8(size));
	CopyMem(p, &t, sizeof(t));
	b->len += align8(size);
	return p;
}

static void put_bytes(struct mb2_buf *b, uint32_t type, const void *data, uint32_t n)
{
	uint8_t *p = tag_put(b, type, sizeof(struct mb2_tag) + n);

	if (p)
		CopyMem(p + sizeof(struct mb2_tag), data, n);
}

static void put_u64(struct mb2_buf *b, uint32_t type, uint64_t v)
{
	put_bytes(b, type, &v, sizeof(v));
}

static void put_fb(struct mb2_buf *b, const struct loader_fb *fb)
{
	struct mb2_fb_tag t = {
		.fb = {
			.tag = { MB2_TAG_FRAMEBUFFER, sizeof(t) },
			.addr = fb->addr, .pitch = fb->pitch, .width = fb->width,
			.height = fb->height, .bpp = fb->bpp, .type = 1,
		},
		.rgb = {
			.red_pos = fb->red_pos, .red_size = fb->red_size,
			.green_pos = fb->green_pos, .green_size = fb->green_size,
			.blue_pos = fb->blue_pos, .blue_size = fb->blue_size,
		},
	};
	uint8_t *p = tag_put(b, MB2_TAG_FRAMEBUFFER, sizeof(t));

	if (p)
		CopyMem(p, &t, sizeof(t));
}

static void put_fixed_tags(struct loader *ld, struct mb2_buf *b)
{
	b->len = 8; /* total_size and reserved, filled in by mb2_finish */
	put_bytes(b, MB2_TAG_CMDLINE, ld->cmdline, (uint32_t)strlena((CHAR8 *)ld->cmdline) + 1);
	put_bytes(b, MB2_TAG_LOADER_NAME, LOADER_NAME, sizeof(LOADER_NAME));
	if (ld->have_fb)
		put_fb(b, &ld->fb);
	put_u64(b, MB2_TAG_EFI64, (uint64_t)(uintptr_t)ld->st);
	if (ld->rsdp_v1)
		put_bytes(b, MB2_TAG_ACPI_OLD, ld->rsdp_v1, MB2_RSDP_V1_LEN);
	if (ld->rsdp_v2)
		put_bytes(b, MB2_TAG_ACPI_NEW, ld->rsdp_v2, MB2_RSDP_V2_LEN);
	put_u64(b, MB2_TAG_EFI64_IH, (uint64_t)(uintptr_t)ld->image);
}

/* Current map size and descriptor size, from a call with no buffer. */
static EFI_STATUS probe_map(UINTN *size, UINTN *dsize)
{
	UINTN key;
	UINT32 dver;
	EFI_STATUS st;

	*size = 0;
	st = uefi_call_wrapper(BS->GetMemoryMap, 5, size, NULL, &key, dsize, &dver);
	if (st != EFI_BUFFER_TOO_SMALL) {
		loader_error(st, L"GetMemoryMap did not report the memory map's size");
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	}
	return EFI_SUCCESS;
}

EFI_STATUS mb2_prepare(struct loader *ld, struct mb2_buf *b)
{
	UINTN size, dsize, max_desc, bytes;
	EFI_PHYSICAL_ADDRESS at = FOUR_GIB - 1;
	EFI_STATUS st;

	st = probe_map(&size, &dsize);
	if (EFI_ERROR(st))
		return st;
	max_desc = size / dsize + MAP_SLACK_DESCS;
	bytes = FIXED_TAGS_MAX + CMDLINE_MAX + sizeof(struct mb2_mmap) * 2 +
		max_desc * (dsize + sizeof(struct mb2_mmap_entry)) + 64;
	bytes = (bytes + PAGE_SIZE - 1) & ~(UINTN)(PAGE_SIZE - 1);
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
			       bytes / PAGE_SIZE, &at);
	if (EFI_ERROR(st)) {
		loader_error(st, L"no memory below 4 GiB for the boot information (%lu bytes)",
			     (UINT64)bytes);
		return st;
	}
	b->base = (uint8_t *)(uintptr_t)at;
	b->cap = (uint32_t)bytes;
	put_fixed_tags(ld, b);
	b->efi_map_tag = b->len;
	b->efi_map = b->base + b->len + sizeof(struct mb2_mmap);
	b->efi_map_cap = (uint32_t)(max_desc * dsize);
	return EFI_SUCCESS;
}

/* --- after ExitBootServices: no firmware call from here on ----------------- */

static uint32_t mb2_type(UINT32 efi_type)
{
	switch (efi_type) {
	case EfiLoaderCode: case EfiLoaderData:
	case EfiBootServicesCode: case EfiBootServicesData:
	case EfiConventionalMemory:
		return MB2_MEM_AVAILABLE;
	case EfiACPIReclaimMemory:
		return MB2_MEM_ACPI;
	case EfiACPIMemoryNVS:
		return MB2_MEM_NVS;
	case EfiUnusableMemory:
		return MB2_MEM_BAD;
	default:
		return MB2_MEM_RESERVED;
	}
}

/* Insertion sort by base: the UEFI map need not be in order. */
static void sort_entries(struct mb2_mmap_entry *e, uint32_t n)
{
	struct mb2_mmap_entry t;
	uint32_t j;

	for (uint32_t i = 1; i < n; i++) {
		t = e[i];
		for (j = i; j > 0 && e[j - 1].base > t.base; j--)
			e[j] = e[j - 1];
		e[j] = t;
	}
}

/* Convert, sort, and merge neighbours of one type; returns the entry count. */
static uint32_t convert_map(struct mb2_mmap_entry *e, const uint8_t *map, UINTN map_size,
			    UINTN dsize)
{
	uint32_t n = 0, out = 0;
	const EFI_MEMORY_DESCRIPTOR *d;

	for (UINTN off = 0; off + dsize <= map_size; off += dsize) {
		d = (const EFI_MEMORY_DESCRIPTOR *)(map + off);
		if (d->NumberOfPages == 0)
			continue;
		e[n].base = d->PhysicalStart;
		e[n].len = d->NumberOfPages * PAGE_SIZE;
		e[n].type = mb2_type(d->Type);
		e[n++].reserved = 0;
	}
	sort_entries(e, n);
	for (uint32_t i = 0; i < n; i++) {
		if (out && e[out - 1].type == e[i].type &&
		    e[out - 1].base + e[out - 1].len == e[i].base)
			e[out - 1].len += e[i].len;
		else
			e[out++] = e[i];
	}
	return out;
}

/* [MB2 3.6.3] KiB of RAM from 0 (at most 640) and contiguous from 1 MiB. */
static void put_meminfo(struct mb2_buf *b, const struct mb2_mmap_entry *e, uint32_t n)
{
	uint32_t v[2] = { 0, 0 };
	uint64_t end;

	for (uint32_t i = 0; i < n; i++) {
		if (e[i].type != MB2_MEM_AVAILABLE)
			continue;
		end = e[i].base + e[i].len;
		if (e[i].base == 0)
			v[0] = (uint32_t)((end < 0xA0000 ? end : 0xA0000) / 1024);
		if (e[i].base <= 0x100000 && end > 0x100000)
			v[1] = (uint32_t)((end - 0x100000) / 1024);
	}
	put_bytes(b, MB2_TAG_MEMINFO, v, sizeof(v));
}

void mb2_finish(struct mb2_buf *b, UINTN map_size, UINTN dsize, UINT32 dver)
{
	struct mb2_mmap h = { { MB2_TAG_EFI_MMAP, 0 }, (uint32_t)dsize, dver };
	struct mb2_mmap_entry *e;
	uint32_t n, total;
	uint8_t *p;

	h.tag.size = (uint32_t)(sizeof(h) + map_size);
	CopyMem(b->base + b->efi_map_tag, &h, sizeof(h));
	b->len = b->efi_map_tag + align8(h.tag.size);
	/* Entries are built in place after the tag 6 head, then the head is set. */
	p = b->base + b->len;
	e = (struct mb2_mmap_entry *)(p + sizeof(h));
	n = convert_map(e, b->efi_map, map_size, dsize);
	h = (struct mb2_mmap){ { MB2_TAG_MMAP, (uint32_t)(sizeof(h) + n * sizeof(*e)) },
				    sizeof(*e), 0 };
	CopyMem(p, &h, sizeof(h));
	b->len += align8(h.tag.size);
	put_meminfo(b, e, n);
	tag_put(b, MB2_TAG_END, sizeof(struct mb2_tag));
	total = b->len;
	CopyMem(b->base, &total, sizeof(total));
}
