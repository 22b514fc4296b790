/*
 * test_font8x16.c - the built-in font: every glyph distinct, space blank,
 * nothing else blank, and characters outside ASCII get the replacement box.
 */
#include "font8x16.h"

#include <string.h>

#include "ktest.h"

static bool glyph_blank(const uint8_t *g)
{
	for (uint32_t r = 0; r < FONT8X16_HEIGHT; r++)
		if (g[r])
			return false;
	return true;
}

KTEST(font_space_is_blank_and_only_space)
{
	KT_EXPECT(glyph_blank(font8x16_glyph(' ')));
	for (uint32_t i = 0; i < FONT8X16_COUNT; i++)
		if (i != ' ' - FONT8X16_FIRST && glyph_blank(font8x16_glyphs[i])) {
			ktest_diag("glyph %u is blank", i);
			KT_EXPECT(0);
		}
}

KTEST(font_glyphs_distinct)
{
	for (uint32_t i = 0; i < FONT8X16_COUNT; i++)
		for (uint32_t j = i + 1; j < FONT8X16_COUNT; j++)
			if (memcmp(font8x16_glyphs[i], font8x16_glyphs[j],
				   FONT8X16_HEIGHT) == 0) {
				ktest_diag("glyphs %u and %u are the same", i, j);
				KT_EXPECT(0);
			}
}

KTEST(font_lookup_and_replacement)
{
	const uint8_t *box = font8x16_glyphs[FONT8X16_REPLACEMENT];

	KT_EXPECT(font8x16_glyph('A') == font8x16_glyphs['A' - FONT8X16_FIRST]);
	KT_EXPECT(font8x16_glyph('~') == font8x16_glyphs[FONT8X16_COUNT - 2]);
	KT_EXPECT(font8x16_glyph(0) == box);
	KT_EXPECT(font8x16_glyph('\n') == box);
	KT_EXPECT(font8x16_glyph(0x7f) == box);
	KT_EXPECT(font8x16_glyph(0xe9) == box);
	KT_EXPECT(font8x16_glyph(0x263a) == box);
}

/* The replacement is a hollow box: rows 2 and 13 closed, sides between. */
KTEST(font_replacement_is_hollow_box)
{
	const uint8_t *box = font8x16_glyphs[FONT8X16_REPLACEMENT];

	KT_EXPECT_EQ(box[0] | box[1] | box[14] | box[15], 0);
	KT_EXPECT_EQ(box[2], 0xfe);  /* #######. */
	KT_EXPECT_EQ(box[13], 0xfe);
	for (uint32_t r = 3; r < 13; r++)
		KT_EXPECT_EQ(box[r], 0x82); /* #.....#. */
}

/* Column 7 is the gap between characters for letters and digits. */
KTEST(font_alnum_leave_column_gap)
{
	for (uint32_t c = '0'; c <= 'z'; c++) {
		const uint8_t *g = font8x16_glyph(c);

		if ((c > '9' && c < 'A') || (c > 'Z' && c < 'a'))
			continue;
		for (uint32_t r = 0; r < FONT8X16_HEIGHT; r++)
			KT_EXPECT_EQ(g[r] & 1, 0);
	}
}
