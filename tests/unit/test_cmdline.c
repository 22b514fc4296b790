/*
 * test_cmdline.c - the command-line reader: flags, key=value, last wins,
 * prefixes of other words not mistaken for the key, truncation.
 */
#include <string.h>

#include "cmdline.h"
#include "ktest.h"

KTEST(cmdline_flags_and_values)
{
	const char *cl = "  test loglevel=7 test=pool_  quiet";
	char buf[16];

	KT_EXPECT(cmdline_has(cl, "test"));
	KT_EXPECT(cmdline_has(cl, "quiet"));
	KT_EXPECT(!cmdline_has(cl, "tes"));
	KT_EXPECT(!cmdline_has(cl, "loglevel=7x"));
	KT_ASSERT(cmdline_get(cl, "loglevel", buf, sizeof(buf)));
	KT_EXPECT(strcmp(buf, "7") == 0);
	KT_ASSERT(cmdline_get(cl, "test", buf, sizeof(buf)));
	KT_EXPECT(strcmp(buf, "pool_") == 0);
	KT_EXPECT(!cmdline_get(cl, "quiet", buf, sizeof(buf)));
}

KTEST(cmdline_edge_cases)
{
	char buf[4];

	KT_EXPECT(!cmdline_has("", "test"));
	KT_EXPECT(!cmdline_has(NULL, "test"));
	KT_EXPECT(!cmdline_has("testing", "test"));
	KT_ASSERT(cmdline_get("k=abcdef", "k", buf, sizeof(buf)));
	KT_EXPECT(strcmp(buf, "abc") == 0);
	KT_ASSERT(cmdline_get("k=1 k=2", "k", buf, sizeof(buf)));
	KT_EXPECT(strcmp(buf, "2") == 0);
	KT_ASSERT(cmdline_get("k=", "k", buf, sizeof(buf)));
	KT_EXPECT(buf[0] == '\0');
}
