/*
 * test_bootinfo.c - the Multiboot2 parser against synthetic boot information:
 * every tag type, unknown tags, and each way the input can be malformed.
 */
#include "bootinfo.h"
#include "ktest.h"
#include "plat.h"

#include <string.h>

/* A little builder: tags are appended 8-byte aligned, mb_finish adds the end
 * tag and writes total_size.  One static instance; the tests are serial. */
struct mb_builder {
	_Alignas(8) uint8_t buf[4096];
	uint32_t len;
};

static struct mb_builder mb;

static void mb_start(void)
{
	memset(&mb, 0, sizeof(mb));
	mb.len = 8;
}

/* Append a tag: header, then 'n' payload bytes; returns its offset. */
static uint32_t mb_tag(uint32_t type, const void *payload, uint32_t n)
{
	uint32_t off = mb.len, size = 8 + n;

	PLAT_ASSERT(off + size + 16 <= sizeof(mb.buf));
	memcpy(mb.buf + off, &type, 4);
	memcpy(mb.buf + off + 4, &size, 4);
	if (n)
		memcpy(mb.buf + off + 8, payload, n);
	mb.len = (off + size + 7) & ~7u;
	return off;
}

static uint32_t mb_finish(void)
{
	uint32_t end[2] = { 0, 8 };

	(void)mb_tag(0, NULL, 0);
	memcpy(mb.buf + mb.len - 8, end, 8);
	memcpy(mb.buf, &mb.len, 4);
	return mb.len;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void add_mmap(void)
{
	uint8_t p[8 + 3 * 24];
	struct mb2_mmap_entry e[3] = {
		{ 0, 0x9fc00, BOOTINFO_MEM_AVAILABLE, 0 },
		{ 0x100000, 0x7ff00000, BOOTINFO_MEM_AVAILABLE, 0 },
		{ 0x100000000ull, 0x80000000ull, BOOTINFO_MEM_AVAILABLE, 0 },
	};

	put32(p, 24);
	put32(p + 4, 0);
	memcpy(p + 8, e, sizeof(e));
	(void)mb_tag(BOOTINFO_TAG_MMAP, p, sizeof(p));
}

static void add_efi_mmap(void)
{
	uint8_t p[8 + 2 * 48] = { 0 };
	struct bootinfo_efi_desc d[2] = {
		{ 7, 0, 0x100000, 0, 256, 0xf },
		{ 3, 0, 0x200000, 0, 16, 0xf },
	};

	put32(p, 48);
	put32(p + 4, 1);
	memcpy(p + 8, &d[0], 40);
	memcpy(p + 8 + 48, &d[1], 40);
	(void)mb_tag(BOOTINFO_TAG_EFI_MMAP, p, sizeof(p));
}

static void add_fb_rgb(void)
{
	uint8_t p[30] = { 0 };

	put64(p, 0xfd000000ull);
	put32(p + 8, 4096);
	put32(p + 12, 1024);
	put32(p + 16, 768);
	p[20] = 32;
	p[21] = BOOTINFO_FB_RGB;
	memcpy(p + 24, (uint8_t[]){ 16, 8, 8, 8, 0, 8 }, 6);
	(void)mb_tag(BOOTINFO_TAG_FRAMEBUFFER, p, sizeof(p));
}

static void add_module(uint32_t start, uint32_t end, const char *s)
{
	uint8_t p[64];
	uint32_t n = (uint32_t)strlen(s) + 1;

	put32(p, start);
	put32(p + 4, end);
	memcpy(p + 8, s, n);
	(void)mb_tag(BOOTINFO_TAG_MODULE, p, 8 + n);
}

/* The tags of the "all" test apart from memory maps and framebuffer. */
static void add_small_tags(void)
{
	uint8_t p[784] = { 0 };

	(void)mb_tag(BOOTINFO_TAG_CMDLINE, "quick iommu=on", 15);
	(void)mb_tag(BOOTINFO_TAG_LOADER_NAME, "GRUB 2.06", 10);
	put32(p, 639);
	put32(p + 4, 130048);
	(void)mb_tag(BOOTINFO_TAG_MEMINFO, p, 8);
	(void)mb_tag(BOOTINFO_TAG_BOOTDEV, p, 12);
	(void)mb_tag(BOOTINFO_TAG_VBE, p, 776);
	(void)mb_tag(BOOTINFO_TAG_APM, p, 20);
	put32(p, 0xbeef0000);
	(void)mb_tag(BOOTINFO_TAG_EFI32, p, 4);
	(void)mb_tag(BOOTINFO_TAG_EFI32_IH, p, 4);
	put64(p, 0x7f000000ull);
	(void)mb_tag(BOOTINFO_TAG_EFI64, p, 8);
	(void)mb_tag(BOOTINFO_TAG_EFI64_IH, p, 8);
	put32(p, 0x200000);
	(void)mb_tag(BOOTINFO_TAG_LOAD_BASE, p, 4);
	(void)mb_tag(BOOTINFO_TAG_EFI_BS, NULL, 0);
	(void)mb_tag(BOOTINFO_TAG_NETWORK, p, 3);
	memset(p, 0, 64);
	memcpy(p, "RSD PTR ", 8);
	(void)mb_tag(BOOTINFO_TAG_ACPI_OLD, p, 20);
	(void)mb_tag(BOOTINFO_TAG_ACPI_NEW, p, 36);
	p[0] = 3, p[1] = 2;
	(void)mb_tag(BOOTINFO_TAG_SMBIOS, p, 8 + 31);
	put32(p, 2), put32(p + 4, 64), put32(p + 8, 1);
	(void)mb_tag(BOOTINFO_TAG_ELF_SECTIONS, p, 12 + 128);
}

KTEST(bootinfo_minimal_end_tag_only)
{
	struct bootinfo bi;
	uint32_t len;

	mb_start();
	len = mb_finish();
	KT_ASSERT_EQ(len, 16);
	KT_ASSERT_EQ(bootinfo_parse(&bi, mb.buf, len), 0);
	KT_EXPECT_EQ(bi.present, 0);
	KT_EXPECT(bi.error == NULL);
}

static void check_small_tags(const struct bootinfo *bi)
{
	KT_EXPECT_EQ(bi->cmdline_len, 14);
	KT_EXPECT(memcmp(bi->cmdline, "quick iommu=on", 15) == 0);
	KT_EXPECT_EQ(bi->loader_name_len, 9);
	KT_EXPECT_EQ(bi->mem_lower_kib, 639);
	KT_EXPECT_EQ(bi->mem_upper_kib, 130048);
	KT_EXPECT_EQ(bi->efi32_systab, 0xbeef0000);
	KT_EXPECT_EQ(bi->efi32_image_handle, 0xbeef0000);
	KT_EXPECT_EQ(bi->efi64_systab, 0x7f000000ull);
	KT_EXPECT_EQ(bi->efi64_image_handle, 0x7f000000ull);
	KT_EXPECT_EQ(bi->load_base, 0x200000);
	KT_EXPECT(bi->efi_boot_services_active);
	KT_EXPECT_EQ(bi->rsdp_v1_len, 20);
	KT_EXPECT_EQ(bi->rsdp_v2_len, 36);
	KT_EXPECT(memcmp(bi->rsdp_v2, "RSD PTR ", 8) == 0);
	KT_EXPECT_EQ(bi->smbios_major, 3);
	KT_EXPECT_EQ(bi->smbios_minor, 2);
	KT_EXPECT_EQ(bi->smbios_len, 31);
	KT_EXPECT_EQ(bi->elf_num, 2);
	KT_EXPECT_EQ(bi->elf_entsize, 64);
	KT_EXPECT_EQ(bi->elf_shndx, 1);
}

static void check_maps_and_fb(const struct bootinfo *bi)
{
	struct mb2_mmap_entry e;
	struct bootinfo_efi_desc d;

	KT_ASSERT_EQ(bi->mmap_count, 3);
	KT_ASSERT(bootinfo_mmap_entry(bi, 2, &e));
	KT_EXPECT_EQ(e.base, 0x100000000ull);
	KT_EXPECT_EQ(e.len, 0x80000000ull);
	KT_EXPECT(!bootinfo_mmap_entry(bi, 3, &e));
	KT_ASSERT_EQ(bi->efi_mmap_count, 2);
	KT_EXPECT_EQ(bi->efi_desc_size, 48);
	KT_ASSERT(bootinfo_efi_desc(bi, 1, &d));
	KT_EXPECT_EQ(d.type, 3);
	KT_EXPECT_EQ(d.phys, 0x200000);
	KT_EXPECT_EQ(d.npages, 16);
	KT_EXPECT(!bootinfo_efi_desc(bi, 2, &d));
	KT_EXPECT_EQ(bi->fb.addr, 0xfd000000ull);
	KT_EXPECT_EQ(bi->fb.pitch, 4096);
	KT_EXPECT_EQ(bi->fb.width, 1024);
	KT_EXPECT_EQ(bi->fb.height, 768);
	KT_EXPECT_EQ(bi->fb.bpp, 32);
	KT_EXPECT_EQ(bi->fb.red_pos, 16);
	KT_EXPECT_EQ(bi->fb.green_pos, 8);
	KT_EXPECT_EQ(bi->fb.blue_size, 8);
}

KTEST(bootinfo_every_tag_type)
{
	struct bootinfo bi;
	uint32_t len, t;

	mb_start();
	add_small_tags();
	add_module(0x400000, 0x401000, "initrd");
	add_module(0x500000, 0x500000, "");
	add_mmap();
	add_efi_mmap();
	add_fb_rgb();
	len = mb_finish();
	KT_ASSERT_EQ(bootinfo_parse(&bi, mb.buf, len), 0);
	for (t = 1; t < BOOTINFO_TAG_COUNT; t++)
		KT_EXPECT(bootinfo_has(&bi, t));
	KT_EXPECT_EQ(bi.unknown_tags, 0);
	check_small_tags(&bi);
	check_maps_and_fb(&bi);
	KT_ASSERT_EQ(bi.module_count, 2);
	KT_EXPECT_EQ(bi.modules[0].start, 0x400000);
	KT_EXPECT_EQ(bi.modules[0].end, 0x401000);
	KT_EXPECT(strcmp(bi.modules[0].string, "initrd") == 0);
	KT_EXPECT_EQ(bi.modules[1].string_len, 0);
}

KTEST(bootinfo_indexed_framebuffer_palette)
{
	struct bootinfo bi;
	uint8_t p[24 + 2 + 6] = { 0 };
	uint16_t n = 2;

	mb_start();
	p[20] = 8;
	p[21] = BOOTINFO_FB_INDEXED;
	memcpy(p + 24, &n, 2);
	memcpy(p + 26, (uint8_t[]){ 1, 2, 3, 4, 5, 6 }, 6);
	(void)mb_tag(BOOTINFO_TAG_FRAMEBUFFER, p, sizeof(p));
	KT_ASSERT_EQ(bootinfo_parse(&bi, mb.buf, mb_finish()), 0);
	KT_EXPECT_EQ(bi.fb.palette_colors, 2);
	KT_EXPECT_EQ(bi.fb.palette[5], 6);
}

KTEST(bootinfo_unknown_tags_skipped_and_counted)
{
	struct bootinfo bi;
	uint8_t junk[13] = { 0xff };

	mb_start();
	(void)mb_tag(99, junk, 5);
	(void)mb_tag(BOOTINFO_TAG_COUNT, junk, 13);
	(void)mb_tag(0x80000000u, NULL, 0);
	(void)mb_tag(BOOTINFO_TAG_CMDLINE, "after", 6);
	KT_ASSERT_EQ(bootinfo_parse(&bi, mb.buf, mb_finish()), 0);
	KT_EXPECT_EQ(bi.unknown_tags, 3);
	KT_EXPECT_EQ(bi.cmdline_len, 5);
}

KTEST(bootinfo_modules_beyond_capacity_counted)
{
	struct bootinfo bi;
	uint32_t i;

	mb_start();
	for (i = 0; i < BOOTINFO_MAX_MODULES + 3; i++)
		add_module(i << 12, (i + 1) << 12, "m");
	KT_ASSERT_EQ(bootinfo_parse(&bi, mb.buf, mb_finish()), 0);
	KT_EXPECT_EQ(bi.module_count, BOOTINFO_MAX_MODULES);
	KT_EXPECT_EQ(bi.modules_dropped, 3);
	KT_EXPECT_EQ(bi.dropped_start, BOOTINFO_MAX_MODULES << 12);
	KT_EXPECT_EQ(bi.dropped_end, (BOOTINFO_MAX_MODULES + 3) << 12);
	KT_EXPECT_EQ(bi.modules[BOOTINFO_MAX_MODULES - 1].end,
		     BOOTINFO_MAX_MODULES << 12);
}

/* Parse and expect failure reported at 'off' in a tag of 'type'. */
static void expect_bad(uint32_t max_len, uint32_t off, uint32_t type)
{
	struct bootinfo bi;

	KT_EXPECT_EQ(bootinfo_parse(&bi, mb.buf, max_len), BOOTINFO_EINVAL);
	KT_EXPECT(bi.error != NULL);
	KT_EXPECT_EQ(bi.error_offset, off);
	KT_EXPECT_EQ(bi.error_type, type);
	if (bi.error)
		ktest_diag("rejected as expected: %s", bi.error);
}

KTEST(bootinfo_rejects_bad_total_size)
{
	uint32_t len, small = 8;

	mb_start();
	len = mb_finish();
	expect_bad(4, 0, 0);       /* not even the header fits */
	expect_bad(len - 1, 0, 0); /* total_size beyond max_len */
	memcpy(mb.buf, &small, 4);
	expect_bad(len, 0, 0);     /* total_size < 16 */
}

KTEST(bootinfo_rejects_broken_tag_framing)
{
	uint32_t len, off, v;

	mb_start();
	off = mb_tag(BOOTINFO_TAG_CMDLINE, "x", 2);
	len = mb_finish();
	v = 64; /* runs past total_size */
	memcpy(mb.buf + off + 4, &v, 4);
	expect_bad(len, off, BOOTINFO_TAG_CMDLINE);
	v = 4; /* below the 8-byte header */
	memcpy(mb.buf + off + 4, &v, 4);
	expect_bad(len, off, BOOTINFO_TAG_CMDLINE);
	v = 10;
	memcpy(mb.buf + off + 4, &v, 4);
	v = 16; /* end tag of the wrong size, inside total_size */
	memcpy(mb.buf + len - 4, &v, 4);
	v = len + 8;
	memcpy(mb.buf, &v, 4);
	expect_bad(len + 8, len - 8, 0);
	v = 8;
	memcpy(mb.buf + len - 4, &v, 4);
	v = len - 8; /* no end tag: total_size stops before it */
	memcpy(mb.buf, &v, 4);
	expect_bad(len, len - 8, 0);
}

/* Each malformed known tag: payload bytes, and the tag type. */
struct bad_tag {
	uint32_t type, n;
	uint8_t payload[48];
};

static const struct bad_tag bad_tags[] = {
	{ BOOTINFO_TAG_CMDLINE, 3, "abc" },
	{ BOOTINFO_TAG_LOADER_NAME, 1, "g" },
	{ BOOTINFO_TAG_MODULE, 9, { 0, 0x20, 0, 0, 0, 0x10, 0, 0, 0 } },
	{ BOOTINFO_TAG_MODULE, 10, { 0, 0, 0, 0, 0, 0x10, 0, 0, 'a', 'b' } },
	{ BOOTINFO_TAG_MEMINFO, 4, { 0 } },
	{ BOOTINFO_TAG_BOOTDEV, 8, { 0 } },
	{ BOOTINFO_TAG_MMAP, 8 + 20, { 20, 0, 0, 0, 0, 0, 0, 0 } },
	{ BOOTINFO_TAG_MMAP, 8 + 24, { 24, 0, 0, 0, 1, 0, 0, 0 } },
	{ BOOTINFO_TAG_MMAP, 8 + 32, { 24, 0, 0, 0, 0, 0, 0, 0 } },
	{ BOOTINFO_TAG_MMAP, 4, { 24 } },
	{ BOOTINFO_TAG_EFI_MMAP, 8 + 32, { 32, 0, 0, 0, 1, 0, 0, 0 } },
	{ BOOTINFO_TAG_EFI_MMAP, 8 + 40, { 40, 0, 0, 0, 2, 0, 0, 0 } },
	{ BOOTINFO_TAG_EFI_MMAP, 8 + 44, { 40, 0, 0, 0, 1, 0, 0, 0 } },
	{ BOOTINFO_TAG_FRAMEBUFFER, 20, { 0 } },
	{ BOOTINFO_TAG_FRAMEBUFFER, 24 + 3, { [21] = BOOTINFO_FB_RGB } },
	{ BOOTINFO_TAG_FRAMEBUFFER, 24 + 2 + 6,
	  { [21] = BOOTINFO_FB_INDEXED, [24] = 3 } },
	{ BOOTINFO_TAG_FRAMEBUFFER, 24 + 1, { [21] = BOOTINFO_FB_INDEXED } },
	{ BOOTINFO_TAG_ELF_SECTIONS, 12 + 8, { 2, 0, 0, 0, 8, 0, 0, 0 } },
	{ BOOTINFO_TAG_ELF_SECTIONS, 8, { 0 } },
	{ BOOTINFO_TAG_EFI32, 2, { 0 } },
	{ BOOTINFO_TAG_EFI64, 4, { 0 } },
	{ BOOTINFO_TAG_EFI32_IH, 0, { 0 } },
	{ BOOTINFO_TAG_EFI64_IH, 7, { 0 } },
	{ BOOTINFO_TAG_LOAD_BASE, 3, { 0 } },
	{ BOOTINFO_TAG_SMBIOS, 7, { 0 } },
	{ BOOTINFO_TAG_ACPI_OLD, 19, { 0 } },
	{ BOOTINFO_TAG_ACPI_NEW, 20, { 0 } },
	{ BOOTINFO_TAG_VBE, 40, { 0 } },
	{ BOOTINFO_TAG_APM, 12, { 0 } },
};

KTEST(bootinfo_rejects_each_malformed_known_tag)
{
	uint32_t i, off, len;

	for (i = 0; i < sizeof(bad_tags) / sizeof(bad_tags[0]); i++) {
		mb_start();
		(void)mb_tag(BOOTINFO_TAG_CMDLINE, "ok", 3);
		off = mb_tag(bad_tags[i].type, bad_tags[i].payload, bad_tags[i].n);
		len = mb_finish();
		ktest_diag("case %u: type %u", i, bad_tags[i].type);
		expect_bad(len, off, bad_tags[i].type);
	}
}

/* Corrupt random bytes of a full, valid information placed in a heap buffer
 * of exactly its size: the parser must answer without reading outside it
 * (AddressSanitizer watches on the host), and explain every refusal. */
KTEST(bootinfo_random_corruption_stays_inside)
{
	uint64_t seed = 0x5eed0b007ull;
	struct bootinfo bi;
	uint32_t len, i, k, pos;
	uint8_t *copy;

	mb_start();
	add_small_tags();
	add_module(0x400000, 0x401000, "initrd");
	add_mmap();
	add_efi_mmap();
	add_fb_rgb();
	len = mb_finish();
	copy = plat_malloc(len);
	KT_ASSERT(copy != NULL);
	ktest_diag("seed %#llx", (unsigned long long)seed);
	for (i = 0; i < 3000; i++) {
		memcpy(copy, mb.buf, len);
		for (k = 0; k < 1 + i % 4; k++) {
			pos = 4 + (uint32_t)(ktest_rand(&seed) % (len - 4));
			copy[pos] = (uint8_t)ktest_rand(&seed);
		}
		if (bootinfo_parse(&bi, copy, len) != 0)
			KT_EXPECT(bi.error != NULL && bi.error_offset <= len);
	}
	plat_free(copy);
}
