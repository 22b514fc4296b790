/*
 * bootinfo.c - reads the Multiboot2 boot information as untrusted input:
 * every length is checked before the bytes it covers are read.
 */
#include "bootinfo.h"
#include "multiboot2_info.h"

#include <string.h>

/*
 * Layout [MB2 3.6.1, 3.6.2]: an 8-byte header {total_size, reserved}, then
 * tags, each starting 8-byte aligned relative to the start:
 *
 *   +0 total_size | +4 reserved | tag | pad | tag | pad | ... | end tag (0, 8)
 *
 * A tag's size counts its header and payload but not the padding after it.
 * Fields are copied out with memcpy into the packed structs below, so no
 * access depends on the alignment of the caller's buffer.
 */
#define RSDP_V1_LEN MB2_RSDP_V1_LEN
#define RSDP_V2_LEN MB2_RSDP_V2_LEN
#define EFI_DESC_VERSION 1 /* [UEFI 2.10 7.2] EFI_MEMORY_DESCRIPTOR_VERSION */

/* A tag handler returns NULL when the tag is good, else why it is not. */
struct tag_rule {
	uint32_t min_size; /* fixed part; smaller is malformed */
	const char *(*parse)(struct bootinfo *bi, const uint8_t *t, uint32_t size);
};

/* A NUL-terminated string filling the tag from 'off' to 'size'. */
static const char *take_string(const uint8_t *t, uint32_t off, uint32_t size,
			       const char **str, size_t *len)
{
	const uint8_t *nul = memchr(t + off, 0, size - off);

	if (!nul)
		return "string not NUL-terminated inside its tag";
	*str = (const char *)(t + off);
	*len = (size_t)(nul - (t + off));
	return NULL;
}

static const char *parse_cmdline(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	return take_string(t, sizeof(struct mb2_tag), size, &bi->cmdline, &bi->cmdline_len);
}

static const char *parse_loader(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	return take_string(t, sizeof(struct mb2_tag), size, &bi->loader_name,
			   &bi->loader_name_len);
}

static const char *parse_module(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	struct mb2_module m;
	struct bootinfo_module *out;
	const char *why;

	memcpy(&m, t, sizeof(m));
	if (m.end < m.start)
		return "module ends before it starts";
	if (bi->module_count == BOOTINFO_MAX_MODULES) {
		if (bi->modules_dropped++ == 0 || m.start < bi->dropped_start)
			bi->dropped_start = m.start;
		if (m.end > bi->dropped_end)
			bi->dropped_end = m.end;
		return NULL;
	}
	out = &bi->modules[bi->module_count];
	why = take_string(t, sizeof(m), size, &out->string, &out->string_len);
	if (why)
		return why;
	out->start = m.start;
	out->end = m.end;
	bi->module_count++;
	return NULL;
}

static const char *parse_meminfo(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	struct mb2_meminfo m;

	(void)size;
	memcpy(&m, t, sizeof(m));
	bi->mem_lower_kib = m.mem_lower;
	bi->mem_upper_kib = m.mem_upper;
	return NULL;
}

/* [MB2 3.6.8] entry_size is a multiple of 8 and at least the 24 bytes we
 * read; entry_version 0 is the only version defined. */
static const char *parse_mmap(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	struct mb2_mmap m;
	uint32_t bytes = size - (uint32_t)sizeof(m);

	memcpy(&m, t, sizeof(m));
	if (m.entry_size < sizeof(struct mb2_mmap_entry) || m.entry_size % 8)
		return "memory map entry_size not a multiple of 8 of at least 24";
	if (m.entry_version != 0)
		return "memory map entry_version not 0";
	if (bytes % m.entry_size)
		return "memory map not a whole number of entries";
	bi->mmap = t + sizeof(m);
	bi->mmap_entry_size = m.entry_size;
	bi->mmap_count = bytes / m.entry_size;
	return NULL;
}

/* [MB2 3.6.19] the EFI map as GetMemoryMap returned it [UEFI 2.10 7.2]. */
static const char *parse_efi_mmap(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	struct mb2_mmap m;
	uint32_t bytes = size - (uint32_t)sizeof(m);

	memcpy(&m, t, sizeof(m));
	if (m.entry_size < sizeof(struct bootinfo_efi_desc) || m.entry_size % 8)
		return "EFI descriptor_size not a multiple of 8 of at least 40";
	if (m.entry_version != EFI_DESC_VERSION)
		return "EFI descriptor_version not 1";
	if (bytes % m.entry_size)
		return "EFI memory map not a whole number of descriptors";
	bi->efi_mmap = t + sizeof(m);
	bi->efi_desc_size = m.entry_size;
	bi->efi_desc_version = m.entry_version;
	bi->efi_mmap_count = bytes / m.entry_size;
	return NULL;
}

static const char *parse_fb_colors(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	struct mb2_fb_rgb rgb;
	uint16_t ncolors;

	if (bi->fb.type == BOOTINFO_FB_RGB) {
		if (size < sizeof(struct mb2_fb) + sizeof(rgb))
			return "framebuffer too short for RGB field positions";
		memcpy(&rgb, t + sizeof(struct mb2_fb), sizeof(rgb));
		bi->fb.red_pos = rgb.red_pos;
		bi->fb.red_size = rgb.red_size;
		bi->fb.green_pos = rgb.green_pos;
		bi->fb.green_size = rgb.green_size;
		bi->fb.blue_pos = rgb.blue_pos;
		bi->fb.blue_size = rgb.blue_size;
	} else if (bi->fb.type == BOOTINFO_FB_INDEXED) {
		if (size < MB2_FB_PALETTE_OFF)
			return "framebuffer too short for the palette size";
		memcpy(&ncolors, t + sizeof(struct mb2_fb), sizeof(ncolors));
		if ((size - MB2_FB_PALETTE_OFF) / 3 < ncolors)
			return "framebuffer palette runs past its tag";
		bi->fb.palette = t + MB2_FB_PALETTE_OFF;
		bi->fb.palette_colors = ncolors;
	}
	return NULL;
}

static const char *parse_fb(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	struct mb2_fb f;

	memcpy(&f, t, sizeof(f));
	memset(&bi->fb, 0, sizeof(bi->fb));
	bi->fb.addr = f.addr;
	bi->fb.pitch = f.pitch;
	bi->fb.width = f.width;
	bi->fb.height = f.height;
	bi->fb.bpp = f.bpp;
	bi->fb.type = f.type;
	return parse_fb_colors(bi, t, size);
}

static const char *parse_elf(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	struct mb2_elf e;

	memcpy(&e, t, sizeof(e));
	if ((uint64_t)e.num * e.entsize > size - sizeof(e))
		return "ELF section headers run past their tag";
	bi->elf_sections = t + sizeof(e);
	bi->elf_num = e.num;
	bi->elf_entsize = e.entsize;
	bi->elf_shndx = e.shndx;
	return NULL;
}

static uint32_t read_u32_at(const uint8_t *t)
{
	struct mb2_ptr32 p;

	memcpy(&p, t, sizeof(p));
	return p.ptr;
}

static uint64_t read_u64_at(const uint8_t *t)
{
	struct mb2_ptr64 p;

	memcpy(&p, t, sizeof(p));
	return p.ptr;
}

static const char *parse_efi32(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	(void)size;
	bi->efi32_systab = read_u32_at(t);
	return NULL;
}

static const char *parse_efi64(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	(void)size;
	bi->efi64_systab = read_u64_at(t);
	return NULL;
}

static const char *parse_efi32_ih(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	(void)size;
	bi->efi32_image_handle = read_u32_at(t);
	return NULL;
}

static const char *parse_efi64_ih(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	(void)size;
	bi->efi64_image_handle = read_u64_at(t);
	return NULL;
}

static const char *parse_load_base(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	(void)size;
	bi->load_base = read_u32_at(t);
	return NULL;
}

static const char *parse_efi_bs(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	(void)t;
	(void)size;
	bi->efi_boot_services_active = true;
	return NULL;
}

/* [MB2 3.6.16, 3.6.17] a copy of the RSDP follows the tag header. */
static const char *parse_rsdp_old(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	bi->rsdp_v1 = t + sizeof(struct mb2_tag);
	bi->rsdp_v1_len = size - sizeof(struct mb2_tag);
	return NULL;
}

static const char *parse_rsdp_new(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	bi->rsdp_v2 = t + sizeof(struct mb2_tag);
	bi->rsdp_v2_len = size - sizeof(struct mb2_tag);
	return NULL;
}

static const char *parse_smbios(struct bootinfo *bi, const uint8_t *t, uint32_t size)
{
	struct mb2_smbios s;

	memcpy(&s, t, sizeof(s));
	bi->smbios_major = s.major;
	bi->smbios_minor = s.minor;
	bi->smbios = t + sizeof(s);
	bi->smbios_len = size - sizeof(s);
	return NULL;
}

/* Known tags with nothing kept (boot device, VBE, APM, network) have only a
 * minimum size to respect. */
static const struct tag_rule tag_rules[BOOTINFO_TAG_COUNT] = {
	[BOOTINFO_TAG_CMDLINE] = { 9, parse_cmdline },
	[BOOTINFO_TAG_LOADER_NAME] = { 9, parse_loader },
	[BOOTINFO_TAG_MODULE] = { sizeof(struct mb2_module) + 1, parse_module },
	[BOOTINFO_TAG_MEMINFO] = { sizeof(struct mb2_meminfo), parse_meminfo },
	[BOOTINFO_TAG_BOOTDEV] = { 20, NULL },
	[BOOTINFO_TAG_MMAP] = { sizeof(struct mb2_mmap), parse_mmap },
	[BOOTINFO_TAG_VBE] = { 784, NULL },
	[BOOTINFO_TAG_FRAMEBUFFER] = { sizeof(struct mb2_fb), parse_fb },
	[BOOTINFO_TAG_ELF_SECTIONS] = { sizeof(struct mb2_elf), parse_elf },
	[BOOTINFO_TAG_APM] = { 28, NULL },
	[BOOTINFO_TAG_EFI32] = { sizeof(struct mb2_ptr32), parse_efi32 },
	[BOOTINFO_TAG_EFI64] = { sizeof(struct mb2_ptr64), parse_efi64 },
	[BOOTINFO_TAG_SMBIOS] = { sizeof(struct mb2_smbios), parse_smbios },
	[BOOTINFO_TAG_ACPI_OLD] = { 8 + RSDP_V1_LEN, parse_rsdp_old },
	[BOOTINFO_TAG_ACPI_NEW] = { 8 + RSDP_V2_LEN, parse_rsdp_new },
	[BOOTINFO_TAG_NETWORK] = { 8, NULL },
	[BOOTINFO_TAG_EFI_MMAP] = { sizeof(struct mb2_mmap), parse_efi_mmap },
	[BOOTINFO_TAG_EFI_BS] = { 8, parse_efi_bs },
	[BOOTINFO_TAG_EFI32_IH] = { sizeof(struct mb2_ptr32), parse_efi32_ih },
	[BOOTINFO_TAG_EFI64_IH] = { sizeof(struct mb2_ptr64), parse_efi64_ih },
	[BOOTINFO_TAG_LOAD_BASE] = { sizeof(struct mb2_ptr32), parse_load_base },
};

static int fail(struct bootinfo *bi, uint32_t off, uint32_t type, const char *why)
{
	bi->error = why;
	bi->error_offset = off;
	bi->error_type = type;
	return BOOTINFO_EINVAL;
}

/* One tag whose header has been checked to lie inside the information. */
static const char *parse_tag(struct bootinfo *bi, const uint8_t *t, uint32_t type,
			     uint32_t size)
{
	const struct tag_rule *rule;

	if (type >= BOOTINFO_TAG_COUNT) {
		bi->unknown_tags++;
		return NULL;
	}
	rule = &tag_rules[type];
	if (size < rule->min_size)
		return "tag shorter than its fixed fields";
	bi->present |= (uint32_t)1 << type;
	return rule->parse ? rule->parse(bi, t, size) : NULL;
}

int bootinfo_parse(struct bootinfo *out, const void *mbi, size_t max_len)
{
	const uint8_t *base = mbi;
	struct mb2_head head;
	struct mb2_tag tag;
	const char *why;
	uint64_t step;
	uint32_t off;

	memset(out, 0, sizeof(*out));
	if (max_len < sizeof(head))
		return fail(out, 0, 0, "buffer smaller than the fixed header");
	memcpy(&head, base, sizeof(head));
	out->total_size = head.total_size;
	if (head.total_size < sizeof(head) + sizeof(tag) || head.total_size > max_len)
		return fail(out, 0, 0, "total_size below 16 or beyond the buffer");
	for (off = sizeof(head); head.total_size - off >= sizeof(tag); off += step) {
		memcpy(&tag, base + off, sizeof(tag));
		if (tag.size < sizeof(tag))
			return fail(out, off, tag.type, "tag size below 8");
		if (tag.size > head.total_size - off)
			return fail(out, off, tag.type, "tag runs past total_size");
		if (tag.type == BOOTINFO_TAG_END)
			return tag.size == sizeof(tag) ? 0 :
				fail(out, off, tag.type, "end tag size not 8");
		why = parse_tag(out, base + off, tag.type, tag.size);
		if (why)
			return fail(out, off, tag.type, why);
		step = ((uint64_t)tag.size + 7) & ~(uint64_t)7;
		if (step > head.total_size - off)
			break;
	}
	return fail(out, off, 0, "no end tag before total_size");
}

bool bootinfo_has(const struct bootinfo *bi, uint32_t type)
{
	return type < 32 && (bi->present >> type & 1u);
}

bool bootinfo_mmap_entry(const struct bootinfo *bi, uint32_t i,
			 struct mb2_mmap_entry *out)
{
	if (i >= bi->mmap_count)
		return false;
	memcpy(out, bi->mmap + (size_t)i * bi->mmap_entry_size, sizeof(*out));
	return true;
}

bool bootinfo_efi_desc(const struct bootinfo *bi, uint32_t i,
		       struct bootinfo_efi_desc *out)
{
	if (i >= bi->efi_mmap_count)
		return false;
	memcpy(out, bi->efi_mmap + (size_t)i * bi->efi_desc_size, sizeof(*out));
	return true;
}
