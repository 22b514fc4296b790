/*
 * fbcon.h - a text console on a linear framebuffer, as the multiboot2
 * framebuffer tag [MB2 3.6.12] or UEFI GOP describes it.
 *
 * The console draws the 8x16 font of font8x16.h into character cells of a
 * pixel framebuffer (indexed 8 bpp, or direct RGB at 15, 16, 24 or 32 bpp),
 * or writes character/attribute pairs to an EGA text buffer.  Mapping the
 * framebuffer is the caller's business: it passes a CPU pointer to it.
 * There is no cursor glyph and no escape sequences; it is for a boot log.
 * Not safe against concurrent callers: printk serialises.
 */
#ifndef FBCON_H
#define FBCON_H

#include <stddef.h>
#include <stdint.h>

/* Errors, negated on return; the errno values they mirror. */
#define FBCON_EINVAL  22 /* the mode is inconsistent or too small */
#define FBCON_ENOTSUP 95 /* a valid mode this console does not draw */

/* framebuffer_type of the multiboot2 tag [MB2 3.6.12]. */
enum fbcon_type {
	FBCON_TYPE_INDEXED = 0,  /* pixels are indexes into a palette */
	FBCON_TYPE_RGB = 1,      /* pixels hold red, green, blue fields */
	FBCON_TYPE_EGA_TEXT = 2, /* 2 bytes per cell: character, attribute */
};

/* Where a colour channel sits in a pixel: bits pos .. pos + size - 1. */
struct fbcon_field {
	uint8_t pos, size;
};

/*
 * A framebuffer as the boot loader reports it.  Pixels are little-endian
 * in memory, the pixel at (x, y) starting at base + y * pitch + x * bytes
 * per pixel, where bytes per pixel is bpp rounded up to whole bytes.
 */
struct fbcon_mode {
	uint8_t *base;   /* CPU-visible address of the first byte */
	uint32_t pitch;  /* bytes from one line (or text row) to the next */
	uint32_t width;  /* pixels; characters for EGA text */
	uint32_t height; /* pixels; characters for EGA text */
	uint8_t bpp;     /* bits per pixel: 8 (indexed), 15, 16, 24, 32; 16 for EGA */
	uint8_t type;    /* enum fbcon_type */
	struct fbcon_field red, green, blue; /* FBCON_TYPE_RGB only */
	/* FBCON_TYPE_INDEXED only: palette_count entries of 3 bytes (red,
	 * green, blue), as in the tag; read by fbcon_set_colors, so it must
	 * stay valid while the console is in use. */
	const uint8_t *palette;
	uint32_t palette_count;
};

/*
 * A console.  The caller provides the memory; the fields are private.
 * Cursor invariant: x <= cols and y < rows, where x == cols means the row
 * is full and the next character goes to the start of the next row (so a
 * line of exactly cols characters followed by '\n' leaves no blank row).
 */
struct fbcon {
	struct fbcon_mode mode;
	uint32_t cols, rows; /* text cells that fit the screen */
	uint32_t x, y;       /* cursor cell */
	uint32_t bytes_pp;   /* bytes per pixel; 2 per cell for EGA text */
	uint32_t fg, bg;     /* pixel values, or EGA colour numbers 0-15 */
};

/* Default colours: light grey on black. */
#define FBCON_DEFAULT_FG 0xaaaaaa
#define FBCON_DEFAULT_BG 0x000000

/*
 * Check mode 'm', set up console 'c' on it in the default colours, clear the
 * screen and put the cursor top left.  Returns 0, -FBCON_EINVAL for a mode
 * that is inconsistent (no base, zero sizes, pitch too small for the width,
 * colour fields that overlap or do not fit in bpp, no palette, smaller than
 * one cell), or -FBCON_ENOTSUP for one it does not draw (other bpp or type).
 */
int fbcon_init(struct fbcon *c, const struct fbcon_mode *m)
	__attribute__((warn_unused_result));

/*
 * Print one character at the cursor.  '\n' starts the next line (carriage
 * return included), '\r' returns to column 0, '\t' fills with blanks to the
 * next column that is a multiple of 8, '\b' moves back one column without
 * erasing.  Other characters are drawn, those outside printable ASCII as a
 * hollow box (as 0xfe, a small square, on EGA text).  At the right edge the
 * line wraps; below the last row the screen scrolls up by one text row.
 */
void fbcon_putc(struct fbcon *c, char ch);

/* fbcon_putc for each of the 'n' characters of 's'. */
void fbcon_write(struct fbcon *c, const char *s, size_t n);

/* fbcon_putc shaped as the emit callback of fmt_vformat; ctx is the console. */
void fbcon_emit(void *ctx, char ch);

/*
 * Draw from now on in foreground 'fg_rgb' on background 'bg_rgb', both
 * 0xRRGGBB.  Each channel is scaled to the mode's field size; an indexed
 * mode takes the nearest palette entry, EGA text the nearest of the 16
 * standard colours (background: of the first 8, as bit 7 may blink).
 */
void fbcon_set_colors(struct fbcon *c, uint32_t fg_rgb, uint32_t bg_rgb);

/* Fill the screen with the background colour; cursor to the top left. */
void fbcon_clear(struct fbcon *c);

#define FBCON_BIG_MAX 16 /* largest scale fbcon_draw_big draws */

/*
 * Draw one line of text 's' with every font pixel a scale x scale block
 * (1 <= scale <= FBCON_BIG_MAX), its top-left corner at pixel (px, py), in
 * the current colours: a summary big enough to read on a photo of the
 * screen.  Characters that would not fit whole on the screen are left out;
 * the cursor does not move.  Returns the characters drawn (0 on EGA text,
 * which has no pixels to scale).
 */
uint32_t fbcon_draw_big(struct fbcon *c, const char *s, uint32_t scale, uint32_t px,
			uint32_t py);

#endif /* FBCON_H */
