/*
 * video.c - puts the fbcon text console on the framebuffer the loader set
 * up, and replays nothing: lines logged before it started stay serial-only.
 */
#include "video.h"

#include <string.h>

#include "fbcon.h"
#include "mm.h"
#include "options.h"
#include "printk.h"

static struct fbcon fb;

static void fb_console_write(struct console *con, const char *s, size_t n)
{
	(void)con;
	fbcon_write(&fb, s, n);
}

static struct console fb_console = {"framebuffer", fb_console_write, NULL};

static const char *type_name(uint8_t type)
{
	return type == BOOTINFO_FB_RGB ? "RGB" : type == BOOTINFO_FB_EGA ? "EGA text" : "indexed";
}

static bool fb_up;

/* The largest scale at which n lines, the longest 'widest' characters,
 * take at most the screen's width and half its height. */
static uint32_t banner_scale(uint32_t widest, uint32_t n)
{
	uint32_t s = FBCON_BIG_MAX;

	while (s > 1 && (widest * 8 * s > fb.mode.width || n * 16 * s > fb.mode.height / 2))
		s--;
	return s;
}

bool video_banner(const char *const *lines, uint32_t n, uint32_t rgb)
{
	uint32_t widest = 0, scale, y = 8;

	if (!fb_up || fb.mode.type == FBCON_TYPE_EGA_TEXT || n == 0)
		return false;
	for (uint32_t i = 0; i < n; i++)
		widest = strlen(lines[i]) > widest ? (uint32_t)strlen(lines[i]) : widest;
	scale = banner_scale(widest, n);
	fbcon_clear(&fb);
	for (uint32_t i = 0; i < n; i++, y += 16 * scale) {
		fbcon_set_colors(&fb, i == 0 ? rgb : 0xffffff, FBCON_DEFAULT_BG);
		(void)fbcon_draw_big(&fb, lines[i], scale, 8, y);
	}
	fbcon_set_colors(&fb, FBCON_DEFAULT_FG, FBCON_DEFAULT_BG);
	/* The log continues on the first text row below the banner. */
	fb.x = 0;
	fb.y = (y + 16 + 15) / 16 < fb.rows ? (y + 16 + 15) / 16 : fb.rows - 1;
	return true;
}

void video_init(const struct bootinfo *bi)
{
	const struct bootinfo_fb *t = &bi->fb;
	struct fbcon_mode m = {0};
	uint64_t bytes = (uint64_t)t->pitch * t->height;
	int err;

	if (!bootinfo_has(bi, BOOTINFO_TAG_FRAMEBUFFER)) {
		pr_info("video: the loader set up no framebuffer; serial console only\n");
		return;
	}
	pr_info("video: %ux%u %u bpp %s framebuffer at %#llx\n", t->width, t->height, t->bpp,
		type_name(t->type), (unsigned long long)t->addr);
	if (kopt.no_fb)
		return;
	m.base = mmio_map_wc(t->addr, bytes);
	if (!m.base) {
		pr_warn("video: cannot map %llu bytes of framebuffer\n", (unsigned long long)bytes);
		return;
	}
	m.pitch = t->pitch, m.width = t->width, m.height = t->height;
	m.bpp = t->bpp, m.type = t->type;
	m.red = (struct fbcon_field){t->red_pos, t->red_size};
	m.green = (struct fbcon_field){t->green_pos, t->green_size};
	m.blue = (struct fbcon_field){t->blue_pos, t->blue_size};
	m.palette = t->palette, m.palette_count = t->palette_colors;
	if ((err = fbcon_init(&fb, &m)) != 0) {
		pr_warn("video: framebuffer console not started (error %d)\n", err);
		return;
	}
	fbcon_clear(&fb);
	console_register(&fb_console);
	fb_up = true;
	pr_info("video: framebuffer console %ux%u characters\n", fb.cols, fb.rows);
}
