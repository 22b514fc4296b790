/*
 * fbcon.c - the framebuffer text console: checks the mode, packs colours,
 * draws font cells, and handles the cursor, wrapping and scrolling.
 */
#include "fbcon.h"

#include <stdbool.h>
#include <string.h>

#include "font8x16.h"

#define CELL_W FONT8X16_WIDTH
#define CELL_H FONT8X16_HEIGHT
#define TAB_STOP 8

/* The EGA text cell [IBM EGA]: byte 0 the code page 437 character, byte 1
 * the attribute, foreground colour in bits 3:0 and background in 6:4. */
#define EGA_ATTR(fg, bg) ((uint8_t)(((bg) << 4) | (fg)))
#define EGA_BOX 0xfe /* CP437 small square, for characters not in ASCII */

/* The 16 colours of CGA/EGA text mode, as red, green, blue. */
static const uint8_t ega_palette[16][3] = {
	{0x00, 0x00, 0x00}, {0x00, 0x00, 0xaa}, {0x00, 0xaa, 0x00},
	{0x00, 0xaa, 0xaa}, {0xaa, 0x00, 0x00}, {0xaa, 0x00, 0xaa},
	{0xaa, 0x55, 0x00}, {0xaa, 0xaa, 0xaa}, {0x55, 0x55, 0x55},
	{0x55, 0x55, 0xff}, {0x55, 0xff, 0x55}, {0x55, 0xff, 0xff},
	{0xff, 0x55, 0x55}, {0xff, 0x55, 0xff}, {0xff, 0xff, 0x55},
	{0xff, 0xff, 0xff},
};

/* --- checking the mode ----------------------------------------------------- */

static uint32_t field_mask(struct fbcon_field f)
{
	return (uint32_t)(((1ull << f.size) - 1) << f.pos);
}

/* Each field 1 to 16 bits wide, inside bpp, and not overlapping another. */
static int check_fields(const struct fbcon_mode *m)
{
	const struct fbcon_field f[3] = {m->red, m->green, m->blue};

	for (int i = 0; i < 3; i++)
		if (f[i].size == 0 || f[i].size > 16 ||
		    (uint32_t)f[i].pos + f[i].size > m->bpp)
			return -FBCON_EINVAL;
	if ((field_mask(f[0]) & field_mask(f[1])) ||
	    (field_mask(f[0]) & field_mask(f[2])) ||
	    (field_mask(f[1]) & field_mask(f[2])))
		return -FBCON_EINVAL;
	return 0;
}

/* Bytes per pixel (per cell for EGA text) of a mode this console draws,
 * or a negative error. */
static int check_format(const struct fbcon_mode *m)
{
	int err;

	switch (m->type) {
	case FBCON_TYPE_RGB:
		if (m->bpp != 15 && m->bpp != 16 && m->bpp != 24 && m->bpp != 32)
			return -FBCON_ENOTSUP;
		err = check_fields(m);
		return err ? err : (m->bpp + 7) / 8;
	case FBCON_TYPE_INDEXED:
		if (m->bpp != 8)
			return -FBCON_ENOTSUP;
		if (!m->palette || !m->palette_count || m->palette_count > 256)
			return -FBCON_EINVAL;
		return 1;
	case FBCON_TYPE_EGA_TEXT:
		return m->bpp == 16 ? 2 : -FBCON_EINVAL;
	default:
		return -FBCON_ENOTSUP;
	}
}

/* --- colours --------------------------------------------------------------- */

/* An 8-bit channel scaled to 'size' bits, rounding to nearest. */
static uint32_t scale_channel(uint32_t v, uint32_t size)
{
	uint32_t max = (1u << size) - 1;

	return (v * max + 127) / 255;
}

static uint32_t pack_rgb(const struct fbcon_mode *m, uint32_t rgb)
{
	return scale_channel((rgb >> 16) & 0xff, m->red.size) << m->red.pos |
	       scale_channel((rgb >> 8) & 0xff, m->green.size) << m->green.pos |
	       scale_channel(rgb & 0xff, m->blue.size) << m->blue.pos;
}

/* Index of the palette entry nearest to 'rgb' (squared distance). */
static uint32_t nearest(const uint8_t *pal, uint32_t n, uint32_t rgb)
{
	uint32_t best = 0, best_d = UINT32_MAX;

	for (uint32_t i = 0; i < n; i++) {
		int32_t dr = (int32_t)((rgb >> 16) & 0xff) - pal[3 * i];
		int32_t dg = (int32_t)((rgb >> 8) & 0xff) - pal[3 * i + 1];
		int32_t db = (int32_t)(rgb & 0xff) - pal[3 * i + 2];
		uint32_t d = (uint32_t)(dr * dr + dg * dg + db * db);

		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	return best;
}

void fbcon_set_colors(struct fbcon *c, uint32_t fg_rgb, uint32_t bg_rgb)
{
	const struct fbcon_mode *m = &c->mode;

	switch (m->type) {
	case FBCON_TYPE_RGB:
		c->fg = pack_rgb(m, fg_rgb);
		c->bg = pack_rgb(m, bg_rgb);
		break;
	case FBCON_TYPE_INDEXED:
		c->fg = nearest(m->palette, m->palette_count, fg_rgb);
		c->bg = nearest(m->palette, m->palette_count, bg_rgb);
		break;
	default:
		c->fg = nearest(&ega_palette[0][0], 16, fg_rgb);
		c->bg = nearest(&ega_palette[0][0], 8, bg_rgb);
		break;
	}
}

/* --- drawing --------------------------------------------------------------- */

static uint8_t *cell_addr(const struct fbcon *c, uint32_t col, uint32_t row)
{
	if (c->mode.type == FBCON_TYPE_EGA_TEXT)
		return c->mode.base + (size_t)row * c->mode.pitch + (size_t)col * 2;
	return c->mode.base + (size_t)row * CELL_H * c->mode.pitch +
	       (size_t)col * CELL_W * c->bytes_pp;
}

/* Store pixel value 'v' little-endian in 'bytes' bytes at 'p'. */
static void put_pixel(uint8_t *p, uint32_t v, uint32_t bytes)
{
	for (uint32_t i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* 'npix' pixels of background from 'p' on. */
static void fill_bg(const struct fbcon *c, uint8_t *p, uint32_t npix)
{
	for (uint32_t i = 0; i < npix; i++, p += c->bytes_pp)
		put_pixel(p, c->bg, c->bytes_pp);
}

/* Draw character 'ch' in cell (col, row); rows are composed in a local
 * buffer so the framebuffer sees one copy per pixel row. */
static void draw_cell(struct fbcon *c, uint32_t col, uint32_t row, uint8_t ch)
{
	uint8_t *dst = cell_addr(c, col, row);
	const uint8_t *g;
	uint8_t line[CELL_W * 4];

	if (c->mode.type == FBCON_TYPE_EGA_TEXT) {
		uint8_t cell[2] = {ch >= FONT8X16_FIRST && ch <= FONT8X16_LAST ?
				   ch : EGA_BOX, EGA_ATTR(c->fg, c->bg)};

		memcpy(dst, cell, 2);
		return;
	}
	g = font8x16_glyph(ch);
	for (uint32_t y = 0; y < CELL_H; y++, dst += c->mode.pitch) {
		for (uint32_t x = 0; x < CELL_W; x++)
			put_pixel(line + x * c->bytes_pp,
				  (g[y] & (0x80u >> x)) ? c->fg : c->bg,
				  c->bytes_pp);
		memcpy(dst, line, CELL_W * c->bytes_pp);
	}
}

/* Blank text row 'row' across all columns. */
static void clear_row(struct fbcon *c, uint32_t row)
{
	uint8_t *p = cell_addr(c, 0, row);

	if (c->mode.type == FBCON_TYPE_EGA_TEXT) {
		for (uint32_t col = 0; col < c->cols; col++)
			draw_cell(c, col, row, ' ');
		return;
	}
	for (uint32_t y = 0; y < CELL_H; y++, p += c->mode.pitch)
		fill_bg(c, p, c->cols * CELL_W);
}

/* Move every text row up by one and blank the last. */
static void scroll(struct fbcon *c)
{
	size_t row_bytes = (size_t)c->mode.pitch *
			   (c->mode.type == FBCON_TYPE_EGA_TEXT ? 1 : CELL_H);

	memmove(c->mode.base, c->mode.base + row_bytes,
		row_bytes * (c->rows - 1));
	clear_row(c, c->rows - 1);
}

void fbcon_clear(struct fbcon *c)
{
	uint8_t *p = c->mode.base;

	if (c->mode.type == FBCON_TYPE_EGA_TEXT) {
		for (uint32_t row = 0; row < c->rows; row++)
			clear_row(c, row);
	} else {
		/* The whole screen, margins right and below the cells too. */
		for (uint32_t y = 0; y < c->mode.height; y++, p += c->mode.pitch)
			fill_bg(c, p, c->mode.width);
	}
	c->x = 0;
	c->y = 0;
}

/* One character of fbcon_draw_big at pixel (px, py); each pixel row of the
 * glyph is composed once and copied to its scale rows. */
static void draw_big_char(struct fbcon *c, uint8_t ch, uint32_t scale, uint32_t px,
			  uint32_t py)
{
	const uint8_t *g = font8x16_glyph(ch);
	uint8_t line[CELL_W * FBCON_BIG_MAX * 4];
	uint32_t w = CELL_W * scale;
	uint8_t *dst = c->mode.base + (size_t)py * c->mode.pitch + (size_t)px * c->bytes_pp;

	for (uint32_t y = 0; y < CELL_H; y++) {
		for (uint32_t x = 0; x < w; x++)
			put_pixel(line + x * c->bytes_pp,
				  (g[y] & (0x80u >> (x / scale))) ? c->fg : c->bg, c->bytes_pp);
		for (uint32_t r = 0; r < scale; r++, dst += c->mode.pitch)
			memcpy(dst, line, (size_t)w * c->bytes_pp);
	}
}

uint32_t fbcon_draw_big(struct fbcon *c, const char *s, uint32_t scale, uint32_t px,
			uint32_t py)
{
	uint32_t n = 0;

	if (c->mode.type == FBCON_TYPE_EGA_TEXT || scale == 0 || scale > FBCON_BIG_MAX ||
	    py >= c->mode.height || c->mode.height - py < CELL_H * scale)
		return 0;
	for (; s[n] && px <= c->mode.width && c->mode.width - px >= CELL_W * scale; n++) {
		uint8_t ch = (uint8_t)s[n];

		draw_big_char(c, ch >= FONT8X16_FIRST && ch <= FONT8X16_LAST ? ch : ' ', scale,
			      px, py);
		px += CELL_W * scale;
	}
	return n;
}

/* --- the cursor ------------------------------------------------------------ */

static void newline(struct fbcon *c)
{
	c->x = 0;
	if (c->y + 1 < c->rows)
		c->y++;
	else
		scroll(c);
}

/* Draw at the cursor and advance it; a full row wraps first. */
static void put_glyph(struct fbcon *c, uint8_t ch)
{
	if (c->x >= c->cols)
		newline(c);
	draw_cell(c, c->x, c->y, ch);
	c->x++;
}

static void tab(struct fbcon *c)
{
	do
		put_glyph(c, ' ');
	while (c->x % TAB_STOP && c->x < c->cols);
}

void fbcon_putc(struct fbcon *c, char ch)
{
	switch (ch) {
	case '\n': newline(c); break;
	case '\r': c->x = 0; break;
	case '\t': tab(c); break;
	case '\b':
		if (c->x)
			c->x--;
		break;
	default: put_glyph(c, (uint8_t)ch); break;
	}
}

void fbcon_write(struct fbcon *c, const char *s, size_t n)
{
	while (n--)
		fbcon_putc(c, *s++);
}

void fbcon_emit(void *ctx, char ch)
{
	fbcon_putc(ctx, ch);
}

/* --- setting up ------------------------------------------------------------ */

int fbcon_init(struct fbcon *c, const struct fbcon_mode *m)
{
	uint32_t cols = m->width, rows = m->height;
	int bytes;

	if (!m->base || !m->pitch || !m->width || !m->height)
		return -FBCON_EINVAL;
	bytes = check_format(m);
	if (bytes < 0)
		return bytes;
	if ((uint64_t)m->width * (uint32_t)bytes > m->pitch)
		return -FBCON_EINVAL;
	if (m->type != FBCON_TYPE_EGA_TEXT) {
		cols /= CELL_W;
		rows /= CELL_H;
	}
	if (!cols || !rows)
		return -FBCON_EINVAL;
	c->mode = *m;
	c->bytes_pp = (uint32_t)bytes;
	c->cols = cols;
	c->rows = rows;
	fbcon_set_colors(c, FBCON_DEFAULT_FG, FBCON_DEFAULT_BG);
	fbcon_clear(c);
	return 0;
}
