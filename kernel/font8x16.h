/*
 * font8x16.h - the console's built-in 8x16 bitmap font: printable ASCII and
 * a hollow box that stands for every other character.
 *
 * A glyph is 16 bytes, one per pixel row from the top; in each byte bit 7 is
 * the leftmost pixel and a set bit is foreground.  The glyphs are drawn as
 * ASCII art in tools/gen-font.py, which generates font8x16.c.
 */
#ifndef FONT8X16_H
#define FONT8X16_H

#include <stdint.h>

#define FONT8X16_WIDTH  8
#define FONT8X16_HEIGHT 16
#define FONT8X16_FIRST  0x20 /* space */
#define FONT8X16_LAST   0x7e /* '~' */
/* Index of the replacement glyph, after the printable ones. */
#define FONT8X16_REPLACEMENT (FONT8X16_LAST - FONT8X16_FIRST + 1)
#define FONT8X16_COUNT       (FONT8X16_REPLACEMENT + 1)

extern const uint8_t font8x16_glyphs[FONT8X16_COUNT][FONT8X16_HEIGHT];

/* The glyph of character 'ch' (a code point), or the replacement glyph when
 * the font has none. */
static inline const uint8_t *font8x16_glyph(uint32_t ch)
{
	if (ch < FONT8X16_FIRST || ch > FONT8X16_LAST)
		return font8x16_glyphs[FONT8X16_REPLACEMENT];
	return font8x16_glyphs[ch - FONT8X16_FIRST];
}

#endif /* FONT8X16_H */
