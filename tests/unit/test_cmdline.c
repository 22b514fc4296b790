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

KTEST(cmdline_word_after_flag)
{
	KT_EXPECT(cmdline_has_arg("selftest clear", "selftest", "clear"));
	KT_EXPECT(cmdline_has_arg("loglevel=7  selftest\tclear quick", "selftest", "clear"));
	KT_EXPECT(cmdline_has_arg("selftest=clear", "selftest", "clear"));
	KT_EXPECT(!cmdline_has_arg("selftest", "selftest", "clear"));
	KT_EXPECT(!cmdline_has_arg("clear selftest", "selftest", "clear"));
	KT_EXPECT(!cmdline_has_arg("selftest quick clear", "selftest", "clear"));
	KT_EXPECT(!cmdline_has_arg("selftest clearly", "selftest", "clear"));
	KT_EXPECT(!cmdline_has_arg("myselftest clear", "selftest", "clear"));
	KT_EXPECT(!cmdline_has_arg("selftest=clearx", "selftest", "clear"));
	KT_EXPECT(!cmdline_has_arg(NULL, "selftest", "clear"));
	KT_EXPECT(!cmdline_has_arg("", "selftest", "clear"));
}

/* A dotted key as Linux spells its module options (iommu.strict=0): the
 * dot is part of the name, and neither half alone matches it. */
KTEST(cmdline_dotted_key)
{
	const char *cl = "test=iommu_ iommu.strict=0 quick";
	char buf[8];

	KT_ASSERT(cmdline_get(cl, "iommu.strict", buf, sizeof(buf)));
	KT_EXPECT(strcmp(buf, "0") == 0);
	KT_EXPECT(!cmdline_get(cl, "iommu", buf, sizeof(buf)));
	KT_EXPECT(!cmdline_get(cl, "strict", buf, sizeof(buf)));
	KT_EXPECT(!cmdline_get("iommu.strictx=0", "iommu.strict", buf, sizeof(buf)));
}
