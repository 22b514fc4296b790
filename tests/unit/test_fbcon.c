/*
 * test_fbcon.c - the framebuffer console drawing into small heap buffers:
 * glyph pixels and colour packing per depth, wrapping, scrolling, EGA text.
 */
#include "fbcon.h"

#include <string.h>

#include "font8x16.h"
#include "ktest.h"
#include "plat.h"

#define GUARD 64      /* bytes after the framebuffer that must stay intact */
#define JUNK  0xa5    /* what the buffer holds before fbcon_init */

/* A console on a heap framebuffer with a guard zone after it. */
struct fb {
	uint8_t *buf;
	size_t size;
	struct fbcon_mode m;
	struct fbcon c;
};

static struct fbcon_field field(uint8_t pos, uint8_t size)
{
	return (struct fbcon_field){pos, size};
}

/* An RGB mode of w x h pixels with 'pad' spare bytes at the end of lines. */
static struct fbcon_mode rgb_mode(uint32_t w, uint32_t h, uint8_t bpp,
				  uint32_t pad, struct fbcon_field r,
				  struct fbcon_field g, struct fbcon_field b)
{
	struct fbcon_mode m = {NULL, w * ((bpp + 7u) / 8) + pad, w, h, bpp,
			       FBCON_TYPE_RGB, r, g, b, NULL, 0};

	return m;
}

/* Allocate m's buffer, fill it with junk, and start a console on it. */
static bool fb_open(struct fb *f, const struct fbcon_mode *m)
{
	f->m = *m;
	f->size = (size_t)m->pitch * m->height;
	f->buf = plat_malloc(f->size + GUARD);
	if (!f->buf)
		return false;
	memset(f->buf, JUNK, f->size + GUARD);
	f->m.base = f->buf;
	if (fbcon_init(&f->c, &f->m) == 0)
		return true;
	plat_free(f->buf);
	return false;
}

/* Free the buffer; false if anything was written past its end. */
static bool fb_close(struct fb *f)
{
	bool intact = true;

	for (size_t i = 0; i < GUARD; i++)
		intact &= f->buf[f->size + i] == JUNK;
	plat_free(f->buf);
	return intact;
}

static uint32_t px(const struct fb *f, uint32_t x, uint32_t y)
{
	uint32_t bytes = (f->m.bpp + 7u) / 8, v = 0;
	const uint8_t *p = f->buf + (size_t)y * f->m.pitch + (size_t)x * bytes;

	for (uint32_t i = 0; i < bytes; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

/* Does text cell (col, row) show 'ch' in pixel values fg on bg? */
static bool cell_is(const struct fb *f, uint32_t col, uint32_t row, char ch,
		    uint32_t fg, uint32_t bg)
{
	const uint8_t *g = font8x16_glyph((uint8_t)ch);

	for (uint32_t y = 0; y < FONT8X16_HEIGHT; y++) {
		for (uint32_t x = 0; x < FONT8X16_WIDTH; x++) {
			uint32_t want = (g[y] & (0x80u >> x)) ? fg : bg;
			uint32_t got = px(f, col * 8 + x, row * 16 + y);

			if (got != want) {
				ktest_diag("cell (%u,%u) '%c' pixel (%u,%u): got 0x%x, want 0x%x",
					   col, row, ch, x, y, got, want);
				return false;
			}
		}
	}
	return true;
}

static struct fbcon_mode xrgb32(void)
{
	return rgb_mode(64, 48, 32, 16, field(16, 8), field(8, 8), field(0, 8));
}

/* A valid 16 x 16 pixel mode (one row of two cells) on 'mem'. */
static struct fbcon_mode small_mode(uint8_t *mem)
{
	struct fbcon_mode m = rgb_mode(16, 16, 32, 0, field(16, 8), field(8, 8),
				       field(0, 8));

	m.base = mem;
	return m;
}

KTEST(fbcon_rejects_bad_geometry)
{
	uint8_t mem[64 * 16];
	struct fbcon c;
	struct fbcon_mode good = small_mode(mem), m;

	KT_EXPECT_EQ(fbcon_init(&c, &good), 0);
	m = good; m.base = NULL;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m = good; m.width = 0;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m = good; m.height = 0;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m = good; m.pitch = 0;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m = good; m.pitch = 63;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m = good; m.width = 7; /* less than one cell */
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m = good; m.height = 15;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
}

KTEST(fbcon_rejects_bad_rgb)
{
	uint8_t mem[64 * 16];
	struct fbcon c;
	struct fbcon_mode good = small_mode(mem), m;

	m = good; m.bpp = 12;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_ENOTSUP);
	m = good; m.bpp = 8;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_ENOTSUP);
	m = good; m.bpp = 255;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_ENOTSUP);
	m = good; m.red = field(28, 8); /* past bit 31 */
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m = good; m.green = field(12, 8); /* overlaps red */
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m = good; m.blue = field(0, 0);
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m = good; m.red = field(255, 8);
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m = good; m.bpp = 16; m.red = field(11, 6); /* 5:6:5 with red 6 wide */
	m.green = field(5, 6); m.blue = field(0, 5);
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m.red = field(11, 5);
	KT_EXPECT_EQ(fbcon_init(&c, &m), 0);
}

KTEST(fbcon_rejects_bad_types)
{
	static const uint8_t pal[] = {0, 0, 0, 255, 255, 255};
	uint8_t mem[64 * 16];
	struct fbcon c;
	struct fbcon_mode good = small_mode(mem), m;

	m = good; m.type = 3;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_ENOTSUP);
	m = good; m.type = FBCON_TYPE_INDEXED; m.bpp = 8;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL); /* no palette */
	m.palette = pal; m.palette_count = 2;
	KT_EXPECT_EQ(fbcon_init(&c, &m), 0);
	m.palette_count = 257;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m.palette_count = 2; m.bpp = 4;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_ENOTSUP);
	m = good; m.type = FBCON_TYPE_EGA_TEXT; m.bpp = 8;
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m.bpp = 16; m.width = 33; /* 66 bytes in a 64-byte pitch */
	KT_EXPECT_EQ(fbcon_init(&c, &m), -FBCON_EINVAL);
	m.width = 32;
	KT_EXPECT_EQ(fbcon_init(&c, &m), 0);
}

KTEST(fbcon_init_clears_screen)
{
	/* 70 x 40: margins right of and below the 8 x 2 cells. */
	struct fbcon_mode m = rgb_mode(70, 40, 32, 8, field(16, 8), field(8, 8),
				       field(0, 8));
	struct fb f;
	uint32_t bad = 0;

	KT_ASSERT(fb_open(&f, &m));
	KT_EXPECT_EQ(f.c.cols, 8);
	KT_EXPECT_EQ(f.c.rows, 2);
	for (uint32_t y = 0; y < 40; y++)
		for (uint32_t x = 0; x < 70; x++)
			bad += px(&f, x, y) != 0;
	KT_EXPECT_EQ(bad, 0);
	/* The padding at the end of each line is not the screen's. */
	KT_EXPECT_EQ(f.buf[70 * 4], JUNK);
	KT_EXPECT(fb_close(&f));
}

KTEST(fbcon_glyph_32bpp)
{
	struct fbcon_mode m = xrgb32();
	struct fb f;

	KT_ASSERT(fb_open(&f, &m));
	KT_EXPECT(cell_is(&f, 0, 0, ' ', 0xaaaaaa, 0));
	fbcon_putc(&f.c, 'A');
	KT_EXPECT(cell_is(&f, 0, 0, 'A', 0xaaaaaa, 0));
	fbcon_set_colors(&f.c, 0x123456, 0x654321);
	fbcon_write(&f.c, "g@", 2);
	KT_EXPECT(cell_is(&f, 1, 0, 'g', 0x123456, 0x654321));
	KT_EXPECT(cell_is(&f, 2, 0, '@', 0x123456, 0x654321));
	KT_EXPECT(cell_is(&f, 3, 0, ' ', 0, 0));
	KT_EXPECT(cell_is(&f, 1, 1, ' ', 0, 0));
	fbcon_emit(&f.c, 'e'); /* the fmt_vformat callback is fbcon_putc */
	KT_EXPECT(cell_is(&f, 3, 0, 'e', 0x123456, 0x654321));
	KT_EXPECT(fb_close(&f));
}

KTEST(fbcon_packs_bgr_32bpp)
{
	struct fbcon_mode m = rgb_mode(64, 48, 32, 0, field(0, 8), field(8, 8),
				       field(16, 8));
	struct fb f;

	KT_ASSERT(fb_open(&f, &m));
	fbcon_set_colors(&f.c, 0x123456, 0xff0000);
	fbcon_putc(&f.c, '#');
	KT_EXPECT(cell_is(&f, 0, 0, '#', 0x563412, 0x0000ff));
	KT_EXPECT(fb_close(&f));
}

KTEST(fbcon_glyph_24bpp)
{
	struct fbcon_mode m = rgb_mode(64, 48, 24, 4, field(16, 8), field(8, 8),
				       field(0, 8));
	struct fb f;

	KT_ASSERT(fb_open(&f, &m));
	fbcon_set_colors(&f.c, 0xabcdef, 0x010203);
	fbcon_write(&f.c, "xyz", 3);
	KT_EXPECT(cell_is(&f, 0, 0, 'x', 0xabcdef, 0x010203));
	KT_EXPECT(cell_is(&f, 2, 0, 'z', 0xabcdef, 0x010203));
	/* Byte order in memory: blue, green, red. */
	KT_EXPECT_EQ(f.buf[0], 0x03);
	KT_EXPECT_EQ(f.buf[2], 0x01);
	KT_EXPECT(fb_close(&f));
}

KTEST(fbcon_glyph_16bpp_565)
{
	struct fbcon_mode m = rgb_mode(64, 48, 16, 0, field(11, 5), field(5, 6),
				       field(0, 5));
	struct fb f;

	KT_ASSERT(fb_open(&f, &m));
	/* Red 0xff -> 31, green 0x80 -> 32 (0x80 * 63 / 255 rounded). */
	fbcon_set_colors(&f.c, 0xff8000, 0x0000ff);
	fbcon_putc(&f.c, 'Q');
	KT_EXPECT(cell_is(&f, 0, 0, 'Q', 0xfc00, 0x001f));
	fbcon_set_colors(&f.c, 0xffffff, 0x000000);
	fbcon_putc(&f.c, 'W');
	KT_EXPECT(cell_is(&f, 1, 0, 'W', 0xffff, 0x0000));
	KT_EXPECT(fb_close(&f));
}

KTEST(fbcon_packs_15bpp_555)
{
	struct fbcon_mode m = rgb_mode(64, 48, 15, 0, field(10, 5), field(5, 5),
				       field(0, 5));
	struct fb f;

	KT_ASSERT(fb_open(&f, &m));
	fbcon_set_colors(&f.c, 0xffffff, 0x00ff00);
	fbcon_putc(&f.c, '%');
	KT_EXPECT(cell_is(&f, 0, 0, '%', 0x7fff, 0x03e0));
	KT_EXPECT(fb_close(&f));
}

KTEST(fbcon_replacement_glyph)
{
	struct fbcon_mode m = xrgb32();
	struct fb f;
	const uint8_t *box = font8x16_glyphs[FONT8X16_REPLACEMENT];

	KT_ASSERT(fb_open(&f, &m));
	fbcon_write(&f.c, "\x01\xe9\x7f", 3);
	for (uint32_t col = 0; col < 3; col++)
		for (uint32_t y = 0; y < 16; y++)
			KT_EXPECT_EQ(px(&f, col * 8, y), (box[y] & 0x80) ? 0xaaaaaa : 0);
	KT_EXPECT(fb_close(&f));
}

KTEST(fbcon_wraps_at_right_edge)
{
	struct fbcon_mode m = xrgb32(); /* 8 columns, 3 rows */
	struct fb f;

	KT_ASSERT(fb_open(&f, &m));
	fbcon_write(&f.c, "01234567", 8);
	KT_EXPECT(cell_is(&f, 7, 0, '7', 0xaaaaaa, 0));
	KT_EXPECT(cell_is(&f, 0, 1, ' ', 0xaaaaaa, 0)); /* wrap is deferred */
	fbcon_putc(&f.c, 'w');
	KT_EXPECT(cell_is(&f, 0, 1, 'w', 0xaaaaaa, 0));
	/* A full row then '\n' leaves no blank row between. */
	fbcon_write(&f.c, "\rabcdefgh\nZ", 11);
	KT_EXPECT(cell_is(&f, 7, 1, 'h', 0xaaaaaa, 0));
	KT_EXPECT(cell_is(&f, 0, 2, 'Z', 0xaaaaaa, 0));
	KT_EXPECT(fb_close(&f));
}

KTEST(fbcon_scrolls_and_clears_last_row)
{
	struct fbcon_mode m = xrgb32(); /* 3 rows */
	struct fb f;
	uint32_t lit = 0;

	KT_ASSERT(fb_open(&f, &m));
	fbcon_set_colors(&f.c, 0xffffff, 0x000080);
	fbcon_write(&f.c, "A\nBB\nCCCCCCCC", 13);
	fbcon_putc(&f.c, '\n');
	KT_EXPECT(cell_is(&f, 0, 0, 'B', 0xffffff, 0x80));
	KT_EXPECT(cell_is(&f, 1, 0, 'B', 0xffffff, 0x80));
	KT_EXPECT(cell_is(&f, 2, 0, ' ', 0, 0)); /* drawn before the colours */
	KT_EXPECT(cell_is(&f, 7, 1, 'C', 0xffffff, 0x80));
	for (uint32_t y = 32; y < 48; y++)
		for (uint32_t x = 0; x < 64; x++)
			lit += px(&f, x, y) != 0x80;
	KT_EXPECT_EQ(lit, 0);
	/* Wrapping off the last row scrolls too. */
	fbcon_write(&f.c, "DDDDDDDDE", 9);
	KT_EXPECT(cell_is(&f, 0, 0, 'C', 0xffffff, 0x80));
	KT_EXPECT(cell_is(&f, 7, 1, 'D', 0xffffff, 0x80));
	KT_EXPECT(cell_is(&f, 0, 2, 'E', 0xffffff, 0x80));
	KT_EXPECT(cell_is(&f, 1, 2, ' ', 0xffffff, 0x80));
	KT_EXPECT(fb_close(&f));
}

KTEST(fbcon_control_chars)
{
	struct fbcon_mode m = rgb_mode(160, 32, 32, 0, field(16, 8),
				       field(8, 8), field(0, 8)); /* 20 x 2 */
	struct fb f;

	KT_ASSERT(fb_open(&f, &m));
	fbcon_write(&f.c, "ab\tc\td", 6);
	KT_EXPECT(cell_is(&f, 8, 0, 'c', 0xaaaaaa, 0));
	KT_EXPECT(cell_is(&f, 16, 0, 'd', 0xaaaaaa, 0));
	fbcon_write(&f.c, "\t\t", 2); /* stops at the edge, then wraps */
	fbcon_putc(&f.c, 'e');
	KT_EXPECT(cell_is(&f, 0, 1, ' ', 0xaaaaaa, 0));
	KT_EXPECT(cell_is(&f, 8, 1, 'e', 0xaaaaaa, 0));
	fbcon_write(&f.c, "\rX\bY", 4);
	KT_EXPECT(cell_is(&f, 0, 1, 'Y', 0xaaaaaa, 0));
	fbcon_write(&f.c, "\r\b\bZ", 4); /* '\b' stops at column 0 */
	KT_EXPECT(cell_is(&f, 0, 1, 'Z', 0xaaaaaa, 0));
	KT_EXPECT(cell_is(&f, 8, 1, 'e', 0xaaaaaa, 0));
	KT_EXPECT(fb_close(&f));
}

KTEST(fbcon_ega_text)
{
	/* 10 x 4 cells, 24 bytes per row (4 bytes of padding). */
	struct fbcon_mode m = {NULL, 24, 10, 4, 16, FBCON_TYPE_EGA_TEXT,
			       {0, 0}, {0, 0}, {0, 0}, NULL, 0};
	struct fb f;

	KT_ASSERT(fb_open(&f, &m));
	KT_EXPECT_EQ(f.c.cols, 10);
	KT_EXPECT_EQ(f.c.rows, 4);
	KT_EXPECT_EQ(f.buf[0], ' ');
	KT_EXPECT_EQ(f.buf[1], 0x07); /* light grey on black */
	KT_EXPECT_EQ(f.buf[20], JUNK);
	fbcon_set_colors(&f.c, 0xffff55, 0x0000aa); /* yellow on blue */
	fbcon_write(&f.c, "hi\xe9", 3);
	KT_EXPECT_EQ(f.buf[0], 'h');
	KT_EXPECT_EQ(f.buf[1], 0x1e);
	KT_EXPECT_EQ(f.buf[2], 'i');
	KT_EXPECT_EQ(f.buf[4], 0xfe);
	fbcon_set_colors(&f.c, 0xffffff, 0xffffff); /* bright bg: not blinking */
	KT_EXPECT_EQ(f.c.fg, 15);
	KT_EXPECT_EQ(f.c.bg, 7);
	fbcon_write(&f.c, "\n1\n2\n3\n", 7); /* "hi" goes off the top */
	KT_EXPECT_EQ(f.buf[0], '1');
	KT_EXPECT_EQ(f.buf[24 * 1], '2');
	KT_EXPECT_EQ(f.buf[24 * 2], '3');
	KT_EXPECT_EQ(f.buf[24 * 3], ' ');
	KT_EXPECT_EQ(f.buf[24 * 3 + 1], 0x7f);
	KT_EXPECT(fb_close(&f));
}

KTEST(fbcon_indexed_8bpp)
{
	static const uint8_t pal[4 * 3] = {0x00, 0x00, 0x00, 0xff, 0x00, 0x00,
					   0x00, 0x00, 0xff, 0xc0, 0xc0, 0xc0};
	struct fbcon_mode m = {NULL, 64, 64, 32, 8, FBCON_TYPE_INDEXED,
			       {0, 0}, {0, 0}, {0, 0}, pal, 4};
	struct fb f;

	KT_ASSERT(fb_open(&f, &m));
	fbcon_putc(&f.c, 'k'); /* default grey nearest to entry 3 */
	KT_EXPECT(cell_is(&f, 0, 0, 'k', 3, 0));
	fbcon_set_colors(&f.c, 0xe01010, 0x1010d0);
	fbcon_putc(&f.c, 'k');
	KT_EXPECT(cell_is(&f, 1, 0, 'k', 1, 2));
	KT_EXPECT(fb_close(&f));
}

/* Does the block at pixel (x0, y0) show 'ch' scaled 'scale' times in fg on bg? */
static bool big_is(const struct fb *f, uint32_t x0, uint32_t y0, char ch, uint32_t scale,
		   uint32_t fg, uint32_t bg)
{
	const uint8_t *g = font8x16_glyph((uint8_t)ch);

	for (uint32_t y = 0; y < 16 * scale; y++)
		for (uint32_t x = 0; x < 8 * scale; x++)
			if (px(f, x0 + x, y0 + y) !=
			    ((g[y / scale] & (0x80u >> (x / scale))) ? fg : bg))
				return false;
	return true;
}

/* fbcon_draw_big: each font pixel a scale x scale block where asked, whole
 * characters only at the screen's edge, the cursor and the rest untouched. */
KTEST(fbcon_draw_big_scales_and_clips)
{
	struct fbcon_mode m = rgb_mode(200, 140, 32, 12, field(16, 8), field(8, 8), field(0, 8));
	struct fb f;
	uint32_t outside = 0;

	KT_ASSERT(fb_open(&f, &m));
	fbcon_set_colors(&f.c, 0xffffff, 0x000080); /* xRGB: packed as given */
	KT_EXPECT_EQ(fbcon_draw_big(&f.c, "Ok", 3, 5, 2), 2);
	KT_EXPECT(big_is(&f, 5, 2, 'O', 3, 0xffffff, 0x000080));
	KT_EXPECT(big_is(&f, 5 + 24, 2, 'k', 3, 0xffffff, 0x000080));
	/* Nothing left of it, above it or right of it was drawn. */
	for (uint32_t y = 0; y < 2 + 48; y++)
		for (uint32_t x = 0; x < m.width; x++)
			if ((x < 5 || x >= 5 + 48 || y < 2) && px(&f, x, y) != 0)
				outside++;
	KT_EXPECT_EQ(outside, 0);
	KT_EXPECT_EQ(f.c.x, 0);
	KT_EXPECT_EQ(f.c.y, 0);
	/* Clipping: only whole characters that fit; too tall draws nothing. */
	KT_EXPECT_EQ(fbcon_draw_big(&f.c, "WWWWWWWW", 4, 0, 60), m.width / 32);
	KT_EXPECT_EQ(fbcon_draw_big(&f.c, "x", 4, 0, m.height - 63), 0);
	KT_EXPECT_EQ(fbcon_draw_big(&f.c, "x", 0, 0, 0), 0);
	KT_EXPECT_EQ(fbcon_draw_big(&f.c, "x", FBCON_BIG_MAX + 1, 0, 0), 0);
	KT_EXPECT(fb_close(&f));
}
