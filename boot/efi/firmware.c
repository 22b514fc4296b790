/*
 * firmware.c - what the loader learns from the firmware while boot services
 * run: the command line, the ACPI RSDP and the GOP framebuffer.
 */
#include "loader.h"

/* --- command line: load options, else \EFI\BOOT\iommu-cmdline.txt ---------- */

static bool is_text(unsigned int c)
{
	return c >= 0x20 && c < 0x7f;
}

/* The UEFI shell passes "fs0:\EFI\BOOT\BOOTX64.EFI word ...": drop a first
 * word ending in ".efi" and the spaces after it. */
static void drop_program_name(char *s, UINTN len)
{
	UINTN w = 0;

	while (w < len && s[w] != ' ')
		w++;
	if (w < 4 || s[w - 4] != '.' || (s[w - 3] | 0x20) != 'e' ||
	    (s[w - 2] | 0x20) != 'f' || (s[w - 1] | 0x20) != 'i')
		return;
	while (w < len && s[w] == ' ')
		w++;
	CopyMem(s, s + w, len - w + 1);
}

/* Load options as text [UEFI 2.10 9.1]: UCS-2, printable ASCII only (binary
 * optional data of a boot entry is not a command line).  The UEFI shell puts
 * the program's own path first; that word is dropped. */
static void cmdline_from_options(struct loader *ld)
{
	const CHAR16 *o = ld->li->LoadOptions;
	UINTN n = ld->li->LoadOptionsSize / sizeof(CHAR16), len = 0;

	if (!o || ld->li->LoadOptionsSize % sizeof(CHAR16))
		return;
	for (UINTN i = 0; i < n && o[i]; i++) {
		if (!is_text(o[i]) || len + 1 >= CMDLINE_MAX) {
			ld->cmdline[0] = '\0';
			Print(L"iommu-kernel-efi: load options are not one line of text; "
			      L"not used as the command line\r\n");
			return;
		}
		ld->cmdline[len++] = (char)o[i];
	}
	ld->cmdline[len] = '\0';
	drop_program_name(ld->cmdline, len);
	if (ld->cmdline[0])
		ld->cmdline_from = "load options";
}

/* The first line of the file that is neither empty nor a '#' comment. */
static void cmdline_from_text(struct loader *ld, const char *t, UINTN size)
{
	UINTN i = 0, len;

	while (i < size) {
		while (i < size && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n'))
			i++;
		if (i < size && t[i] != '#')
			break;
		while (i < size && t[i] != '\n')
			i++;
	}
	for (len = 0; i + len < size && t[i + len] != '\n' && t[i + len] != '\r'; len++) {
		if (!is_text((unsigned char)t[i + len]) || len + 1 >= CMDLINE_MAX) {
			loader_error(EFI_SUCCESS, L"%s: not one line of printable ASCII "
				     L"under %d bytes; ignored", CMDLINE_PATH, CMDLINE_MAX);
			return;
		}
		ld->cmdline[len] = t[i + len];
	}
	while (len && ld->cmdline[len - 1] == ' ')
		len--;
	ld->cmdline[len] = '\0';
	ld->cmdline_from = "file"; /* even if blank: whoever wrote it chose */
}

void fw_read_cmdline(struct loader *ld)
{
	void *text;
	UINTN size;
	EFI_STATUS st;

	ld->cmdline[0] = '\0';
	ld->cmdline_from = "none";
	cmdline_from_options(ld);
	if (ld->cmdline[0])
		return;
	st = file_read_all(ld, CMDLINE_PATH, &text, &size);
	if (st == EFI_NOT_FOUND)
		return;
	if (EFI_ERROR(st)) {
		loader_error(st, L"cannot read %s; booting with an empty command line",
			     CMDLINE_PATH);
		return;
	}
	cmdline_from_text(ld, text, size);
	FreePool(text);
}

/* --- the boot choice, when nothing set a command line ---------------------- */

#define CHOICE_SECONDS 5

/* Wait up to CHOICE_SECONDS for a key; its character, or 0 for none. */
static CHAR16 wait_key(void)
{
	EFI_EVENT ev[2], timer;
	EFI_INPUT_KEY key;
	UINTN which;

	if (EFI_ERROR(uefi_call_wrapper(BS->CreateEvent, 5, EVT_TIMER, 0, NULL, NULL, &timer)))
		return 0;
	/* Relative, in 100 ns units [UEFI 2.10 7.1.7]. */
	uefi_call_wrapper(BS->SetTimer, 3, timer, TimerRelative, CHOICE_SECONDS * 10000000ull);
	ev[0] = ST->ConIn->WaitForKey;
	ev[1] = timer;
	which = 1;
	(void)uefi_call_wrapper(BS->WaitForEvent, 3, 2, ev, &which);
	uefi_call_wrapper(BS->CloseEvent, 1, timer);
	if (which != 0 || EFI_ERROR(uefi_call_wrapper(ST->ConIn->ReadKeyStroke, 2, ST->ConIn, &key)))
		return 0;
	return key.UnicodeChar;
}

/*
 * A USB stick as written has no command line anywhere: let the person at
 * the machine choose the self-test without editing a file.  Anything set
 * (load options, the file, qemu-run) boots at once.
 */
void fw_offer_choice(struct loader *ld)
{
	CHAR16 c;

	if (ld->cmdline[0] || ld->cmdline_from[0] != 'n') /* "none": nothing set it */
		return;
	Print(L"iommu-kernel-efi: press S for the self-test, C to delete its kept report, "
	      L"any other key or wait %u s to boot\r\n", CHOICE_SECONDS);
	c = wait_key();
	if (c == L's' || c == L'S') {
		CopyMem(ld->cmdline, "selftest", sizeof("selftest"));
		ld->cmdline_from = "boot choice";
	} else if (c == L'c' || c == L'C') {
		CopyMem(ld->cmdline, "selftest clear", sizeof("selftest clear"));
		ld->cmdline_from = "boot choice";
	}
}

/* --- ACPI RSDP [ACPI 5.2.5.3] from the configuration table -------------- */

#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36
#define RSDP_OFF_REVISION 15
#define RSDP_OFF_LENGTH   20

static bool sums_to_zero(const uint8_t *p, UINTN n)
{
	uint8_t sum = 0;

	while (n--)
		sum += *p++;
	return sum == 0;
}

/* Signature and checksums; 'v2' also asks for the extended fields. */
static bool rsdp_ok(const uint8_t *p, bool v2)
{
	uint32_t len;

	if (CompareMem(p, "RSD PTR ", 8) != 0 || !sums_to_zero(p, RSDP_V1_LEN))
		return false;
	if (!v2)
		return true;
	CopyMem(&len, p + RSDP_OFF_LENGTH, sizeof(len));
	return p[RSDP_OFF_REVISION] >= 2 && len >= RSDP_V2_LEN &&
	       sums_to_zero(p, RSDP_V2_LEN);
}

static const uint8_t *config_table(EFI_GUID guid)
{
	EFI_CONFIGURATION_TABLE *ct = ST->ConfigurationTable;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++)
		if (CompareGuid(&ct[i].VendorGuid, &guid) == 0)
			return ct[i].VendorTable;
	return NULL;
}

void fw_find_rsdp(struct loader *ld)
{
	const uint8_t *v1 = config_table((EFI_GUID)ACPI_TABLE_GUID);
	const uint8_t *v2 = config_table((EFI_GUID)ACPI_20_TABLE_GUID);

	if (v2 && !rsdp_ok(v2, true)) {
		loader_error(EFI_SUCCESS, L"the ACPI 2.0 RSDP at 0x%lx is malformed; ignored",
			     (UINT64)(uintptr_t)v2);
		v2 = NULL;
	}
	if (v1 && !rsdp_ok(v1, false)) {
		loader_error(EFI_SUCCESS, L"the ACPI 1.0 RSDP at 0x%lx is malformed; ignored",
			     (UINT64)(uintptr_t)v1);
		v1 = NULL;
	}
	/* The first 20 bytes of a 2.0 RSDP are a valid 1.0 RSDP. */
	ld->rsdp_v1 = v1 ? v1 : v2;
	ld->rsdp_v2 = v2;
	if (!v1 && !v2)
		loader_error(EFI_SUCCESS, L"the firmware publishes no ACPI RSDP; "
			     L"the kernel will find no IOMMU");
	else
		Print(L"iommu-kernel-efi: ACPI RSDP%s%s\r\n", v2 ? L" 2.0" : L"", v1 ? L" 1.0" : L"");
}

/* --- GOP framebuffer [UEFI 2.10 12.9] --------------------------------------- */

/* Position and width of the one run of set bits in 'mask'. */
static void mask_field(uint32_t mask, uint8_t *pos, uint8_t *size)
{
	*pos = *size = 0;
	if (!mask)
		return;
	while (!(mask & 1)) {
		mask >>= 1;
		(*pos)++;
	}
	while (mask & 1) {
		mask >>= 1;
		(*size)++;
	}
}

static void fb_from_masks(struct loader_fb *fb, const EFI_PIXEL_BITMASK *m)
{
	uint32_t all = m->RedMask | m->GreenMask | m->BlueMask | m->ReservedMask;

	mask_field(m->RedMask, &fb->red_pos, &fb->red_size);
	mask_field(m->GreenMask, &fb->green_pos, &fb->green_size);
	mask_field(m->BlueMask, &fb->blue_pos, &fb->blue_size);
	for (fb->bpp = 0; all; all >>= 1)
		fb->bpp++;
}

static bool fb_format(struct loader_fb *fb, const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *mi)
{
	fb->bpp = 32;
	fb->green_pos = 8;
	fb->red_size = fb->green_size = fb->blue_size = 8;
	switch (mi->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		fb->red_pos = 0;
		fb->blue_pos = 16;
		return true;
	case PixelBlueGreenRedReserved8BitPerColor:
		fb->blue_pos = 0;
		fb->red_pos = 16;
		return true;
	case PixelBitMask:
		fb_from_masks(fb, &mi->PixelInformation);
		return fb->bpp != 0;
	default: /* PixelBltOnly: no linear framebuffer */
		return false;
	}
}

void fw_find_framebuffer(struct loader *ld)
{
	EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *mi;
	struct loader_fb *fb = &ld->fb;

	if (EFI_ERROR(uefi_call_wrapper(BS->LocateProtocol, 3, &gop_guid, NULL, (void **)&gop)) ||
	    !gop->Mode || !gop->Mode->Info) {
		Print(L"iommu-kernel-efi: no graphics output; the kernel logs to serial only\r\n");
		return;
	}
	mi = gop->Mode->Info;
	if (!fb_format(fb, mi)) {
		Print(L"iommu-kernel-efi: the graphics mode has no linear framebuffer\r\n");
		return;
	}
	fb->addr = gop->Mode->FrameBufferBase;
	fb->width = mi->HorizontalResolution;
	fb->height = mi->VerticalResolution;
	fb->pitch = mi->PixelsPerScanLine * ((fb->bpp + 7) / 8);
	ld->have_fb = true;
	Print(L"iommu-kernel-efi: framebuffer %ux%u at 0x%lx\r\n", fb->width, fb->height, fb->addr);
}
